"""Anthropic SSE events -> ``LLMEvent``s (pure; fed by the engine)."""

from __future__ import annotations

import json
import logging
from typing import Any, Dict, List, Optional, Sequence

from llmsdk.errors import MalformedEventError
from llmsdk.events import Content, PartialContent, Stop, _Event
from llmsdk._core.error_bodies import stream_error
from llmsdk._core.partial_json import parse_partial_json
from llmsdk._core.sse_json import parse_json_event
from llmsdk.providers.anthropic.errors import error_info
from llmsdk.providers.base import StreamProcessor
from llmsdk._core.content import NO_CITATIONS, text_delta
from llmsdk.types import (
    Citation, ContentBlock, ProviderToolContent, RedactedThinkingContent, StopReason, TextContent, ThinkingContent,
    ToolUseContent, Usage,
)

logger = logging.getLogger("llmsdk.anthropic")

_STOP_REASONS = {reason.value: reason for reason in StopReason}
_NOTHING: Sequence[_Event] = ()
_loads = json.loads


def map_stop_reason(value: Optional[str]) -> Optional[StopReason]:
    if value is None:
        return None
    return _STOP_REASONS.get(value, StopReason.OTHER)


def citation_from_anthropic(raw: Dict[str, Any]) -> Citation:
    """One Anthropic citation (``char_location``, ``page_location``, ``web_search_result_location``
    ...) as a ``Citation``; character indices only where Anthropic gives characters."""
    kind = raw.get("type")
    char = kind == "char_location"
    url = raw.get("url") or (raw.get("source") if kind == "search_result_location" else None)
    index = raw.get("document_index")
    return Citation(
        cited_text=str(raw.get("cited_text") or ""),
        title=raw.get("document_title") or raw.get("title"),
        url=url if isinstance(url, str) else None,
        document_index=index if isinstance(index, int) else None,
        start=raw.get("start_char_index") if char else None,
        end=raw.get("end_char_index") if char else None,
        raw=raw,
    )


def server_tool_counts(raw: Any) -> Dict[str, int]:
    """``usage.server_tool_use`` (``{"web_search_requests": 2}``) -> ``{"web_search": 2}``."""
    if not isinstance(raw, dict):
        return {}
    return {key[:-len("_requests")]: int(value) for key, value in raw.items()
            if key.endswith("_requests") and isinstance(value, int) and value}


class _OpenBlock:
    __slots__ = ("kind", "parts", "signature", "start", "citations")

    def __init__(self, kind: str, start: Dict[str, Any]) -> None:
        self.kind = kind
        self.start = start
        self.parts: List[str] = []
        self.signature: Optional[str] = None
        self.citations: List[Citation] = [
            citation_from_anthropic(c) for c in start.get("citations") or () if isinstance(c, dict)]


class AnthropicStreamProcessor(StreamProcessor):
    """Keeps each open content block (text, tool-use JSON fragments, thinking) by index."""

    provider = "anthropic"

    def __init__(self, provider: Optional[str] = None) -> None:
        super().__init__(provider)
        self._blocks: Dict[int, _OpenBlock] = {}
        self._stop_reason: Optional[StopReason] = None
        self._started = False

    def process(self, event: str, data: str) -> Sequence[_Event]:
        if event == "ping":
            return _NOTHING
        try:
            payload = _loads(data)
        except ValueError:
            payload = parse_json_event(data)  # raises MalformedEventError, saying why
        try:  # a text delta of an open block (most events), inlined; any other event fails a test or a lookup
            if payload["type"] == "content_block_delta":
                delta = payload["delta"]
                if delta["type"] == "text_delta":
                    index = payload["index"]
                    text = delta["text"]
                    self._blocks[index].parts.append(text)
                    return [PartialContent(index, TextContent(text, None, NO_CITATIONS))]
        except (KeyError, TypeError):
            pass
        kind = payload.get("type", event) if type(payload) is dict else event
        if kind == "content_block_delta":
            return self._delta(payload["index"], payload["delta"])
        handler = _HANDLERS.get(kind)
        if handler is None:  # new event types may be added; ignore them
            return _NOTHING
        return handler(self, payload)

    # -- handlers -----------------------------------------------------------------------

    def _message_start(self, payload: Dict[str, Any]) -> Sequence[_Event]:
        if self._started and not self.done:  # not a restart: the stream is garbled
            raise MalformedEventError("a second message_start arrived inside an open message")
        self._started = True
        message = payload.get("message") or {}
        self.response_id = message.get("id")
        self.model = message.get("model")
        self._update_usage(message.get("usage") or {})
        return _NOTHING

    def _block_start(self, payload: Dict[str, Any]) -> Sequence[_Event]:
        block = payload.get("content_block") or {}
        index = payload["index"]
        kind = block.get("type", "")
        opened = self._blocks[index] = _OpenBlock(kind, block)
        if kind == "text" and block.get("text"):
            opened.parts.append(block["text"])
            return [PartialContent(index, text_delta(block["text"]))]
        if kind == "thinking" and block.get("thinking"):
            opened.parts.append(block["thinking"])
            return [PartialContent(index, ThinkingContent(block["thinking"]))]
        return _NOTHING

    def _delta(self, index: int, delta: Dict[str, Any]) -> Sequence[_Event]:
        kind = delta.get("type")
        block = self._blocks.get(index)
        if block is None:
            raise MalformedEventError(f"content_block_delta for unopened block {index}")
        if kind == "text_delta":
            text = delta["text"]
            block.parts.append(text)
            return [PartialContent(index, text_delta(text))]
        if kind == "input_json_delta":
            block.parts.append(delta.get("partial_json", ""))
            return _NOTHING
        if kind == "thinking_delta":
            thinking = delta["thinking"]
            block.parts.append(thinking)
            return [PartialContent(index, ThinkingContent(thinking))]
        if kind == "signature_delta":
            if block.kind != "thinking":  # signatures belong to thinking blocks (the SDK ignores others)
                return _NOTHING
            block.signature = delta["signature"]
            return [PartialContent(index, ThinkingContent("", signature=block.signature))]
        if kind == "compaction_delta" and block.kind == "compaction":
            # the summary streams in pieces (kept, as the SDK keeps it: the block goes back
            # on the next turn with its text); the latest encrypted_content wins
            block.parts.append(delta.get("content") or "")
            if delta.get("encrypted_content"):
                block.signature = delta["encrypted_content"]
            return _NOTHING
        if kind == "citations_delta" and block.kind == "text" and isinstance(delta.get("citation"), dict):
            citation = citation_from_anthropic(delta["citation"])
            block.citations.append(citation)
            return [PartialContent(index, TextContent("", citations=[citation]))]
        return _NOTHING  # future delta types

    def open_blocks(self) -> Dict[int, ContentBlock]:
        """Text and thinking blocks begun, not finished (tool input stays out until whole)."""
        out: Dict[int, ContentBlock] = {}
        for index, block in list(self._blocks.items()):
            if block.kind == "text" and (block.parts or block.citations):
                out[index] = TextContent("".join(block.parts), citations=list(block.citations))
            elif block.kind == "thinking" and (block.parts or block.signature):
                out[index] = ThinkingContent("".join(block.parts), signature=block.signature)
        return out

    def _block_stop(self, payload: Dict[str, Any]) -> Sequence[_Event]:
        return self._close_block(payload["index"])

    def _close_block(self, index: int) -> Sequence[_Event]:
        block = self._blocks.pop(index, None)
        if block is None:
            return _NOTHING
        finished = self._finish_block(block)
        if finished is None:
            logger.debug("skipping unsupported content block type %r", block.kind)
            return _NOTHING
        return [Content(index, finished)]

    def _finish_block(self, block: _OpenBlock) -> Optional[ContentBlock]:
        if block.kind == "text":
            return TextContent("".join(block.parts), citations=block.citations)
        if block.kind == "tool_use":
            arguments = _tool_input(block)
            return ToolUseContent(block.start.get("id", ""), block.start.get("name", ""), arguments)
        if block.kind == "thinking":
            return ThinkingContent("".join(block.parts), signature=block.signature or block.start.get("signature"))
        if block.kind == "redacted_thinking":
            return RedactedThinkingContent(block.start.get("data", ""))
        if not block.kind:
            return None
        if block.kind == "compaction":
            data = dict(block.start)
            if block.parts:
                data["content"] = (data.get("content") or "") + "".join(block.parts)
            if block.signature:
                data["encrypted_content"] = block.signature
            return ProviderToolContent("compaction", data, provider="anthropic")
        # server_tool_use, web_search_tool_result and every other block type of a tool the
        # provider runs: kept whole, to be sent back unchanged
        data = dict(block.start)
        if block.parts:
            data["input"] = _tool_input(block)
        return ProviderToolContent(block.kind, data, provider="anthropic")  # the wire format, whoever serves it

    def _message_delta(self, payload: Dict[str, Any]) -> Sequence[_Event]:
        delta = payload.get("delta") or {}
        if delta.get("stop_reason") is not None:
            self._stop_reason = map_stop_reason(delta["stop_reason"])
        self._update_usage(payload.get("usage") or {})
        return _NOTHING

    def _message_stop(self, payload: Dict[str, Any]) -> Sequence[_Event]:
        """Blocks still open (a tool call cut by ``max_tokens`` without its
        ``content_block_stop``) are finished first, in index order, as the official SDK
        keeps them in its final message with the arguments parsed so far."""
        events: List[_Event] = []
        for index in sorted(self._blocks):
            events.extend(self._close_block(index))
        self.done = True
        events.append(Stop(self._stop_reason, self.usage))
        return events

    def _error(self, payload: Dict[str, Any]) -> Sequence[_Event]:
        raise stream_error(error_info(None, payload), provider=self.provider, body=json.dumps(payload))

    def _update_usage(self, usage: Dict[str, Any]) -> None:
        """Usage in ``message_delta`` is cumulative: overwrite what it repeats."""
        current = self.usage
        creation = usage.get("cache_creation")
        tools = usage.get("server_tool_use")
        self.usage = Usage(
            input_tokens=_int(usage.get("input_tokens"), current.input_tokens),
            output_tokens=_int(usage.get("output_tokens"), current.output_tokens),
            cache_reads=_int(usage.get("cache_read_input_tokens"), current.cache_reads),
            cache_writes=_int(usage.get("cache_creation_input_tokens"), current.cache_writes),
            cache_writes_1h=_int(creation.get("ephemeral_1h_input_tokens"), current.cache_writes_1h)
            if isinstance(creation, dict) else current.cache_writes_1h,
            server_tool_use=server_tool_counts(tools) if isinstance(tools, dict)
            else current.server_tool_use,
        )


def _int(value: Any, fallback: int) -> int:
    return int(value) if isinstance(value, (int, float)) else fallback


def _tool_input(block: _OpenBlock) -> Dict[str, Any]:
    """The JSON input a tool-use block streamed (partial when max_tokens cut it short)."""
    raw = "".join(block.parts)
    try:
        arguments = parse_partial_json(raw) if raw.strip() else block.start.get("input") or {}
    except ValueError as exc:
        raise MalformedEventError(f"{block.kind} input is not valid JSON: {raw[:200]!r}") from exc
    if not isinstance(arguments, dict):
        raise MalformedEventError(f"{block.kind} input is not a JSON object: {raw[:200]!r}")
    return arguments


_HANDLERS = {
    "message_start": AnthropicStreamProcessor._message_start,
    "content_block_start": AnthropicStreamProcessor._block_start,
    "content_block_stop": AnthropicStreamProcessor._block_stop,
    "message_delta": AnthropicStreamProcessor._message_delta,
    "message_stop": AnthropicStreamProcessor._message_stop,
    "error": AnthropicStreamProcessor._error,
}
