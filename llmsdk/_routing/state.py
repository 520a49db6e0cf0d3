"""The router's per-deployment state in this process: a circuit breaker and the number of
calls in flight. ``RedisState`` (``llmsdk._routing.redis_state``) keeps the same state, by
the same rules, in Redis for a fleet of processes.

The breaker: ``allowed_fails`` failures within a minute of the first one (no success in
between) open it for ``cooldown`` seconds; a failure that says how long to stay away
(``Retry-After``; a bad key) opens it at once for that long. Once the time is up it is
half-open: one call at a time goes through as a probe (another may go after ``cooldown``
if a probe never reports); the probe's success closes it, its failure opens it again.
"""

from __future__ import annotations

import itertools
import threading
import time
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Sequence, Tuple

__all__ = ["BreakerRules", "Lease", "LocalState", "Status", "FAIL_WINDOW"]

#: "Within a minute": failures further apart than this from the first one start a new count.
FAIL_WINDOW = 60.0

CLOSED, OPEN, HALF_OPEN = "closed", "open", "half_open"


@dataclass(frozen=True)
class BreakerRules:
    cooldown: float
    allowed_fails: int


@dataclass(frozen=True)
class Lease:
    """A deployment claimed for one call: it counts as in flight until released."""

    name: str
    #: This call is the half-open breaker's probe.
    probe: bool
    token: str


@dataclass(frozen=True)
class Status:
    """What ``Router.status()`` shows of one deployment."""

    state: str
    reopens_in: float
    in_flight: int


class _Breaker:
    __slots__ = ("fails", "first_fail", "open_until", "tripped", "probe_until", "in_flight")

    def __init__(self) -> None:
        self.fails = 0
        self.first_fail = 0.0
        self.open_until = 0.0
        self.tripped = False
        self.probe_until = 0.0
        self.in_flight = 0


class LocalState:
    """Breakers and in-flight counts of one process (thread-safe)."""

    def __init__(self, rules: BreakerRules, clock: Callable[[], float] = time.monotonic) -> None:
        self.rules = rules
        self.clock = clock
        self._lock = threading.Lock()
        self._breakers: Dict[str, _Breaker] = {}
        self._tokens = itertools.count(1)

    def _get(self, name: str) -> _Breaker:
        breaker = self._breakers.get(name)
        if breaker is None:
            breaker = self._breakers[name] = _Breaker()
        return breaker

    def acquire(self, names: Sequence[str], least_busy: bool = False) -> Tuple[Optional[Lease], Optional[float]]:
        """Claim the first of ``names`` (or the least busy, ties in order) whose breaker lets
        a call through. None, and the seconds until the soonest one reopens, if none does."""
        now = self.clock()
        with self._lock:
            chosen: Optional[_Breaker] = None
            chosen_name = ""
            probe = False
            wait: Optional[float] = None
            for name in names:
                b = self._get(name)
                if b.open_until > now:
                    left = b.open_until - now
                    wait = left if wait is None else min(wait, left)
                    continue
                half_open = b.tripped
                if half_open and b.probe_until > now:
                    left = b.probe_until - now
                    wait = left if wait is None else min(wait, left)
                    continue
                if chosen is None or (least_busy and b.in_flight < chosen.in_flight):
                    chosen, chosen_name, probe = b, name, half_open
                    if not least_busy:
                        break
            if chosen is None:
                return None, wait
            chosen.in_flight += 1
            if probe:
                chosen.probe_until = now + self.rules.cooldown
            return Lease(chosen_name, probe, str(next(self._tokens))), None

    def release(self, lease: Lease, outcome: Optional[bool], open_for: Optional[float] = None,
                done: bool = True) -> None:
        """Report ``lease``'s call: ``outcome`` True (the deployment answered), False (it
        failed; ``open_for`` opens the breaker at once for that long) or None (neither: the
        request's own fault, or not known yet). ``done``: the call is no longer in flight."""
        now = self.clock()
        rules = self.rules
        with self._lock:
            b = self._get(lease.name)
            if done:
                b.in_flight = max(0, b.in_flight - 1)
            if outcome is True:
                b.fails, b.tripped, b.open_until, b.probe_until = 0, False, 0.0, 0.0
            elif outcome is False:
                if b.fails == 0 or now - b.first_fail > FAIL_WINDOW:
                    b.fails, b.first_fail = 0, now
                b.fails += 1
                until = 0.0
                if open_for is not None:
                    until = now + open_for
                elif lease.probe or b.fails >= rules.allowed_fails:
                    until = now + rules.cooldown
                if until:
                    b.open_until = max(b.open_until, until)
                    b.tripped, b.fails, b.probe_until = True, 0, 0.0
            elif lease.probe:
                b.probe_until = 0.0  # no verdict: let the next call probe

    def status(self, names: Sequence[str]) -> Dict[str, Status]:
        now = self.clock()
        out: Dict[str, Status] = {}
        with self._lock:
            for name in names:
                b = self._get(name)
                out[name] = _status(b.open_until, b.tripped, b.in_flight, now)
        return out

    def reset(self, names: List[str]) -> None:
        with self._lock:
            for name in names:
                self._breakers.pop(name, None)


def _status(open_until: float, tripped: bool, in_flight: int, now: float) -> Status:
    if open_until > now:
        return Status(OPEN, open_until - now, in_flight)
    return Status(HALF_OPEN if tripped else CLOSED, 0.0, in_flight)
