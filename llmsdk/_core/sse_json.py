"""Decoding the JSON ``data`` of one SSE event, failing with llmsdk's own error."""

from __future__ import annotations

import json
from typing import Any

from llmsdk.errors import MalformedEventError

__all__ = ["parse_json_event"]


def parse_json_event(data: str) -> Any:
    """``json.loads`` that raises ``MalformedEventError`` instead of ``ValueError``."""
    try:
        return json.loads(data)
    except ValueError as exc:
        raise MalformedEventError(f"event data is not JSON: {data[:200]!r}") from exc
