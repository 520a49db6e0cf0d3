"""Bedrock stream processors from event-stream transcripts: ConverseStream (text, tools,
reasoning with signatures, cache usage, stop reasons, in-stream exceptions) and Claude's
InvokeModelWithResponseStream (the Anthropic events inside ``chunk`` frames)."""

from __future__ import annotations

from typing import List

import pytest

from llmsdk import (
    RedactedThinkingContent, StopReason, TextContent, ThinkingContent, ToolUseContent, Usage,
)
from llmsdk._engine.sse import feed
from llmsdk.errors import (
    BadRequestError, IncompleteStreamError, OverloadedError, ProviderStreamError, RateLimitError, ServerError,
)
from llmsdk.providers.bedrock.stream import ClaudeInvokeStreamProcessor, ConverseStreamProcessor
from llmsdk.testing import accumulate, anthropic, bedrock


def converse(raw: bytes, split: int = 0) -> list:
    chunks: List[bytes] = [raw] if not split else [raw[i:i + split] for i in range(0, len(raw), split)]
    return feed(ConverseStreamProcessor(), chunks)


def test_text_and_cache_usage() -> None:
    raw = bedrock.text_reply("Hello, world!", chunk=3, input_tokens=11, output_tokens=4, cache_reads=100,
                             cache_writes=50).body_bytes()
    response = accumulate(converse(raw, split=7))
    assert response.text == "Hello, world!"
    assert response.stop_reason == StopReason.END_TURN
    assert response.usage == Usage(input_tokens=11, output_tokens=4, cache_reads=100, cache_writes=50)


def test_tool_use_and_reasoning_with_signature() -> None:
    raw = bedrock.stream([bedrock.reasoning_block(0, "Weather needs a tool.", "c2lnbmF0dXJl"),
                          bedrock.text_block(1, "Checking."),
                          bedrock.tool_use_block(2, "get_weather", {"city": "Paris", "unit": "C"}, "tooluse_1")],
                         stop_reason="tool_use").body_bytes()
    response = accumulate(converse(raw, split=5))
    assert response.content == [
        ThinkingContent("Weather needs a tool.", signature="c2lnbmF0dXJl"),
        TextContent("Checking."),
        ToolUseContent("tooluse_1", "get_weather", {"city": "Paris", "unit": "C"}),
    ]
    assert response.stop_reason == StopReason.TOOL_USE
    # the reasoning goes back on the next turn with its signature (see test_converse_request)
    assert response.to_message().content[0].signature == "c2lnbmF0dXJl"


def test_redacted_reasoning() -> None:
    delta = {"contentBlockIndex": 0, "delta": {"reasoningContent": {"redactedContent": "ZW5jcnlwdGVk"}}}
    raw = bedrock.stream([[bedrock.event("contentBlockDelta", delta),
                           bedrock.event("contentBlockStop", {"contentBlockIndex": 0})],
                          bedrock.text_block(1, "ok")]).body_bytes()
    assert accumulate(converse(raw)).content == [RedactedThinkingContent("ZW5jcnlwdGVk"), TextContent("ok")]


@pytest.mark.parametrize("wire, ours", [
    ("end_turn", StopReason.END_TURN), ("max_tokens", StopReason.MAX_TOKENS),
    ("stop_sequence", StopReason.STOP_SEQUENCE), ("guardrail_intervened", StopReason.CONTENT_FILTER),
    ("content_filtered", StopReason.CONTENT_FILTER),
    ("model_context_window_exceeded", StopReason.CONTEXT_WINDOW_EXCEEDED), ("something_new", StopReason.OTHER),
])
def test_stop_reasons(wire: str, ours: StopReason) -> None:
    raw = bedrock.text_reply("x", stop_reason=wire).body_bytes()
    assert accumulate(converse(raw)).stop_reason == ours


def test_a_stream_without_message_stop_is_incomplete() -> None:
    raw = b"".join([bedrock.event("messageStart", {"role": "assistant"}), *bedrock.text_block(0, "Hello")])
    with pytest.raises(IncompleteStreamError):
        converse(raw)


def test_message_stop_without_metadata_still_stops() -> None:
    raw = b"".join([bedrock.event("messageStart", {"role": "assistant"}), *bedrock.text_block(0, "hi"),
                    bedrock.event("messageStop", {"stopReason": "end_turn"})])
    response = accumulate(converse(raw))
    assert response.text == "hi" and response.stop_reason == StopReason.END_TURN


@pytest.mark.parametrize("exception_type, cls", [
    ("throttlingException", RateLimitError), ("serviceUnavailableException", OverloadedError),
    ("validationException", BadRequestError), ("internalServerException", ServerError),
    ("modelStreamErrorException", ServerError), ("modelTimeoutException", ServerError),
])
def test_in_stream_exceptions_are_typed(exception_type: str, cls: type) -> None:
    raw = bedrock.stream_error_reply("it failed", exception_type=exception_type).body_bytes()
    with pytest.raises(cls) as info:
        converse(raw)
    assert isinstance(info.value, ProviderStreamError)
    assert info.value.error_type == exception_type and "it failed" in str(info.value)


def test_claude_invoke_chunks_reuse_the_anthropic_processor() -> None:
    reply = bedrock.claude_reply(anthropic.thinking_reply("Hmm.", "The answer.", signature="U2ln"))
    response = accumulate(feed(ClaudeInvokeStreamProcessor(), [reply.body_bytes()]))
    assert response.content == [ThinkingContent("Hmm.", signature="U2ln"), TextContent("The answer.")]
    assert response.stop_reason == StopReason.END_TURN


def test_claude_invoke_every_byte_split() -> None:
    raw = bedrock.claude_reply(anthropic.tool_use_reply("get_weather", {"city": "Oslo"}, text="Sure")).body_bytes()
    whole = feed(ClaudeInvokeStreamProcessor(), [raw])
    for cut in range(1, len(raw), 3):
        assert feed(ClaudeInvokeStreamProcessor(), [raw[:cut], raw[cut:]]) == whole
    assert accumulate(whole).tool_uses == [ToolUseContent("toolu_01Fake", "get_weather", {"city": "Oslo"})]


def test_claude_invoke_exception_frame() -> None:
    raw = bedrock.claude_reply(anthropic.text_reply("Hi")).body_bytes()[:0] + bedrock.exception(
        "serviceUnavailableException", "busy")
    with pytest.raises(OverloadedError):
        feed(ClaudeInvokeStreamProcessor(), [raw])
