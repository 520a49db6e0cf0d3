"""Responses API stream processor, from recorded-shape transcripts (fixtures/responses_*.sse)."""

from __future__ import annotations

import pytest

from llmsdk import Citation, ProviderToolContent, StopReason, TextContent, ThinkingContent, ToolUseContent, Usage
from llmsdk.errors import (
    BadRequestError, IncompleteStreamError, MalformedEventError, ProviderStreamError, RateLimitError, ServerError,
)
from llmsdk._core.accumulate import accumulate
from llmsdk.events import Content, PartialContent, Stop
from llmsdk.providers.openai.responses_stream import ResponsesStreamProcessor, usage_from_responses

from ._support import assert_every_split_identical, fixture, outcome, run

REASONING_SIGNATURE = (
    "gAAAAABp5ki8o0m5pmaGoF4KkBesIEEEIul83V1oO8S50iaHgjolG3_SLSvG_akyiEn64__x9CbsY3IZj9z8nZaDdPzRfDu3ySBiDaDzWaxO"
    "UNAZkJkSIqMZ0SxDe7prhz119a1DJTvBrn1wIqDCuz=="
)
SUMMARY = "**Explaining multiplication stepwise**\n\nI split 23 into 20 + 3.\n\n**Adding up**\n\n940 + 141 = 1081."

FIXTURE_FILES = [
    "responses_text.sse", "responses_parallel_tools.sse", "responses_reasoning.sse", "responses_reasoning_tool.sse",
    "responses_refusal.sse", "responses_incomplete.sse", "responses_content_filter.sse",
    "responses_incomplete_tool.sse", "responses_failed.sse", "responses_failed_prompt.sse", "responses_error.sse",
    "responses_error_flat.sse", "responses_web_search.sse",
]


def test_text_usage_takes_cached_tokens_out_of_input() -> None:
    processor = ResponsesStreamProcessor()
    events = run(processor, [fixture("responses_text.sse")])
    assert events == [
        PartialContent(0, TextContent("Hello")),
        PartialContent(0, TextContent(", Zoë")),
        PartialContent(0, TextContent(" — 東京")),
        PartialContent(0, TextContent(" ☀️")),
        Content(0, TextContent("Hello, Zoë — 東京 ☀️")),
        Stop(StopReason.END_TURN, Usage(input_tokens=86, output_tokens=9, cache_reads=1920)),
    ]
    assert processor.response_id == "resp_text1"
    assert processor.model == "gpt-5.4-mini-2026-03-17"
    assert processor.done


def test_parallel_function_calls_are_separate_tool_uses_in_order() -> None:
    events = run(ResponsesStreamProcessor(), [fixture("responses_parallel_tools.sse")])
    finished = [e for e in events if isinstance(e, (Content, Stop))]
    assert finished == [
        Content(0, TextContent("Checking both cities.")),
        Content(1, ToolUseContent("call_paris", "get_weather", {"city": "Paris"})),
        Content(2, ToolUseContent("call_kyoto", "get_weather", {"city": "京都", "unit": "C"})),
        Stop(StopReason.TOOL_USE, Usage(input_tokens=80, output_tokens=40)),
    ]


def test_reasoning_summary_and_encrypted_content_become_a_signed_thinking_block() -> None:
    events = run(ResponsesStreamProcessor(), [fixture("responses_reasoning.sse")])
    thinking_deltas = "".join(e.content.thinking for e in events
                              if isinstance(e, PartialContent) and isinstance(e.content, ThinkingContent))
    assert thinking_deltas == SUMMARY  # summary parts joined by a blank line, as the final block
    finished = [e for e in events if isinstance(e, (Content, Stop))]
    assert finished == [
        Content(0, ThinkingContent(SUMMARY, signature=REASONING_SIGNATURE, id="rs_0d55a3ada081595d")),
        Content(1, TextContent("47 × 23 = 1081.")),
        Stop(StopReason.END_TURN, Usage(input_tokens=32, output_tokens=107, reasoning_tokens=64)),  # reasoning tokens included
    ]


def test_reasoning_without_summary_still_keeps_its_encrypted_item() -> None:
    events = run(ResponsesStreamProcessor(), [fixture("responses_reasoning_tool.sse")])
    assert events == [
        Content(0, ThinkingContent("", signature="gAAAAABpEncryptedOnlyNoSummary==", id="rs_0730d762b8425ec2")),
        Content(1, ToolUseContent("call_lXXeAhYrkvWB3R6d2q5F8MbU", "get_weather",
                                  {"city": "Paris", "country": "France", "unit": "C"})),
        Stop(StopReason.TOOL_USE, Usage(input_tokens=106, output_tokens=36, reasoning_tokens=8)),
    ]


def test_the_added_copy_of_a_reasoning_item_is_not_trusted() -> None:
    """``output_item.added`` carries half the encrypted content; only ``done`` counts."""
    response = accumulate(run(ResponsesStreamProcessor(), [fixture("responses_reasoning.sse")]))
    assert response.content[0].signature == REASONING_SIGNATURE


def test_refusal_streams_as_text_and_stops_with_refusal() -> None:
    events = run(ResponsesStreamProcessor(), [fixture("responses_refusal.sse")])
    assert events[-2:] == [
        Content(0, TextContent("I'm sorry, I can't help with that.")),
        Stop(StopReason.REFUSAL, Usage(input_tokens=20, output_tokens=10)),
    ]
    assert all(isinstance(e.content, TextContent) for e in events if isinstance(e, PartialContent))


@pytest.mark.parametrize("name, reason", [
    ("responses_incomplete.sse", StopReason.MAX_TOKENS),
    ("responses_content_filter.sse", StopReason.CONTENT_FILTER),
])
def test_incomplete_response_keeps_the_text_and_stops_with_its_reason(name: str, reason: StopReason) -> None:
    events = run(ResponsesStreamProcessor(), [fixture(name)])
    response = accumulate(events)
    assert isinstance(events[-1], Stop) and events[-1].reason is reason
    assert events[-2] == Content(0, TextContent(response.text))
    assert response.text in ("The answer is a long story that", "Here is")


def test_function_call_cut_by_max_output_tokens_keeps_its_finished_arguments() -> None:
    events = run(ResponsesStreamProcessor(), [fixture("responses_incomplete_tool.sse")])
    assert events[-2] == Content(0, ToolUseContent("call_cut", "write_file", {"path": "a.txt"}))
    assert events[-1] == Stop(StopReason.MAX_TOKENS, Usage(input_tokens=40, output_tokens=20))


def test_failed_response_raises_the_mapped_error_after_earlier_events() -> None:
    events, error = outcome(ResponsesStreamProcessor(), [fixture("responses_failed.sse")])
    assert events == [PartialContent(0, TextContent("Partial"))]
    assert error is not None and issubclass(error[0], RateLimitError) and issubclass(error[0], ProviderStreamError)
    assert "Rate limit reached" in error[1]


def test_failed_prompt_is_a_bad_request() -> None:
    _, error = outcome(ResponsesStreamProcessor(), [fixture("responses_failed_prompt.sse")])
    assert error is not None and issubclass(error[0], BadRequestError) and issubclass(error[0], ProviderStreamError)


def test_error_event_nested_as_sent_maps_its_type() -> None:
    events, error = outcome(ResponsesStreamProcessor(), [fixture("responses_error.sse")])
    assert events == [PartialContent(0, TextContent("Partial"))]
    assert error is not None and "Too Many Requests" in error[1] and issubclass(error[0], RateLimitError)


def test_error_event_flat_as_documented_maps_its_code() -> None:
    _, error = outcome(ResponsesStreamProcessor(), [fixture("responses_error_flat.sse")])
    assert error is not None and issubclass(error[0], ServerError) and issubclass(error[0], ProviderStreamError)


def test_error_event_with_a_known_code_wins_over_its_type() -> None:
    processor = ResponsesStreamProcessor()
    data = ('{"type":"error","error":{"type":"invalid_request_error","code":"context_length_exceeded",'
            '"message":"Your input exceeds the context window of this model.","param":"input"},"sequence_number":2}')
    with pytest.raises(ProviderStreamError) as caught:
        processor.process("error", data)
    assert type(caught.value).__name__ == "ProviderStreamContextWindowExceededError"


def test_body_that_ends_before_a_terminal_event_is_incomplete() -> None:
    raw = fixture("responses_text.sse")
    cut = raw.index(b"event: response.completed")
    events, error = outcome(ResponsesStreamProcessor(), [raw[:cut]])
    assert error is not None and error[0] is IncompleteStreamError
    assert accumulate(events).text == "Hello, Zoë — 東京 ☀️"


def test_unknown_events_are_ignored_and_nothing_follows_the_terminal_event() -> None:
    processor = ResponsesStreamProcessor()
    assert processor.process("response.web_search_call.searching",
                             '{"type":"response.web_search_call.searching","item_id":"ws_1","output_index":0}') == ()
    run(processor, [fixture("responses_text.sse")])
    assert processor.process("response.output_text.delta", '{"type":"response.output_text.delta","delta":"x",'
                             '"output_index":0,"content_index":0}') == ()


def test_event_data_that_is_not_json_is_malformed() -> None:
    with pytest.raises(MalformedEventError):
        ResponsesStreamProcessor().process("response.created", "{not json")


def test_web_search_call_is_a_provider_tool_block_counted_in_usage_and_citations_are_kept() -> None:
    events = run(ResponsesStreamProcessor(), [fixture("responses_web_search.sse")])
    finished = [e for e in events if isinstance(e, (Content, Stop))]
    item = {"id": "ws_0fake0", "type": "web_search_call", "status": "completed",
            "action": {"type": "search", "query": "llmsdk python"}}
    annotation = {"type": "url_citation", "url": "https://example.com/llmsdk", "title": "llmsdk docs",
                  "start_index": 0, "end_index": 26}
    assert finished == [
        Content(0, ProviderToolContent("web_search_call", item, provider="openai_responses")),
        Content(1, TextContent("llmsdk is a Python client.", citations=[Citation(
            cited_text="llmsdk is a Python client.", title="llmsdk docs", url="https://example.com/llmsdk",
            start=0, end=26, raw=annotation)])),
        Stop(StopReason.END_TURN, Usage(input_tokens=300, output_tokens=20, server_tool_use={"web_search": 1})),
    ]


def test_usage_mapping_with_cache_writes() -> None:
    raw = {"input_tokens": 5000, "input_tokens_details": {"cached_tokens": 3000, "cache_write_tokens": 1000},
           "output_tokens": 700, "output_tokens_details": {"reasoning_tokens": 500}, "total_tokens": 5700}
    assert usage_from_responses(raw) == Usage(input_tokens=1000, output_tokens=700, cache_reads=3000, reasoning_tokens=500,
                                              cache_writes=1000)


@pytest.mark.parametrize("name", FIXTURE_FILES)
def test_every_two_chunk_split_gives_the_same_result(name: str) -> None:
    assert_every_split_identical(ResponsesStreamProcessor, fixture(name))


@pytest.mark.parametrize("name", ["responses_text.sse", "responses_reasoning.sse"])
def test_crlf_framing_gives_the_same_events(name: str) -> None:
    assert outcome(ResponsesStreamProcessor(), [fixture(name, crlf=True)]) == \
        outcome(ResponsesStreamProcessor(), [fixture(name)])
