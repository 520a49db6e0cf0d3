"""``BatchJob``: one provider batch job — its status, progress, results and cost.

>>> job = client.batches.submit({"row-1": req1, "row-2": req2})
>>> job.wait()                       # polls politely, with a progress bar
>>> for key, result in job.results():
...     print(key, result.text if isinstance(result, LLMResponse) else result)
>>> job.cost                         # USD at the batch price
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterator, List, Optional, Sequence, Set, Tuple, Union

from llmsdk._engine.retry import should_retry
from llmsdk.batches.status import BatchCounts, BatchStatus
from llmsdk._structured.replies import attach_output
from llmsdk.errors import BatchRequestNotRunError, InvalidRequestError, LLMError, TotalTimeoutError
from llmsdk.models import cost_of
from llmsdk.types import LLMResponse
from llmsdk._core.public_name import present_as_public

if TYPE_CHECKING:  # pragma: no cover
    from llmsdk.batches._backend import BatchBackend

__all__ = ["BatchCounts", "BatchJob", "BatchStatus"]

logger = logging.getLogger("llmsdk.batches")

#: ``record(model, response)``: adds a priced result to the client's usage and cost totals.
Recorder = Callable[[Any, LLMResponse], None]

#: Polls that see no progress stretch the interval by this factor ...
BACKOFF = 1.5
#: ... up to this many times ``poll_interval`` (and never beyond 10 minutes).
MAX_BACKOFF = 8.0
MAX_INTERVAL = 600.0


#: Why a submitted request has no result line, by the job's final status.
_NOT_RUN_REASONS = {
    BatchStatus.CANCELLED: "cancelled", BatchStatus.EXPIRED: "expired", BatchStatus.FAILED: "failed",
}


class BatchJob:
    """A provider batch job. Get one from ``client.batches.submit(...)``, ``.get(id)`` or
    ``.list()``; ``refresh()`` re-reads it, ``wait()`` polls until it ends, ``results()``
    streams ``(key, LLMResponse | LLMError)`` from the provider's result file.

    Each result is priced at the batch price and added to the client's ``get_usage()`` /
    ``get_cost()`` the first time it is read; ``cost`` sums the results read so far.
    ``raw`` is the provider's own job object, as last read.
    """

    def __init__(self, backend: "BatchBackend", raw: Dict[str, Any], *, record: Optional[Recorder] = None,
                 keys: Optional[Sequence[str]] = None, models: Optional[Dict[str, Any]] = None,
                 structured: Optional[Dict[str, Any]] = None) -> None:
        self._backend = backend
        self._record = record
        #: Requests that asked for ``output_schema``, by key: their results get ``.parsed``.
        self._structured = structured or {}
        #: The submitted keys, in order (known when this process submitted the job).
        self._keys: Optional[List[str]] = list(keys) if keys is not None else None
        self._models = models or {}
        self._counted: Set[str] = set()
        self._cost = 0.0
        self._update(raw)

    def _update(self, raw: Dict[str, Any]) -> None:
        self.raw = raw
        self.id, self.status, self.counts = self._backend.read_state(raw)

    @property
    def provider(self) -> str:
        return self._backend.provider

    @property
    def cost(self) -> float:
        """USD at the batch price of the results read so far (all of them once
        ``results()`` has been read to the end); unpriced models count 0."""
        return self._cost

    # -- polling -----------------------------------------------------------------------------

    def refresh(self) -> "BatchJob":
        """Re-read the job from the provider."""
        self._update(self._backend.retrieve(self.id))
        return self

    def wait(self, poll_interval: float = 30, timeout: Optional[float] = None, progress: bool = True) -> "BatchJob":
        """Poll until the job ends. The interval starts at ``poll_interval`` seconds and
        stretches by half while nothing moves (up to 8x, at most 10 minutes); it returns
        to ``poll_interval`` when progress shows. A poll that fails for a retryable
        reason (network, 429, 5xx, after the client's own retries) is logged and tried
        again later: the job runs on regardless. ``progress`` shows a tqdm bar (a widget
        in Jupyter). Past ``timeout`` seconds: ``TotalTimeoutError`` (the job keeps
        running; wait again or ``cancel()``)."""
        if poll_interval <= 0:
            raise InvalidRequestError(f"poll_interval must be positive, got {poll_interval}")
        deadline = time.monotonic() + timeout if timeout is not None else None
        bar = _ProgressBar(self) if progress else None
        interval = poll_interval
        longest = min(poll_interval * MAX_BACKOFF, max(poll_interval, MAX_INTERVAL))
        try:
            while not self.status.done:
                before = self.counts
                pause = interval
                if deadline is not None:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        raise TotalTimeoutError(
                            f"batch {self.id} is still {self.status} after {timeout}s "
                            f"({self.counts.done}/{self.counts.total} done); it keeps running")
                    pause = min(pause, left)
                time.sleep(pause)
                try:
                    self.refresh()
                except LLMError as exc:
                    if not should_retry(exc):
                        raise
                    # the job runs on at the provider: a poll that failed after the
                    # client's own retries only stretches the wait
                    interval = min(interval * BACKOFF, longest)
                    logger.warning("polling batch %s failed (%s); next poll in %.0fs", self.id, exc, interval)
                    continue
                if bar is not None:
                    bar.update(self)
                interval = poll_interval if self.counts != before else min(interval * BACKOFF, longest)
        finally:
            if bar is not None:
                bar.close(self)
        return self

    def cancel(self) -> "BatchJob":
        """Ask the provider to stop the job. Requests already answered keep their
        results; the job reads ``cancelled`` once the provider has stopped it."""
        self._update(self._backend.cancel(self.id))
        return self

    # -- results -----------------------------------------------------------------------------

    def results(self) -> Iterator[Tuple[str, Union[LLMResponse, LLMError]]]:
        """``(key, LLMResponse | LLMError)`` for every request, streamed from the provider's
        result file(s) (a 100,000-row job is never held in memory). Results come in the
        provider's order, not necessarily the submission order. A request the provider
        never ran (the job was cancelled or expired first) comes as
        ``BatchRequestNotRunError``. Reading again re-downloads; nothing is billed twice."""
        if not self.status.done:
            self.refresh()
        if not self.status.done:
            raise InvalidRequestError(f"batch {self.id} is still {self.status}: wait() for it first")
        return self._read_results()

    def _read_results(self) -> Iterator[Tuple[str, Union[LLMResponse, LLMError]]]:
        seen: Set[str] = set()
        for key, result in self._backend.results(self.raw, self._keys):
            seen.add(key)
            if isinstance(result, LLMResponse):
                self._account(key, result)
                request = self._structured.get(key)
                if request is not None:
                    attach_output(result, request)  # resp.parsed / resp.refusal, as complete() gives
            yield key, result
        reason = _NOT_RUN_REASONS.get(self.status, "missing")
        for key in self._keys or ():
            if key not in seen:
                yield key, BatchRequestNotRunError(
                    f"request {key!r} of batch {self.id} has no result ({reason})", reason=reason)

    def _account(self, key: str, response: LLMResponse) -> None:
        """Price ``response`` at the batch price; count it once in the client's totals."""
        model_ref = self._models.get(key) or self._backend.model_of(self.raw) or response.model
        cost = response.cost
        if cost is None:
            cost = cost_of(model_ref, self.provider, response.usage, batch=True)
        if cost is None and response.model and response.model != model_ref:
            cost = cost_of(response.model, self.provider, response.usage, batch=True)
        response.cost = cost
        if key in self._counted:
            return
        self._counted.add(key)
        if cost is not None:
            self._cost += cost
        if self._record is not None:
            self._record(model_ref, response)

    def __repr__(self) -> str:
        c = self.counts
        return (f"BatchJob(id={self.id!r}, provider={self.provider!r}, status={self.status.value!r}, "
                f"counts={c.succeeded}+{c.failed}/{c.total})")


class _ProgressBar:
    """A tqdm bar over the job's finished requests, with its status and failures."""

    def __init__(self, job: BatchJob) -> None:
        from tqdm.auto import tqdm

        self._bar = tqdm(total=job.counts.total or None, desc=f"batch {job.id}", unit="req",
                         initial=job.counts.done, leave=True)
        self._set_postfix(job)

    def _set_postfix(self, job: BatchJob) -> None:
        self._bar.set_postfix(status=job.status.value, failed=job.counts.failed, refresh=False)

    def update(self, job: BatchJob) -> None:
        counts = job.counts
        if counts.total and self._bar.total != counts.total:
            self._bar.total = counts.total
        self._bar.n = counts.done
        self._set_postfix(job)
        self._bar.refresh()

    def close(self, job: BatchJob) -> None:
        self.update(job)
        self._bar.close()


present_as_public(globals(), "BatchJob")
