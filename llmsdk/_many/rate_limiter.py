"""Rate limiters shared by the workers of ``client.map``: a token bucket for requests
and tokens a minute, and a pause that every worker honours after a 429.

>>> limiter = RateLimiter(requests_per_minute=500, tokens_per_minute=200_000)
>>> results = client.map(requests, concurrency=32, limiter=limiter)

How a limiter is used (``llmsdk._many.map`` does this for every call)::

    permit = limiter.acquire(tokens=request_cost(request))   # waits for quota
    ... send; the headers arrive ...
    limiter.admitted(permit, ok=True)       # or ok=False if refused (429, 5xx ...)
    limiter.observe(response.rate_limit)    # "remaining: 0" headers pause everyone
    limiter.settle(permit, used_tokens)     # the reply's real usage corrects the estimate
    limiter.pause(exc.retry_after)          # after a 429: every worker waits

The bucket holds one second of quota (at least one request, and one request's tokens), so
work is spread evenly over the minute, as providers enforce their limits. After a 429 the
limiter pauses until the announced reset (else an exponential backoff), then lets one
*probe* call through; the others follow once the probe's headers come back OK. A storm of
refusals therefore costs about one 429 per pause, not one per worker.
"""

from __future__ import annotations

import itertools
import random
import threading
import time
from dataclasses import dataclass
from typing import Any, Optional, Tuple

from llmsdk._core.rate_limit_headers import exhausted_for
from llmsdk._core.token_estimate import estimate_tokens
from llmsdk.errors import InvalidConfigError
from llmsdk.types import LLMRequest, RateLimitInfo
from llmsdk._core.public_name import present_as_public

__all__ = ["BaseRateLimiter", "Permit", "RateLimiter", "request_cost"]

#: Output tokens assumed for a request without ``max_tokens`` (corrected after the reply).
DEFAULT_OUTPUT_ESTIMATE = 1024
#: How long a probe may hold the others back before another caller may probe instead
#: (a probe whose process died never reports).
PROBE_TTL = 30.0
#: How often callers waiting on a probe look again (the in-process limiter is also woken).
PROBE_POLL = 0.2
#: Backoff after a 429 that names no wait: 1, 2, 4 ... seconds, at most this.
MAX_BACKOFF = 60.0
#: A "remaining: 0" header pauses until its reset, at most this long.
MAX_HEADER_PAUSE = 60.0


def request_cost(request: LLMRequest) -> int:
    """Tokens a request may use, priced before sending: its ``max_tokens`` (else
    ``DEFAULT_OUTPUT_ESTIMATE``) plus an estimate of its input."""
    return (request.max_tokens or DEFAULT_OUTPUT_ESTIMATE) + estimate_tokens(request)


@dataclass(frozen=True)
class Permit:
    """One admitted call: the tokens it was charged, and whether it is the probe that
    tests whether a pause is over."""

    tokens: int
    probe: bool = False
    owner: str = ""


def _check_rate(name: str, value: Optional[float]) -> Optional[float]:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise InvalidConfigError(f"{name} must be a positive number or None, got {value!r}")
    return float(value)


class BaseRateLimiter:
    """What ``client.map`` needs from a limiter; ``RateLimiter`` (one process) and
    ``RedisRateLimiter`` (shared through Redis) implement it."""

    requests_per_minute: Optional[float]
    tokens_per_minute: Optional[float]

    def acquire(self, tokens: int = 0, cancelled: Optional[threading.Event] = None) -> Optional[Permit]:
        """Wait until one request of ``tokens`` tokens may go; None if ``cancelled`` was set."""
        raise NotImplementedError

    def admitted(self, permit: Permit, ok: bool) -> None:
        """The call's headers came back (``ok``) or it was refused; ends a probe."""
        raise NotImplementedError

    def settle(self, permit: Permit, used_tokens: int) -> None:
        """Correct the bucket by what the call really used (a refused call used 0)."""
        raise NotImplementedError

    def pause(self, seconds: Optional[float] = None, *, probe: bool = True) -> None:
        """Hold every caller for ``seconds`` (None: an exponential backoff); with ``probe``,
        one call tests the water before the others follow."""
        raise NotImplementedError

    def observe(self, rate_limit: Optional[RateLimitInfo]) -> None:
        """Pause until the reset when the headers say a quota is spent (``remaining: 0``)."""
        wait = exhausted_for(rate_limit)
        if wait is not None and wait > 0:
            self.pause(min(wait, MAX_HEADER_PAUSE), probe=False)

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(requests_per_minute={self.requests_per_minute!r}, "
                f"tokens_per_minute={self.tokens_per_minute!r})")


class _Bucket:
    """The limiter's state and rules, free of locks and clocks (``llmsdk/_many/redis_limiter.py``
    runs the same rules in Lua). Levels may go below zero: a call larger than the bucket
    goes when the bucket is full and leaves a debt that later calls wait out."""

    def __init__(self, requests_per_minute: Optional[float], tokens_per_minute: Optional[float], now: float) -> None:
        self.req_rate = (requests_per_minute or 0.0) / 60.0
        self.tok_rate = (tokens_per_minute or 0.0) / 60.0
        self.req_cap = max(1.0, self.req_rate)
        self.tok_cap = max(1.0, self.tok_rate)
        self.req = self.req_cap
        self.tok = self.tok_cap
        self.at = now
        self.paused = 0.0
        self.probing = False
        self.owner = ""
        self.probe_until = 0.0
        self.strikes = 0

    def _refill(self, now: float) -> None:
        dt = max(0.0, now - self.at)
        self.req = min(self.req_cap, self.req + dt * self.req_rate)
        self.tok = min(self.tok_cap, self.tok + dt * self.tok_rate)
        self.at = now

    def take(self, tokens: int, owner: str, now: float) -> Tuple[float, bool]:
        """(seconds to wait, 0 if admitted; whether the admitted call is the probe)."""
        self._refill(now)
        if now < self.paused:
            return self.paused - now, False
        if self.probing and self.probe_until > now:
            return min(self.probe_until - now, PROBE_POLL), False
        wait = 0.0
        if self.req_rate and self.req < 1.0:
            wait = (1.0 - self.req) / self.req_rate
        if self.tok_rate:
            need = min(float(tokens), self.tok_cap)
            if self.tok < need:
                wait = max(wait, (need - self.tok) / self.tok_rate)
        if wait > 0:
            return wait, False
        if self.req_rate:
            self.req -= 1.0
        if self.tok_rate:
            self.tok -= tokens
        if self.probing:
            self.owner, self.probe_until = owner, now + PROBE_TTL
            return 0.0, True
        return 0.0, False

    def admitted(self, owner: str, ok: bool) -> None:
        if self.owner == owner:
            self.owner, self.probe_until = "", 0.0
            if ok:
                self.probing, self.strikes = False, 0

    def settle(self, delta_tokens: float, now: float) -> None:
        self._refill(now)
        if self.tok_rate:
            self.tok = min(self.tok_cap, self.tok + delta_tokens)

    def pause(self, seconds: Optional[float], probe: bool, jitter: float, now: float) -> None:
        if now >= self.paused:
            self.strikes += 1
        if seconds is None:
            seconds = min(MAX_BACKOFF, 2.0 ** (self.strikes - 1)) * jitter
        self.paused = max(self.paused, now + seconds)
        if probe:
            self.probing, self.owner, self.probe_until = True, "", 0.0


def _jitter() -> float:
    return 1.0 - 0.25 * random.random()


class RateLimiter(BaseRateLimiter):
    """A request and token budget shared by the threads of one process.

    >>> limiter = RateLimiter(requests_per_minute=500, tokens_per_minute=200_000)
    >>> client.map(requests, limiter=limiter)           # or share it between several maps

    ``RateLimiter()`` with no numbers only adapts: it pauses everyone after a 429 or a
    spent-quota header. For several processes or machines use ``RedisRateLimiter``.
    """

    def __init__(self, requests_per_minute: Optional[float] = None, tokens_per_minute: Optional[float] = None) -> None:
        self.requests_per_minute = _check_rate("requests_per_minute", requests_per_minute)
        self.tokens_per_minute = _check_rate("tokens_per_minute", tokens_per_minute)
        self._bucket = _Bucket(self.requests_per_minute, self.tokens_per_minute, time.monotonic())
        self._cond = threading.Condition()
        self._owners = itertools.count(1)

    def acquire(self, tokens: int = 0, cancelled: Optional[threading.Event] = None) -> Optional[Permit]:
        owner = str(next(self._owners))
        with self._cond:
            while True:
                if cancelled is not None and cancelled.is_set():
                    return None
                wait, probe = self._bucket.take(tokens, owner, time.monotonic())
                if wait <= 0:
                    return Permit(tokens, probe, owner)
                # Bounded waits: a cancelled caller notices within half a second.
                self._cond.wait(min(wait, 0.5) if cancelled is not None else wait)

    def admitted(self, permit: Permit, ok: bool) -> None:
        if permit.probe:
            with self._cond:
                self._bucket.admitted(permit.owner, ok)
                self._cond.notify_all()

    def settle(self, permit: Permit, used_tokens: int) -> None:
        delta = permit.tokens - used_tokens
        if self.tokens_per_minute and delta:
            with self._cond:
                self._bucket.settle(delta, time.monotonic())
                if delta > 0:
                    self._cond.notify_all()

    def pause(self, seconds: Optional[float] = None, *, probe: bool = True) -> None:
        with self._cond:
            self._bucket.pause(seconds, probe, _jitter(), time.monotonic())

    def __reduce__(self) -> Any:
        raise TypeError("a RateLimiter is shared by the threads of one process and cannot be pickled; "
                        "use RedisRateLimiter to share a quota between processes (Ray workers)")


present_as_public(globals(), "RateLimiter")
