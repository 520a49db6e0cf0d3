"""What the OpenAI family's two stream builders share, ``llmsdk.testing.openai`` (Chat
Completions) and ``llmsdk.testing.openai_responses`` (the Responses API): HTTP error
replies (both APIs answer errors with the same body and types), text cut into stream
pieces, and the frames-to-reply end of a builder."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

from llmsdk.testing.server import ScriptedReply

__all__ = ["DEFAULT_STREAM_ERROR", "ERROR_TYPES", "FrameList", "ToolCall", "error_body", "error_reply",
           "error_type_for", "pieces"]

ToolCall = Tuple[str, str, Dict[str, Any]]  # (call id, name, arguments)


class FrameList:
    """The SSE frames a builder has appended, as a list, one body, or a 200 reply."""

    def __init__(self) -> None:
        self._events: List[bytes] = []

    def events(self) -> List[bytes]:
        return list(self._events)

    def body(self) -> bytes:
        return b"".join(self._events)

    def reply(self, **kwargs: Any) -> ScriptedReply:
        return ScriptedReply.sse(self.events(), **kwargs)


def pieces(text: str, size: int) -> List[str]:
    """``text`` in ``size``-character pieces (one empty piece for empty text)."""
    size = max(1, size)
    return [text[i:i + size] for i in range(0, len(text), size)] or [""]


#: OpenAI's ``(type, code)`` for each HTTP status (PROVIDERS.md §3.5): what a test gets
#: when it gives only the status.
ERROR_TYPES: Dict[int, Tuple[str, Optional[str]]] = {
    400: ("invalid_request_error", None),
    401: ("invalid_request_error", "invalid_api_key"),
    403: ("invalid_request_error", None),
    404: ("invalid_request_error", "model_not_found"),
    429: ("tokens", "rate_limit_exceeded"),
}


def error_type_for(status: int) -> Tuple[str, Optional[str]]:
    """The ``(type, code)`` an OpenAI-style server sends with ``status``."""
    return ERROR_TYPES.get(status) or (("server_error", None) if status >= 500 else ("invalid_request_error", None))


DEFAULT_STREAM_ERROR = "The server had an error while processing your request. Sorry about that!"


def error_body(status: int, message: str, *, dialect: str = "openai", error_type: Optional[str] = None,
               code: Optional[str] = None) -> Dict[str, Any]:
    """The JSON error body of an HTTP error reply in ``dialect``'s shape; ``error_type`` and
    ``code`` default to those of ``status``."""
    if dialect == "openrouter":
        return {"error": {"code": status, "message": message}}
    if error_type is None:
        error_type, default_code = error_type_for(status)
        code = code if code is not None else default_code
    return {"error": {"message": message, "type": error_type, "param": None, "code": code}}


def error_reply(status: int, message: str = "error", *, dialect: str = "openai", error_type: Optional[str] = None,
                code: Optional[str] = None, headers: Optional[Dict[str, str]] = None) -> ScriptedReply:
    """An HTTP error reply (``x-request-id`` set, as OpenAI and Groq do)."""
    body = error_body(status, message, dialect=dialect, error_type=error_type, code=code)
    return ScriptedReply.json(status, body, headers={"x-request-id": "req_fake", **(headers or {})})
