"""Chat Completions error bodies (OpenAI, Groq, OpenAI-compatible servers), read the same
way for an HTTP error reply and for an error chunk inside a stream (PROVIDERS.md §3.5)::

    {"error": {"message": "...", "type": "invalid_request_error", "param": null,
               "code": "context_length_exceeded"}}

A ``code`` llmsdk knows beats the generic ``type`` (``context_length_exceeded`` ->
``ContextWindowExceededError``, ``insufficient_quota`` -> ``RateLimitError``), by the rule
every provider shares (``llmsdk/_core/error_bodies.py``). Groq's ``x_groq.error`` string and a
named ``event: error`` reach this reader as ``{"error": ...}``.
"""

from __future__ import annotations

from typing import Any, Optional

from llmsdk._core.error_bodies import ErrorInfo, generic_error_info

__all__ = ["error_info"]


def error_info(status: Optional[int], body: Any) -> ErrorInfo:
    """``body``: the reply text or the parsed chunk; ``status``: None inside a stream."""
    return generic_error_info(status, body)
