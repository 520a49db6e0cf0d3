"""Gemini ``streamGenerateContent?alt=sse`` chunks -> ``LLMEvent``s. Pure: no HTTP.

Every chunk is a partial ``GenerateContentResponse``. Text parts are deltas; ``thought:
true`` parts are thought-summary deltas; each ``functionCall`` part is one whole call.
``usageMetadata`` is cumulative (the last one wins). The stream has no terminator but the
end of the body, so a candidate's ``finishReason`` marks it complete and ``finish()``
emits the finished blocks and ``Stop``; a body that ends without one is truncated.

``thoughtSignature`` values are kept with the block they arrived on, at most one per
block, so they can be echoed back part for part (see ``request.py``).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from typing import Any, Dict, List, Optional, Sequence, Tuple

from llmsdk.errors import IncompleteStreamError, MalformedEventError
from llmsdk.events import Content, PartialContent, Stop, _Event
from llmsdk._core.error_bodies import ErrorInfo, stream_error
from llmsdk._core.sse_json import parse_json_event
from llmsdk.providers.base import StreamProcessor
from llmsdk.providers.gemini.errors import error_info
from llmsdk.types import (
    Citation, ContentBlock, ProviderToolContent, StopReason, TextContent, ThinkingContent, ToolUseContent, Usage,
)

__all__ = [
    "CONTINUATION",
    "CONTINUATION_BLOCK",
    "SYNTHETIC_ID_PREFIX",
    "GeminiStreamProcessor",
    "grounding_citations",
    "is_synthetic_call_id",
    "map_finish_reason",
    "usage_from_metadata",
]

#: Prefix of the tool-use ids llmsdk makes up for calls Gemini sent without an ``id``;
#: such ids are never sent back to Gemini.
SYNTHETIC_ID_PREFIX = "gemini-call-"

_FILTERED = frozenset({
    "SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII",
    "IMAGE_SAFETY", "IMAGE_PROHIBITED_CONTENT", "IMAGE_RECITATION",
})
_FILTERED = _FILTERED | {"ESCALATION", "MODEL_ARMOR"}  # an escalation rule; Vertex's Model Armor
_TOOL_ERRORS = frozenset({"MALFORMED_FUNCTION_CALL", "UNEXPECTED_TOOL_CALL", "TOO_MANY_TOOL_CALLS",
                          "MALFORMED_RESPONSE"})
#: Finish reasons that are the request's or the account's fault: raised as typed errors
#: (type, HTTP status they stand for, what to do).
_RAISED = {
    "MISSING_THOUGHT_SIGNATURE": (400, "the request lacks a thought signature; send the model's earlier parts "
                                       "back unchanged (signatures included)"),
    "PUP_LIMITED_DISABLED": (403, "the account is limited or disabled for Prohibited Use Policy violations"),
}
#: The per-request token limit was hit before the answer was done (google-genai 3.x): the
#: candidate's ``continuationToken`` continues it (``request.continuation_request``).
CONTINUATION = "CONTINUATION"
#: The ``ProviderToolContent`` type that carries a ``continuationToken`` in the reply.
CONTINUATION_BLOCK = "continuation"


def map_finish_reason(reason: str, saw_tool_call: bool) -> StopReason:
    """Gemini ``finishReason`` -> ``StopReason``. ``STOP`` is also sent after tool calls,
    so the presence of ``functionCall`` parts decides ``TOOL_USE``. ``CONTINUATION`` is never
    a clean stop: the answer is cut at a token limit, so it is ``MAX_TOKENS``."""
    if reason == "STOP":
        return StopReason.TOOL_USE if saw_tool_call else StopReason.END_TURN
    if reason in ("MAX_TOKENS", CONTINUATION):
        return StopReason.MAX_TOKENS
    if reason in _FILTERED:
        return StopReason.CONTENT_FILTER
    if reason in _TOOL_ERRORS:  # the model produced a call (or a reply) that could not be used
        return StopReason.ERROR
    return StopReason.OTHER  # LANGUAGE, OTHER, NO_IMAGE, IMAGE_OTHER, UNSPECIFIED, new values


def _count(meta: Dict[str, Any], key: str) -> int:
    value = meta.get(key)
    return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0


def usage_from_metadata(meta: Dict[str, Any]) -> Usage:
    """``usageMetadata`` -> ``Usage``: cached tokens are part of ``promptTokenCount`` and
    thoughts are outside ``candidatesTokenCount``; tool-use prompt tokens are input."""
    cached = _count(meta, "cachedContentTokenCount")
    prompt = _count(meta, "promptTokenCount") + _count(meta, "toolUsePromptTokenCount")
    return Usage(
        input_tokens=max(0, prompt - cached),
        output_tokens=_count(meta, "candidatesTokenCount") + _count(meta, "thoughtsTokenCount"),
        cache_reads=cached,
        reasoning_tokens=_count(meta, "thoughtsTokenCount"),
    )


def is_synthetic_call_id(call_id: str) -> bool:
    return call_id.startswith(SYNTHETIC_ID_PREFIX)


def synthetic_call_id(response_id: Optional[str], position: int, name: str, args: Any) -> str:
    """A stable id for a call Gemini sent without one: response id + position, or a hash of
    the call when the response has no id."""
    if response_id:
        return f"{SYNTHETIC_ID_PREFIX}{response_id}-{position}"
    digest = hashlib.sha1(json.dumps([name, args], sort_keys=True).encode("utf-8")).hexdigest()[:12]
    return f"{SYNTHETIC_ID_PREFIX}{digest}-{position}"


class _OpenBlock:
    __slots__ = ("index", "thought", "parts", "signature", "citations")

    def __init__(self, index: int, thought: bool) -> None:
        self.index = index
        self.thought = thought
        self.parts: List[str] = []
        self.signature: Optional[str] = None
        self.citations: List[Citation] = []

    def finished(self) -> ContentBlock:
        text = "".join(self.parts)
        if self.thought:
            return ThinkingContent(text, signature=self.signature)
        return TextContent(text, signature=self.signature, citations=list(self.citations))


def _char_offset(text: str, byte_offset: int) -> int:
    """A UTF-8 byte offset into ``text`` as a character offset (Gemini counts bytes)."""
    return len(text.encode("utf-8")[:byte_offset].decode("utf-8", errors="ignore"))


def grounding_citations(meta: Dict[str, Any], texts: Sequence[str]) -> List[List[Citation]]:
    """``groundingMetadata`` -> citations for each of ``texts`` (the reply's text blocks in
    order): every ``groundingSupports`` entry gives one citation per source chunk it names,
    attached to the block its segment falls in, with ``start``/``end`` in that block's
    characters. Segment offsets are UTF-8 bytes into the reply's whole text; where they do
    not match ``segment.text``, the text is searched for instead."""
    out: List[List[Citation]] = [[] for _ in texts]
    if not texts:
        return out
    whole = "".join(texts)
    bounds: List[Tuple[int, int]] = []
    at = 0
    for text in texts:
        bounds.append((at, at + len(text)))
        at += len(text)
    found_chunks = meta.get("groundingChunks")
    chunks: List[Any] = found_chunks if isinstance(found_chunks, list) else []
    for support in meta.get("groundingSupports") or ():
        if not isinstance(support, dict):
            continue
        found_segment = support.get("segment")
        segment: Dict[str, Any] = found_segment if isinstance(found_segment, dict) else {}
        said = segment.get("text") if isinstance(segment.get("text"), str) else ""
        start = _char_offset(whole, int(segment.get("startIndex") or 0))
        end = _char_offset(whole, int(segment.get("endIndex") or 0))
        if said and whole[start:end] != said:
            found = whole.find(said)
            start, end = (found, found + len(said)) if found >= 0 else (start, end)
        block = next((i for i, (lo, hi) in enumerate(bounds) if lo <= start < hi), len(texts) - 1)
        offset = bounds[block][0]
        for chunk_index in support.get("groundingChunkIndices") or ():
            chunk = chunks[chunk_index] if isinstance(chunk_index, int) and 0 <= chunk_index < len(chunks) else {}
            source = next((v for v in chunk.values() if isinstance(v, dict)), {}) if isinstance(chunk, dict) else {}
            out[block].append(Citation(
                cited_text=said or whole[start:end], title=source.get("title"), url=source.get("uri"),
                start=max(0, start - offset), end=max(0, end - offset), raw={"support": support, "chunk": chunk}))
    return out


class GeminiStreamProcessor(StreamProcessor):
    """One Gemini response. Only candidate 0 is read (llmsdk asks for one candidate)."""

    provider = "gemini"

    def __init__(self, provider: Optional[str] = None) -> None:
        super().__init__(provider)
        self._next_index = 0
        self._open: Optional[_OpenBlock] = None
        self._calls = 0
        self._finish_reason: Optional[str] = None
        self._texts: List[_OpenBlock] = []  # the reply's text blocks, for grounding citations
        self._grounding: Optional[Dict[str, Any]] = None
        self._continuation: Optional[str] = None

    def process(self, event: str, data: str) -> Sequence[_Event]:
        if not data.strip():
            return ()
        chunk = parse_json_event(data)
        if isinstance(chunk, list) and len(chunk) == 1:  # tolerate the non-SSE array framing
            chunk = chunk[0]
        if not isinstance(chunk, dict):
            raise MalformedEventError(f"gemini chunk is not a JSON object: {data[:200]!r}")
        if "error" in chunk:
            raise self._error(chunk, data)
        self.response_id = chunk.get("responseId") or self.response_id
        self.model = chunk.get("modelVersion") or self.model
        meta = chunk.get("usageMetadata")
        if isinstance(meta, dict):
            self.usage = usage_from_metadata(meta)
        candidates = chunk.get("candidates")
        if not candidates:
            feedback = chunk.get("promptFeedback")
            if isinstance(feedback, dict) and feedback.get("blockReason"):
                raise self._blocked(feedback, data)
            return ()
        candidate = candidates[0] if isinstance(candidates, list) else None
        if not isinstance(candidate, dict):
            raise MalformedEventError(f"gemini candidate is not an object: {data[:200]!r}")
        out: List[_Event] = []
        content = candidate.get("content")
        parts = content.get("parts") if isinstance(content, dict) else None
        for part in parts or ():
            if isinstance(part, dict):
                self._part(part, out)
        grounding = candidate.get("groundingMetadata")
        if isinstance(grounding, dict):  # merged: a later chunk's fields win
            self._grounding = {**(self._grounding or {}), **grounding}
        token = candidate.get("continuationToken")
        if isinstance(token, str) and token:
            self._continuation = token
        reason = candidate.get("finishReason")
        if reason:
            if str(reason) in _RAISED:
                status, advice = _RAISED[str(reason)]
                info = ErrorInfo(f"Gemini stopped with finishReason {reason}: {advice}", str(reason), status=status)
                raise stream_error(info, provider=self.provider, body=data)
            self._finish_reason = str(reason)
            self.done = True
        return out

    def finish(self) -> Sequence[_Event]:
        if not self.done:
            raise IncompleteStreamError(
                f"the {self.provider} stream ended without a finishReason (connection dropped?)")
        out: List[_Event] = []
        if self._grounding is not None:
            self._ground(self._grounding, out)
        self._close(out)
        if self._grounding is not None:
            out.append(Content(self._take_index(), ProviderToolContent("grounding_metadata", self._grounding,
                                                                       provider="gemini")))
        assert self._finish_reason is not None
        if self._continuation is not None and self._finish_reason == CONTINUATION:
            out.append(Content(self._take_index(), ProviderToolContent(
                CONTINUATION_BLOCK, {"continuationToken": self._continuation}, provider="gemini")))
        out.append(Stop(map_finish_reason(self._finish_reason, self._calls > 0), self.usage))
        return out

    def _ground(self, meta: Dict[str, Any], out: List[_Event]) -> None:
        """Citations onto the text they support: the open block gets them in its ``Content``,
        a block already finished as a ``PartialContent`` citation event. Search queries
        count as ``google_search`` calls."""
        texts = self._texts
        for block, citations in zip(texts, grounding_citations(meta, ["".join(b.parts) for b in texts])):
            if not citations:
                continue
            block.citations = citations
            if block is not self._open:
                out.append(PartialContent(block.index, TextContent("", citations=citations)))
        queries = meta.get("webSearchQueries")
        if isinstance(queries, list) and queries:
            requests = {**self.usage.server_tool_use, "google_search": len(queries)}
            self.usage = dataclasses.replace(self.usage, server_tool_use=requests)

    # -- parts ------------------------------------------------------------------------------

    def _part(self, part: Dict[str, Any], out: List[_Event]) -> None:
        signature = part.get("thoughtSignature")
        signature = signature if isinstance(signature, str) and signature else None
        call = part.get("functionCall")
        if isinstance(call, dict):
            self._close(out)
            self._function_call(call, signature, out)
            return
        text = part.get("text")
        if text is None and signature is None:
            return  # executableCode, inlineData output and other parts llmsdk does not model
        text = text if isinstance(text, str) else ""
        thought = bool(part.get("thought"))
        block = self._open
        if block is None or block.thought != thought or (signature and block.signature):
            if not text and not signature:
                return  # the empty text part on a final chunk
            self._close(out)
            block = self._open = _OpenBlock(self._take_index(), thought)
            if not thought:
                self._texts.append(block)
        if not text and not signature:
            return
        block.parts.append(text)
        if signature:
            block.signature = signature
        delta: ContentBlock = (
            ThinkingContent(text, signature=signature) if thought else TextContent(text, signature=signature)
        )
        out.append(PartialContent(block.index, delta))

    def _function_call(self, call: Dict[str, Any], signature: Optional[str], out: List[_Event]) -> None:
        name = str(call.get("name") or "")
        args = call.get("args")
        if not isinstance(args, dict):
            args = {}
        call_id = call.get("id")
        if not isinstance(call_id, str) or not call_id:
            call_id = synthetic_call_id(self.response_id, self._calls, name, args)
        self._calls += 1
        out.append(Content(self._take_index(), ToolUseContent(call_id, name, args, signature=signature)))

    def _take_index(self) -> int:
        index = self._next_index
        self._next_index += 1
        return index

    def _close(self, out: List[_Event]) -> None:
        block = self._open
        if block is not None:
            out.append(Content(block.index, block.finished()))
            self._open = None

    # -- errors -----------------------------------------------------------------------------

    def _error(self, chunk: Dict[str, Any], data: str) -> Exception:
        return stream_error(error_info(None, chunk), provider=self.provider, body=data)

    def _blocked(self, feedback: Dict[str, Any], data: str) -> Exception:
        reason = str(feedback.get("blockReason"))
        message = f"Gemini blocked the prompt (blockReason {reason})"
        if feedback.get("blockReasonMessage"):
            message += f": {feedback['blockReasonMessage']}"
        info = ErrorInfo(message, f"PROMPT_BLOCKED:{reason}", status=400)
        return stream_error(info, provider=self.provider, body=data)
