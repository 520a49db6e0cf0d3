"""Anthropic API version 2026-10-21 (issue 22, PROVIDERS.md §9.1-9.2): the version rules,
sampling parameters never sent on it (one warning per client), the turn rules, forced tool
choice, thinking display, ``error.details.error_code`` and pass-through blocks."""

from __future__ import annotations

import json
import logging
from typing import Any, Dict

import pytest

from llmsdk import (
    DocumentContent, HttpClientOptions, LLMClient, LLMMessage, LLMRequest, ThinkingOptions, Timeouts, Tool,
)
from llmsdk.errors import BadRequestError, InvalidConfigError, InvalidRequestError
from llmsdk.models import get_model
from llmsdk.providers.anthropic.request import build_body, build_count_tokens_body, format_block
from llmsdk.providers.anthropic.stream import AnthropicStreamProcessor
from llmsdk.providers.anthropic.versions import (
    BEDROCK_LEGACY, LATEST_VERSION, LEGACY_VERSION, VERTEX_LEGACY, allows_sampling, body_anthropic_version,
    check_version, claude_generation,
)
from llmsdk.testing import FakeProviderServer
from llmsdk.testing import anthropic as A
from llmsdk.testing.server import ScriptedReply
from llmsdk.types import Citation, ProviderToolContent, TextContent, ToolResultContent

KEY = "sk-ant-test-SECRET-0123456789"
TOOL = Tool(name="get_weather", description="Weather", input_schema={"type": "object", "properties": {}})


def req(model: Any = "claude-sonnet-4-6", **kw: Any) -> LLMRequest:
    kw.setdefault("messages", [LLMMessage.user("Hi")])
    return LLMRequest(model=get_model(model, "anthropic") if isinstance(model, str) else model, **kw)


# -- versions.py ---------------------------------------------------------------------------


def test_version_setting_default_pin_and_bad_values() -> None:
    assert check_version(None) == LATEST_VERSION == "2026-10-21"
    assert check_version("2023-06-01") == LEGACY_VERSION
    with pytest.raises(InvalidConfigError):
        check_version("latest")
    assert allows_sampling(LEGACY_VERSION) and not allows_sampling(LATEST_VERSION)


@pytest.mark.parametrize("model_id, expected", [
    ("anthropic.claude-opus-4-6-v1:0", BEDROCK_LEGACY),
    ("us.anthropic.claude-sonnet-4-5-20250929-v1:0", BEDROCK_LEGACY),
    ("anthropic.claude-3-7-sonnet-20250219-v1:0", BEDROCK_LEGACY),
    ("anthropic.claude-haiku-4-5", BEDROCK_LEGACY),  # before 4.7, whatever the spelling
    ("anthropic.claude-opus-4-7", LATEST_VERSION),
    ("global.anthropic.claude-opus-4-8", LATEST_VERSION),
    ("anthropic.claude-haiku-5-5", LATEST_VERSION),
    ("anthropic.claude-opus-4-7-v1:0", BEDROCK_LEGACY),  # ARN-versioned: the legacy integration
])
def test_bedrock_body_version_per_model(model_id: str, expected: str) -> None:
    assert body_anthropic_version("bedrock", model_id) == expected


def test_vertex_body_version_and_pins() -> None:
    assert body_anthropic_version("vertex", "claude-opus-4-1@20250805") == LATEST_VERSION
    assert body_anthropic_version("vertex", "claude-sonnet-5-5", LEGACY_VERSION) == VERTEX_LEGACY
    assert body_anthropic_version("bedrock", "anthropic.claude-opus-4-8", LEGACY_VERSION) == BEDROCK_LEGACY
    with pytest.raises(InvalidConfigError):
        body_anthropic_version("azure", "claude-opus-4-8")


def test_claude_generation_spellings() -> None:
    assert claude_generation("claude-opus-4-7-20260416") == (4, 7)
    assert claude_generation("claude-3-5-haiku-20241022") == (3, 5)
    assert claude_generation("claude-opus-5") == (5, 0)
    assert claude_generation("claude-sonnet-4-20250514") == (4, 0)
    assert claude_generation("gpt-6") is None


# -- request rules -------------------------------------------------------------------------


def test_sampling_never_sent_on_2026_10_21() -> None:
    dropped = []
    body = build_body(req(temperature=1.0, top_p=0.9, extra_body={"top_k": 5}), LATEST_VERSION, dropped.extend)
    assert not {"temperature", "top_p", "top_k"} & set(body) and dropped == ["temperature", "top_p", "top_k"]
    count = build_count_tokens_body(req(temperature=0.5), LATEST_VERSION)
    assert "temperature" not in count
    legacy = build_body(req(temperature=0.2, extra_body={"top_k": 5}), LEGACY_VERSION)
    assert (legacy["temperature"], legacy["top_k"]) == (0.2, 5)


def test_models_that_reject_sampling_lose_it_on_the_old_version_too() -> None:
    body = build_body(req("claude-sonnet-5-5", temperature=0.2), LEGACY_VERSION)
    assert "temperature" not in body


def test_document_in_an_assistant_turn_is_refused_on_2026_10_21() -> None:
    doc = DocumentContent.from_text("notes", title="Notes")
    messages = [LLMMessage.user("Hi"), LLMMessage(role="assistant", content=[doc]), LLMMessage.user("And?")]
    with pytest.raises(InvalidRequestError, match="assistant turn"):
        build_body(req(messages=messages), LATEST_VERSION)
    assert build_body(req(messages=messages), LEGACY_VERSION)["messages"][1]["content"][0]["type"] == "document"


def test_citations_in_user_turns_are_removed_on_2026_10_21() -> None:
    citation = Citation(cited_text="x", raw={"type": "char_location", "cited_text": "x", "document_index": 0,
                                             "start_char_index": 0, "end_char_index": 1})
    cited = TextContent("quoted", citations=[citation])
    search = ProviderToolContent("search_result", {"source": "s", "title": "t", "content": [
        {"type": "text", "text": "r", "citations": [citation.raw]}]}, provider="anthropic")
    messages = [LLMMessage(role="user", content=[cited, search]), LLMMessage(role="assistant", content=[cited]),
                LLMMessage(role="user", content=[ToolResultContent("toolu_1", [cited])])]
    body = build_body(req(messages=messages), LATEST_VERSION)
    user = body["messages"][0]["content"]
    assert "citations" not in user[0] and "citations" not in user[1]["content"][0]
    assert body["messages"][1]["content"][0]["citations"] == [citation.raw]  # assistant text keeps them
    assert "citations" not in body["messages"][2]["content"][0]["content"][0]
    assert build_body(req(messages=messages), LEGACY_VERSION)["messages"][0]["content"][0]["citations"]


def test_forced_tool_choice_refused_on_models_that_reject_it() -> None:
    with pytest.raises(InvalidRequestError, match="forced tool_choice"):
        build_body(req("claude-opus-5-5", tools=[TOOL], tool_choice="any"))
    with pytest.raises(InvalidRequestError):
        build_body(req("claude-sonnet-5-5", tools=[TOOL], tool_choice={"name": "get_weather"}))
    assert build_body(req("claude-opus-5-5", tools=[TOOL], tool_choice="auto"))["tool_choice"] == {"type": "auto"}
    assert build_body(req("claude-opus-4-6", tools=[TOOL], tool_choice="any"))["tool_choice"] == {"type": "any"}


def test_structured_output_goes_through_output_config_on_those_models() -> None:
    schema = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}
    body = build_body(req("claude-opus-5-5", tools=[TOOL], output_schema=schema))
    assert body["output_config"]["format"]["type"] == "json_schema"
    assert "tool_choice" not in body and [t["name"] for t in body["tools"]] == ["get_weather"]


def test_thinking_display_summarized_where_the_model_omits_it_by_default() -> None:
    thinking = build_body(req("claude-opus-5-5", thinking=ThinkingOptions()))["thinking"]
    assert thinking == {"type": "adaptive", "display": "summarized"}
    hidden = build_body(req("claude-opus-5-5", thinking=ThinkingOptions(include_thoughts=False)))["thinking"]
    assert hidden == {"type": "adaptive"}
    assert build_body(req("claude-sonnet-4-6", thinking=ThinkingOptions()))["thinking"] == {"type": "adaptive"}


def test_compaction_and_fallback_blocks_pass_through_unchanged() -> None:
    proc = AnthropicStreamProcessor()
    block: Dict[str, Any] = {"type": "fallback", "model": "claude-opus-4-8", "reason": "overloaded"}
    proc.process("message_start", json.dumps({"type": "message_start", "message": {
        "id": "msg_1", "type": "message", "role": "assistant", "model": "claude-opus-5-5", "content": [],
        "stop_reason": None, "usage": {"input_tokens": 5, "output_tokens": 0}}}))
    events = list(proc.process("content_block_start", json.dumps(
        {"type": "content_block_start", "index": 0, "content_block": block})))
    events += list(proc.process("content_block_stop", json.dumps({"type": "content_block_stop", "index": 0})))
    finished = [e for e in events if hasattr(e, "content") and isinstance(e.content, ProviderToolContent)]
    assert finished and format_block(finished[-1].content) == block
    compaction = ProviderToolContent("compaction", {"content": "Summary of earlier turns."}, provider="anthropic")
    assert format_block(compaction) == {"type": "compaction", "content": "Summary of earlier turns."}


# -- end to end ------------------------------------------------------------------------------


@pytest.fixture
def server():
    with FakeProviderServer() as srv:
        yield srv


def client_for(server: FakeProviderServer, **kw: Any) -> LLMClient:
    return LLMClient.new(HttpClientOptions.new_anthropic(KEY, server.url, timeouts=Timeouts(connect=5, read=10), **kw))


def test_default_client_sends_2026_10_21_and_warns_once(server: FakeProviderServer,
                                                        caplog: pytest.LogCaptureFixture) -> None:
    server.add_reply(A.text_reply("a"), A.text_reply("b"), A.text_reply("c"))
    first, second = client_for(server), client_for(server)
    with caplog.at_level(logging.WARNING, logger="llmsdk.anthropic"):
        first.complete(req(temperature=0.3))
        first.complete(req(temperature=0.3))
        second.complete(req(top_p=0.5))
    assert [r.headers["anthropic-version"] for r in server.requests] == [LATEST_VERSION] * 3
    assert all(not {"temperature", "top_p"} & set(r.json) for r in server.requests)
    warnings = [r for r in caplog.records if "not sent" in r.getMessage()]
    assert len(warnings) == 2  # once per client
    first.close(), second.close()


def test_a_bad_version_setting_fails_at_construction(server: FakeProviderServer) -> None:
    with pytest.raises(InvalidConfigError, match="anthropic_version"):
        client_for(server, anthropic_version="newest")


def test_count_tokens_speaks_the_pinned_version(server: FakeProviderServer) -> None:
    server.add_reply(ScriptedReply.json(200, {"input_tokens": 7}))
    client = client_for(server, anthropic_version="2023-06-01")
    assert client.count_tokens(req(temperature=0.2)) == 7
    assert server.requests[0].headers["anthropic-version"] == LEGACY_VERSION
    assert server.requests[0].path == "/v1/messages/count_tokens"
    client.close()


def test_a_client_pinned_to_2023_06_01_keeps_sampling(server: FakeProviderServer) -> None:
    server.add_reply(A.text_reply("a"))
    client = client_for(server, anthropic_version="2023-06-01")
    client.complete(req(temperature=0.3))
    sent = server.requests[0]
    assert sent.headers["anthropic-version"] == LEGACY_VERSION and sent.json["temperature"] == 0.3
    client.close()


def test_error_details_error_code_is_read(server: FakeProviderServer) -> None:
    body = {"type": "error", "error": {"type": "invalid_request_error", "message": "compaction block misplaced",
                                       "details": {"error_code": "compaction_block_misplaced"}},
            "request_id": "req_1"}
    server.add_reply(ScriptedReply.json(400, body))
    client = client_for(server, max_retries=0)
    with pytest.raises(BadRequestError) as caught:
        client.complete(req())
    assert caught.value.error_code == "compaction_block_misplaced"
    assert caught.value.error_type == "invalid_request_error"
    client.close()
