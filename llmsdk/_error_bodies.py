"""Reading provider error bodies: ``ErrorInfo`` and the generic
``{"error": {"message", "type"|"status"|"code"}}`` reader providers build on."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Optional

__all__ = ["ErrorInfo", "error_object", "generic_error_info"]


@dataclass(frozen=True)
class ErrorInfo:
    """The useful part of a provider error body."""

    message: str
    type: Optional[str] = None
    retry_after: Optional[float] = None
    #: The body's own verdict on retrying (e.g. a daily quota is spent: False); the
    #: ``x-should-retry`` header still wins.
    should_retry: Optional[bool] = None


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


def generic_error_info(status: int, body: Any) -> ErrorInfo:
    """``{"error": {"message", "type"|"status"|"code"}}``, ``{"error": "text"}``,
    ``{"message", "type"}``, or the raw text."""
    data = error_object(body)
    raw = body if isinstance(body, str) else json.dumps(body) if body is not None else ""
    err = data.get("error") if isinstance(data, dict) else None
    if isinstance(err, dict):
        message = str(err.get("message") or "")
        etype = err.get("type") or err.get("status") or err.get("code")
        return ErrorInfo(message or raw[:500], str(etype) if etype is not None else None)
    if isinstance(err, str):
        return ErrorInfo(err)
    if isinstance(data, dict) and isinstance(data.get("message"), str):
        return ErrorInfo(data["message"], data.get("type"))
    return ErrorInfo(raw.strip()[:500] or f"HTTP {status}")
