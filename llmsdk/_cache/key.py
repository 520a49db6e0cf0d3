"""The cache key of a request: a hash of everything that decides the reply — provider, base
URL, wire API, model and every request field in canonical JSON. Two requests share a key
only when they would send the same thing to the same service."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from llmsdk._core.request import LLMRequest

__all__ = ["cache_key"]


def cache_key(provider: str, api_base: str, api: str, request: LLMRequest) -> str:
    """A hex SHA-256 of the canonical JSON of ``request`` and where it goes."""
    fields: Any = request.to_dict(encode_json=True)
    fields.pop("cache", None)  # whether to use the cache is not part of what is asked
    canonical = json.dumps({"provider": provider, "api_base": api_base.rstrip("/"), "api": api, "request": fields},
                           sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=repr)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
