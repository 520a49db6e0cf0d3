"""The same Responses stream bytes through llmsdk and through the official ``openai`` SDK
(a test-only oracle; skipped without it) give the same text, tool calls, reasoning,
usage, stop reason and failure."""

from __future__ import annotations

import json
from typing import Any, Dict, Iterator, List, Optional, Tuple

import pytest

from llmsdk import HttpClientOptions, LLMClient, LLMMessage, LLMRequest, StopReason, ThinkingContent, Timeouts
from llmsdk.errors import LLMError
from llmsdk.testing import FakeProviderServer, ScriptedReply

from ._support import fixture

openai = pytest.importorskip("openai")

COMPLETE = ["responses_text.sse", "responses_parallel_tools.sse", "responses_reasoning.sse",
            "responses_reasoning_tool.sse", "responses_refusal.sse", "responses_web_search.sse"]
CUT = ["responses_incomplete.sse", "responses_content_filter.sse"]
FAILING = ["responses_failed.sse", "responses_failed_prompt.sse", "responses_error.sse", "responses_error_flat.sse"]

View = Dict[str, Any]


@pytest.fixture(scope="module")
def server() -> Iterator[FakeProviderServer]:
    with FakeProviderServer() as srv:
        yield srv


def sdk_view(server: FakeProviderServer, raw: bytes) -> View:
    """What the SDK reports: text and refusals from the deltas, finished items from
    ``output_item.done``, usage and status from the terminal event."""
    server.add_reply(ScriptedReply.sse([raw]))
    client = openai.OpenAI(api_key="k", base_url=server.url + "/v1", max_retries=0)
    view: View = {"text": "", "tools": [], "reasoning": [], "usage": None, "stop": None, "error": False}
    refused = False
    try:
        for event in client.responses.create(model="gpt-5.4-mini", input="hi", stream=True):
            if event.type == "response.output_text.delta":
                view["text"] += event.delta
            elif event.type == "response.refusal.delta":
                view["text"] += event.delta
                refused = True
            elif event.type == "response.output_item.done" and event.item.type == "function_call":
                view["tools"].append((event.item.call_id, event.item.name, json.loads(event.item.arguments)))
            elif event.type == "response.output_item.done" and event.item.type == "reasoning":
                summary = "\n\n".join(part.text for part in event.item.summary)
                view["reasoning"].append((event.item.id, summary, event.item.encrypted_content))
            elif event.type in ("response.completed", "response.incomplete"):
                usage = event.response.usage
                view["usage"] = (usage.input_tokens - usage.input_tokens_details.cached_tokens,
                                 usage.input_tokens_details.cached_tokens, usage.output_tokens)
                if event.type == "response.incomplete":
                    view["stop"] = event.response.incomplete_details.reason
                else:
                    view["stop"] = "tool_use" if view["tools"] else "refusal" if refused else "end_turn"
            elif event.type in ("response.failed", "error"):
                view["error"] = True
    except openai.APIError:
        view["error"] = True
    finally:
        client.close()
    return view


def llmsdk_view(server: FakeProviderServer, raw: bytes) -> View:
    server.add_reply(ScriptedReply.sse([raw]))
    options = HttpClientOptions.new_openai("k", api_base=server.url, api="responses", max_retries=0,
                                           timeouts=Timeouts(connect=5, read=10))
    view: View = {"text": "", "tools": [], "reasoning": [], "usage": None, "stop": None, "error": False}
    with LLMClient.new(options) as client:
        try:
            resp = client.complete(LLMRequest(model="gpt-5.4-mini", messages=[LLMMessage.user("hi")]))
        except LLMError as exc:
            view["error"] = True
            resp = exc.partial_response
    view["text"] = resp.text
    view["tools"] = [(t.id, t.name, t.input) for t in resp.tool_uses]
    view["reasoning"] = [(b.id, b.thinking, b.signature) for b in resp.content if isinstance(b, ThinkingContent)]
    if not view["error"]:
        u = resp.usage
        view["usage"] = (u.input_tokens, u.cache_reads, u.output_tokens)
        stops: Dict[Optional[StopReason], str] = {StopReason.MAX_TOKENS: "max_output_tokens",
                                                  StopReason.CONTENT_FILTER: "content_filter"}
        view["stop"] = stops.get(resp.stop_reason, str(resp.stop_reason))
    return view


@pytest.mark.parametrize("name", COMPLETE + CUT)
def test_llmsdk_reads_the_bytes_as_the_sdk_does(server: FakeProviderServer, name: str) -> None:
    raw = fixture(name)
    assert llmsdk_view(server, raw) == sdk_view(server, raw)


@pytest.mark.parametrize("name", FAILING)
def test_failures_fail_in_both_and_keep_the_same_text(server: FakeProviderServer, name: str) -> None:
    raw = fixture(name)
    ours, theirs = llmsdk_view(server, raw), sdk_view(server, raw)
    assert ours["error"] and theirs["error"]
    assert ours["text"] == theirs["text"]


def test_the_views_differ_when_the_bytes_do(server: FakeProviderServer) -> None:
    """The comparison has teeth: a different transcript gives a different view."""
    a: Tuple[View, View] = (sdk_view(server, fixture("responses_text.sse")),
                            sdk_view(server, fixture("responses_refusal.sse")))
    assert a[0] != a[1]
    assert isinstance(a[0]["usage"], tuple) and a[0]["stop"] == "end_turn"
    texts: List[str] = [a[0]["text"], a[1]["text"]]
    assert all(texts)
