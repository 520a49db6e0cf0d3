"""Chat Completions stream processors, from recorded-shape transcripts (fixtures/*.sse)."""

from __future__ import annotations

import json
from typing import Callable, Dict

import pytest

from llmsdk import StopReason, TextContent, ThinkingContent, ToolUseContent, Usage
from llmsdk.errors import (
    IncompleteStreamError, MalformedEventError, ProviderStreamError, RateLimitError, ServerError,
)
from llmsdk.events import Content, PartialContent, Stop
from llmsdk.providers.base import StreamProcessor
from llmsdk.providers.groq.stream import GroqStreamProcessor
from llmsdk.providers.openai.stream import OpenAIStreamProcessor
from llmsdk.providers.openai_compatible.stream import OpenAICompatibleStreamProcessor
from llmsdk.providers.openrouter.stream import OpenRouterStreamProcessor

from ._support import assert_every_split_identical, fixture, outcome, run

PROCESSORS: Dict[str, Callable[[], StreamProcessor]] = {
    "openai": OpenAIStreamProcessor,
    "groq": GroqStreamProcessor,
    "openrouter": OpenRouterStreamProcessor,
    "compatible": OpenAICompatibleStreamProcessor,
}

FIXTURE_FILES = [
    "openai_text.sse", "openai_tool.sse", "openai_parallel_tools.sse", "openai_error.sse", "openai_refusal.sse",
    "groq_text.sse", "groq_reasoning_tools.sse", "groq_x_error.sse", "groq_event_error.sse",
    "openrouter_text.sse", "openrouter_reasoning_tool.sse", "openrouter_error.sse", "compatible_reasoning.sse",
]


def processor_for(name: str) -> Callable[[], StreamProcessor]:
    return PROCESSORS[name.split("_", 1)[0]]


# -- OpenAI -------------------------------------------------------------------------------


def test_openai_text_usage_and_cached_tokens() -> None:
    processor = OpenAIStreamProcessor()
    events = run(processor, [fixture("openai_text.sse")])
    assert events == [
        PartialContent(0, TextContent("Hello")),
        PartialContent(0, TextContent(", Zoë — 東京 ☀️")),
        Content(0, TextContent("Hello, Zoë — 東京 ☀️")),
        Stop(StopReason.END_TURN, Usage(input_tokens=185, output_tokens=9, cache_reads=1024)),
    ]
    assert processor.response_id == "chatcmpl-1"
    assert processor.model == "gpt-4.1-2025-04-14"
    assert processor.done


def test_openai_tool_call_fragments_are_joined_and_parsed() -> None:
    events = run(OpenAIStreamProcessor(), [fixture("openai_tool.sse")])
    assert events == [
        Content(0, ToolUseContent("call_TMbEoYn9q0ZKtoxav5LpD9Ts", "get_weather", {"city": "Tokyo"})),
        Stop(StopReason.TOOL_USE, Usage(input_tokens=147, output_tokens=218, reasoning_tokens=192)),
    ]


def test_openai_parallel_tool_calls_with_interleaved_fragments() -> None:
    events = run(OpenAIStreamProcessor(), [fixture("openai_parallel_tools.sse")])
    assert events == [
        PartialContent(0, TextContent("Checking both cities.")),
        Content(0, TextContent("Checking both cities.")),
        Content(1, ToolUseContent("call_paris", "get_weather", {"city": "Paris"})),
        Content(2, ToolUseContent("call_kyoto", "get_weather", {"city": "京都"})),
        Stop(StopReason.TOOL_USE, Usage(input_tokens=80, output_tokens=40)),
    ]


def test_openai_error_chunk_raises_provider_stream_error_after_earlier_events() -> None:
    processor = OpenAIStreamProcessor()
    events, error = outcome(processor, [fixture("openai_error.sse")])
    assert events == [PartialContent(0, TextContent("Partial"))]
    assert error is not None
    kind, message = error
    assert issubclass(kind, ProviderStreamError) and issubclass(kind, ServerError)
    assert "Sorry about that" in message
    assert not processor.done


def test_openai_refusal_is_text_with_refusal_stop_reason() -> None:
    events = run(OpenAIStreamProcessor(), [fixture("openai_refusal.sse")])
    assert events[-2:] == [
        Content(0, TextContent("I'm sorry, I can't help with that.")),
        Stop(StopReason.REFUSAL, Usage()),
    ]


@pytest.mark.parametrize("cut_before", [b"data: [DONE]", b'data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1753357673,"model":"gpt-4.1-2025-04-14","choices":[],'])
def test_openai_missing_done_is_incomplete(cut_before: bytes) -> None:
    raw = fixture("openai_text.sse")
    truncated = raw[: raw.index(cut_before)]
    with pytest.raises(IncompleteStreamError):
        run(OpenAIStreamProcessor(), [truncated])


def _finish_stream(reason: str, tools: bool = False) -> bytes:
    from llmsdk.testing.openai import ChatStream

    stream = ChatStream("openai").role()
    if tools:
        stream.tool_calls([("call_1", "f", {"x": 1})])
    else:
        stream.text("hi")
    return stream.finish(reason).done().body()


@pytest.mark.parametrize("reason, expected", [
    ("stop", StopReason.END_TURN),
    ("length", StopReason.MAX_TOKENS),
    ("tool_calls", StopReason.TOOL_USE),
    ("function_call", StopReason.TOOL_USE),
    ("content_filter", StopReason.CONTENT_FILTER),
    ("something_new", StopReason.OTHER),
])
def test_every_finish_reason_is_mapped(reason: str, expected: StopReason) -> None:
    events = run(OpenAIStreamProcessor(), [_finish_stream(reason)])
    assert isinstance(events[-1], Stop) and events[-1].reason is expected


def test_forced_tool_choice_reporting_stop_is_tool_use() -> None:
    events = run(OpenAIStreamProcessor(), [_finish_stream("stop", tools=True)])
    assert events[-1].reason is StopReason.TOOL_USE  # type: ignore[attr-defined]


def test_no_usage_chunk_without_include_usage_gives_zero_usage() -> None:
    from llmsdk.testing.openai import ChatStream

    raw = ChatStream("openai").role().text("hi").finish("stop", usage=False).done().body()
    assert run(OpenAIStreamProcessor(), [raw])[-1] == Stop(StopReason.END_TURN, Usage())


def test_invalid_tool_arguments_raise_unless_cut_by_length() -> None:
    from llmsdk.testing.openai import ChatStream

    def stream(reason: str) -> bytes:
        s = ChatStream("openai").role()
        s.raw(s.chunk_dict({"tool_calls": [{"index": 0, "id": "c", "type": "function",
                                            "function": {"name": "f", "arguments": '{"n": 2, "city": "Pa'}}]}))
        return s.finish(reason).done().body()

    with pytest.raises(MalformedEventError):
        run(OpenAIStreamProcessor(), [stream("tool_calls")])
    events = run(OpenAIStreamProcessor(), [stream("length")])
    assert events == [Content(0, ToolUseContent("c", "f", {"n": 2})), Stop(StopReason.MAX_TOKENS, events[-1].usage)]  # type: ignore[attr-defined]


def test_other_choices_and_events_after_done_are_ignored() -> None:
    from llmsdk.testing.openai import ChatStream

    s = ChatStream("openai").role().text("A")
    second = s.chunk_dict({"content": "B"})
    second["choices"][0]["index"] = 1
    raw = s.raw(second).finish("stop").done().text("late").body()
    events = run(OpenAIStreamProcessor(), [raw])
    assert [e for e in events if isinstance(e, Content)] == [Content(0, TextContent("A"))]
    assert events[-1].reason is StopReason.END_TURN


def test_non_json_data_is_malformed() -> None:
    with pytest.raises(MalformedEventError):
        OpenAIStreamProcessor().process("message", "{not json")


def test_tool_calls_without_index_are_matched_by_id() -> None:
    p = OpenAIStreamProcessor()
    chunk = {"choices": [{"index": 0, "delta": {"tool_calls": [
        {"id": "a", "function": {"name": "f", "arguments": {"x": 1}}},
        {"id": "b", "function": {"name": "g", "arguments": "{}"}}]}, "finish_reason": "tool_calls"}]}
    events = list(p.process("message", json.dumps(chunk))) + list(p.process("message", "[DONE]"))
    assert events[:2] == [Content(0, ToolUseContent("a", "f", {"x": 1})), Content(1, ToolUseContent("b", "g", {}))]


# -- Groq ---------------------------------------------------------------------------------


def test_groq_usage_comes_from_x_groq() -> None:
    events = run(GroqStreamProcessor(), [fixture("groq_text.sse")])
    assert events == [
        PartialContent(0, TextContent("Hello!")),
        Content(0, TextContent("Hello!")),
        Stop(StopReason.END_TURN, Usage(input_tokens=12, output_tokens=3)),
    ]


def test_groq_reasoning_then_whole_parallel_tool_calls_in_one_chunk() -> None:
    events = run(GroqStreamProcessor(), [fixture("groq_reasoning_tools.sse")])
    assert events == [
        PartialContent(0, ThinkingContent("User wants weather ")),
        PartialContent(0, ThinkingContent("in Paris and Zürich.")),
        Content(0, ThinkingContent("User wants weather in Paris and Zürich.")),
        Content(1, ToolUseContent("call_n4sU1", "get_weather", {"city": "Paris"})),
        Content(2, ToolUseContent("call_n4sU2", "get_weather", {"city": "Zürich"})),
        Stop(StopReason.TOOL_USE, Usage(input_tokens=92, output_tokens=48, cache_reads=128, reasoning_tokens=20)),
    ]


def test_groq_x_groq_error_string_raises() -> None:
    events, error = outcome(GroqStreamProcessor(), [fixture("groq_x_error.sse")])
    assert events == [PartialContent(0, TextContent("Hi"))]
    assert error is not None and issubclass(error[0], ProviderStreamError)
    assert "over capacity" in error[1]


def test_groq_named_error_event_raises_the_status_class() -> None:
    _, error = outcome(GroqStreamProcessor(), [fixture("groq_event_error.sse")])
    assert error is not None
    assert issubclass(error[0], ProviderStreamError) and issubclass(error[0], RateLimitError)
    assert "Rate limit reached" in error[1]


# -- OpenRouter ---------------------------------------------------------------------------


def test_openrouter_keep_alives_usage_and_cost() -> None:
    processor = OpenRouterStreamProcessor()
    events = run(processor, [fixture("openrouter_text.sse")])
    assert events == [
        PartialContent(0, TextContent("Hello")),
        PartialContent(0, TextContent(" — ça va?")),
        Content(0, TextContent("Hello — ça va?")),
        Stop(StopReason.END_TURN, Usage(input_tokens=194, output_tokens=2)),
    ]
    assert processor.cost == pytest.approx(0.00003)


def test_openrouter_reasoning_details_are_merged_and_kept_as_the_signature() -> None:
    processor = OpenRouterStreamProcessor()
    events = run(processor, [fixture("openrouter_reasoning_tool.sse")])
    thinking = events[2]
    assert events[:2] == [PartialContent(0, ThinkingContent("Need the ")),
                          PartialContent(0, ThinkingContent("weather tool."))]
    assert isinstance(thinking, Content) and isinstance(thinking.content, ThinkingContent)
    assert thinking.content.thinking == "Need the weather tool."
    assert json.loads(thinking.content.signature or "") == [{
        "type": "reasoning.text", "text": "Need the weather tool.", "format": "anthropic-claude-v1", "index": 0,
        "signature": "EqMBCkgIBhABGAIiQFake==",
    }]
    assert events[3:] == [
        Content(1, ToolUseContent("toolu_01Fake", "get_weather", {"city": "Paris"})),
        Stop(StopReason.TOOL_USE, Usage(input_tokens=110, output_tokens=35, cache_reads=100, cache_writes=200, reasoning_tokens=12)),
    ]
    assert processor.cost == pytest.approx(0.0018)


def test_openrouter_mid_stream_error_with_finish_reason_error() -> None:
    events, error = outcome(OpenRouterStreamProcessor(), [fixture("openrouter_error.sse")])
    assert events == [PartialContent(0, TextContent("Once upon"))]
    assert error is not None
    assert issubclass(error[0], ProviderStreamError) and issubclass(error[0], ServerError)
    assert "Provider disconnected unexpectedly" in error[1]


# -- OpenAI-compatible --------------------------------------------------------------------


def test_compatible_reads_reasoning_content_and_deepseek_cache_fields() -> None:
    events = run(OpenAICompatibleStreamProcessor(), [fixture("compatible_reasoning.sse")])
    assert events == [
        PartialContent(0, ThinkingContent("2 + 2 is 4.")),
        PartialContent(1, TextContent("4")),
        Content(0, ThinkingContent("2 + 2 is 4.")),
        Content(1, TextContent("4")),
        Stop(StopReason.MAX_TOKENS, Usage(input_tokens=13, output_tokens=20)),
    ]


def test_openai_ignores_reasoning_fields_it_never_sends() -> None:
    events = run(OpenAIStreamProcessor(), [fixture("compatible_reasoning.sse")])
    assert not any(isinstance(e.content, ThinkingContent) for e in events if isinstance(e, (Content, PartialContent)))


# -- byte-level robustness ----------------------------------------------------------------


@pytest.mark.parametrize("name", FIXTURE_FILES)
def test_crlf_framing_gives_the_same_result(name: str) -> None:
    new = processor_for(name)
    assert outcome(new(), [fixture(name, crlf=True)]) == outcome(new(), [fixture(name)])


@pytest.mark.parametrize("name", FIXTURE_FILES)
def test_every_two_chunk_split_gives_identical_events(name: str) -> None:
    events, _ = assert_every_split_identical(processor_for(name), fixture(name))
    assert events  # the transcript produced something


@pytest.mark.parametrize("name", ["openai_parallel_tools.sse", "openrouter_text.sse", "groq_reasoning_tools.sse"])
def test_every_two_chunk_split_of_crlf_transcripts(name: str) -> None:
    assert_every_split_identical(processor_for(name), fixture(name, crlf=True))


# -- the plain-text fast path ---------------------------------------------------------------


@pytest.mark.parametrize("name", FIXTURE_FILES)
def test_fast_path_gives_the_same_outcome_as_the_general_path(name: str) -> None:
    fast = processor_for(name)()
    slow = processor_for(name)()
    assert fast.plain_text_fast_path  # type: ignore[attr-defined]
    slow.plain_text_fast_path = False  # type: ignore[attr-defined]
    chunks = [fixture(name)]
    assert outcome(fast, chunks) == outcome(slow, chunks)
    assert (fast.response_id, fast.model, fast.usage) == (slow.response_id, slow.model, slow.usage)


def test_a_subclass_overriding_a_hook_leaves_the_fast_path_off_unless_it_opts_in() -> None:
    class Custom(OpenAIStreamProcessor):
        def chunk_usage(self, chunk):  # type: ignore[no-untyped-def]
            return None

    class OptedIn(Custom):
        plain_text_fast_path = True

    class Plain(OpenAIStreamProcessor):
        provider = "plain"

    assert not Custom.plain_text_fast_path and OptedIn.plain_text_fast_path and Plain.plain_text_fast_path
