"""Gemini ``streamGenerateContent?alt=sse`` replies for ``FakeProviderServer``, shaped like
recorded ones: CRLF frames, cumulative ``usageMetadata`` on every chunk, ``finishReason``
only on the last chunk, and no terminator but the end of the body.

>>> server.add_reply(gemini.text_reply("Hello!"))
>>> server.add_reply(gemini.function_call_reply([("get_weather", {"city": "Cairo"})]))
>>> server.route(":countTokens", gemini.count_tokens_reply(42))

The ready-made replies speak the vocabulary every ``llmsdk.testing`` provider module
shares (``text_reply(text, *, chunk=)``, ``tool_use_reply(name, input, *, tool_id=, text=)``,
``error_reply(status, message, *, error_type=)``, ``stream_error_reply(message, *,
error_type=, status=, text_before=)``, ``truncated_reply(text, *, chunk=)``); the
``error_type`` is the google.rpc status name (``RESOURCE_EXHAUSTED``), by default the one
of the HTTP status. Older spellings still work: ``chunk_size=``,
``function_call_reply([...])`` for several calls, and ``error_reply(code, status_name,
message)`` / ``stream_error_reply(code, status_name, message)``.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

from llmsdk.testing.server import BodyPiece, ScriptedReply, sse_event

__all__ = [
    "blocked_prompt_reply", "chunk", "count_tokens_reply", "error_body", "error_reply", "frame",
    "function_call_part", "function_call_reply", "grounded_reply", "grounding_metadata", "json_reply",
    "output_tool_reply", "safety_reply", "stream",
    "stream_error_reply", "text_reply", "thinking_reply", "tool_use_reply", "truncated_reply", "usage",
]

DEFAULT_MODEL = "gemini-2.5-flash"
RESPONSE_ID = "nlP5afrgJ6-I-sAPut_z2Ac"
SIGNATURE = "EpoICpcIAQw51sc78WQ2FakeSignature=="

Call = Union[Tuple[str, Dict[str, Any]], Dict[str, Any]]


def usage(prompt: int = 12, candidates: Optional[int] = None, thoughts: Optional[int] = None,
          cached: Optional[int] = None) -> Dict[str, Any]:
    """A ``usageMetadata`` object; absent counts are left out, as Gemini does."""
    meta: Dict[str, Any] = {"promptTokenCount": prompt}
    if candidates is not None:
        meta["candidatesTokenCount"] = candidates
    total = prompt + (candidates or 0) + (thoughts or 0)
    meta["totalTokenCount"] = total
    meta["promptTokensDetails"] = [{"modality": "TEXT", "tokenCount": prompt}]
    if thoughts is not None:
        meta["thoughtsTokenCount"] = thoughts
    if cached is not None:
        meta["cachedContentTokenCount"] = cached
    return meta


def chunk(parts: Optional[List[Dict[str, Any]]] = None, *, finish_reason: Optional[str] = None,
          usage_metadata: Optional[Dict[str, Any]] = None, model: str = DEFAULT_MODEL,
          response_id: str = RESPONSE_ID) -> Dict[str, Any]:
    """One ``GenerateContentResponse`` chunk with a single candidate."""
    candidate: Dict[str, Any] = {}
    if parts is not None:
        candidate["content"] = {"parts": parts, "role": "model"}
    if finish_reason:
        candidate["finishReason"] = finish_reason
    candidate["index"] = 0
    out: Dict[str, Any] = {"candidates": [candidate]}
    out["usageMetadata"] = usage_metadata if usage_metadata is not None else usage()
    out["modelVersion"] = model
    out["responseId"] = response_id
    return out


def frame(data: Union[Dict[str, Any], str]) -> bytes:
    """One SSE frame, CRLF-terminated like Gemini's."""
    return sse_event(data, crlf=True)


def function_call_part(name: str, args: Dict[str, Any], call_id: Optional[str] = None,
                       signature: Optional[str] = None) -> Dict[str, Any]:
    call: Dict[str, Any] = {"name": name, "args": args}
    if call_id:
        call["id"] = call_id
    part: Dict[str, Any] = {"functionCall": call}
    if signature:
        part["thoughtSignature"] = signature
    return part


def _pieces(text: str, size: int) -> List[str]:
    size = max(1, size)
    return [text[i:i + size] for i in range(0, len(text), size)] or [""]


def stream(part_groups: Sequence[List[Dict[str, Any]]], *, finish_reason: Optional[str] = "STOP",
           prompt_tokens: int = 12, thoughts: Optional[int] = None, cached: Optional[int] = None,
           output_per_chunk: int = 4, final_parts: Optional[List[Dict[str, Any]]] = None,
           model: str = DEFAULT_MODEL, response_id: str = RESPONSE_ID) -> List[bytes]:
    """Frames for one reply: one chunk per group of parts, cumulative usage, and the
    ``finishReason`` on the last chunk (``finish_reason=None``: a truncated stream).
    ``final_parts`` go on the finishing chunk (recorded streams often send an empty text)."""
    out: List[bytes] = []
    candidates = 0
    groups = list(part_groups)
    for i, parts in enumerate(groups):
        if any(not p.get("thought") for p in parts):
            candidates += output_per_chunk
        last = i == len(groups) - 1 and final_parts is None
        meta = usage(prompt_tokens, candidates or None, thoughts, cached)
        out.append(frame(chunk(parts, finish_reason=finish_reason if last else None, usage_metadata=meta,
                               model=model, response_id=response_id)))
    if final_parts is not None or not groups:
        meta = usage(prompt_tokens, candidates or None, thoughts, cached)
        out.append(frame(chunk(final_parts if final_parts is not None else [{"text": ""}],
                               finish_reason=finish_reason, usage_metadata=meta, model=model,
                               response_id=response_id)))
    return out


def text_reply(text: str = "Hello!", *, chunk: Optional[int] = None, chunk_size: int = 8, framing: str = "chunked",
               headers: Optional[Dict[str, str]] = None, **kwargs: Any) -> ScriptedReply:
    """A streamed text answer (``finish_reason=None`` for one that is cut off);
    ``chunk_size`` is ``chunk``'s older name."""
    groups = [[{"text": piece}] for piece in _pieces(text, chunk if chunk is not None else chunk_size)]
    return ScriptedReply.sse(stream(groups, **kwargs), framing=framing, headers=dict(headers or {}))


def thinking_reply(thought: str, text: str, *, signature: Optional[str] = SIGNATURE, thoughts: int = 67,
                   chunk_size: int = 16, **kwargs: Any) -> ScriptedReply:
    """Thought-summary parts, then the answer; the signature arrives on a trailing empty
    text part, as streamed by Gemini 3 models."""
    groups: List[List[Dict[str, Any]]] = [[{"text": p, "thought": True}] for p in _pieces(thought, chunk_size)]
    groups += [[{"text": p}] for p in _pieces(text, chunk_size)]
    final = [{"text": "", "thoughtSignature": signature}] if signature else None
    return ScriptedReply.sse(stream(groups, thoughts=thoughts, final_parts=final, **kwargs))


def function_call_reply(calls: Sequence[Call], *, text: Optional[str] = None, with_ids: bool = True,
                        signature: Optional[str] = SIGNATURE, **kwargs: Any) -> ScriptedReply:
    """Optional text, then every call whole in one chunk (the first one signed), then the
    finishing chunk with ``STOP`` and an empty text part, as recorded."""
    parts = []
    for i, call in enumerate(calls):
        if isinstance(call, dict):
            parts.append(call)
            continue
        name, args = call
        parts.append(function_call_part(name, args, f"call{i:03d}x" if with_ids else None,
                                        signature if i == 0 else None))
    groups: List[List[Dict[str, Any]]] = [[{"text": text}]] if text else []
    groups.append(parts)
    kwargs.setdefault("final_parts", [{"text": ""}])
    return ScriptedReply.sse(stream(groups, **kwargs))


def tool_use_reply(name: str, input: Dict[str, Any], *, tool_id: Optional[str] = "call000x",
                   text: Optional[str] = None, signature: Optional[str] = SIGNATURE, **kwargs: Any) -> ScriptedReply:
    """An answer that calls one tool (after some text, if given); ``tool_id=None`` sends
    the call without an id, as gemini-2.x models do."""
    return function_call_reply([function_call_part(name, input, tool_id, signature)], text=text, **kwargs)


def truncated_reply(text: str = "Hello!", *, chunk: int = 8, **kwargs: Any) -> ScriptedReply:
    """A stream whose body ends cleanly with no ``finishReason`` (a dropped connection)."""
    return text_reply(text, chunk=chunk, finish_reason=None, **kwargs)


def safety_reply(text_before: str = "", reason: str = "SAFETY", **kwargs: Any) -> ScriptedReply:
    """A reply the safety filters stopped: some text, then a chunk with no content and
    ``finishReason`` ``SAFETY`` (or another filter reason) with ``safetyRatings``."""
    body: List[BodyPiece] = []
    if text_before:
        body.extend(stream([[{"text": text_before}]], finish_reason=None))
    last = chunk(None, finish_reason=reason, usage_metadata=usage(12, 4 if text_before else None))
    last["candidates"][0]["safetyRatings"] = [
        {"category": "HARM_CATEGORY_DANGEROUS_CONTENT", "probability": "HIGH", "blocked": True},
    ]
    body.append(frame(last))
    return ScriptedReply.sse(body, **kwargs)


def blocked_prompt_reply(reason: str = "SAFETY", message: Optional[str] = None) -> ScriptedReply:
    """The prompt itself was blocked: ``promptFeedback.blockReason`` and no candidates."""
    feedback: Dict[str, Any] = {"blockReason": reason, "safetyRatings": [
        {"category": "HARM_CATEGORY_HARASSMENT", "probability": "HIGH"}]}
    if message:
        feedback["blockReasonMessage"] = message
    data = {"promptFeedback": feedback, "usageMetadata": {"promptTokenCount": 9, "totalTokenCount": 9},
            "modelVersion": DEFAULT_MODEL, "responseId": RESPONSE_ID}
    return ScriptedReply.sse([frame(data)])


#: The google.rpc status name Gemini sends with each HTTP status (PROVIDERS.md §4.5).
STATUS_NAMES: Dict[int, str] = {
    400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED", 404: "NOT_FOUND",
    409: "ABORTED", 429: "RESOURCE_EXHAUSTED", 499: "CANCELLED", 500: "INTERNAL", 501: "UNIMPLEMENTED",
    503: "UNAVAILABLE", 504: "DEADLINE_EXCEEDED",
}
_CODES = {name: code for code, name in STATUS_NAMES.items()}
_RPC_NAMES = frozenset(STATUS_NAMES.values()) | {"FAILED_PRECONDITION", "OUT_OF_RANGE", "ALREADY_EXISTS",
                                                 "DATA_LOSS", "UNKNOWN"}


def error_type_for(status: int) -> str:
    """The google.rpc status name Gemini sends with ``status``."""
    return STATUS_NAMES.get(status) or ("INTERNAL" if status >= 500 else "INVALID_ARGUMENT")


def error_body(code: int, status: str, message: str, retry_delay: Optional[str] = None) -> Dict[str, Any]:
    """``{"error": {code, message, status[, details: RetryInfo]}}``."""
    err: Dict[str, Any] = {"code": code, "message": message, "status": status}
    if retry_delay is not None:
        err["details"] = [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": retry_delay}]
    return {"error": err}


def _legacy(second: Optional[str], third: Optional[str]) -> Tuple[Optional[str], Optional[str]]:
    """``(error_type, message)`` from the older ``(code, status_name, message)`` order, where
    the argument after the code is a google.rpc status name."""
    if second is not None and second in _RPC_NAMES:
        return second, third
    return None, second


def error_reply(status: Any = 503, message: Optional[str] = None, legacy_message: Optional[str] = None, *,
                error_type: Optional[str] = None, retry_delay: Optional[str] = None,
                headers: Optional[Dict[str, str]] = None, code: Optional[int] = None) -> ScriptedReply:
    """An HTTP error with Gemini's pretty-printed, multi-line body:
    ``error_reply(429, "Quota exceeded", retry_delay="37s")``. The older
    ``error_reply(429, "RESOURCE_EXHAUSTED", "Quota exceeded")`` and
    ``error_reply(code=429, status="RESOURCE_EXHAUSTED")`` still work."""
    if isinstance(status, str):  # the older keyword form: status is the google.rpc name
        error_type, status = status, code if code is not None else _CODES.get(status, 503)
    else:
        legacy_type, message = _legacy(message, legacy_message)
        error_type = error_type or legacy_type
    error_type = error_type or error_type_for(status)
    body = error_body(status, error_type, message or "The model is overloaded.", retry_delay)
    return ScriptedReply.json(status, body, headers=headers)


def stream_error_reply(message: Any = "The model is overloaded.", legacy_type: Optional[str] = None,
                       legacy_message: Optional[str] = None, *, error_type: Optional[str] = None,
                       status: Optional[int] = None, text_before: Optional[str] = None) -> ScriptedReply:
    """A 200 stream that carries ``data: {"error": ...}`` (after some text, if given):
    ``stream_error_reply("Overloaded", status=503)``. The older
    ``stream_error_reply(503, "UNAVAILABLE", "message")`` (a code first) still works."""
    if isinstance(message, int):
        status, error_type = message, error_type or legacy_type
        message = legacy_message or "The model is overloaded."
    if status is None:
        status = _CODES.get(error_type or "", 503)
    error_type = error_type or error_type_for(status)
    body: List[BodyPiece] = []
    if text_before:
        body.extend(stream([[{"text": text_before}]], finish_reason=None))
    body.append(frame(error_body(status, error_type, str(message))))
    return ScriptedReply.sse(body)


def count_tokens_reply(total: int) -> ScriptedReply:
    """A ``:countTokens`` answer."""
    return ScriptedReply.json(200, {"totalTokens": total,
                                    "promptTokensDetails": [{"modality": "TEXT", "tokenCount": total}]})


# -- structured output ----------------------------------------------------------------------


def json_reply(obj: Any, *, cut_at: Optional[int] = None, chunk_size: int = 16, **kwargs: Any) -> ScriptedReply:
    """A structured-output answer (``responseJsonSchema``): ``obj`` as JSON text. With
    ``cut_at`` the JSON stops after that many characters, with ``finishReason:
    "MAX_TOKENS"``. A refusal is ``safety_reply()``."""
    import json

    text = json.dumps(obj)
    if cut_at is not None:
        text = text[:cut_at]
        kwargs.setdefault("finish_reason", "MAX_TOKENS")
    return text_reply(text, chunk_size=chunk_size, **kwargs)


def output_tool_reply(name: str, obj: Dict[str, Any], **kwargs: Any) -> ScriptedReply:
    """A structured-output answer through a forced function call named ``name``."""
    return function_call_reply([(name, obj)], **kwargs)


Source = Tuple[str, str]  # (uri, title)
Support = Tuple[str, Sequence[int]]  # (a piece of the answer, indices into the sources)


def grounding_metadata(answer: str, sources: Sequence[Source], supports: Sequence[Support],
                       queries: Sequence[str] = ("claude shannon birth date",)) -> Dict[str, Any]:
    """``groundingMetadata`` as Google Search grounding sends it: ``webSearchQueries``,
    ``groundingChunks[].web {uri, title}`` and ``groundingSupports`` whose segments are
    UTF-8 byte offsets into ``answer``."""
    encoded = answer.encode("utf-8")
    supports_out = []
    for piece, indices in supports:
        start = encoded.find(piece.encode("utf-8"))
        if start < 0:
            raise ValueError(f"{piece!r} is not in the answer")
        segment: Dict[str, Any] = {"endIndex": start + len(piece.encode("utf-8")), "text": piece}
        if start:
            segment["startIndex"] = start  # Gemini leaves a zero start out
        supports_out.append({"segment": segment, "groundingChunkIndices": list(indices)})
    return {
        "searchEntryPoint": {"renderedContent": "<style>.container{}</style><div class=\"container\"></div>"},
        "groundingChunks": [{"web": {"uri": uri, "title": title}} for uri, title in sources],
        "groundingSupports": supports_out,
        "webSearchQueries": list(queries),
    }


def grounded_reply(answer: str = "Claude Shannon was born on April 30, 1916, in Petoskey, Michigan.",
                   sources: Sequence[Source] = (("https://vertexaisearch.cloud.google.com/grounding-api-redirect/AUZ",
                                                 "wikipedia.org"),),
                   supports: Optional[Sequence[Support]] = None, *, chunk_size: int = 16,
                   queries: Sequence[str] = ("claude shannon birth date",), **kwargs: Any) -> ScriptedReply:
    """An answer grounded with Google Search: text chunks, then the finishing chunk carrying
    ``groundingMetadata`` (by default the whole answer supported by every source)."""
    found = supports if supports is not None else [(answer, list(range(len(sources))))]
    meta = grounding_metadata(answer, sources, found, queries)
    frames = stream([[{"text": piece}] for piece in _pieces(answer, chunk_size)], finish_reason=None, **kwargs)
    last = chunk([{"text": ""}], finish_reason="STOP", usage_metadata=usage(12, 20))
    last["candidates"][0]["groundingMetadata"] = meta
    return ScriptedReply.sse(frames + [frame(last)])
