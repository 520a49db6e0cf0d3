"""Chat Completions stream processing: SSE ``data:`` chunks -> ``LLMEvent``s. Pure.

``ChatStreamProcessor`` is the one implementation of the dialect; Groq, OpenRouter and
OpenAI-compatible servers subclass it and override the small hooks where they differ
(where usage and errors live, which delta field carries reasoning).

Events: text, refusal and reasoning deltas become ``PartialContent``; every block is
also emitted finished as ``Content`` once ``finish_reason`` arrives (tool calls only
then, with their argument fragments joined and parsed); ``Stop`` comes at ``[DONE]``,
because the usage chunk follows the finish chunk.
"""

from __future__ import annotations

import dataclasses

import json
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from llmsdk.errors import InvalidResponseCodeError, MalformedEventError
from llmsdk.events import Content, PartialContent, Stop, _Event
from llmsdk._core.error_bodies import ErrorInfo, stream_error
from llmsdk._core.partial_json import parse_tool_arguments
from llmsdk._core.sse_json import parse_json_event
from llmsdk.providers.base import StreamProcessor
from llmsdk.providers.openai.errors import error_info as chat_error_info
from llmsdk._core.content import NO_CITATIONS, text_delta
from llmsdk.types import Citation, ContentBlock, StopReason, TextContent, ThinkingContent, ToolUseContent, Usage

__all__ = ["FINISH_REASONS", "ChatStreamProcessor", "OpenAIStreamProcessor", "citation_from_annotation",
           "thought_signature", "usage_from_openai"]

Json = Dict[str, Any]
_loads = json.loads

FINISH_REASONS: Dict[str, StopReason] = {
    "stop": StopReason.END_TURN,
    "length": StopReason.MAX_TOKENS,
    "tool_calls": StopReason.TOOL_USE,
    "function_call": StopReason.TOOL_USE,
    "content_filter": StopReason.CONTENT_FILTER,
    "error": StopReason.ERROR,
}


#: Delta keys of a plain text delta.
_HOOKS = ("process", "_delta", "chunk_usage", "chunk_error", "reasoning_delta")


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def usage_from_openai(raw: Json) -> Usage:
    """OpenAI-style usage -> ``Usage``. ``prompt_tokens`` includes cached (and, on
    OpenRouter, cache-written) tokens, so they are taken out of ``input_tokens``.
    DeepSeek's ``prompt_cache_hit_tokens`` is read when no details are given."""
    prompt = _int(raw.get("prompt_tokens"))
    details = raw.get("prompt_tokens_details") or {}
    cached = _int(details.get("cached_tokens")) if isinstance(details, dict) else 0
    if not cached:
        cached = _int(raw.get("prompt_cache_hit_tokens"))
    written = _int(details.get("cache_write_tokens")) if isinstance(details, dict) else 0
    out_details = raw.get("completion_tokens_details")
    reasoning = _int(out_details.get("reasoning_tokens")) if isinstance(out_details, dict) else 0
    return Usage(
        input_tokens=max(0, prompt - cached - written),
        output_tokens=_int(raw.get("completion_tokens")),
        cache_reads=cached,
        cache_writes=written,
        reasoning_tokens=reasoning,
        cache_writes_12h=cache_writes_12h(details) if isinstance(details, dict) else 0,
    )


def thought_signature(item: Json) -> Optional[str]:
    """Gemini's thought signature on an item of its OpenAI-compatible endpoint
    (``extra_content.google.thought_signature`` on a tool call), which must go back with
    the call on the next turn; None elsewhere."""
    extra = item.get("extra_content")
    google = extra.get("google") if isinstance(extra, dict) else None
    signature = google.get("thought_signature") if isinstance(google, dict) else None
    return signature if isinstance(signature, str) and signature else None


def cache_writes_12h(details: Json) -> int:
    """The 12-hour part of OpenAI's ``cache_write_tokens``
    (``cache_write_tokens_details.ttl_12h_tokens``; 0 when not broken down)."""
    split = details.get("cache_write_tokens_details")
    return _int(split.get("ttl_12h_tokens")) if isinstance(split, dict) else 0


def served_tier(chunk: Json, usage: Usage) -> Usage:
    """``usage`` with the ``service_tier`` the reply reports when it is not the default one
    (a ``fast`` request is answered as ``"priority"``, which is how it is billed)."""
    tier = chunk.get("service_tier")
    if isinstance(tier, str) and tier not in ("", "default", "auto") and tier != usage.service_tier:
        return dataclasses.replace(usage, service_tier=tier)
    return usage


def citation_from_annotation(annotation: Json, text: str) -> Optional[Citation]:
    """A ``url_citation`` annotation (``{"type": "url_citation", "url_citation": {url, title,
    start_index, end_index}}``; some servers flatten it) as a ``Citation`` on ``text``."""
    if not isinstance(annotation, dict) or annotation.get("type") != "url_citation":
        return None
    body = annotation.get("url_citation")
    body = body if isinstance(body, dict) else annotation
    start, end = body.get("start_index"), body.get("end_index")
    span = isinstance(start, int) and isinstance(end, int)
    content = body.get("content")
    cited = content if isinstance(content, str) else (text[start:end] if span else "")
    return Citation(cited_text=cited, title=body.get("title"), url=body.get("url"),
                    start=start if span else None, end=end if span else None, raw=annotation)


class _Block:
    """One content block being streamed: text, refusal, reasoning or a tool call."""

    __slots__ = ("index", "kind", "parts", "id", "name", "annotations", "signature")

    def __init__(self, index: int, kind: str) -> None:
        self.index = index
        self.kind = kind
        self.parts: List[str] = []
        self.id = ""
        self.name = ""
        self.annotations: List[Json] = []
        self.signature: Optional[str] = None


class ChatStreamProcessor(StreamProcessor):
    """Processor for any Chat Completions stream; subclasses adjust the hooks."""

    provider = "openai_compatible"
    #: Delta fields that carry reasoning text, in order of preference.
    reasoning_keys: Tuple[str, ...] = ("reasoning_content", "reasoning")
    #: Take the fast path for plain text chunks (none of ``hook_keys``, ``usage`` null, one
    #: choice, a delta of only ``content``/``role``, no finish). A subclass that overrides
    #: a hook is switched off unless it sets this itself, having checked that its hooks
    #: find nothing in such a chunk.
    plain_text_fast_path = True
    #: Top-level keys that send a chunk down the general path (hooks read them).
    hook_keys: Tuple[str, ...] = ("error",)
    #: The provider's error-body reader (``providers/<name>/errors.py``); the adapter's
    #: ``parse_error`` uses it too, so both paths read a body alike.
    error_info: Callable[[Optional[int], Any], ErrorInfo] = staticmethod(chat_error_info)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "plain_text_fast_path" not in cls.__dict__ and any(name in cls.__dict__ for name in _HOOKS):
            cls.plain_text_fast_path = False

    def __init__(self, provider: Optional[str] = None) -> None:
        super().__init__(provider)
        self._blocks: List[_Block] = []
        self._next_index = 0
        self._by_kind: Dict[str, _Block] = {}
        self._tools: Dict[Any, _Block] = {}
        self._last_tool: Any = None
        self._finish_reason: Optional[str] = None
        self._refused = False
        self._saw_tools = False

    # -- hooks ----------------------------------------------------------------------------

    def chunk_usage(self, chunk: Json) -> Optional[Usage]:
        """Usage carried by ``chunk``, if any (OpenAI: the top-level ``usage``)."""
        raw = chunk.get("usage")
        return served_tier(chunk, usage_from_openai(raw)) if isinstance(raw, dict) else None

    def chunk_error(self, chunk: Json) -> Any:
        """The error object inside a data chunk, if any."""
        return chunk.get("error")

    def reasoning_delta(self, delta: Json) -> Optional[str]:
        for key in self.reasoning_keys:
            value = delta.get(key)
            if isinstance(value, str) and value:
                return value
        return None

    def thinking_signature(self) -> Optional[str]:
        """Opaque data to keep on the finished thinking block (OpenRouter: its details)."""
        return None

    # -- processing -----------------------------------------------------------------------

    def process(self, event: str, data: str) -> Sequence[_Event]:
        if self.done:
            return ()
        chunk: Any = None
        if self.plain_text_fast_path and self.response_id and event == "message":
            try:
                chunk = _loads(data)
            except ValueError:
                chunk = None  # [DONE], or not JSON: the general path says which
            # A plain text chunk (most of a reply), inlined: one choice, index 0, a delta
            # of ``content`` (and ``role``) only, no finish, ``usage`` null, none of
            # ``hook_keys``. Any other chunk fails a lookup or a test here and takes the
            # general path, which gives the same events for this one with more lookups.
            # (What json.loads makes that takes a string key is a dict.)
            try:
                (choice,) = chunk["choices"]
                delta = choice["delta"]
                text = delta["content"]
            except (KeyError, TypeError, ValueError, IndexError):
                pass
            else:
                if (type(text) is str and (len(delta) == 1 or len(delta) == 2 and "role" in delta)
                        and not choice.get("finish_reason") and choice.get("index", 0) == 0
                        and chunk.get("usage") is None and chunk.keys().isdisjoint(self.hook_keys)):
                    if not text:
                        return ()
                    block = self._by_kind.get("text") or self._block("text")
                    block.parts.append(text)
                    return [PartialContent(block.index, TextContent(text, None, NO_CITATIONS))]
        if data.startswith("[DONE]"):
            return self._on_done()
        if event == "error":  # Groq's SDK also accepts a named error event
            try:
                payload = json.loads(data)
            except ValueError:
                payload = data
            err = payload.get("error", payload) if isinstance(payload, dict) else payload
            raise self.stream_error(err, data)
        if chunk is None:
            chunk = parse_json_event(data)
        if not isinstance(chunk, dict):
            raise MalformedEventError(f"{self.provider} chunk is not a JSON object: {data[:200]!r}")
        err = self.chunk_error(chunk)
        if err:
            raise self.stream_error(err, data)
        if not self.response_id:  # the first non-empty id wins (Azure's filter chunk has "id": "")
            chunk_id = chunk.get("id")
            if isinstance(chunk_id, str) and chunk_id:
                self.response_id = chunk_id
        if isinstance(chunk.get("model"), str) and chunk["model"]:
            self.model = chunk["model"]
        usage = self.chunk_usage(chunk)
        if usage is not None:
            self.usage = usage
        events: List[_Event] = []
        for choice in chunk.get("choices") or ():
            if not isinstance(choice, dict) or choice.get("index", 0) != 0:
                continue  # n > 1 is not supported: follow the first choice only
            delta = choice.get("delta")
            if isinstance(delta, dict):
                self._delta(delta, events)
            reason = choice.get("finish_reason")
            if reason:
                self._finish_reason = reason
                self._flush(events)
        return events

    def stream_error(self, err: Any, body: str) -> InvalidResponseCodeError:
        """An error object (or string) from inside the stream, as the matching exception:
        read by ``error_info`` as the ``{"error": ...}`` body of an HTTP error reply."""
        return stream_error(self.error_info(None, {"error": err}), provider=self.provider, body=body)

    def _new_block(self, kind: str) -> _Block:
        """Blocks are numbered in order of first appearance, never reused."""
        block = _Block(self._next_index, kind)
        self._next_index += 1
        self._blocks.append(block)
        return block

    def _block(self, kind: str) -> _Block:
        block = self._by_kind.get(kind)
        if block is None:
            block = self._by_kind[kind] = self._new_block(kind)
        return block

    def _delta(self, delta: Json, events: List[_Event]) -> None:
        reasoning = self.reasoning_delta(delta)
        if reasoning:
            block = self._block("thinking")
            block.parts.append(reasoning)
            events.append(PartialContent(block.index, ThinkingContent(reasoning)))
        elif "reasoning_details" in delta and self.thinking_signature() is not None:
            self._block("thinking")  # signed reasoning with no text yet: keep its place
        text = delta.get("content")
        if isinstance(text, str) and text:
            block = self._block("text")
            block.parts.append(text)
            events.append(PartialContent(block.index, text_delta(text)))
        annotations = delta.get("annotations")
        if isinstance(annotations, list) and annotations:  # url_citation (web search), made citations at the end
            self._block("text").annotations.extend(annotations)
        refusal = delta.get("refusal")
        if isinstance(refusal, str) and refusal:
            self._refused = True
            block = self._block("refusal")
            block.parts.append(refusal)
            events.append(PartialContent(block.index, text_delta(refusal)))
        for call in delta.get("tool_calls") or ():
            if isinstance(call, dict):
                self._tool_fragment(call)

    def _tool_fragment(self, call: Json) -> None:
        """Merge one ``tool_calls[]`` fragment by its ``index`` (id and name come only in
        the first fragment). Servers that omit ``index`` are matched by ``id``."""
        key = call.get("index")
        if key is None:
            call_id = call.get("id")
            key = next((k for k, b in self._tools.items() if call_id and b.id == call_id), None)
            if key is None:
                key = f"#{len(self._tools)}" if call_id or self._last_tool is None else self._last_tool
        block = self._tools.get(key)
        if block is None:
            block = self._tools[key] = self._new_block("tool")
        self._last_tool = key
        if call.get("id"):
            block.id = call["id"]
        signature = thought_signature(call)
        if signature:
            block.signature = signature
        function = call.get("function") or {}
        if function.get("name"):
            block.name = function["name"]
        arguments = function.get("arguments")
        if isinstance(arguments, dict):  # a few servers send an object, not a string
            arguments = json.dumps(arguments)
        if isinstance(arguments, str):
            block.parts.append(arguments)

    def open_blocks(self) -> Dict[int, ContentBlock]:
        """Text, refusal and reasoning blocks begun, not finished (tool calls stay out until whole)."""
        out: Dict[int, ContentBlock] = {}
        for block in list(self._blocks):
            if block.parts and block.kind != "tool":
                text = "".join(block.parts)
                out[block.index] = ThinkingContent(text) if block.kind == "thinking" else TextContent(text)
        return out

    def _flush(self, events: List[_Event]) -> None:
        """Emit every open block, finished, in index order."""
        for block in self._blocks:
            self._saw_tools = self._saw_tools or block.kind == "tool"
            events.append(Content(block.index, self._finished(block)))
        self._blocks = []
        self._by_kind = {}
        self._tools = {}
        self._last_tool = None

    def _finished(self, block: _Block) -> ContentBlock:
        text = "".join(block.parts)
        if block.kind == "thinking":
            return ThinkingContent(text, signature=self.thinking_signature())
        if block.kind != "tool":
            if not block.annotations:
                return TextContent(text)
            found = (citation_from_annotation(a, text) for a in block.annotations)
            return TextContent(text, citations=[c for c in found if c is not None])
        return ToolUseContent(id=block.id, name=block.name, input=self._arguments(block, text),
                              signature=block.signature)

    def _arguments(self, block: _Block, text: str) -> Dict[str, Any]:
        return parse_tool_arguments(text, cut_short=self._finish_reason == "length",  # cut off by max_tokens
                                    what=f"{self.provider} tool call {block.name!r} ({block.id})")

    def stop_reason(self) -> Optional[StopReason]:
        reason = self._finish_reason
        if reason is None:
            return None
        if reason == "stop" and self._refused:
            return StopReason.REFUSAL
        if reason == "stop" and self._saw_tools:
            return StopReason.TOOL_USE  # a forced tool_choice reports "stop"
        return FINISH_REASONS.get(reason, StopReason.OTHER)

    def _on_done(self) -> Sequence[_Event]:
        events: List[_Event] = []
        if self._blocks:  # a server that ended without a finish_reason
            self._flush(events)
        self.done = True
        events.append(Stop(self.stop_reason(), self.usage))
        return events


class OpenAIStreamProcessor(ChatStreamProcessor):
    """OpenAI: Chat Completions never streams reasoning text, only its token count."""

    provider = "openai"
    reasoning_keys: Tuple[str, ...] = ()

