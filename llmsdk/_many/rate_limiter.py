"""Rate limiters shared by the workers of ``client.map``: requests and tokens a minute
(input and output tokens apart too, as Anthropic counts them), and a pause that every
worker honours after a 429.

>>> limiter = RateLimiter(requests_per_minute=500, tokens_per_minute=200_000)
>>> results = client.map(requests, concurrency=32, limiter=limiter)

How a limiter is used (``llmsdk._many.map`` does this for every call)::

    permit = limiter.acquire(request_costs(request))   # waits for its turn
    ... send; the headers arrive ...
    limiter.admitted(permit, ok=True)       # or ok=False if refused (429, 5xx ...)
    limiter.observe(response.rate_limit)    # "remaining: 0" headers pause everyone
    limiter.settle(permit, response.usage)  # the reply's real usage corrects the estimate
    limiter.pause(exc.retry_after)          # after a 429: every worker waits (before admitted)

No burst: each call pushes the next one back by its share of the rate (one request is
``60 / requests_per_minute`` seconds, a call of N tokens ``60 N / tokens_per_minute``),
so ANY one-second window holds at most the per-second share of the rate plus one call,
as providers measure it. A call waits only for the calls before it to be paid for, never
for its own size, and callers are served in arrival order: a large request is not starved
by small ones. After a 429 the limiter pauses until the announced reset (else an
exponential backoff over the recent strikes, which decay), then lets one *probe* call
through; the others follow once the probe's headers come back OK. A storm of refusals
therefore costs about one 429 per pause, not one per worker. A spent-quota header
(``remaining: 0``) pauses everyone until its reset, without a probe or a strike.
"""

from __future__ import annotations

import collections
import itertools
import random
import threading
import time
from dataclasses import dataclass
from typing import Any, Deque, NamedTuple, Optional, Tuple, Union

from llmsdk._core.rate_limit_headers import exhausted_for
from llmsdk._core.token_estimate import estimate_tokens
from llmsdk.errors import InvalidConfigError
from llmsdk.types import LLMRequest, RateLimitInfo, Usage
from llmsdk._core.public_name import present_as_public

__all__ = ["BaseRateLimiter", "Cost", "Permit", "RateLimiter", "request_cost", "request_costs"]

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
#: A strike (a 429) is forgotten after this long without another one.
STRIKE_DECAY = 60.0


class Cost(NamedTuple):
    """What a call is priced at before it is sent: input and output tokens."""

    input: int
    output: int

    @property
    def total(self) -> int:
        return self.input + self.output


def request_costs(request: LLMRequest) -> Cost:
    """Input tokens (an estimate: text, tools, images, documents and the output schema)
    and output tokens (``max_tokens``, else ``DEFAULT_OUTPUT_ESTIMATE``) of a request."""
    return Cost(estimate_tokens(request), request.max_tokens or DEFAULT_OUTPUT_ESTIMATE)


def request_cost(request: LLMRequest) -> int:
    """Tokens a request may use, priced before sending (``request_costs``, summed)."""
    return request_costs(request).total


def _as_cost(tokens: Union[int, Cost]) -> Cost:
    return tokens if isinstance(tokens, Cost) else Cost(int(tokens), 0)


def _used(used: Union[int, Usage, None]) -> Cost:
    """Tokens a reply used (a ``Usage``, or a total as an int)."""
    if isinstance(used, Usage):
        return Cost(used.total_input_tokens, used.output_tokens)
    return Cost(int(used or 0), 0)


@dataclass(frozen=True)
class Permit:
    """One admitted call: the tokens it was charged (``tokens`` in all, ``output`` of
    them for output), and whether it is the probe that tests whether a pause is over."""

    tokens: int
    probe: bool = False
    owner: str = ""
    output: int = 0


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
    input_tokens_per_minute: Optional[float] = None
    output_tokens_per_minute: Optional[float] = None

    def acquire(self, tokens: Union[int, Cost] = 0, cancelled: Optional[threading.Event] = None) -> Optional[Permit]:
        """Wait for this call's turn (``tokens``: a total, or ``request_costs(request)``);
        None if ``cancelled`` was set."""
        raise NotImplementedError

    def admitted(self, permit: Permit, ok: bool) -> None:
        """The call's headers came back (``ok``) or it was refused; ends a probe."""
        raise NotImplementedError

    def settle(self, permit: Permit, used: Union[int, Usage, None]) -> None:
        """Correct the charge by what the call really used (its ``Usage``, or a total; a
        refused call used 0)."""
        raise NotImplementedError

    def pause(self, seconds: Optional[float] = None, *, probe: bool = True) -> None:
        """Hold every caller for ``seconds`` (None: an exponential backoff); with ``probe``
        (a 429), one call tests the water before the others follow."""
        raise NotImplementedError

    def observe(self, rate_limit: Optional[RateLimitInfo]) -> None:
        """Pause until the reset when the headers say a quota is spent (``remaining: 0``)."""
        wait = exhausted_for(rate_limit)
        if wait is not None and wait > 0:
            self.pause(min(wait, MAX_HEADER_PAUSE), probe=False)

    def _correction(self, permit: Permit, used: Union[int, Usage, None]) -> Optional[Tuple[Cost, Cost]]:
        """(charged, used) when a token limit is set and the two differ; else None."""
        if not any(self._rates()[1:]):
            return None
        charged, actual = Cost(permit.tokens - permit.output, permit.output), _used(used)
        return (charged, actual) if actual != charged else None

    def _rates(self) -> Tuple[float, float, float, float]:
        """Per minute (0: no limit): requests, tokens, input tokens, output tokens."""
        return (self.requests_per_minute or 0.0, self.tokens_per_minute or 0.0,
                self.input_tokens_per_minute or 0.0, self.output_tokens_per_minute or 0.0)

    def __repr__(self) -> str:
        extra = "".join(f", {name}={getattr(self, name)!r}" for name in
                        ("input_tokens_per_minute", "output_tokens_per_minute") if getattr(self, name))
        return (f"{type(self).__name__}(requests_per_minute={self.requests_per_minute!r}, "
                f"tokens_per_minute={self.tokens_per_minute!r}{extra})")


def _charges(cost: Cost) -> Tuple[float, float, float, float]:
    """What one call draws from each budget: one request, all its tokens, input, output."""
    return (1.0, float(cost.total), float(cost.input), float(cost.output))


class _Bucket:
    """The limiter's state and rules, free of locks and clocks (``llmsdk/_many/redis_limiter.py``
    runs the same rules in Lua). ``next[i]`` is the earliest time the next call may go as
    far as budget ``i`` is concerned; a call goes when every one has come, and pushes each
    back by its charge over the rate (from now, if it had fallen behind: nothing saved
    up, so no burst)."""

    def __init__(self, requests_per_minute: Optional[float], tokens_per_minute: Optional[float], now: float,
                 input_tokens_per_minute: Optional[float] = None,
                 output_tokens_per_minute: Optional[float] = None) -> None:
        self.rates = tuple((r or 0.0) / 60.0 for r in (requests_per_minute, tokens_per_minute,
                                                         input_tokens_per_minute, output_tokens_per_minute))
        self.next = [now] * 4
        self.paused = 0.0
        self.probing = False
        self.owner = ""
        self.probe_until = 0.0
        self.strikes = 0
        self.strike_at = 0.0

    def take(self, cost: Cost, owner: str, now: float) -> Tuple[float, bool]:
        """(seconds to wait, 0 if admitted; whether the admitted call is the probe)."""
        if now < self.paused:
            return self.paused - now, False
        if self.probing and self.probe_until > now:
            return min(self.probe_until - now, PROBE_POLL), False
        wait = max([at - now for at, rate in zip(self.next, self.rates) if rate] or [0.0])
        if wait > 0:
            return wait, False
        for i, (rate, amount) in enumerate(zip(self.rates, _charges(cost))):
            if rate:
                self.next[i] = max(self.next[i], now) + amount / rate
        if self.probing:
            self.owner, self.probe_until = owner, now + PROBE_TTL
            return 0.0, True
        return 0.0, False

    def admitted(self, owner: str, ok: bool) -> None:
        if self.owner == owner:
            self.owner, self.probe_until = "", 0.0
            if ok:
                self.probing, self.strikes = False, 0

    def settle(self, charged: Cost, used: Cost) -> None:
        """Give back what a call was charged beyond its use (or charge what it used beyond)."""
        for i in (1, 2, 3):
            rate = self.rates[i]
            if rate:
                delta = _charges(charged)[i] - _charges(used)[i]
                self.next[i] -= delta / rate

    def pause(self, seconds: Optional[float], probe: bool, jitter: float, now: float) -> None:
        if probe:  # a 429: one strike per pause, forgotten after STRIKE_DECAY without another
            if now - self.strike_at > STRIKE_DECAY:
                self.strikes = 0
            if now >= self.paused:
                self.strikes += 1
            self.strike_at = now
        if seconds is None:
            seconds = min(MAX_BACKOFF, 2.0 ** (max(1, self.strikes) - 1)) * jitter
        self.paused = max(self.paused, now + seconds)
        if probe:
            self.probing, self.owner, self.probe_until = True, "", 0.0


def _jitter() -> float:
    return 1.0 - 0.25 * random.random()


class RateLimiter(BaseRateLimiter):
    """A request and token budget shared by the threads of one process.

    >>> limiter = RateLimiter(requests_per_minute=500, tokens_per_minute=200_000)
    >>> client.map(requests, limiter=limiter)           # or share it between several maps
    >>> RateLimiter(requests_per_minute=50, input_tokens_per_minute=40_000, output_tokens_per_minute=8_000)

    ``RateLimiter()`` with no numbers only adapts: it pauses everyone after a 429 or a
    spent-quota header. For several processes or machines use ``RedisRateLimiter``.
    """

    def __init__(self, requests_per_minute: Optional[float] = None, tokens_per_minute: Optional[float] = None, *,
                 input_tokens_per_minute: Optional[float] = None,
                 output_tokens_per_minute: Optional[float] = None) -> None:
        self.requests_per_minute = _check_rate("requests_per_minute", requests_per_minute)
        self.tokens_per_minute = _check_rate("tokens_per_minute", tokens_per_minute)
        self.input_tokens_per_minute = _check_rate("input_tokens_per_minute", input_tokens_per_minute)
        self.output_tokens_per_minute = _check_rate("output_tokens_per_minute", output_tokens_per_minute)
        self._bucket = _Bucket(*self._rates()[:2], time.monotonic(), *self._rates()[2:])
        self._cond = threading.Condition()
        self._owners = itertools.count(1)
        #: Callers waiting, in arrival order: only the first may take its turn.
        self._line: Deque[str] = collections.deque()

    def acquire(self, tokens: Union[int, Cost] = 0, cancelled: Optional[threading.Event] = None) -> Optional[Permit]:
        cost = _as_cost(tokens)
        owner = str(next(self._owners))
        with self._cond:
            self._line.append(owner)
            try:
                while True:
                    if cancelled is not None and cancelled.is_set():
                        return None
                    wait = 0.5
                    if self._line[0] == owner:
                        wait, probe = self._bucket.take(cost, owner, time.monotonic())
                        if wait <= 0:
                            return Permit(cost.total, probe, owner, cost.output)
                    elif cancelled is None:
                        wait = PROBE_POLL * 5
                    # Bounded waits: a cancelled caller notices within half a second.
                    self._cond.wait(min(wait, 0.5) if cancelled is not None else wait)
            finally:
                head = self._line[0] == owner
                self._line.remove(owner)
                if head:
                    self._cond.notify_all()

    def admitted(self, permit: Permit, ok: bool) -> None:
        if permit.probe:
            with self._cond:
                self._bucket.admitted(permit.owner, ok)
                self._cond.notify_all()

    def settle(self, permit: Permit, used: Union[int, Usage, None]) -> None:
        correction = self._correction(permit, used)
        if correction is not None:
            with self._cond:
                self._bucket.settle(*correction)
                self._cond.notify_all()

    def pause(self, seconds: Optional[float] = None, *, probe: bool = True) -> None:
        with self._cond:
            self._bucket.pause(seconds, probe, _jitter(), time.monotonic())

    def __reduce__(self) -> Any:
        raise TypeError("a RateLimiter is shared by the threads of one process and cannot be pickled; "
                        "use RedisRateLimiter to share a quota between processes (Ray workers)")


present_as_public(globals(), "RateLimiter")
