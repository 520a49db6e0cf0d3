"""Gemini late-2026 changes (issue 22, PROVIDERS.md §9.6): CONTINUATION is never a clean stop,
every new finish reason maps to a typed stop or error, XHIGH thinking, the API version."""

from __future__ import annotations

import json
from typing import Any, List

import pytest

from llmsdk import HttpClientOptions, LLMClient, LLMMessage, LLMRequest, ThinkingOptions, Timeouts
from llmsdk._engine.sse import feed
from llmsdk.errors import BadRequestError, InvalidConfigError, PermissionDeniedError, ProviderStreamError
from llmsdk.events import Stop
from llmsdk.providers.gemini.request import build_request_body, continuation_request, continuation_token
from llmsdk.providers.gemini.stream import GeminiStreamProcessor, map_finish_reason
from llmsdk.testing import FakeProviderServer
from llmsdk.testing import gemini as G
from llmsdk.testing.server import ScriptedReply
from llmsdk.types import ProviderToolContent, StopReason

KEY = "AIza-test-SECRET-0123456789"


def frames_with(finish_reason: str, **candidate: Any) -> List[bytes]:
    first = G.chunk([{"text": "Once upon a "}])
    last = G.chunk([{"text": "time"}], finish_reason=finish_reason)
    last["candidates"][0].update(candidate)
    return [G.frame(first), G.frame(last)]


@pytest.mark.parametrize("reason, expected", [
    ("CONTINUATION", StopReason.MAX_TOKENS),
    ("MALFORMED_RESPONSE", StopReason.ERROR),
    ("ESCALATION", StopReason.CONTENT_FILTER),
    ("MODEL_ARMOR", StopReason.CONTENT_FILTER),
    ("STOP", StopReason.END_TURN),
    ("SOMETHING_NEW", StopReason.OTHER),
])
def test_new_finish_reasons_map_to_typed_stops(reason: str, expected: StopReason) -> None:
    assert map_finish_reason(reason, False) is expected
    events = feed(GeminiStreamProcessor(), frames_with(reason))
    assert isinstance(events[-1], Stop) and events[-1].reason is expected


@pytest.mark.parametrize("reason, error", [
    ("MISSING_THOUGHT_SIGNATURE", BadRequestError),
    ("PUP_LIMITED_DISABLED", PermissionDeniedError),
])
def test_finish_reasons_that_are_errors_raise_typed_errors(reason: str, error: type) -> None:
    with pytest.raises(error) as caught:
        feed(GeminiStreamProcessor(), frames_with(reason))
    assert isinstance(caught.value, ProviderStreamError) and caught.value.error_type == reason


def test_continuation_reports_truncation_with_its_token() -> None:
    events = feed(GeminiStreamProcessor(), frames_with("CONTINUATION", continuationToken="Q09OVElOVUU="))
    blocks = [e.content for e in events if isinstance(getattr(e, "content", None), ProviderToolContent)]
    assert blocks == [ProviderToolContent("continuation", {"continuationToken": "Q09OVElOVUU="}, provider="gemini")]
    assert events[-1].reason is StopReason.MAX_TOKENS  # never END_TURN


@pytest.fixture
def server():
    with FakeProviderServer() as srv:
        yield srv


def client_for(server: FakeProviderServer, **kw: Any) -> LLMClient:
    return LLMClient.new(HttpClientOptions.new_gemini(KEY, server.url, timeouts=Timeouts(connect=5, read=10), **kw))


def test_continuing_a_cut_reply_end_to_end(server: FakeProviderServer) -> None:
    server.add_reply(ScriptedReply.sse(frames_with("CONTINUATION", continuationToken="tok-1")),
                     G.text_reply(" there was a model."))
    client = client_for(server)
    request = LLMRequest(model="gemini-3.8-flash", messages=[LLMMessage.user("Tell a story")])
    first = client.complete(request)
    assert first.stop_reason is StopReason.MAX_TOKENS and continuation_token(first) == "tok-1"
    follow = continuation_request(request, first)
    assert follow is not None
    second = client.complete(follow)
    sent = server.requests[1].json
    assert sent["continuationToken"] == "tok-1" and sent["contents"] == server.requests[0].json["contents"]
    assert first.text + second.text == "Once upon a time there was a model."
    assert continuation_request(request, second) is None
    # the continuation block is not sent back as a part on a later turn
    history = LLMRequest(model="gemini-3.8-flash", messages=[LLMMessage.user("Hi"), first.to_message(),
                                                           LLMMessage.user("go on")])
    assert "continuationToken" not in json.dumps(build_request_body(history)["contents"])
    client.close()


def test_xhigh_thinking_level() -> None:
    body = build_request_body(LLMRequest(model="gemini-3.1-pro-preview", messages=[LLMMessage.user("Hi")],
                                         thinking=ThinkingOptions(effort="xhigh")))
    assert body["generationConfig"]["thinkingConfig"]["thinkingLevel"] == "XHIGH"


def test_api_version_is_configurable(server: FakeProviderServer) -> None:
    server.add_reply(G.text_reply("a"), G.text_reply("b"))
    default, v1 = client_for(server), client_for(server, api_version="v1")
    request = LLMRequest(model="gemini-3.8-flash", messages=[LLMMessage.user("Hi")])
    default.complete(request)
    v1.complete(request)
    assert server.requests[0].path.startswith("/v1beta/models/gemini-3.8-flash:streamGenerateContent")
    assert server.requests[1].path.startswith("/v1/models/gemini-3.8-flash:streamGenerateContent")
    with pytest.raises(InvalidConfigError):
        client_for(server, api_version="v1;drop")
    default.close(), v1.close()
