"""Creating a batch job at most once. A create whose reply was lost (a 5xx after the
body was received, a reset, a timeout) may have started the job anyway: it is never sent
again blindly. The job list is searched for the job our idempotency token marks
(``BatchBackend.owns``) and that job is adopted; only when none is there is the create
tried again, within the client's retry policy."""

from __future__ import annotations

import logging
import time
import uuid
from typing import TYPE_CHECKING, Optional, Sequence

from llmsdk._engine.policy import RetryPolicy
from llmsdk._engine.retry import plan_retry, should_retry
from llmsdk.errors import LLMError, RateLimitError

if TYPE_CHECKING:  # pragma: no cover
    from llmsdk.batches._backend import BatchBackend, BatchItem, Json

__all__ = ["create_once", "find_created", "new_token", "token_time"]

logger = logging.getLogger("llmsdk.batches")

#: Jobs looked through for ours (the most recent first).
SEARCH_LIMIT = 100


def new_token() -> str:
    """A fresh idempotency token: the time it was made (so a job found by time alone, at
    Anthropic, must be younger) and 16 random hex digits."""
    return f"{int(time.time())}-{uuid.uuid4().hex[:16]}"


def token_time(token: str) -> Optional[float]:
    """When ``new_token`` made ``token`` (epoch seconds); None for a token of the caller's."""
    head, sep, _ = token.partition("-")
    return float(head) if sep and head.isdigit() else None


def find_created(backend: "BatchBackend", token: str, count: int, since: float) -> Optional["Json"]:
    """The job our token marks among the recent ones, if it exists."""
    for raw in backend.list(SEARCH_LIMIT):
        if backend.owns(raw, token, count, since):
            return raw
    return None


def create_once(backend: "BatchBackend", items: Sequence["BatchItem"], token: str, policy: RetryPolicy) -> "Json":
    """``backend.create`` retried only where it is safe: after a refusal that proves no job
    was started (a 429), or once the job list shows that none was."""
    since = time.time()
    failures = 0
    while True:
        try:
            return backend.create(items, token)
        except LLMError as exc:
            if not should_retry(exc):
                raise
            error = exc
        if not isinstance(error, RateLimitError):  # the reply was lost, not refused: look first
            try:
                found = find_created(backend, token, len(items), since)
            except LLMError as exc:
                raise error from exc  # cannot tell whether the job exists: do not risk a second one
            if found is not None:
                logger.warning("%s batch create failed (%s) but the job was started: adopting %s",
                               backend.provider, error, backend.read_state(found)[0])
                return found
        delay = plan_retry(error, failures, policy.max_retries, policy)
        if delay is None:
            raise error
        logger.warning("%s batch create failed (%s); no job was started; trying again in %.1fs",
                       backend.provider, error, delay)
        time.sleep(delay)
        failures += 1
