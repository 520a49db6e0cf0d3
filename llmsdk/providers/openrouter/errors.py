"""OpenRouter error bodies, read the same way for an HTTP error reply and for the error
chunk of a stream (PROVIDERS.md §6.3, §6.5)::

    {"error": {"code": 502, "message": "Provider returned error",
               "metadata": {"provider_name": "Together", "raw": "upstream 500"}}}

Before the first token ``code`` is the numeric HTTP status (``ErrorInfo.status``, no
type); mid-stream it is a string such as ``server_error`` (a type, by the shared rule in
``llmsdk/_core/error_bodies.py``). The upstream provider's name and raw error are added to the
message, since they say what actually failed.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any, Optional

from llmsdk._core.error_bodies import ErrorInfo, error_object
from llmsdk.providers.openai.errors import error_info as chat_error_info

__all__ = ["error_info"]


def error_info(status: Optional[int], body: Any) -> ErrorInfo:
    """``body``: the reply text or the parsed chunk; ``status``: None inside a stream."""
    info = chat_error_info(status, body)
    data = error_object(body)
    err = data.get("error") if isinstance(data, dict) else None
    metadata = err.get("metadata") if isinstance(err, dict) else None
    if not isinstance(metadata, dict):
        return info
    message = info.message
    if metadata.get("provider_name"):
        message += f" (provider: {metadata['provider_name']})"
    raw = metadata.get("raw")
    if raw:
        raw_text = raw if isinstance(raw, str) else json.dumps(raw)
        message += f": {raw_text[:300]}"
    return dataclasses.replace(info, message=message)
