"""``client.map`` / ``client.imap``: many requests through one client, ``concurrency`` at
a time, with a shared rate limiter, a progress bar and a resumable checkpoint.

The caller's thread reads the input (lazily: at most ``2 × concurrency`` items are taken
ahead of the results handed back), hands calls to worker threads, and yields results as
they finish. Every item ends as a ``MapResult``: a failure is a value, never a lost row.
Stopping early (Ctrl-C, ``on_error="raise"``, leaving an ``imap`` loop) drops the queued
items, closes the streams in flight and waits (bounded) for the workers: nothing more is
sent, and every call the server answered is in the checkpoint. Retries happen here, not
in the engine, so a stop also ends the waits between attempts.
"""

from __future__ import annotations

import itertools
import logging
import os
import queue
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterable, Iterator, List, Optional, Protocol, Set, Tuple, Union

from llmsdk._many.checkpoint import CheckpointIndex, CheckpointWriter, content_key, request_hash
from llmsdk._many.progress import Progress
from llmsdk._many.rate_limiter import BaseRateLimiter, Cost, Permit, request_costs
from llmsdk._engine.retry import plan_retry, should_retry
from llmsdk._structured.replies import attach_output
from llmsdk.errors import (
    InvalidConfigError, InvalidRequestError, LLMError, OverloadedError, RateLimitError, StreamCancelledError,
)
from llmsdk.types import LLMRequest, LLMResponse
from llmsdk._core.public_name import present_as_public

if TYPE_CHECKING:  # pragma: no cover
    from llmsdk._engine.stream import EventStream
    from llmsdk.config import HttpClientOptions


__all__ = ["MapResult", "imap_requests", "map_requests"]

logger = logging.getLogger("llmsdk.map")

#: Attempts an item may spend on 429/529 refusals when a limiter paces the retries.
MAX_REFUSALS = 10
#: How long a stop waits for the workers' calls in flight to end (they were closed).
STOP_WAIT = 5.0

Key = Union[str, int]
_thread_numbers = itertools.count(1)


class MapClient(Protocol):
    """What ``map`` needs of a client (``LLMClient`` is one; this module sits below it)."""

    def get_config(self) -> "HttpClientOptions": ...

    def _start(self, request: LLMRequest, *, inline: bool, max_retries: Optional[int] = None,
               on_open: Optional[Callable[["EventStream"], None]] = None) -> "EventStream": ...


@dataclass
class MapResult:
    """One item of ``client.map``: its ``key`` (the one given with the request, else its
    index), its ``index`` in the input, and the ``response`` or the ``error``. (A
    checkpoint saves an item given without a key under its request's hash, not its
    index: see ``llmsdk._many.checkpoint``.)

    >>> for r in client.map(requests):
    ...     print(r.key, r.response.text if r.ok else r.error)
    """

    key: Any
    index: int
    response: Optional[LLMResponse] = None
    error: Optional[LLMError] = None
    #: The response came from the checkpoint (an earlier run paid for it).
    resumed: bool = False

    @property
    def ok(self) -> bool:
        return self.error is None and self.response is not None


def map_requests(client: MapClient, requests: Iterable[Any], **options: Any) -> List[MapResult]:
    """Every result, in input order (see ``LLMClient.map``)."""
    results = list(imap_requests(client, requests, **options))
    results.sort(key=lambda r: r.index)
    return results


def imap_requests(client: MapClient, requests: Iterable[Any], *, concurrency: int = 16,
                  limiter: Optional[BaseRateLimiter] = None, progress: bool = True,
                  checkpoint: Optional[Union[str, "os.PathLike[str]"]] = None,
                  on_error: str = "return") -> Iterator[MapResult]:
    """Results as they finish (see ``LLMClient.imap``). Arguments are checked now; the
    work starts with the first ``next()``."""
    if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
        raise InvalidRequestError(f"concurrency must be a positive int, got {concurrency!r}")
    if limiter is not None and not isinstance(limiter, BaseRateLimiter):
        raise InvalidRequestError(f"limiter must be a RateLimiter or RedisRateLimiter, got {type(limiter).__name__}")
    if on_error not in ("return", "raise"):
        raise InvalidRequestError(f'on_error must be "return" or "raise", got {on_error!r}')
    if checkpoint is not None and not isinstance(checkpoint, (str, os.PathLike)):
        raise InvalidRequestError(f"checkpoint must be a file path, got {type(checkpoint).__name__}")
    if isinstance(requests, (LLMRequest, str, bytes)):
        raise InvalidRequestError("map takes an iterable of requests; wrap a single request in a list")
    source = iter(requests)
    total: Optional[int]
    try:
        total = len(requests)  # type: ignore[arg-type]
    except TypeError:
        total = None
    run = _Run(client, concurrency, limiter, on_error)
    return run.results(source, progress, checkpoint, total)


class _Run:
    """The state of one map: worker threads, queues, the streams in flight."""

    def __init__(self, client: MapClient, concurrency: int, limiter: Optional[BaseRateLimiter],
                 on_error: str) -> None:
        self.client = client
        self.concurrency = concurrency
        self.limiter = limiter
        self.on_error = on_error
        self.cancelled = threading.Event()
        self.jobs: "queue.SimpleQueue[Optional[_Job]]" = queue.SimpleQueue()
        self.done: "queue.SimpleQueue[MapResult]" = queue.SimpleQueue()
        self.threads: List[threading.Thread] = []
        self.lock = threading.Lock()
        self.streams: Set["EventStream"] = set()
        self.writer: Optional[CheckpointWriter] = None
        #: Workers not yet returned; the last one out closes the checkpoint after a stop.
        self.live = 0
        self.stopped = False
        #: A checkpoint write that failed on a worker; the caller's thread raises it.
        self.save_failure: Optional[BaseException] = None

    # -- the caller's side ----------------------------------------------------------------

    def results(self, source: Iterator[Any], progress: bool, checkpoint: Any,
                total: Optional[int]) -> Iterator[MapResult]:
        saved = CheckpointIndex(checkpoint) if checkpoint is not None else None
        bar = Progress(progress, total)
        try:
            if checkpoint is not None:
                self.writer = CheckpointWriter(checkpoint)
            seen: Set[Key] = set()
            occurrences: Dict[str, int] = {}
            window = 2 * self.concurrency
            pending = 0
            exhausted = False
            items = enumerate(source)
            while True:
                step = None
                if not exhausted and pending < window:
                    step = next(items, None)
                    exhausted = step is None
                if step is None:  # input exhausted, or enough in flight: hand back a result
                    if pending == 0:
                        break
                    result = self.done.get()
                    pending -= 1
                    if self.save_failure is not None:  # stop: nothing more could be saved
                        raise self.save_failure
                    yield self._deliver(bar, result)
                    continue
                index, item = step
                key, request, keyed = _split(index, item)
                if keyed:
                    if key in seen:
                        yield self._deliver(bar, MapResult(key, index, error=InvalidRequestError(
                            f"item {index}: duplicate key {key!r} (keys must be unique; the first one is answered)")))
                        continue
                    seen.add(key)
                job = _Job(index, key, key, None, request)
                if saved is not None and isinstance(request, LLMRequest):
                    if not keyed:  # saved under its request's hash (a keyed item's is taken when saved)
                        _refuse_positional(saved, checkpoint)
                        job.digest = request_hash(request)
                        occurrence = occurrences[job.digest] = occurrences.get(job.digest, 0) + 1
                        job.saved_key = content_key(job.digest, occurrence)
                    earlier = saved.load(job.saved_key) if saved.answered(job.saved_key) else None
                    if earlier is not None and earlier.response is not None:
                        attach_output(earlier.response, request)  # .parsed, as complete() gives it
                        yield self._deliver(bar, MapResult(key, index, earlier.response, resumed=True))
                        continue
                if isinstance(request, LLMError):
                    result = MapResult(key, index, error=request)
                    self._save(job, result)
                    yield self._deliver(bar, result)
                    continue
                self._submit(job)
                pending += 1
        finally:
            if saved is not None:
                saved.close()
            self._stop()
            bar.close()

    def _deliver(self, bar: Progress, result: MapResult) -> MapResult:
        bar.add(result.response, result.error, result.resumed)
        if result.error is not None and self.on_error == "raise":
            raise result.error
        return result

    def _submit(self, job: "_Job") -> None:
        self.jobs.put(job)
        if len(self.threads) < self.concurrency:
            thread = threading.Thread(target=self._work, name=f"llmsdk-map-{next(_thread_numbers)}", daemon=True)
            with self.lock:
                self.live += 1
            self.threads.append(thread)
            thread.start()

    def _stop(self) -> None:
        """Finished or abandoned: drop the queued items, close the streams in flight, wait
        (at most ``STOP_WAIT`` seconds) for the workers, then close the checkpoint. A call
        the server answers after the stop is still saved: a worker left running past the
        wait closes the checkpoint itself when it returns."""
        self.cancelled.set()
        while True:  # queued work is never started
            try:
                self.jobs.get_nowait()
            except queue.Empty:
                break
        with self.lock:
            streams = list(self.streams)
            self.streams.clear()
        for stream in streams:
            stream.close()
        for _ in self.threads:
            self.jobs.put(None)
        deadline = time.monotonic() + STOP_WAIT
        for thread in self.threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        with self.lock:
            self.stopped = True
            last_out = self.live == 0
        if last_out:
            self._close_writer()
        elif self.writer is not None:
            logger.warning("client.map: %d call(s) still finishing after the stop; their answers will still "
                           "be saved", self.live)

    def _close_writer(self) -> None:
        if self.writer is not None:
            self.writer.close()

    # -- the workers' side ----------------------------------------------------------------

    def _work(self) -> None:
        try:
            while True:
                job = self.jobs.get()
                if job is None or self.cancelled.is_set():
                    return
                result = MapResult(job.key, job.index)
                try:
                    result.response = self._call(job.request)
                except LLMError as exc:
                    result.error = exc
                except BaseException as exc:  # noqa: BLE001 - a row is never lost, whatever failed
                    error = LLMError(f"unexpected {type(exc).__name__}: {exc}")
                    error.__cause__ = exc
                    result.error = error
                try:
                    self._save(job, result)
                except BaseException as exc:  # noqa: BLE001 - e.g. a full disk: the caller's thread raises it
                    self.save_failure = exc
                self.done.put(result)
        finally:
            with self.lock:
                self.live -= 1
                last_out = self.live == 0 and self.stopped
            if last_out:
                self._close_writer()

    def _save(self, job: "_Job", result: MapResult) -> None:
        """Checkpoint a finished item. Every answer is saved, even one that came after a
        stop (it was billed); an error caused by the stop is not (a rerun sends it again)."""
        writer = self.writer
        if writer is None or (result.error is not None and self.cancelled.is_set()):
            return
        if job.digest is None and isinstance(job.request, LLMRequest):
            job.digest = request_hash(job.request)
        writer.write(job.saved_key, result.response, result.error, job.digest)

    def _call(self, request: LLMRequest) -> LLMResponse:
        """One item: attempts without the engine's own retries, so a stop ends the waits
        between them at once. Through a limiter, a 429 (or 529) pauses every caller of the
        limiter; other transient failures back off for this item alone. Both bounded."""
        policy = self.client.get_config().retry
        limiter = self.limiter
        cost = request_costs(request) if limiter is not None else Cost(0, 0)
        refusals = failures = 0
        while True:
            if self.cancelled.is_set():
                raise StreamCancelledError("client.map was stopped before this item was sent")
            permit = None
            if limiter is not None:
                permit = limiter.acquire(cost, self.cancelled)
                if permit is None:
                    raise StreamCancelledError("client.map was stopped before this item was sent")
            opened: List["EventStream"] = []
            try:
                response = self._attempt(request, permit, opened)
            except LLMError as exc:
                refused = isinstance(exc, (RateLimitError, OverloadedError))
                if limiter is not None and permit is not None:
                    self._tell_limiter(limiter, permit, exc, opened, refused)
                if self.cancelled.is_set() or not should_retry(exc):
                    raise
                if limiter is not None and refused:
                    refusals += 1
                    if refusals >= MAX_REFUSALS:
                        raise
                    continue  # the limiter holds every caller until the pause is over
                delay = plan_retry(exc, failures, policy.max_retries, policy)
                if delay is None or self.cancelled.wait(delay):
                    raise
                failures += 1
                continue
            if limiter is not None and permit is not None:
                try:
                    limiter.settle(permit, response.usage)
                except LLMError as exc:  # the store failed: the answer was billed, keep it
                    logger.warning("rate limiter: %s", exc)
            return response

    def _tell_limiter(self, limiter: BaseRateLimiter, permit: Permit, exc: LLMError, opened: List["EventStream"],
                      refused: bool) -> None:
        """A failed attempt: pause everyone first on a 429 (so a refused probe hands over
        only once the pause is extended), then release the probe and correct the tokens."""
        try:
            if refused and not self.cancelled.is_set():
                limiter.pause(getattr(exc, "retry_after", None))
            if not opened:  # refused before any headers came back
                limiter.admitted(permit, ok=False)
            billed = exc.partial_response
            limiter.settle(permit, billed.usage if isinstance(billed, LLMResponse) else 0)
        except LLMError as store:
            logger.warning("rate limiter: %s", store)

    def _attempt(self, request: LLMRequest, permit: Optional[Permit], opened: List["EventStream"]) -> LLMResponse:
        """One call, read on this thread. Once its headers are in, the stream joins
        ``opened`` and the tracked streams (so a stop can close it), and the limiter hears
        that the call was admitted (which ends a probe) and what the rate-limit headers
        say."""

        def on_open(stream: "EventStream") -> None:
            opened.append(stream)
            with self.lock:
                stopped = self.cancelled.is_set()
                if not stopped:
                    self.streams.add(stream)
            if stopped:
                stream.close()
            if permit is not None and self.limiter is not None:
                try:
                    self.limiter.admitted(permit, ok=True)
                    self.limiter.observe(stream.rate_limit)
                except LLMError as exc:  # the limiter's store failed; the call goes on
                    logger.warning("rate limiter: %s", exc)

        try:
            return self.client._start(request, inline=True, max_retries=0, on_open=on_open).final_response()
        finally:
            if opened:
                with self.lock:
                    self.streams.discard(opened[0])


@dataclass
class _Job:
    """One item handed to the workers: where it is in the input, the key it is returned
    under, the key it is saved under (its content key when it came without one) and its
    request's hash."""

    index: int
    key: Key
    saved_key: Key
    digest: Optional[str]
    request: Any


def _refuse_positional(saved: CheckpointIndex, checkpoint: Any) -> None:
    """An item without a key cannot resume from a checkpoint whose items were keyed by
    position (an older llmsdk): its answers could belong to other requests."""
    if saved.positional:
        raise InvalidConfigError(
            f"{os.fspath(checkpoint)} keys {saved.positional} item(s) by their position in the input (written by "
            "an older llmsdk); resuming by position could attach answers to other requests. To resume, give "
            "every request its key again as a (key, request) pair (in `llmsdk batch`: a \"key\" on every input "
            "line) with the keys the checkpoint holds, or start a new checkpoint file.")


def _split(index: int, item: Any) -> Tuple[Key, Any, bool]:
    """(key, request, whether the key was given) of one input item; a bad item's request
    is the ``LLMError`` that becomes its row. An ``LLMError`` given in place of a request
    is passed through (``llmsdk batch`` reports unreadable input lines so)."""
    if isinstance(item, LLMRequest):
        return index, item, False
    if isinstance(item, tuple) and len(item) == 2:
        key, request = item
        if isinstance(key, bool) or not isinstance(key, (str, int)):
            return index, InvalidRequestError(
                f"item {index}: a key must be a string or an int, got {type(key).__name__}"), False
        if isinstance(request, (LLMRequest, LLMError)):
            return key, request, True
        return key, InvalidRequestError(
            f"item {index} (key {key!r}): expected an LLMRequest, got {type(request).__name__}"), True
    return index, InvalidRequestError(
        f"item {index}: expected an LLMRequest or a (key, LLMRequest) pair, got {type(item).__name__}"), False


present_as_public(globals(), "MapResult")
