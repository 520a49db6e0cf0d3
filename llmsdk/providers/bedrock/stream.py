"""Bedrock event streams -> ``LLMEvent``s (pure; the engine cuts the AWS event-stream
frames into ``(event, data)`` pairs, ``framing = "aws-eventstream"``).

* ``ConverseStreamProcessor``: ConverseStream's ``messageStart``, ``contentBlockStart``,
  ``contentBlockDelta`` (text, tool input, reasoning text / signature / redacted content,
  citations), ``contentBlockStop``, ``messageStop`` and ``metadata`` (usage, which comes
  last: it is the terminator).
* ``ClaudeInvokeStreamProcessor``: InvokeModelWithResponseStream ``chunk`` events, each
  carrying one Anthropic SSE event as base64 JSON, handed to the Anthropic processor.

Exception frames (``exception:throttlingException``...) raise the typed stream error,
which the engine retries when no content has reached the caller yet.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any, Dict, List, Optional, Sequence

from llmsdk._core.content import text_delta
from llmsdk._core.partial_json import parse_partial_json
from llmsdk._core.sse_json import parse_json_event
from llmsdk.errors import MalformedEventError
from llmsdk.events import Content, PartialContent, Stop, _Event
from llmsdk.providers.anthropic.stream import AnthropicStreamProcessor
from llmsdk.providers.base import StreamProcessor
from llmsdk.providers.bedrock.errors import raise_stream_exception
from llmsdk.types import (
    Citation, ContentBlock, RedactedThinkingContent, StopReason, TextContent, ThinkingContent, ToolUseContent, Usage,
)

__all__ = ["ClaudeInvokeStreamProcessor", "ConverseStreamProcessor", "map_stop_reason"]

EXCEPTION_PREFIX = "exception:"  # the framing's name for exception frames (_engine/eventstream.py)
_NOTHING: Sequence[_Event] = ()
_loads = json.loads

_STOP_REASONS = {
    "end_turn": StopReason.END_TURN,
    "tool_use": StopReason.TOOL_USE,
    "max_tokens": StopReason.MAX_TOKENS,
    "stop_sequence": StopReason.STOP_SEQUENCE,
    "guardrail_intervened": StopReason.CONTENT_FILTER,
    "content_filtered": StopReason.CONTENT_FILTER,
    "model_context_window_exceeded": StopReason.CONTEXT_WINDOW_EXCEEDED,
    "malformed_model_output": StopReason.ERROR,
    "malformed_tool_use": StopReason.ERROR,
}


def map_stop_reason(value: Optional[str]) -> Optional[StopReason]:
    if value is None:
        return None
    return _STOP_REASONS.get(value, StopReason.OTHER)


def _load(data: str) -> Dict[str, Any]:
    try:
        payload = _loads(data)
    except ValueError:
        payload = parse_json_event(data)  # raises MalformedEventError, saying why
    if type(payload) is not dict:
        raise MalformedEventError(f"Bedrock event payload is not a JSON object: {data[:200]!r}")
    return payload


def _citation(raw: Dict[str, Any]) -> Citation:
    """A Converse citation (``location.documentChar`` ...) as a ``Citation``."""
    location = raw.get("location") or {}
    kind, where = next(iter(location.items()), ("", {}))
    where = where if isinstance(where, dict) else {}
    chars = kind == "documentChar"
    text = "".join(part.get("text", "") for part in raw.get("sourceContent") or () if isinstance(part, dict))
    index = where.get("documentIndex")
    return Citation(cited_text=text, title=raw.get("title"), url=None,
                    document_index=index if isinstance(index, int) else None,
                    start=where.get("start") if chars else None, end=where.get("end") if chars else None, raw=raw)


class _Block:
    __slots__ = ("kind", "parts", "signature", "redacted", "tool_id", "name", "citations")

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.parts: List[str] = []
        self.signature: Optional[str] = None
        self.redacted: Optional[str] = None
        self.tool_id = ""
        self.name = ""
        self.citations: List[Citation] = []


class ConverseStreamProcessor(StreamProcessor):
    """ConverseStream events; blocks are opened by their first delta (text, reasoning) or
    by ``contentBlockStart`` (tool use) and finished by ``contentBlockStop``."""

    provider = "bedrock"
    framing = "aws-eventstream"

    def __init__(self, provider: Optional[str] = None) -> None:
        super().__init__(provider)
        self._blocks: Dict[int, _Block] = {}
        self._stop_reason: Optional[StopReason] = None
        self._stopped = False

    def process(self, event: str, data: str) -> Sequence[_Event]:
        if event == "contentBlockDelta":
            payload = _load(data)
            index = payload.get("contentBlockIndex", 0)
            delta = payload.get("delta") or {}
            text = delta.get("text")
            if text is not None:  # most events: the text path first
                block = self._blocks.get(index)
                if block is None:
                    block = self._blocks[index] = _Block("text")
                block.parts.append(text)
                return [PartialContent(index, text_delta(text))]
            return self._delta(index, delta)
        if event.startswith(EXCEPTION_PREFIX):
            raise_stream_exception(event[len(EXCEPTION_PREFIX):], data, provider=self.provider)
        handler = _HANDLERS.get(event)
        if handler is None:  # new event types may be added; ignore them
            return _NOTHING
        return handler(self, _load(data))

    def _delta(self, index: int, delta: Dict[str, Any]) -> Sequence[_Event]:
        block = self._blocks.get(index)
        if "toolUse" in delta:
            if block is None:
                raise MalformedEventError(f"Bedrock tool input for unopened block {index}")
            block.parts.append((delta["toolUse"] or {}).get("input", ""))
            return _NOTHING
        reasoning = delta.get("reasoningContent")
        if isinstance(reasoning, dict):
            if block is None:
                block = self._blocks[index] = _Block("reasoning")
            if reasoning.get("text") is not None:
                block.parts.append(reasoning["text"])
                return [PartialContent(index, ThinkingContent(reasoning["text"]))]
            if reasoning.get("signature") is not None:
                block.signature = reasoning["signature"]
                return [PartialContent(index, ThinkingContent("", signature=block.signature))]
            if reasoning.get("redactedContent") is not None:
                block.kind = "redacted"
                block.redacted = (block.redacted or "") + reasoning["redactedContent"]
            return _NOTHING
        citation = delta.get("citation")
        if isinstance(citation, dict):
            if block is None:
                block = self._blocks[index] = _Block("text")
            found = _citation(citation)
            block.citations.append(found)
            return [PartialContent(index, TextContent("", citations=[found]))]
        return _NOTHING  # future delta types

    def _block_start(self, payload: Dict[str, Any]) -> Sequence[_Event]:
        start = payload.get("start") or {}
        index = payload.get("contentBlockIndex", 0)
        tool = start.get("toolUse")
        if isinstance(tool, dict):
            block = self._blocks[index] = _Block("tool_use")
            block.tool_id = tool.get("toolUseId", "")
            block.name = tool.get("name", "")
        return _NOTHING

    def _block_stop(self, payload: Dict[str, Any]) -> Sequence[_Event]:
        return self._close(payload.get("contentBlockIndex", 0))

    def _close(self, index: int) -> Sequence[_Event]:
        block = self._blocks.pop(index, None)
        if block is None:
            return _NOTHING
        finished: ContentBlock
        if block.kind == "text":
            finished = TextContent("".join(block.parts), citations=block.citations)
        elif block.kind == "tool_use":
            raw = "".join(block.parts)
            try:
                arguments = parse_partial_json(raw) if raw.strip() else {}
            except ValueError as exc:
                raise MalformedEventError(f"Bedrock tool input is not valid JSON: {raw[:200]!r}") from exc
            if not isinstance(arguments, dict):
                raise MalformedEventError(f"Bedrock tool input is not a JSON object: {raw[:200]!r}")
            finished = ToolUseContent(block.tool_id, block.name, arguments)
        elif block.kind == "redacted":
            finished = RedactedThinkingContent(block.redacted or "")
        else:
            finished = ThinkingContent("".join(block.parts), signature=block.signature)
        return [Content(index, finished)]

    def open_blocks(self) -> Dict[int, ContentBlock]:
        out: Dict[int, ContentBlock] = {}
        for index, block in list(self._blocks.items()):
            if block.kind == "text" and (block.parts or block.citations):
                out[index] = TextContent("".join(block.parts), citations=list(block.citations))
            elif block.kind == "reasoning" and (block.parts or block.signature):
                out[index] = ThinkingContent("".join(block.parts), signature=block.signature)
        return out

    def _message_stop(self, payload: Dict[str, Any]) -> Sequence[_Event]:
        self._stop_reason = map_stop_reason(payload.get("stopReason"))
        self._stopped = True
        events: List[_Event] = []
        for index in sorted(self._blocks):  # a block cut by max_tokens without its stop
            events.extend(self._close(index))
        return events

    def _metadata(self, payload: Dict[str, Any]) -> Sequence[_Event]:
        """Usage: ``inputTokens`` is uncached input already; cache reads and writes apart."""
        usage = payload.get("usage") or {}
        self.usage = Usage(
            input_tokens=int(usage.get("inputTokens") or 0),
            output_tokens=int(usage.get("outputTokens") or 0),
            cache_reads=int(usage.get("cacheReadInputTokens") or 0),
            cache_writes=int(usage.get("cacheWriteInputTokens") or 0),
        )
        if not self._stopped:
            return _NOTHING
        self.done = True
        return [Stop(self._stop_reason, self.usage)]

    def finish(self) -> Sequence[_Event]:
        """``messageStop`` without ``metadata`` still ends the message (no usage known)."""
        if not self.done and self._stopped:
            self.done = True
            return [Stop(self._stop_reason, self.usage)]
        return super().finish()


_HANDLERS = {
    "contentBlockStart": ConverseStreamProcessor._block_start,
    "contentBlockStop": ConverseStreamProcessor._block_stop,
    "messageStop": ConverseStreamProcessor._message_stop,
    "metadata": ConverseStreamProcessor._metadata,
}


class ClaudeInvokeStreamProcessor(AnthropicStreamProcessor):
    """InvokeModelWithResponseStream: each ``chunk`` frame holds ``{"bytes": base64}`` of one
    Anthropic stream event, fed to the Anthropic processor unchanged."""

    provider = "bedrock"
    framing = "aws-eventstream"

    def process(self, event: str, data: str) -> Sequence[_Event]:
        if event == "chunk":
            try:
                raw = base64.b64decode(_loads(data)["bytes"])
            except (ValueError, KeyError, TypeError, binascii.Error) as exc:
                raise MalformedEventError(f"Bedrock chunk is not base64 JSON: {data[:200]!r}") from exc
            return super().process("message", raw.decode("utf-8"))
        if event.startswith(EXCEPTION_PREFIX):
            raise_stream_exception(event[len(EXCEPTION_PREFIX):], data, provider=self.provider)
        return _NOTHING
