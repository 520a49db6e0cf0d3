"""HTTP error replies in the OpenAI family's shape, shared by ``llmsdk.testing.openai``
(Chat Completions) and ``llmsdk.testing.openai_responses`` (the Responses API): both
APIs answer errors with the same body."""

from __future__ import annotations

from typing import Any, Dict, Optional

from llmsdk.testing.server import ScriptedReply

__all__ = ["error_body", "error_reply"]


def error_body(status: int, message: str, *, dialect: str = "openai", error_type: str = "invalid_request_error",
               code: Optional[str] = None) -> Dict[str, Any]:
    """The JSON error body of an HTTP error reply in ``dialect``'s shape."""
    if dialect == "openrouter":
        return {"error": {"code": status, "message": message}}
    return {"error": {"message": message, "type": error_type, "param": None, "code": code}}


def error_reply(status: int, message: str, *, dialect: str = "openai", error_type: str = "invalid_request_error",
                code: Optional[str] = None, headers: Optional[Dict[str, str]] = None) -> ScriptedReply:
    """An HTTP error reply (``x-request-id`` set, as OpenAI and Groq do)."""
    body = error_body(status, message, dialect=dialect, error_type=error_type, code=code)
    return ScriptedReply.json(status, body, headers={"x-request-id": "req_fake", **(headers or {})})
