"""Rate-limit state read from response headers (``anthropic-ratelimit-*``, ``x-ratelimit-*``)."""

from __future__ import annotations

from typing import Mapping, Optional, Tuple

from llmsdk.types import RateLimitInfo

__all__ = ["rate_limit_from_headers"]

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
