"""``client.map`` / ``client.imap``: many requests through one client, ``concurrency`` at
a time, with a shared rate limiter, a progress bar and a resumable checkpoint.

The caller's thread reads the input (lazily: at most ``2 × concurrency`` items are taken
ahead of the results handed back), hands calls to worker threads, and yields results as
they finish. Every item ends as a ``MapResult``: a failure is a value, never a lost row.
Stopping early (Ctrl-C, ``on_error="raise"``, leaving an ``imap`` loop) closes the
streams in flight and leaves the checkpoint holding exactly the items that finished.
"""

from __future__ import annotations

import itertools
import logging
import os
import queue
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterable, Iterator, List, Optional, Protocol, Set, Tuple, Union

from llmsdk._many.checkpoint import CheckpointWriter, SavedResult, read_results
from llmsdk._many.progress import Progress
from llmsdk._many.rate_limiter import BaseRateLimiter, Permit, request_cost
from llmsdk._engine.retry import plan_retry, should_retry
from llmsdk.errors import (
    InvalidRequestError, LLMError, OverloadedError, RateLimitError, StreamCancelledError,
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
    index), its ``index`` in the input, and the ``response`` or the ``error``.

    >>> for r in client.map(requests):
    ...     print(r.key, r.response.text if r.ok else r.error)
    """

    key: Any
    index: int
    response: Optional[LLMResponse] = None
    error: Optional[LLMError] = None

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
        self.jobs: "queue.SimpleQueue[Optional[Tuple[int, Key, LLMRequest]]]" = queue.SimpleQueue()
        self.done: "queue.SimpleQueue[MapResult]" = queue.SimpleQueue()
        self.threads: List[threading.Thread] = []
        self.lock = threading.Lock()
        self.streams: Set["EventStream"] = set()
        self.writer: Optional[CheckpointWriter] = None
        #: A checkpoint write that failed on a worker; the caller's thread raises it.
        self.save_failure: Optional[BaseException] = None

    # -- the caller's side ----------------------------------------------------------------

    def results(self, source: Iterator[Any], progress: bool, checkpoint: Any,
                total: Optional[int]) -> Iterator[MapResult]:
        saved: Dict[Key, SavedResult] = read_results(checkpoint) if checkpoint is not None else {}
        bar = Progress(progress, total)
        try:
            if checkpoint is not None:
                self.writer = CheckpointWriter(checkpoint)
            seen: Set[Key] = set()
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
                key, request = _split(index, item)
                if key in seen:
                    yield self._deliver(bar, MapResult(key, index, error=InvalidRequestError(
                        f"item {index}: duplicate key {key!r} (keys must be unique; the first one is answered)")))
                    continue
                seen.add(key)
                earlier = saved.get(key)
                if earlier is not None and earlier.ok:
                    yield self._deliver(bar, MapResult(key, index, earlier.response), resumed=True)
                    continue
                if isinstance(request, LLMError):
                    result = MapResult(key, index, error=request)
                    self._save(result)
                    yield self._deliver(bar, result)
                    continue
                self._submit(index, key, request)
                pending += 1
        finally:
            self._stop()
            bar.close()

    def _deliver(self, bar: Progress, result: MapResult, resumed: bool = False) -> MapResult:
        bar.add(result.response, result.error, resumed)
        if result.error is not None and self.on_error == "raise":
            raise result.error
        return result

    def _submit(self, index: int, key: Key, request: LLMRequest) -> None:
        self.jobs.put((index, key, request))
        if len(self.threads) < self.concurrency:
            thread = threading.Thread(target=self._work, name=f"llmsdk-map-{next(_thread_numbers)}", daemon=True)
            self.threads.append(thread)
            thread.start()

    def _stop(self) -> None:
        """Finished or abandoned: stop the workers, close the streams in flight, close the
        checkpoint. Workers still in a call notice and drop their (cancelled) results."""
        self.cancelled.set()
        with self.lock:
            streams = list(self.streams)
            self.streams.clear()
        for stream in streams:
            stream.close()
        for _ in self.threads:
            self.jobs.put(None)
        if self.writer is not None:
            self.writer.close()

    # -- the workers' side ----------------------------------------------------------------

    def _work(self) -> None:
        while True:
            job = self.jobs.get()
            if job is None or self.cancelled.is_set():
                return
            index, key, request = job
            result = MapResult(key, index)
            try:
                result.response = self._call(request)
            except LLMError as exc:
                result.error = exc
            except BaseException as exc:  # noqa: BLE001 - a row is never lost, whatever failed
                error = LLMError(f"unexpected {type(exc).__name__}: {exc}")
                error.__cause__ = exc
                result.error = error
            try:
                self._save(result)
            except BaseException as exc:  # noqa: BLE001 - e.g. a full disk: the caller's thread raises it
                self.save_failure = exc
            self.done.put(result)

    def _save(self, result: MapResult) -> None:
        writer = self.writer
        if writer is None or (result.error is not None and self.cancelled.is_set()):
            return  # a call cut short by the stop is not finished: a rerun sends it again
        writer.write(result.key, result.response, result.error)

    def _call(self, request: LLMRequest) -> LLMResponse:
        if self.limiter is None:
            return self._attempt(request, None, None, [])
        return self._call_limited(request, self.limiter)

    def _call_limited(self, request: LLMRequest, limiter: BaseRateLimiter) -> LLMResponse:
        """One item through the limiter: attempts without the engine's own retries; a 429
        (or 529) pauses every caller of the limiter, other transient failures back off
        for this item alone. Both are bounded."""
        policy = self.client.get_config().retry
        cost = request_cost(request)
        refusals = failures = 0
        while True:
            permit = limiter.acquire(cost, self.cancelled)
            if permit is None:
                raise StreamCancelledError("client.map was stopped before this item was sent")
            opened: List["EventStream"] = []
            try:
                response = self._attempt(request, 0, permit, opened)
            except LLMError as exc:
                if not opened:  # refused before any headers came back
                    limiter.admitted(permit, ok=False)
                billed = exc.partial_response
                limiter.settle(permit, billed.usage.total_tokens if isinstance(billed, LLMResponse) else 0)
                if self.cancelled.is_set() or not should_retry(exc):
                    raise
                if isinstance(exc, (RateLimitError, OverloadedError)):
                    refusals += 1
                    if refusals >= MAX_REFUSALS:
                        raise
                    limiter.pause(exc.retry_after)
                else:
                    delay = plan_retry(exc, failures, policy.max_retries, policy)
                    if delay is None or self.cancelled.wait(delay):
                        raise
                    failures += 1
                continue
            limiter.settle(permit, response.usage.total_tokens)
            return response

    def _attempt(self, request: LLMRequest, max_retries: Optional[int], permit: Optional[Permit],
                 opened: List["EventStream"]) -> LLMResponse:
        """One call, read on this thread. Once its headers are in, the stream joins
        ``opened`` and the tracked streams (so a stop can close it), and the limiter hears
        that the call was admitted (which ends a probe) and what the rate-limit headers
        say. ``max_retries=None``: the client's own retries."""

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
            return self.client._start(request, inline=True, max_retries=max_retries, on_open=on_open).final_response()
        finally:
            if opened:
                with self.lock:
                    self.streams.discard(opened[0])


def _split(index: int, item: Any) -> Tuple[Key, Any]:
    """(key, request) of one input item; a bad item's request is the ``LLMError`` that
    becomes its row. An ``LLMError`` given in place of a request is passed through
    (``llmsdk batch`` reports unreadable input lines so)."""
    if isinstance(item, LLMRequest):
        return index, item
    if isinstance(item, tuple) and len(item) == 2:
        key, request = item
        if isinstance(key, bool) or not isinstance(key, (str, int)):
            return index, InvalidRequestError(
                f"item {index}: a key must be a string or an int, got {type(key).__name__}")
        if isinstance(request, (LLMRequest, LLMError)):
            return key, request
        return key, InvalidRequestError(
            f"item {index} (key {key!r}): expected an LLMRequest, got {type(request).__name__}")
    return index, InvalidRequestError(
        f"item {index}: expected an LLMRequest or a (key, LLMRequest) pair, got {type(item).__name__}")


present_as_public(globals(), "MapResult")
