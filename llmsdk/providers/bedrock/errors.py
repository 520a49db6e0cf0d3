"""Bedrock error replies and in-stream exceptions, read in one place.

An HTTP error names its type in the ``x-amzn-ErrorType`` header
(``ThrottlingException:http://internal.amazon.com/coral/...``) and carries
``{"message": "..."}`` (sometimes ``"Message"`` or a ``"__type"``); an exception inside an
event stream is a frame whose ``:exception-type`` is the type (``throttlingException``)
and whose payload is the same ``{"message": ...}``. The types map to classes in
``llmsdk.errors`` (``throttlingException`` -> ``RateLimitError``, ...).
"""

from __future__ import annotations

import json
from typing import Any, Mapping, NoReturn, Optional

from llmsdk._core.error_bodies import ErrorInfo, error_object, stream_error

__all__ = ["error_info", "raise_stream_exception"]


def _type_name(raw: Any) -> Optional[str]:
    """``ThrottlingException:http://...`` or ``com.amazon...#ThrottlingException`` -> the bare name."""
    if not isinstance(raw, str) or not raw:
        return None
    return raw.split(":", 1)[0].rsplit("#", 1)[-1] or None


def error_info(status: Optional[int], body: Any, headers: Optional[Mapping[str, str]] = None) -> ErrorInfo:
    """An HTTP error reply (``status`` set, ``headers`` with ``x-amzn-ErrorType``) or the
    payload of an in-stream exception (``status`` None)."""
    data = error_object(body)
    message = ""
    error_type = _type_name(headers.get("x-amzn-ErrorType")) if headers is not None else None
    original = None
    if isinstance(data, dict):
        message = str(data.get("message") or data.get("Message") or "")
        error_type = error_type or _type_name(data.get("__type"))
        code = data.get("originalStatusCode")
        original = code if isinstance(code, int) and 100 <= code <= 599 else None
    elif isinstance(body, str):
        message = body.strip()[:500]
    return ErrorInfo(message or (f"HTTP {status}" if status is not None else "stream exception"), error_type,
                     status=original)


def raise_stream_exception(exception_type: str, data: str, *, provider: str) -> NoReturn:
    """An exception frame (``throttlingException``...) as the typed stream error."""
    info = error_info(None, data)
    info = ErrorInfo(info.message, exception_type or info.type, status=info.status)
    raise stream_error(info, provider=provider, body=data if data else json.dumps({"type": exception_type}))
