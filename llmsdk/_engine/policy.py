"""How one exchange may behave on the wire: ``Timeouts`` and ``RetryPolicy``, small frozen
values with their defaults (re-exported by ``llmsdk.config`` and ``llmsdk``). The engine's
retry decisions read these and nothing from the provider registry."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from llmsdk.errors import InvalidConfigError
from llmsdk._core.public_name import present_as_public

__all__ = ["RetryPolicy", "Timeouts"]


@dataclass(frozen=True)
class Timeouts:
    """Seconds. ``read`` bounds each socket read; ``content_idle`` bounds the gap between
    content events (keep-alives do not reset it, so pings never hold a stream open past
    it); ``total`` bounds the whole exchange, retries and their waits included. ``None``
    switches a bound off."""

    connect: float = 10.0
    read: float = 600.0
    content_idle: Optional[float] = 600.0
    total: Optional[float] = None

    def __post_init__(self) -> None:
        for name in ("connect", "read", "content_idle", "total"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, (int, float)) or value <= 0):
                raise InvalidConfigError(f"Timeouts.{name} must be a positive number, got {value!r}")


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter; ``retry-after`` honoured when it is at most
    ``max_retry_after`` seconds. A longer announced wait (a daily quota) is not retried:
    the typed error is raised at once with its ``retry_after``, for the caller (or a
    ``RateLimiter``) to act on."""

    max_retries: int = 2
    initial_delay: float = 0.5
    max_delay: float = 8.0
    max_retry_after: float = 60.0

    def __post_init__(self) -> None:
        if isinstance(self.max_retries, bool) or not isinstance(self.max_retries, int) or self.max_retries < 0:
            raise InvalidConfigError(f"max_retries must be a non-negative int, got {self.max_retries!r}")


present_as_public(globals(), "RetryPolicy", "Timeouts")
