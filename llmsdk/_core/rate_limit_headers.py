"""Rate-limit state read from response headers (``anthropic-ratelimit-*``, ``x-ratelimit-*``)."""

from __future__ import annotations

import re
import time
from datetime import datetime
from typing import Mapping, Optional, Tuple

from llmsdk._core.response import RateLimitInfo

__all__ = ["exhausted_for", "rate_limit_from_headers", "reset_seconds"]

_PREFIXES: Tuple[str, ...] = ("anthropic-ratelimit-", "x-ratelimit-")


def _int_or_none(value: Optional[str]) -> Optional[int]:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def rate_limit_from_headers(headers: Mapping[str, str]) -> Optional[RateLimitInfo]:
    """Parse ``anthropic-ratelimit-*`` or OpenAI/Groq ``x-ratelimit-*`` headers."""
    raw = {k.lower(): v for k, v in headers.items() if k.lower().startswith(_PREFIXES)}
    if not raw:
        return None

    def pick(kind: str, what: str) -> Optional[str]:
        return raw.get(f"anthropic-ratelimit-{kind}-{what}") or raw.get(f"x-ratelimit-{what}-{kind}")

    return RateLimitInfo(
        requests_limit=_int_or_none(pick("requests", "limit")),
        requests_remaining=_int_or_none(pick("requests", "remaining")),
        requests_reset=pick("requests", "reset"),
        tokens_limit=_int_or_none(pick("tokens", "limit")),
        tokens_remaining=_int_or_none(pick("tokens", "remaining")),
        tokens_reset=pick("tokens", "reset"),
        raw=raw,
    )


_DURATION_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ms|us|µs|ns|h|m|s)")
_UNIT_SECONDS = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 1e-3, "us": 1e-6, "µs": 1e-6, "ns": 1e-9}


def reset_seconds(value: Optional[str], now: Optional[float] = None) -> Optional[float]:
    """Seconds until a ``*-reset`` value: a duration (OpenAI/Groq ``"1s"``, ``"6m0s"``,
    ``"12ms"``, ``"2m59.56s"``), plain seconds, or an RFC 3339 time (Anthropic). None
    when unreadable."""
    if not value:
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    parts = _DURATION_PART.findall(text)
    if parts and "".join(n + u for n, u in parts) == text:
        return sum(float(n) * _UNIT_SECONDS[u] for n, u in parts)
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def exhausted_for(info: Optional[RateLimitInfo], now: Optional[float] = None) -> Optional[float]:
    """Seconds to wait when the headers say a quota is spent (``remaining: 0``) and when it
    resets; None while there is quota left (or the headers do not say)."""
    if info is None:
        return None
    waits = []
    if info.requests_remaining == 0:
        waits.append(reset_seconds(info.requests_reset, now))
    if info.tokens_remaining == 0:
        waits.append(reset_seconds(info.tokens_reset, now))
    known = [w for w in waits if w is not None]
    return max(known) if known else None
