"""Anthropic error bodies, read the same way for an HTTP error reply and for an
``event: error`` inside a stream (PROVIDERS.md §2.5)::

    {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"},
     "request_id": "req_..."}

``error.type`` names the error (``overloaded_error`` -> ``OverloadedError``); the
precedence rule shared by every provider is in ``llmsdk/_core/error_bodies.py``.
"""

from __future__ import annotations

from typing import Any, Optional

from llmsdk._core.error_bodies import ErrorInfo, generic_error_info

__all__ = ["error_info"]


def error_info(status: Optional[int], body: Any) -> ErrorInfo:
    """``body``: the reply text or the parsed event; ``status``: None inside a stream."""
    return generic_error_info(status, body)
