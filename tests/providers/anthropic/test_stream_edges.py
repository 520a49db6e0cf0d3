"""Anthropic streams at their edges: blocks still open at ``message_stop`` and
``signature_delta`` on a block that is not thinking (anthropic-sdk-python's
``accumulate_event`` keeps open blocks in the final message, input parsed in partial mode,
and applies a signature only to a thinking block)."""

from __future__ import annotations

from typing import List

from llmsdk._engine.sse import feed
from llmsdk import LLMEvent, StopReason, TextContent, ThinkingContent, ToolUseContent, Usage
from llmsdk.providers.anthropic.stream import AnthropicStreamProcessor
from llmsdk.testing import anthropic as A


def run(body: bytes) -> List[object]:
    return list(feed(AnthropicStreamProcessor(), [body]))


def test_a_tool_call_cut_without_its_block_stop_is_kept_with_the_arguments_so_far() -> None:
    body = b"".join([
        A.message_start(),
        *A.text_block(0, "Booking now."),
        A.event("content_block_start", index=1,
                content_block={"type": "tool_use", "id": "toolu_01", "name": "book", "input": {}}),
        A.event("content_block_delta", index=1, delta={"type": "input_json_delta", "partial_json": ""}),
        A.event("content_block_delta", index=1,
                delta={"type": "input_json_delta", "partial_json": '{"city": "Paris", "nights": 3, "no'}),
        *A.message_end("max_tokens", output_tokens=64),  # no content_block_stop for index 1
    ])
    events = run(body)
    assert events[-2:] == [
        LLMEvent.Content(1, ToolUseContent("toolu_01", "book", {"city": "Paris", "nights": 3})),
        LLMEvent.Stop(StopReason.MAX_TOKENS, Usage(25, 64)),
    ]


def test_open_blocks_are_finished_in_index_order_before_stop() -> None:
    body = b"".join([
        A.message_start(),
        A.event("content_block_start", index=0, content_block={"type": "thinking", "thinking": ""}),
        A.event("content_block_delta", index=0, delta={"type": "thinking_delta", "thinking": "hmm"}),
        A.event("content_block_start", index=1, content_block={"type": "text", "text": ""}),
        A.event("content_block_delta", index=1, delta={"type": "text_delta", "text": "Hi"}),
        A.event("content_block_start", index=2,
                content_block={"type": "tool_use", "id": "toolu_02", "name": "now", "input": {}}),
        *A.message_end("max_tokens"),
    ])
    events = run(body)
    finished = [e for e in events if isinstance(e, LLMEvent.Content)]
    assert finished == [LLMEvent.Content(0, ThinkingContent("hmm")), LLMEvent.Content(1, TextContent("Hi")),
                        LLMEvent.Content(2, ToolUseContent("toolu_02", "now", {}))]
    assert events[-1].reason is StopReason.MAX_TOKENS  # still last, after the finished blocks


def test_the_final_response_keeps_the_cut_tool_call(server, anthropic_client) -> None:  # type: ignore[no-untyped-def]
    from llmsdk.testing import ScriptedReply
    from tests.conftest import simple_request

    server.add_reply(ScriptedReply.sse([
        A.message_start(),
        A.event("content_block_start", index=0,
                content_block={"type": "tool_use", "id": "toolu_03", "name": "book", "input": {}}),
        A.event("content_block_delta", index=0, delta={"type": "input_json_delta", "partial_json": '{"city": "Ro'}),
        *A.message_end("max_tokens"),
    ]))
    response = anthropic_client().complete(simple_request())
    assert response.tool_uses == [ToolUseContent("toolu_03", "book", {})]
    assert response.stop_reason is StopReason.MAX_TOKENS


def test_a_signature_delta_on_a_text_block_is_ignored() -> None:
    body = b"".join([
        A.message_start(),
        A.event("content_block_start", index=0, content_block={"type": "text", "text": ""}),
        A.event("content_block_delta", index=0, delta={"type": "text_delta", "text": "Hello"}),
        A.event("content_block_delta", index=0, delta={"type": "signature_delta", "signature": "EqQBsig=="}),
        A.event("content_block_stop", index=0),
        *A.message_end(),
    ])
    events = run(body)
    assert events == [
        LLMEvent.PartialContent(0, TextContent("Hello")),
        LLMEvent.Content(0, TextContent("Hello")),
        LLMEvent.Stop(StopReason.END_TURN, Usage(25, 15)),
    ]


def test_a_signature_delta_on_a_thinking_block_still_signs_it() -> None:
    events = run(b"".join(A.stream([A.thinking_block(0, "deep thought", "EqQBsig==")])))
    assert LLMEvent.PartialContent(0, ThinkingContent("", signature="EqQBsig==")) in events
    assert LLMEvent.Content(0, ThinkingContent("deep thought", signature="EqQBsig==")) in events
