"""Whole Anthropic messages (what batch result files hold) -> LLMResponse, checked against
a recorded body (anthropic-sdk-python ``tests/lib/tools/__inline_snapshot__``) and against
the stream of the same reply."""

from typing import Any, Dict

from llmsdk import RedactedThinkingContent, StopReason, TextContent, ThinkingContent, ToolUseContent, Usage
from llmsdk.providers.anthropic.response import message_frames, parse_response
from llmsdk.providers.anthropic.stream import AnthropicStreamProcessor
from llmsdk.testing import anthropic as A
from tests.providers._streamed import streamed_response

# Recorded by anthropic-sdk-python (claude-opus-4-5 with code execution), code shortened.
RECORDED: Dict[str, Any] = {
    "model": "claude-opus-4-5-20251101", "id": "msg_01LAwUK3MeXUxoNW5ZgnPpGy", "type": "message",
    "role": "assistant",
    "content": [
        {"type": "text", "text": "I'll check the weather for all three cities in Celsius simultaneously."},
        {"type": "server_tool_use", "id": "srvtoolu_017SzB73BSitzNFo1Xb3bq7S", "name": "code_execution",
         "input": {"code": "sf = await get_weather({\"location\": \"San Francisco, CA\", \"units\": \"c\"})"},
         "caller": {"type": "direct"}},
        {"type": "tool_use", "id": "toolu_011MDRpaZRMRRjtFkJizD6nS", "name": "get_weather",
         "input": {"location": "San Francisco, CA", "units": "c"},
         "caller": {"type": "code_execution_20260120", "tool_id": "srvtoolu_017SzB73BSitzNFo1Xb3bq7S"}},
    ],
    "container": {"id": "container_011CYVPF4iP8oD6Vsz1NhVih", "expires_at": "2026-02-25T20:07:37.475893Z"},
    "stop_reason": "tool_use", "stop_sequence": None,
    "usage": {"input_tokens": 3182, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0,
              "cache_creation": {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 0},
              "output_tokens": 237, "service_tier": "standard", "inference_geo": "not_available",
              "server_tool_use": {"web_search_requests": 0, "web_fetch_requests": 0}},
}


def test_recorded_message():
    resp = parse_response(RECORDED)
    assert resp.id == "msg_01LAwUK3MeXUxoNW5ZgnPpGy"
    assert resp.model == "claude-opus-4-5-20251101"
    assert resp.text == "I'll check the weather for all three cities in Celsius simultaneously."
    assert resp.tool_uses == [ToolUseContent("toolu_011MDRpaZRMRRjtFkJizD6nS", "get_weather",
                                             {"location": "San Francisco, CA", "units": "c"})]
    assert resp.stop_reason is StopReason.TOOL_USE
    assert resp.usage == Usage(input_tokens=3182, output_tokens=237)
    assert resp.provider == "anthropic"


def test_server_tool_input_streams_as_json_deltas():
    frames = message_frames(RECORDED)
    names = [name for name, _ in frames]
    assert names[0] == "message_start" and names[-2:] == ["message_delta", "message_stop"]
    assert names.count("content_block_start") == 3 == names.count("content_block_stop")
    assert '"input_json_delta"' in frames[5][1]  # the server_tool_use block's input


def test_thinking_redacted_thinking_and_cache_usage():
    body = {
        "id": "msg_01Think", "type": "message", "role": "assistant", "model": "claude-sonnet-4-5",
        "content": [
            {"type": "thinking", "thinking": "Let me add these.", "signature": "EqQBSig=="},
            {"type": "redacted_thinking", "data": "EmwKAhgB"},
            {"type": "text", "text": "The answer is 4."},
        ],
        "stop_reason": "end_turn", "stop_sequence": None,
        "usage": {"input_tokens": 12, "output_tokens": 40, "cache_creation_input_tokens": 1500,
                  "cache_read_input_tokens": 3000},
    }
    resp = parse_response(body)
    assert resp.content == [ThinkingContent("Let me add these.", signature="EqQBSig=="),
                            RedactedThinkingContent("EmwKAhgB"), TextContent("The answer is 4.")]
    assert resp.usage == Usage(input_tokens=12, output_tokens=40, cache_reads=3000, cache_writes=1500)


def test_max_tokens_cut_tool_input_is_kept():
    body = {"id": "msg_1", "type": "message", "role": "assistant", "model": "claude-haiku-4-5",
            "content": [{"type": "tool_use", "id": "toolu_1", "name": "f", "input": {"a": 1}}],
            "stop_reason": "max_tokens", "stop_sequence": None, "usage": {"input_tokens": 5, "output_tokens": 9}}
    resp = parse_response(body)
    assert resp.tool_uses[0].input == {"a": 1}
    assert resp.stop_reason is StopReason.MAX_TOKENS


def test_same_response_as_the_stream_of_the_same_reply():
    body = {
        "id": "msg_01Fake", "type": "message", "role": "assistant", "model": A.DEFAULT_MODEL,
        "content": [
            {"type": "thinking", "thinking": "Weather needs a tool.", "signature": "EqQBFakeSignature=="},
            {"type": "text", "text": "Let me check."},
            {"type": "tool_use", "id": "toolu_01Fake", "name": "get_weather", "input": {"city": "Paris"}},
        ],
        "stop_reason": "tool_use", "stop_sequence": None,
        "usage": {"input_tokens": 25, "output_tokens": 15, "cache_creation_input_tokens": 0,
                  "cache_read_input_tokens": 0},
    }
    chunks = A.stream([A.thinking_block(0, "Weather needs a tool."), A.text_block(1, "Let me check."),
                       A.tool_use_block(2, "get_weather", {"city": "Paris"})], stop_reason="tool_use")
    assert parse_response(body) == streamed_response(AnthropicStreamProcessor(), chunks)


def test_web_search_turn_with_citations_same_as_its_stream():
    found = A.web_search_result("https://en.wikipedia.org/wiki/Claude_Shannon", "Claude Shannon - Wikipedia")
    answer = "Claude Shannon was born on April 30, 1916."
    citation = A.web_search_location(found["url"], found["title"], answer)
    body = {
        "id": "msg_01Fake", "type": "message", "role": "assistant", "model": A.DEFAULT_MODEL,
        "content": [
            {"type": "text", "text": "I'll search for that."},
            {"type": "server_tool_use", "id": "srvtoolu_01Fake", "name": "web_search",
             "input": {"query": "claude shannon birth date"}},
            {"type": "web_search_tool_result", "tool_use_id": "srvtoolu_01Fake", "content": [found]},
            {"type": "text", "text": answer, "citations": [citation]},
        ],
        "stop_reason": "end_turn", "stop_sequence": None,
        "usage": {"input_tokens": 25, "output_tokens": 15, "cache_creation_input_tokens": 0,
                  "cache_read_input_tokens": 0, "server_tool_use": {"web_search_requests": 1}},
    }
    resp = parse_response(body)
    assert resp.content[3].citations and resp.content[3].citations[0].url == found["url"]
    assert resp.usage.server_tool_use == {"web_search": 1}
    assert resp == streamed_response(AnthropicStreamProcessor(), A.web_search_reply().body)
