"""Reading provider error bodies: ``ErrorInfo``, the generic
``{"error": {"message", "type"|"status"|"code"}}`` reader providers build on, and the one
function that turns an ``ErrorInfo`` into the exception of an error event inside a stream.

Each provider reads its error bodies in one place (``providers/<name>/errors.py``), and
both paths use it: ``adapter.parse_error(status, body)`` for an HTTP error reply and the
stream processor for an error event after the 200. So a body gives the same class,
``error_type``, ``retry_after`` and ``should_retry`` whichever way it arrives.

Which field names the error type, for every provider (the first that applies wins):

1. a provider reason more precise than the body's own fields, when llmsdk knows it
   (Gemini's ``google.rpc.ErrorInfo`` reason ``API_KEY_INVALID``);
2. a string ``code`` llmsdk knows (``context_length_exceeded``, ``insufficient_quota``,
   ``invalid_api_key``): it beats a generic ``type`` such as ``invalid_request_error``;
3. ``type`` (Anthropic, OpenAI-style), else ``status`` (Gemini's google.rpc status
   name), else any other string ``code``.

A numeric ``code`` is never a type: it is the HTTP status the body names
(``ErrorInfo.status``; Gemini, OpenRouter), which picks the class of a stream error whose
type llmsdk does not know.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Dict, Optional

from llmsdk.errors import InvalidResponseCodeError, error_class_for_type, make_stream_error

__all__ = ["ErrorInfo", "error_object", "error_type_of", "generic_error_info", "stream_error"]


@dataclass(frozen=True)
class ErrorInfo:
    """The useful part of a provider error body."""

    message: str
    type: Optional[str] = None
    retry_after: Optional[float] = None
    #: The body's own verdict on retrying (e.g. a daily quota is spent: False); the
    #: ``x-should-retry`` header still wins.
    should_retry: Optional[bool] = None
    #: The HTTP status the body itself names (a numeric ``code``), if any.
    status: Optional[int] = None
    #: The request id the body carries (Anthropic's ``request_id``), if any.
    request_id: Optional[str] = None
    #: A machine-readable code finer than ``type`` (Anthropic ``error.details.error_code``).
    error_code: Optional[str] = None


def error_object(body: Any) -> Any:
    """The parsed body (a string is decoded), unwrapped from Gemini's ``[...]`` framing;
    None when it is not JSON."""
    if isinstance(body, (str, bytes)):
        try:
            body = json.loads(body) if body else None
        except ValueError:
            return None
    if isinstance(body, list) and body:  # Gemini without alt=sse wraps errors in [...]
        body = body[0]
    return body


def _name(value: Any) -> Optional[str]:
    return value if isinstance(value, str) and value else None


def error_type_of(err: Dict[str, Any], reason: Optional[str] = None) -> Optional[str]:
    """The error type of an error object, by the precedence rule of this module."""
    code = _name(err.get("code"))
    for known in (reason, code):
        if known is not None and error_class_for_type(known) is not None:
            return known
    return _name(err.get("type")) or _name(err.get("status")) or code


def _status_of(err: Dict[str, Any]) -> Optional[int]:
    code = err.get("code")
    return code if isinstance(code, int) and not isinstance(code, bool) and 100 <= code <= 599 else None


def generic_error_info(status: Optional[int], body: Any) -> ErrorInfo:
    """``{"error": {"message", "type"|"status"|"code"}}``, ``{"error": "text"}``,
    ``{"message", "type"}``, or the raw text. ``body`` is the reply's text or the parsed
    object; ``status`` is the HTTP status (None for an error event inside a stream)."""
    data = error_object(body)
    raw = body if isinstance(body, str) else json.dumps(body) if body is not None else ""
    request_id = _name(data.get("request_id")) if isinstance(data, dict) else None
    err = data.get("error") if isinstance(data, dict) else None
    if isinstance(err, str):
        return ErrorInfo(err or raw[:500], request_id=request_id)
    if not isinstance(err, dict) and isinstance(data, dict) and isinstance(data.get("message"), str):
        err = data  # the error object itself (a named ``error`` event's data)
    if isinstance(err, dict):
        message = str(err.get("message") or "")
        details = err.get("details")
        code = _name(details.get("error_code")) if isinstance(details, dict) else None
        return ErrorInfo(message or raw[:500] or f"HTTP {status}", error_type_of(err), status=_status_of(err),
                         request_id=request_id, error_code=code)
    return ErrorInfo(raw.strip()[:500] or (f"HTTP {status}" if status is not None else "error"))


def stream_error(info: ErrorInfo, *, provider: str, body: Optional[str] = None,
                 request_id: Optional[str] = None) -> InvalidResponseCodeError:
    """The exception for an error event inside a 200 stream: ``ProviderStreamError`` and
    the class its type (else the status the body names) maps to, carrying the body's
    ``retry_after`` and ``should_retry`` from construction."""
    return make_stream_error(
        info.message or "stream error",
        error_type=info.type,
        status=info.status,
        provider=provider,
        body=body,
        request_id=info.request_id or request_id,
        retry_after=info.retry_after,
        should_retry=info.should_retry,
        error_code=info.error_code,
    )
