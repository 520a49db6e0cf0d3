"""DeepSeek: ``reasoning_content`` read and sent back where the API requires it, and usage
with cache hits and misses priced exactly. Stream transcript: the Vercel AI SDK's recorded
deepseek-v4-flash tool call (trimmed, ``fixtures/README.md``)."""

from __future__ import annotations

import pytest

from llmsdk.models import get_model
from llmsdk.providers.deepseek import DeepSeekRequestFormatter, DeepSeekStreamProcessor, usage_from_deepseek
from llmsdk.types import (
    LLMMessage, LLMRequest, StopReason, TextContent, ThinkingContent, ThinkingOptions, ToolResultContent,
    ToolUseContent, Usage,
)

from ._support import assert_every_split_identical, response_of, sse_of

FORMAT = DeepSeekRequestFormatter()


def test_tool_call_transcript() -> None:
    response = response_of(DeepSeekStreamProcessor(), sse_of("deepseek_tool_call.chunks"))
    assert response.content == [
        ThinkingContent("The user asks about"),
        ToolUseContent(id="call_00_IhCAliIHtM9gKpgfqbBV9873", name="weather", input={"location": "San Francisco"}),
    ]
    assert response.stop_reason == StopReason.TOOL_USE
    # prompt_tokens 374 = 256 hits + 118 misses: misses are input, hits are cache reads
    assert response.usage == Usage(input_tokens=118, output_tokens=61, cache_reads=256, reasoning_tokens=17)


def test_every_two_chunk_split_is_identical() -> None:
    events, error = assert_every_split_identical(DeepSeekStreamProcessor, sse_of("deepseek_tool_call.chunks"))
    assert events and error is None


def test_usage_without_the_cache_fields_reads_as_openais() -> None:
    assert usage_from_deepseek({"prompt_tokens": 10, "completion_tokens": 3}) == Usage(input_tokens=10,
                                                                                       output_tokens=3)
    assert usage_from_deepseek({"prompt_tokens": 10, "completion_tokens": 3, "prompt_cache_hit_tokens": 4}) == \
        Usage(input_tokens=6, output_tokens=3, cache_reads=4)


def test_hits_and_misses_are_priced_at_their_own_rates() -> None:
    model = get_model("deepseek-flash", provider="deepseek")
    assert (model.input_per_mtok, model.cache_read_per_mtok, model.output_per_mtok) == (0.3, 0.006, 1.2)
    cost = model.calculate_cost(Usage(input_tokens=118, output_tokens=61, cache_reads=256))
    assert cost == pytest.approx((118 * 0.3 + 256 * 0.006 + 61 * 1.2) / 1e6, rel=1e-12)
    assert get_model("deepseek-v4-flash", provider="deepseek") is model  # the legacy id is an alias


def _conversation() -> list:
    return [
        LLMMessage.user("Weather in Paris?"),
        LLMMessage.assistant(ThinkingContent("Earlier turn reasoning."), "Let me check."),
        LLMMessage.user("And in Rome?"),
        LLMMessage.assistant(ThinkingContent("Need the weather tool."),
                             ToolUseContent(id="call_1", name="weather", input={"city": "Rome"})),
        LLMMessage(role="user", tool_results=[ToolResultContent("call_1", "21C")]),
    ]


def test_v4_sends_reasoning_content_on_every_assistant_turn() -> None:
    messages = FORMAT.body(LLMRequest(model="deepseek-flash", messages=_conversation()))["messages"]
    assistants = [m for m in messages if m["role"] == "assistant"]
    assert [m["reasoning_content"] for m in assistants] == ["Earlier turn reasoning.", "Need the weather tool."]
    plain = FORMAT.body(LLMRequest(model="deepseek-v4-pro", messages=[
        LLMMessage.user("Hi"), LLMMessage.assistant("Hello"), LLMMessage.user("Bye")]))["messages"]
    assert plain[1] == {"role": "assistant", "content": "Hello", "reasoning_content": ""}  # V4 wants the field


def test_other_models_get_reasoning_only_in_the_tool_continuation() -> None:
    messages = FORMAT.body(LLMRequest(model="deepseek-reasoner", messages=_conversation()))["messages"]
    assistants = [m for m in messages if m["role"] == "assistant"]
    assert "reasoning_content" not in assistants[0]
    assert assistants[1]["reasoning_content"] == "Need the weather tool."


def test_thinking_switch_and_json_mode() -> None:
    def body(**kw: object) -> dict:
        return FORMAT.body(LLMRequest(model="deepseek-flash", messages=[LLMMessage.user("?")], **kw))

    assert body(thinking=ThinkingOptions(budget_tokens=0))["thinking"] == {"type": "disabled"}
    assert body(thinking=ThinkingOptions(effort="high"))["thinking"] == {"type": "enabled"}
    out = body(output_schema={"type": "object", "properties": {"a": {"type": "integer"}}}, max_tokens=9)
    assert out["response_format"] == {"type": "json_object"} and out["max_tokens"] == 9
    assert out["stream_options"] == {"include_usage": True}
    assert "schema" in out["messages"][0]["content"].lower() or "json" in out["messages"][0]["content"].lower()


def test_text_reply_has_no_thinking_block() -> None:
    body = (b'data: {"id":"a","model":"deepseek-v4-flash","choices":[{"index":0,"delta":{"role":"assistant",'
            b'"content":"Hi","reasoning_content":null}}],"usage":null}\n\n'
            b'data: {"id":"a","choices":[{"index":0,"delta":{"content":""},"finish_reason":"stop"}],'
            b'"usage":{"prompt_tokens":5,"completion_tokens":1,"prompt_cache_hit_tokens":0,'
            b'"prompt_cache_miss_tokens":5}}\n\ndata: [DONE]\n\n')
    response = response_of(DeepSeekStreamProcessor(), body)
    assert response.content == [TextContent("Hi")] and response.usage == Usage(input_tokens=5, output_tokens=1)
