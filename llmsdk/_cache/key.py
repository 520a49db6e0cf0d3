"""The cache key of a call: a hash of what it would send — provider, URL (base URL, path and
model), the headers that shape the reply (never credentials), the canonical JSON body — and of
every field of the request as given (so a field the provider does not take, dropped from the
body, still makes another key). Two calls share a key only when they would send the same thing
to the same service and were asked the same way; an API key or token never enters it."""

from __future__ import annotations

import hashlib
import json
from typing import Any, Dict

__all__ = ["cache_key"]

#: Headers left out: credentials, and what does not change the reply.
_LEFT_OUT = ("authorization", "x-api-key", "api-key", "x-goog-api-key", "proxy-authorization", "cookie",
             "user-agent", "content-type", "accept", "content-length")


def _shapes_the_reply(name: str) -> bool:
    name = name.lower()
    return name not in _LEFT_OUT and not name.startswith("x-amz-") and \
        not any(word in name for word in ("token", "secret", "signature", "key", "auth"))


def cache_key(provider: str, url: str, headers: Dict[str, str], body: Any, fields: str = "") -> str:
    """A hex SHA-256 of the canonical JSON of where a call goes and what it says; ``fields``
    is the request's own field values (their ``repr``, whether to cache left out)."""
    kept = {k.lower(): v for k, v in headers.items() if _shapes_the_reply(k)}
    canonical = json.dumps({"provider": provider, "url": url, "headers": kept, "body": body, "fields": fields},
                           sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=repr)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
