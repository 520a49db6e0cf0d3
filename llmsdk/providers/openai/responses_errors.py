"""Responses API error bodies, read the same way for an HTTP error reply (Chat
Completions' ``{"error": {"message", "type", "param", "code"}}``), an ``error`` event,
and a ``response.failed`` event's ``response.error``.

Beyond the shared reading (``llmsdk/_core/error_bodies.py``):

* an ``error`` event is documented flat (``{"type": "error", "code", "message",
  "param"}``) but arrives nested (``{"type": "error", "error": {"type", "code",
  "message", "param"}}``, openai-dotnet#881, Effect-TS/effect#7262); both are read;
* ``too_many_requests`` (seen nested in a 429-style event) is a rate limit and
  ``vector_store_timeout`` a server error;
* a failed response's ``ResponseError.code`` (types/responses/response_error.py) is
  ``server_error``, ``rate_limit_exceeded``, ``vector_store_timeout`` or one of a list of
  prompt and image problems (``invalid_prompt``, ``invalid_image_url``,
  ``image_too_large``...): those raise ``BadRequestError``.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Dict, Optional

from llmsdk._core.error_bodies import ErrorInfo, error_object, generic_error_info
from llmsdk.errors import error_class_for_type

__all__ = ["error_info", "failed_error_info"]

_ALIASES: Dict[str, str] = {
    "too_many_requests": "rate_limit_exceeded",
    "vector_store_timeout": "server_error",
}


def _error_dict(body: Any) -> Any:
    """The error object of ``body``: the nested ``error``, or an ``error`` event's own
    ``code``/``message``/``param``."""
    data = error_object(body)
    if not isinstance(data, dict):
        return body
    if isinstance(data.get("error"), dict):
        return data["error"]
    if data.get("type") == "error":
        return {key: data.get(key) for key in ("code", "message", "param")}
    return data


def error_info(status: Optional[int], body: Any) -> ErrorInfo:
    """``body``: the reply text or the parsed event; ``status``: None inside a stream."""
    err = _error_dict(body)
    if isinstance(err, dict) and err.get("code") in _ALIASES:
        err = dict(err, code=_ALIASES[err["code"]])
    if isinstance(err, dict) and err.get("type") in _ALIASES:
        err = dict(err, type=_ALIASES[err["type"]])
    return generic_error_info(status, {"error": err} if isinstance(err, dict) else body)


def failed_error_info(err: Any) -> ErrorInfo:
    """A ``response.failed`` event's ``response.error``: codes no table knows describe the
    request (its prompt or images), so they read as ``invalid_request_error``."""
    if not isinstance(err, dict):
        err = {"message": "the response failed", "code": "server_error"}
    info = error_info(None, {"error": err})
    if error_class_for_type(info.type) is None:
        info = dataclasses.replace(info, type="invalid_request_error")
    return info
