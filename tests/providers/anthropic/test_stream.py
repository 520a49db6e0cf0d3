"""Anthropic stream processing from recorded-style transcripts, incl. every byte split."""

from typing import List

import pytest

from llmsdk import (
    LLMEvent, ProviderToolContent, RedactedThinkingContent, StopReason, TextContent, ThinkingContent, ToolUseContent, Usage,
)
from llmsdk._engine.sse import feed
from llmsdk.errors import IncompleteStreamError, MalformedEventError, OverloadedError, ProviderStreamError
from llmsdk.providers.anthropic.stream import AnthropicStreamProcessor
from llmsdk.testing import anthropic as A

# The streaming docs' text transcript, verbatim (with a ping and spaces after colons).
DOCS_TEXT = b"""event: message_start
data: {"type": "message_start", "message": {"id": "msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY", "type": "message", "role": "assistant", "content": [], "model": "claude-opus-4-1-20250805", "stop_reason": null, "stop_sequence": null, "usage": {"input_tokens": 25, "output_tokens": 1}}}

event: content_block_start
data: {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}

event: ping
data: {"type": "ping"}

event: content_block_delta
data: {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Hello"}}

event: content_block_stop
data: {"type": "content_block_stop", "index": 0}

event: message_delta
data: {"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence":null}, "usage": {"output_tokens": 15}}

event: message_stop
data: {"type": "message_stop"}

"""


def run(chunks: List[bytes]) -> list:
    return feed(AnthropicStreamProcessor(), chunks)


def test_docs_text_transcript():
    events = run([DOCS_TEXT])
    assert events == [
        LLMEvent.PartialContent(0, TextContent("Hello")),
        LLMEvent.Content(0, TextContent("Hello")),
        LLMEvent.Stop(StopReason.END_TURN, Usage(input_tokens=25, output_tokens=15)),
    ]


def _mixed_transcript(crlf: bool = False) -> bytes:
    body = b"".join(A.stream(
        [A.thinking_block(0, "Let me think… about ünïcödé 🌍", "EqQBsig=="), A.redacted_thinking_block(1, "opaque"),
         A.text_block(2, "Héllo wörld — 你好 🌍!", chunk=3), A.tool_use_block(3, "get_weather", {"city": "Zürich"})],
        stop_reason="tool_use", output_tokens=42, input_tokens=85, cache_reads=10, cache_writes=5))
    return body.replace(b"\n", b"\r\n") if crlf else body


def test_mixed_transcript_events():
    events = run([_mixed_transcript()])
    finished = [e.content for e in events if isinstance(e, LLMEvent.Content)]
    assert finished == [
        ThinkingContent("Let me think… about ünïcödé 🌍", signature="EqQBsig=="),
        RedactedThinkingContent("opaque"),
        TextContent("Héllo wörld — 你好 🌍!"),
        ToolUseContent("toolu_01Fake", "get_weather", {"city": "Zürich"}),
    ]
    partial_text = "".join(e.content.text for e in events
                           if isinstance(e, LLMEvent.PartialContent) and isinstance(e.content, TextContent))
    assert partial_text == "Héllo wörld — 你好 🌍!"
    signatures = [e.content.signature for e in events
                  if isinstance(e, LLMEvent.PartialContent) and isinstance(e.content, ThinkingContent)]
    assert signatures[-1] == "EqQBsig=="
    assert events[-1] == LLMEvent.Stop(StopReason.TOOL_USE, Usage(85, 42, cache_reads=10, cache_writes=5))


@pytest.mark.parametrize("crlf", [False, True])
def test_every_two_chunk_split_gives_identical_events(crlf):
    body = _mixed_transcript(crlf)
    expected = run([body])
    assert body.count("🌍".encode()) == 2 and (not crlf or b"\r\n" in body)
    for cut in range(1, len(body)):
        assert run([body[:cut], body[cut:]]) == expected, cut


def test_cumulative_usage_overwrites():
    body = b"".join([A.message_start(input_tokens=100, cache_reads=7), *A.text_block(0, "x"),
                     A.event("message_delta", delta={"stop_reason": "max_tokens"}, usage={"output_tokens": 3}),
                     A.event("message_delta", delta={}, usage={"output_tokens": 9, "input_tokens": 100}),
                     A.event("message_stop")])
    assert run([body])[-1] == LLMEvent.Stop(StopReason.MAX_TOKENS, Usage(100, 9, cache_reads=7))


@pytest.mark.parametrize("wire, reason", [
    ("end_turn", StopReason.END_TURN), ("max_tokens", StopReason.MAX_TOKENS),
    ("stop_sequence", StopReason.STOP_SEQUENCE), ("tool_use", StopReason.TOOL_USE),
    ("pause_turn", StopReason.PAUSE_TURN), ("refusal", StopReason.REFUSAL),
    ("model_context_window_exceeded", StopReason.CONTEXT_WINDOW_EXCEEDED), ("brand_new", StopReason.OTHER),
])
def test_stop_reasons(wire, reason):
    events = run([b"".join(A.stream([A.text_block(0, "x")], stop_reason=wire))])
    assert events[-1].reason is reason


def test_error_event_raises_typed_stream_error():
    processor = AnthropicStreamProcessor()
    processor.process("message_start", A.message_start().split(b"data: ")[1].decode())
    with pytest.raises(ProviderStreamError) as info:
        processor.process("error", '{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}')
    assert isinstance(info.value, OverloadedError) and "Overloaded" in str(info.value)


def test_truncation_and_garbage():
    body = b"".join(A.stream([A.text_block(0, "hello")], terminate=False))
    with pytest.raises(IncompleteStreamError):
        run([body])
    with pytest.raises(MalformedEventError):
        AnthropicStreamProcessor().process("message_start", "{not json")


def test_unknown_events_are_ignored_and_unknown_blocks_kept_whole():
    body = b"".join([A.message_start(), A.event("brand_new_event", x=1),
                     A.event("content_block_start", index=0, content_block={"type": "brand_new_block", "id": "s"}),
                     A.event("content_block_delta", index=0, delta={"type": "citations_delta", "citation": {}}),
                     A.event("content_block_delta", index=0, delta={"type": "brand_new_delta"}),
                     A.event("content_block_stop", index=0), *A.text_block(1, "ok"), *A.message_end()])
    events = run([body])
    assert [e.content for e in events if isinstance(e, LLMEvent.Content)] == [
        ProviderToolContent("brand_new_block", {"type": "brand_new_block", "id": "s"}, "anthropic"), TextContent("ok")]


def test_empty_tool_input_is_an_empty_dict():
    body = b"".join([A.message_start(),
                     A.event("content_block_start", index=0,
                             content_block={"type": "tool_use", "id": "t", "name": "now", "input": {}}),
                     A.event("content_block_delta", index=0, delta={"type": "input_json_delta", "partial_json": ""}),
                     A.event("content_block_stop", index=0), *A.message_end("tool_use")])
    assert ToolUseContent("t", "now", {}) in [e.content for e in run([body]) if isinstance(e, LLMEvent.Content)]


def test_tool_call_cut_by_max_tokens_keeps_finished_arguments():
    body = b"".join([A.message_start(),
                     A.event("content_block_start", index=0,
                             content_block={"type": "tool_use", "id": "t", "name": "book", "input": {}}),
                     A.event("content_block_delta", index=0,
                             delta={"type": "input_json_delta", "partial_json": '{"city": "Paris", "nights": 3, "no'}),
                     A.event("content_block_stop", index=0), *A.message_end("max_tokens")])
    events = run([body])
    assert LLMEvent.Content(0, ToolUseContent("t", "book", {"city": "Paris", "nights": 3})) in events
    assert events[-1].reason is StopReason.MAX_TOKENS
