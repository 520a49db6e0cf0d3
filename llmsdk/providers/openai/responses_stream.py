"""OpenAI Responses API stream processing: typed SSE events -> ``LLMEvent``s. Pure.

Each output item becomes content blocks, numbered in order of first appearance:

* a ``message`` item: one ``TextContent`` per content part (``output_text`` or
  ``refusal``), streamed as ``PartialContent`` deltas and finished as ``Content`` when
  the item is done;
* a ``reasoning`` item: a ``ThinkingContent`` whose deltas are the summary text (summary
  parts joined by a blank line) and whose finished block, taken from
  ``response.output_item.done`` (the ``added`` copy may lack the encrypted content),
  carries ``signature=encrypted_content`` and ``id`` so the next request can send the
  item back;
* a ``function_call`` item: a ``ToolUseContent`` (``id`` is the ``call_id``) with its
  argument fragments joined and parsed when the item is done;
* any other item (``web_search_call`` and the other provider-run tools): a
  ``ProviderToolContent(type, data=item, provider="openai_responses")``, sent back as it
  came; web searches are counted in ``Usage.server_tool_use["web_search"]``.

``url_citation`` annotations on the text become ``TextContent.citations``.

The stream ends with ``response.completed`` (usage, ``END_TURN`` / ``TOOL_USE`` /
``REFUSAL``), ``response.incomplete`` (``MAX_TOKENS`` / ``CONTENT_FILTER``),
``response.failed`` or ``error`` (typed errors, as Chat Completions errors map). There is
no ``[DONE]``: a body that ends before one of those is an ``IncompleteStreamError``.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from llmsdk._core.error_bodies import ErrorInfo, stream_error
from llmsdk.errors import MalformedEventError
from llmsdk.events import Content, PartialContent, Stop, _Event
from llmsdk._core.partial_json import parse_tool_arguments
from llmsdk._core.sse_json import parse_json_event
from llmsdk.providers.base import StreamProcessor
from llmsdk.providers.openai.responses_errors import error_info as responses_error_info
from llmsdk.providers.openai.responses_errors import failed_error_info
from llmsdk.providers.openai.stream import cache_writes_12h, citation_from_annotation, served_tier
from llmsdk._core.content import text_delta
from llmsdk.types import (
    ContentBlock, ProviderToolContent, StopReason, TextContent, ThinkingContent, ToolUseContent, Usage,
)

__all__ = ["INCOMPLETE_REASONS", "WIRE_FORMAT", "ResponsesStreamProcessor", "usage_from_responses"]

#: ``ProviderToolContent.provider`` of the items this API returns: they go back only to it.
WIRE_FORMAT = "openai_responses"
#: Provider-run tool items counted in ``Usage.server_tool_requests`` (billed per call).
_COUNTED_TOOLS = {"web_search_call": "web_search"}

Json = Dict[str, Any]

INCOMPLETE_REASONS: Dict[str, StopReason] = {
    "max_output_tokens": StopReason.MAX_TOKENS,
    "content_filter": StopReason.CONTENT_FILTER,
}

_SUMMARY_SEPARATOR = "\n\n"


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def usage_from_responses(raw: Json) -> Usage:
    """Responses usage -> ``Usage``. ``input_tokens`` includes the cached (and
    cache-written) tokens, so they are taken out; ``output_tokens`` already includes
    ``output_tokens_details.reasoning_tokens``."""
    details = raw.get("input_tokens_details")
    details = details if isinstance(details, dict) else {}
    cached = _int(details.get("cached_tokens"))
    written = _int(details.get("cache_write_tokens"))
    out_details = raw.get("output_tokens_details")
    return Usage(
        input_tokens=max(0, _int(raw.get("input_tokens")) - cached - written),
        output_tokens=_int(raw.get("output_tokens")),
        cache_reads=cached,
        cache_writes=written,
        reasoning_tokens=_int(out_details.get("reasoning_tokens")) if isinstance(out_details, dict) else 0,
        cache_writes_12h=cache_writes_12h(details),
    )


class _Block:
    """One content block being streamed."""

    __slots__ = ("index", "kind", "parts", "summary_index", "name", "call_id", "done", "annotations")

    def __init__(self, index: int, kind: str) -> None:
        self.index = index
        self.kind = kind  # "text" | "refusal" | "thinking" | "tool"
        self.parts: List[str] = []
        self.summary_index = 0
        self.name = ""
        self.call_id = ""
        self.done = False
        self.annotations: List[Any] = []


class ResponsesStreamProcessor(StreamProcessor):
    """Processor for a ``POST /v1/responses`` stream (``stream: true``)."""

    provider = "openai"
    #: Reads error bodies and error events alike (``responses_errors.py``); the adapter's
    #: ``parse_error`` uses it too.
    error_info: Callable[[Optional[int], Any], ErrorInfo] = staticmethod(responses_error_info)

    def __init__(self, provider: Optional[str] = None) -> None:
        super().__init__(provider)
        self._next_index = 0
        #: (output_index, content_index or None) -> block
        self._blocks: Dict[Tuple[int, Optional[int]], _Block] = {}
        self._refused = False
        self._saw_tools = False
        self._server_tools: Dict[str, int] = {}

    # -- blocks ---------------------------------------------------------------------------

    def _block(self, output_index: int, content_index: Optional[int], kind: str) -> _Block:
        key = (output_index, content_index)
        block = self._blocks.get(key)
        if block is None:
            block = self._blocks[key] = _Block(self._next_index, kind)
            self._next_index += 1
        return block

    # -- processing ------------------------------------------------------------------------

    def process(self, event: str, data: str) -> Sequence[_Event]:
        if self.done:
            return ()
        payload = parse_json_event(data)
        if not isinstance(payload, dict):
            raise MalformedEventError(f"{self.provider} event is not a JSON object: {data[:200]!r}")
        kind = payload.get("type")
        if not isinstance(kind, str):
            kind = event
        if kind == "error" or event == "error":
            raise stream_error(self.error_info(None, payload), provider=self.provider, body=data)
        handler = _HANDLERS.get(kind)
        if handler is None:
            return ()  # response.in_progress, content_part.*, *.done echoes, tool progress...
        return handler(self, payload)

    def _on_created(self, payload: Json) -> Sequence[_Event]:
        self._remember(payload.get("response"))
        return ()

    def _remember(self, response: Any) -> None:
        if not isinstance(response, dict):
            return
        if isinstance(response.get("id"), str) and self.response_id is None:
            self.response_id = response["id"]
        if isinstance(response.get("model"), str) and response["model"]:
            self.model = response["model"]
        usage = response.get("usage")
        if isinstance(usage, dict):
            self.usage = served_tier(response, usage_from_responses(usage))

    def _on_item_added(self, payload: Json) -> Sequence[_Event]:
        item = payload.get("item")
        output_index = payload.get("output_index")
        if not isinstance(item, dict) or not isinstance(output_index, int):
            return ()
        item_type = item.get("type")
        if item_type == "function_call":
            block = self._block(output_index, None, "tool")
            block.call_id = str(item.get("call_id") or "")
            block.name = str(item.get("name") or "")
        elif item_type == "reasoning":
            self._block(output_index, None, "thinking")
        elif item_type != "message":
            self._block(output_index, None, "provider")  # keeps its place among the blocks
        return ()

    def _on_text_delta(self, payload: Json) -> Sequence[_Event]:
        return self._text_delta(payload, "text")

    def _on_refusal_delta(self, payload: Json) -> Sequence[_Event]:
        self._refused = True
        return self._text_delta(payload, "refusal")

    def _text_delta(self, payload: Json, kind: str) -> Sequence[_Event]:
        delta = payload.get("delta")
        output_index = payload.get("output_index")
        if not isinstance(delta, str) or not delta or not isinstance(output_index, int):
            return ()
        content_index = payload.get("content_index")
        block = self._block(output_index, content_index if isinstance(content_index, int) else 0, kind)
        block.parts.append(delta)
        return [PartialContent(block.index, text_delta(delta))]

    def _on_reasoning_delta(self, payload: Json) -> Sequence[_Event]:
        """Summary text (and the raw reasoning text some compatible servers stream) ->
        thinking deltas; a new summary part starts after a blank line."""
        delta = payload.get("delta")
        output_index = payload.get("output_index")
        if not isinstance(delta, str) or not delta or not isinstance(output_index, int):
            return ()
        block = self._block(output_index, None, "thinking")
        events: List[_Event] = []
        part = payload.get("summary_index", payload.get("content_index"))
        if isinstance(part, int) and part != block.summary_index:
            block.summary_index = part
            if block.parts:
                block.parts.append(_SUMMARY_SEPARATOR)
                events.append(PartialContent(block.index, ThinkingContent(_SUMMARY_SEPARATOR)))
        block.parts.append(delta)
        events.append(PartialContent(block.index, ThinkingContent(delta)))
        return events

    def _on_arguments_delta(self, payload: Json) -> Sequence[_Event]:
        delta = payload.get("delta")
        output_index = payload.get("output_index")
        if isinstance(delta, str) and isinstance(output_index, int):
            self._block(output_index, None, "tool").parts.append(delta)
        return ()

    def _on_item_done(self, payload: Json) -> Sequence[_Event]:
        """The finished item, authoritative over the deltas."""
        item = payload.get("item")
        output_index = payload.get("output_index")
        if not isinstance(item, dict) or not isinstance(output_index, int):
            return ()
        item_type = item.get("type")
        events: List[_Event] = []
        if item_type == "message":
            for content_index, part in enumerate(item.get("content") or ()):
                if not isinstance(part, dict):
                    continue
                if part.get("type") == "refusal":
                    self._refused = True
                    block = self._block(output_index, content_index, "refusal")
                    text = part.get("refusal")
                elif part.get("type") == "output_text":
                    block = self._block(output_index, content_index, "text")
                    text = part.get("text")
                else:
                    continue
                if isinstance(text, str):
                    block.parts = [text]
                if isinstance(part.get("annotations"), list):
                    block.annotations = part["annotations"]
                events.extend(self._finish(block, item))
        elif item_type == "reasoning":
            block = self._block(output_index, None, "thinking")
            text = _reasoning_text(item)
            if text is not None:
                block.parts = [text]
            events.extend(self._finish(block, item))
        elif item_type == "function_call":
            block = self._block(output_index, None, "tool")
            block.call_id = str(item.get("call_id") or block.call_id)
            block.name = str(item.get("name") or block.name)
            if isinstance(item.get("arguments"), str):
                block.parts = [item["arguments"]]
            events.extend(self._finish(block, item))
        elif isinstance(item_type, str):
            counted = _COUNTED_TOOLS.get(item_type)
            if counted:
                self._server_tools[counted] = self._server_tools.get(counted, 0) + 1
            events.extend(self._finish(self._block(output_index, None, "provider"), item))
        return events

    def _finish(self, block: _Block, item: Optional[Json]) -> Sequence[_Event]:
        if block.done:
            return ()
        block.done = True
        return [Content(block.index, self._finished(block, item or {}))]

    def _finished(self, block: _Block, item: Json) -> ContentBlock:
        text = "".join(block.parts)
        if block.kind == "thinking":
            encrypted = item.get("encrypted_content")
            item_id = item.get("id")
            return ThinkingContent(text, signature=encrypted if isinstance(encrypted, str) else None,
                                   id=item_id if isinstance(item_id, str) else None)
        if block.kind == "tool":
            self._saw_tools = True
            return ToolUseContent(id=block.call_id, name=block.name, input=self._arguments(block, text, item))
        if block.kind == "provider":
            return ProviderToolContent(str(item.get("type")), dict(item), provider=WIRE_FORMAT)
        found = (citation_from_annotation(a, text) for a in block.annotations)
        return TextContent(text, citations=[c for c in found if c is not None])

    def _arguments(self, block: _Block, text: str, item: Json) -> Dict[str, Any]:
        cut_short = item.get("status") == "incomplete" or not item  # by max_output_tokens
        return parse_tool_arguments(text, cut_short=cut_short,
                                    what=f"{self.provider} function call {block.name!r} ({block.call_id})")

    def _flush(self) -> List[_Event]:
        """Finish blocks whose ``output_item.done`` never came (a cut-off response)."""
        events: List[_Event] = []
        for block in sorted(self._blocks.values(), key=lambda b: b.index):
            if not block.done and (block.parts or block.kind == "tool"):
                events.extend(self._finish(block, None))
        return events

    # -- the end ---------------------------------------------------------------------------

    def _remember_final(self, response: Any) -> None:
        """Usage from the terminal event, with the provider-run tool calls counted."""
        self._remember(response)
        if self._server_tools:
            self.usage = dataclasses.replace(self.usage, server_tool_use=dict(self._server_tools))

    def _on_completed(self, payload: Json) -> Sequence[_Event]:
        self._remember_final(payload.get("response"))
        events = self._flush()
        if self._saw_tools:
            reason = StopReason.TOOL_USE
        elif self._refused:
            reason = StopReason.REFUSAL
        else:
            reason = StopReason.END_TURN
        self.done = True
        events.append(Stop(reason, self.usage))
        return events

    def _on_incomplete(self, payload: Json) -> Sequence[_Event]:
        response = payload.get("response")
        self._remember_final(response)
        events = self._flush()
        details = response.get("incomplete_details") if isinstance(response, dict) else None
        why = details.get("reason") if isinstance(details, dict) else None
        self.done = True
        events.append(Stop(INCOMPLETE_REASONS.get(str(why), StopReason.OTHER), self.usage))
        return events

    def _on_failed(self, payload: Json) -> Sequence[_Event]:
        response = payload.get("response")
        self._remember(response)
        err = response.get("error") if isinstance(response, dict) else None
        raise stream_error(failed_error_info(err), provider=self.provider, body=json.dumps(payload))


def _reasoning_text(item: Json) -> Optional[str]:
    """A reasoning item's summary parts joined by a blank line; else its raw reasoning
    text (open models behind compatible servers); None when it has neither."""
    for key, field in (("summary", "text"), ("content", "text")):
        parts = item.get(key)
        if isinstance(parts, list) and parts:
            texts: List[str] = [p[field] for p in parts if isinstance(p, dict) and isinstance(p.get(field), str)]
            if texts:
                return _SUMMARY_SEPARATOR.join(texts) if key == "summary" else "".join(texts)
    return None


_HANDLERS: Dict[str, Any] = {
    "response.created": ResponsesStreamProcessor._on_created,
    "response.in_progress": ResponsesStreamProcessor._on_created,
    "response.output_item.added": ResponsesStreamProcessor._on_item_added,
    "response.output_text.delta": ResponsesStreamProcessor._on_text_delta,
    "response.refusal.delta": ResponsesStreamProcessor._on_refusal_delta,
    "response.reasoning_summary_text.delta": ResponsesStreamProcessor._on_reasoning_delta,
    "response.reasoning_text.delta": ResponsesStreamProcessor._on_reasoning_delta,
    "response.function_call_arguments.delta": ResponsesStreamProcessor._on_arguments_delta,
    "response.output_item.done": ResponsesStreamProcessor._on_item_done,
    "response.completed": ResponsesStreamProcessor._on_completed,
    "response.incomplete": ResponsesStreamProcessor._on_incomplete,
    "response.failed": ResponsesStreamProcessor._on_failed,
}
