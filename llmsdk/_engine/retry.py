"""When to retry and how long to wait: small pure functions, run by tenacity.

Mirrors the official SDKs: obey ``x-should-retry``; retry connection failures, 408, 409,
429, 5xx and 529; wait ``retry-after-ms`` / ``retry-after`` (seconds or an HTTP date)
or else back off exponentially with jitter. Two limits the SDKs leave out: a server that
announces a wait longer than ``RetryPolicy.max_retry_after`` (a spent daily quota) is
not retried early into more refusals — the typed error is raised at once with its
``retry_after`` — and no wait runs past the exchange's ``Timeouts.total`` deadline.
"""

from __future__ import annotations

import email.utils
import logging
import random
import threading
import time
from typing import Callable, Dict, List, Mapping, Optional, TypeVar

from llmsdk._engine.policy import RetryPolicy
from llmsdk._telemetry.events import retry_event
from llmsdk.errors import (
    ConnectionFailedError, ConnectTimeoutError, InvalidResponseCodeError, LLMError, StreamCancelledError,
    TransportError,
)

logger = logging.getLogger("llmsdk.retry")

T = TypeVar("T")

RETRYABLE_STATUSES = frozenset({408, 409, 429, 498, 500, 502, 503, 504, 529})


def parse_retry_after(headers: Mapping[str, str], now: Optional[float] = None) -> Optional[float]:
    """Seconds the server asked us to wait, from ``retry-after-ms`` or ``retry-after``."""
    ms = headers.get("retry-after-ms")
    if ms:
        try:
            return max(0.0, float(ms) / 1000.0)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    parsed = email.utils.parsedate_tz(value)
    if parsed is None:
        return None
    when = email.utils.mktime_tz(parsed)
    return max(0.0, when - (time.time() if now is None else now))


def should_retry(exc: BaseException) -> bool:
    """Is ``exc`` worth another attempt?"""
    if isinstance(exc, (ConnectionFailedError, ConnectTimeoutError)):
        return True
    if isinstance(exc, InvalidResponseCodeError):
        if exc.should_retry is not None:
            return exc.should_retry
        if exc.error_type == "insufficient_quota":
            return False
        if exc.status in RETRYABLE_STATUSES:
            return True
        return exc.status is not None and exc.status >= 500
    return False


def retry_delay(exc: BaseException, retries_done: int, policy: RetryPolicy) -> float:
    """Seconds to wait before retry number ``retries_done + 1``."""
    retry_after = getattr(exc, "retry_after", None)
    if retry_after is not None and retry_after >= 0:
        return min(float(retry_after), policy.max_retry_after)
    delay = min(policy.initial_delay * (2.0 ** retries_done), policy.max_delay)
    return delay * (1.0 - 0.25 * random.random())


def plan_retry(
    exc: BaseException,
    retries_done: int,
    limit: int,
    policy: RetryPolicy,
    deadline: Optional[float] = None,
    now: Optional[float] = None,
) -> Optional[float]:
    """Seconds to wait before the next attempt, or None to give up now: retries spent,
    an error not worth retrying, an announced wait over ``policy.max_retry_after``, or a
    wait that would end past ``deadline`` (``time.monotonic()`` seconds)."""
    if retries_done >= limit or not should_retry(exc):
        return None
    retry_after = getattr(exc, "retry_after", None)
    if retry_after is not None and retry_after > policy.max_retry_after:
        return None
    delay = retry_delay(exc, retries_done, policy)
    if deadline is not None and (time.monotonic() if now is None else now) + delay >= deadline:
        return None
    return delay


class RetryBudget:
    """The retries one exchange may still make: ONE budget that the HTTP-level retries
    (``call_with_retries``) and the stream-level ones (a stream that fails before any
    content, ``_engine.worker``) both draw on, so ``max_retries=N`` means at most N+1
    attempts of any kind. ``attempts`` counts the attempts started."""

    __slots__ = ("limit", "used", "attempts")

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.used = 0
        self.attempts = 0

    def plan(self, exc: BaseException, policy: RetryPolicy, deadline: Optional[float] = None) -> Optional[float]:
        """``plan_retry`` against what is left of the budget."""
        return plan_retry(exc, self.used, self.limit, policy, deadline)

    def __repr__(self) -> str:
        return f"RetryBudget(used={self.used}, limit={self.limit})"


def call_with_retries(
    attempt: Callable[[], T],
    policy: RetryPolicy,
    *,
    max_retries: Optional[int] = None,
    budget: Optional[RetryBudget] = None,
    cancelled: Optional[threading.Event] = None,
    deadline: Optional[float] = None,
    what: str = "request",
) -> T:
    """Run ``attempt`` until it succeeds, fails for good, or ``budget`` (else a fresh one
    of ``max_retries``, else the policy's) runs out (see ``plan_retry``; ``deadline`` is
    the exchange's ``Timeouts.total``, monotonic). Once ``cancelled`` is set no attempt
    starts: ``StreamCancelledError``. A transport error that ends the loop says how many
    attempts were made.

    The first attempt runs directly: tenacity (and its per-call setup) only comes in once
    there is something to retry, which keeps it off the path of the call that succeeds.
    """
    if budget is None:
        budget = RetryBudget(policy.max_retries if max_retries is None else max_retries)

    def counted() -> T:
        if cancelled is not None and cancelled.is_set():
            raise StreamCancelledError(f"{what} was cancelled before it was sent")
        budget.attempts += 1
        return attempt()

    planned: Dict[int, float] = {}
    try:
        return counted()
    except LLMError as exc:
        if cancelled is not None and cancelled.is_set():
            raise
        delay = budget.plan(exc, policy, deadline)
        if delay is None:
            _with_attempts(exc, budget)
            raise
        budget.used += 1
        planned[1] = delay
        first_failure: List[BaseException] = [exc]

    def replay_then_attempt() -> T:
        if first_failure:  # tenacity counts the failure above as its first attempt
            raise first_failure.pop()
        return counted()

    import tenacity

    def wait(state: "tenacity.RetryCallState") -> float:
        return planned.pop(state.attempt_number, 0.0)

    def sleep(seconds: float) -> None:
        if cancelled is not None:
            cancelled.wait(seconds)
        elif seconds > 0:
            time.sleep(seconds)

    def before_sleep(state: "tenacity.RetryCallState") -> None:
        exc = state.outcome.exception() if state.outcome else None
        wait_s = state.next_action.sleep if state.next_action else 0.0
        logger.warning("%s failed (%s); retry %d/%d in %.2fs", what, _describe(exc), budget.used, budget.limit, wait_s)
        if exc is not None:
            retry_event(budget.used, exc, wait_s)

    def retry_if(state: "tenacity.RetryCallState") -> bool:
        if cancelled is not None and cancelled.is_set():
            return False
        if state.attempt_number in planned:  # the first failure, planned above
            return True
        exc = state.outcome.exception() if state.outcome else None
        delay = None if exc is None else budget.plan(exc, policy, deadline)
        if delay is None:
            return False
        budget.used += 1
        planned[state.attempt_number] = delay
        return True

    retrying = tenacity.Retrying(
        stop=tenacity.stop_never,  # the budget decides, in retry_if
        wait=wait,
        retry=retry_if,
        sleep=sleep,
        before_sleep=before_sleep,
        reraise=True,
    )
    try:
        return retrying(replay_then_attempt)
    except TransportError as exc:
        _with_attempts(exc, budget)
        raise


def _with_attempts(exc: LLMError, budget: RetryBudget) -> LLMError:
    """A transport error that ends the retries says how many attempts were made."""
    if isinstance(exc, TransportError) and budget.attempts > 1 and "attempts)" not in exc.message:
        exc.message = f"{exc.message} ({budget.attempts} attempts)"
        exc.args = (exc.message,)
    return exc


def _describe(exc: Optional[BaseException]) -> str:
    if isinstance(exc, LLMError):
        return f"{type(exc).__name__}: {exc}"
    return repr(exc)
