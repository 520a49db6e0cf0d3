"""GeminiStreamProcessor fed recorded transcripts through sseclient-py, as the engine does."""

from __future__ import annotations

from typing import Iterable, List, Sequence

import pytest
from sseclient import SSEClient

from llmsdk._core.accumulate import accumulate
from llmsdk._engine.sse import feed
from llmsdk.errors import (
    BadRequestError, IncompleteStreamError, MalformedEventError, OverloadedError, ProviderStreamError,
    RateLimitError,
)
from llmsdk.events import Content, PartialContent, Stop, _Event
from llmsdk.providers.gemini.stream import GeminiStreamProcessor, map_finish_reason, usage_from_metadata
from llmsdk.testing import gemini
from llmsdk.types import StopReason, TextContent, ThinkingContent, ToolUseContent, Usage

from . import transcripts as t


def run(pieces: Iterable[bytes], processor: GeminiStreamProcessor = None) -> List[_Event]:
    return feed(processor or GeminiStreamProcessor(), pieces)


def assert_every_split_identical(raw: bytes, expected: Sequence[_Event]) -> None:
    for cut in range(1, len(raw)):
        assert run([raw[:cut], raw[cut:]]) == list(expected), f"split at byte {cut}"


def test_text_with_thoughts() -> None:
    events = run([t.TEXT_WITH_THOUGHTS])
    thought = "**Defining Atmospheric Color**\n\nI'm working on it"
    answer = "The sky is blue because the Earth's atmosphere scatters shorter, bluer wavelengths — Rayleigh 🌍."
    assert events == [
        PartialContent(0, ThinkingContent(thought)),
        Content(0, ThinkingContent(thought)),
        PartialContent(1, TextContent("The sky is blue because the Earth's")),
        PartialContent(1, TextContent(" atmosphere scatters shorter, bluer wavelengths — Rayleigh 🌍.")),
        Content(1, TextContent(answer)),
        Stop(StopReason.END_TURN, Usage(input_tokens=12, output_tokens=35 + 697, reasoning_tokens=697)),
    ]
    response = accumulate(events)
    assert response.text == answer and response.thinking == thought


def test_text_every_two_chunk_split_is_identical() -> None:
    assert_every_split_identical(t.TEXT_WITH_THOUGHTS, run([t.TEXT_WITH_THOUGHTS]))


def test_function_call_with_id_and_signature() -> None:
    proc = GeminiStreamProcessor()
    events = run([t.TOOL_CALL], proc)
    text = " this list that is in Africa. I will now fetch the current weather for Cairo in Celsius. \n\n"
    call = ToolUseContent("u959pftr", "get_weather", {"country": "Egypt", "unit": "C", "city": "Cairo"},
                          signature="EpoICpcIAQw51sc78WQ2")
    assert events == [
        PartialContent(0, TextContent(text)),
        Content(0, TextContent(text)),
        Content(1, call),
        Stop(StopReason.TOOL_USE, Usage(input_tokens=135, output_tokens=136 + 226, reasoning_tokens=226)),
    ]
    assert proc.response_id == "VYEPauj2Noe3jMcP_dvjoQg"
    assert proc.model == "gemini-3.1-pro-preview"


def test_function_call_every_two_chunk_split_is_identical() -> None:
    assert_every_split_identical(t.TOOL_CALL, run([t.TOOL_CALL]))


def test_parallel_calls_without_ids_get_stable_generated_ids() -> None:
    events = run([t.PARALLEL_CALLS_NO_IDS])
    assert events == [
        Content(0, ToolUseContent("gemini-call-resp42-0", "get_weather", {"city": "Paris"}, signature="CiQBSig1")),
        Content(1, ToolUseContent("gemini-call-resp42-1", "get_time", {"tz": "Europe/Paris"})),
        Stop(StopReason.TOOL_USE, Usage(input_tokens=50, output_tokens=20)),
    ]
    assert run([t.PARALLEL_CALLS_NO_IDS]) == events  # deterministic
    assert_every_split_identical(t.PARALLEL_CALLS_NO_IDS, events)


def test_call_without_id_or_response_id_gets_a_hash_id() -> None:
    data = '{"candidates":[{"content":{"parts":[{"functionCall":{"name":"f","args":{"a":1}}}]},"finishReason":"STOP"}]}'
    first = run([f"data: {data}\r\n\r\n".encode()])
    second = run([f"data: {data}\r\n\r\n".encode()])
    call = first[0].content
    assert call.id.startswith("gemini-call-") and call.id == second[0].content.id


def test_safety_stop_maps_to_content_filter() -> None:
    events = run([t.SAFETY_STOP])
    assert events[-1] == Stop(StopReason.CONTENT_FILTER, Usage(input_tokens=10, output_tokens=3))
    assert accumulate(events).text == "Here is how"
    assert_every_split_identical(t.SAFETY_STOP, events)


def test_cached_thought_and_tool_prompt_tokens() -> None:
    events = run([t.CACHED_USAGE])
    assert events[-1] == Stop(StopReason.MAX_TOKENS, Usage(input_tokens=205, output_tokens=32, cache_reads=1000, reasoning_tokens=30))


def test_usage_is_the_last_cumulative_value_and_kept_current() -> None:
    proc = GeminiStreamProcessor()
    frames = t.TEXT_WITH_THOUGHTS.split(b"\r\n\r\n")
    run_partial = list(SSEClient(iter([frames[0] + b"\r\n\r\n"])).events())
    proc.process("message", run_partial[0].data)
    assert proc.usage == Usage(input_tokens=12, output_tokens=67, reasoning_tokens=67)  # thoughts-only chunk: no candidates count
    assert usage_from_metadata({}) == Usage()


@pytest.mark.parametrize("reason, tool, expected", [
    ("STOP", False, StopReason.END_TURN),
    ("STOP", True, StopReason.TOOL_USE),
    ("MAX_TOKENS", False, StopReason.MAX_TOKENS),
    ("SAFETY", False, StopReason.CONTENT_FILTER),
    ("RECITATION", False, StopReason.CONTENT_FILTER),
    ("BLOCKLIST", False, StopReason.CONTENT_FILTER),
    ("PROHIBITED_CONTENT", False, StopReason.CONTENT_FILTER),
    ("SPII", False, StopReason.CONTENT_FILTER),
    ("IMAGE_SAFETY", False, StopReason.CONTENT_FILTER),
    ("IMAGE_PROHIBITED_CONTENT", False, StopReason.CONTENT_FILTER),
    ("IMAGE_RECITATION", False, StopReason.CONTENT_FILTER),
    ("MALFORMED_FUNCTION_CALL", False, StopReason.ERROR),
    ("UNEXPECTED_TOOL_CALL", True, StopReason.ERROR),
    ("TOO_MANY_TOOL_CALLS", True, StopReason.ERROR),
    ("LANGUAGE", False, StopReason.OTHER),
    ("OTHER", False, StopReason.OTHER),
    ("NO_IMAGE", False, StopReason.OTHER),
    ("IMAGE_OTHER", False, StopReason.OTHER),
    ("FINISH_REASON_UNSPECIFIED", False, StopReason.OTHER),
    ("SOMETHING_NEW", False, StopReason.OTHER),
])
def test_every_finish_reason(reason: str, tool: bool, expected: StopReason) -> None:
    assert map_finish_reason(reason, tool) is expected


def test_thought_signature_on_trailing_empty_part_joins_the_answer_block() -> None:
    raw = gemini.thinking_reply("Let me think.", "Answer.", signature="SIG==").body_bytes()
    events = run([raw])
    assert [type(e) for e in events if type(e) is Content] == [Content, Content]
    response = accumulate(events)
    assert response.content == [ThinkingContent("Let me think."), TextContent("Answer.", signature="SIG==")]
    assert_every_split_identical(raw, events)


def test_signature_only_part_after_a_call_becomes_an_empty_signed_text_block() -> None:
    body = gemini.function_call_reply([("f", {})], signature=None,
                                      final_parts=[{"text": "", "thoughtSignature": "TRAIL"}]).body_bytes()
    response = accumulate(run([body]))
    assert response.content == [ToolUseContent("call000x", "f", {}), TextContent("", signature="TRAIL")]
    assert response.stop_reason is StopReason.TOOL_USE


def test_a_second_signature_starts_a_new_block() -> None:
    parts = [[{"text": "a", "thoughtSignature": "S1"}], [{"text": "b", "thoughtSignature": "S2"}], [{"text": "c"}]]
    response = accumulate(run(gemini.stream(parts)))
    assert response.content == [TextContent("a", signature="S1"), TextContent("bc", signature="S2")]


def test_truncated_stream_raises_incomplete() -> None:
    body = gemini.stream([[{"text": "Hel"}], [{"text": "lo"}]], finish_reason=None)
    with pytest.raises(IncompleteStreamError, match="without a finishReason"):
        run(body)
    with pytest.raises(IncompleteStreamError):
        run([])  # an empty 200 body


def test_prompt_block_raises_a_clear_bad_request_stream_error() -> None:
    proc = GeminiStreamProcessor()
    with pytest.raises(BadRequestError) as info:
        run([t.PROMPT_BLOCKED], proc)
    err = info.value
    assert isinstance(err, ProviderStreamError)
    assert "blocked the prompt" in str(err) and "PROHIBITED_CONTENT" in str(err)
    assert err.error_type == "PROMPT_BLOCKED:PROHIBITED_CONTENT" and err.status == 400
    assert proc.usage == Usage(input_tokens=9)


def test_mid_stream_error_maps_to_the_status_class() -> None:
    with pytest.raises(OverloadedError) as info:
        run([t.MID_STREAM_ERROR])
    assert isinstance(info.value, ProviderStreamError)
    assert info.value.status == 503 and info.value.error_type == "UNAVAILABLE"
    quota = gemini.frame(gemini.error_body(429, "RESOURCE_EXHAUSTED", "Quota exceeded"))
    with pytest.raises(RateLimitError):
        run([quota])


def test_malformed_chunk() -> None:
    with pytest.raises(MalformedEventError):
        run([b"data: {not json\r\n\r\n"])
    with pytest.raises(MalformedEventError):
        run([b'data: "a string"\r\n\r\n'])


def test_unknown_parts_and_fields_are_ignored() -> None:
    parts = [[{"executableCode": {"language": "PYTHON", "code": "print(1)"}}, {"text": "done"}]]
    body = gemini.stream(parts)
    events = run(body)
    assert accumulate(events).content == [TextContent("done")]
