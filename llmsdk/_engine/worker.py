"""The worker: reads one reply's body, turns it into event batches (``_sse``), and hands
them over a ``StreamChannel`` to the consumer, retrying a stream that fails before any
content arrived.

Events are handed over in batches: while more body bytes are already waiting on the
socket the worker keeps parsing (up to ``MAX_BATCH`` events), so the thread hand-off is
paid per burst of bytes, not per event; a batch is always flushed before a read that
could block, so an event reaches the caller as soon as its bytes arrive.

The worker runs on its own thread (``send()``), or on the caller's thread when nobody
needs the events before the end (``complete()``); then no consumer watches the clock,
so the worker checks ``content_idle`` and ``total`` itself (``StreamJob.watch_clock``).
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Iterator, List, Optional

from llmsdk._engine.body_socket import BodySocket, chunked_reader, interrupt_request_of
from llmsdk._engine.channel import END, Failure, StreamChannel
from llmsdk._engine.http import TRANSPORT_EXCEPTIONS, map_transport_error
from llmsdk._engine.retry import RetryBudget
from llmsdk._engine.sse import pour
from llmsdk._engine.policy import RetryPolicy
from llmsdk._telemetry.events import retry_event
from llmsdk.errors import (
    BrokenStreamError, ConnectionFailedError, ContentIdleTimeoutError, LLMError, ProviderStreamError,
    ReadTimeoutError, TotalTimeoutError,
)
from llmsdk.events import _Event
from llmsdk.providers.base import StreamProcessor
from llmsdk.types import LLMResponse

__all__ = ["MAX_BATCH", "StreamJob", "run_worker"]

logger = logging.getLogger("llmsdk.stream")

READ_SIZE = 65536
#: A batch is handed over once it holds this many events, even if more bytes are waiting.
MAX_BATCH = 256


@dataclass(frozen=True)
class StreamJob:
    """Everything a worker needs to read one reply, fixed when the call starts."""

    provider: str
    #: A fresh processor per attempt.
    new_processor: Callable[[], StreamProcessor]
    #: Open the stream again (after a failure before any content), drawing on ``budget``;
    #: returns the new response.
    reopen: Callable[[], Any]
    #: The exchange's one retry budget, shared with the HTTP-level retries of ``reopen``.
    budget: RetryBudget
    retry_policy: RetryPolicy
    #: Bills the reply, finished or not (called once, from the worker).
    on_finish: Callable[[LLMResponse], None]
    #: ``Timeouts.total`` as a ``time.monotonic()`` instant, and ``Timeouts.content_idle``.
    deadline: Optional[float] = None
    content_idle: Optional[float] = None
    #: Check ``deadline`` and ``content_idle`` here (no consumer thread watches them).
    watch_clock: bool = False


class _Clock:
    """The worker's own deadline checks, per piece of body (inline reads only)."""

    __slots__ = ("deadline", "idle", "last_content", "seen")

    def __init__(self, job: StreamJob) -> None:
        self.deadline = job.deadline
        self.idle = job.content_idle
        self.last_content = time.monotonic()
        self.seen = 0

    def check(self, events_so_far: int) -> None:
        now = time.monotonic()
        if events_so_far != self.seen:
            self.seen, self.last_content = events_so_far, now
        if self.deadline is not None and now >= self.deadline:
            raise TotalTimeoutError("the total timeout for this exchange passed")
        if self.idle is not None and now - self.last_content >= self.idle:
            raise ContentIdleTimeoutError(f"no content for {self.idle:g}s (keep-alives do not count)")

    def explain(self, exc: LLMError) -> LLMError:
        """A socket read that timed out because a deadline of ours was near says which."""
        if not isinstance(exc, ReadTimeoutError) or isinstance(exc, (TotalTimeoutError, ContentIdleTimeoutError)):
            return exc
        now = time.monotonic()
        if self.deadline is not None and now >= self.deadline - 0.05:
            return TotalTimeoutError("the total timeout for this exchange passed")
        if self.idle is not None and now - self.last_content >= self.idle - 0.05:
            return ContentIdleTimeoutError(f"no content for {self.idle:g}s (keep-alives do not count)")
        return exc


class _Body:
    """One reply's body, read piece by piece for ``_sse.pour``, handing the parsed events
    over in batches (``ended`` once the last piece was read: ``_sse``'s end-of-body rule).

    A batch is handed over when it is full, and before any socket refill that might
    block (``before_refill``, hooked into http.client's reader); cancellation is checked
    there too. Without the hook (the ``BodySocket`` fallback) or with a clock to watch,
    both are checked before every piece.
    """

    __slots__ = ("batch", "delivered", "ended", "_deliver", "_next_piece", "_ready", "_cancelled", "_shutdown",
                 "_clock", "hooked")

    def __init__(self, next_piece: Callable[[], bytes], channel: StreamChannel, body_socket: BodySocket,
                 clock: Optional[_Clock]) -> None:
        self.batch: List[_Event] = []  # parsed, not yet handed over (always this one list)
        self.delivered = 0
        self.ended = False
        self.hooked = False
        self._deliver = channel.deliver
        self._next_piece = next_piece
        self._ready = body_socket.ready
        self._cancelled = channel.cancelled
        self._shutdown = body_socket.shutdown
        self._clock = clock

    def hand_over(self) -> None:
        out = self.batch.copy()
        self.batch.clear()
        self.delivered += len(out)
        self._deliver(out)

    def before_refill(self) -> None:
        if self._cancelled.is_set():
            self._shutdown()  # the read about to start returns at once
        elif self.batch and not self._ready():
            self.hand_over()

    def __iter__(self) -> Iterator[bytes]:
        batch, next_piece, hand_over, clock = self.batch, self._next_piece, self.hand_over, self._clock
        if self.hooked and clock is None:
            # The common case: readiness and cancellation are checked per socket refill
            # by ``before_refill``, so each piece costs only the batch bound.
            while True:
                if len(batch) >= MAX_BATCH:
                    hand_over()
                chunk = next_piece()
                if not chunk:
                    break
                yield chunk
        else:
            ready, cancelled, hooked = self._ready, self._cancelled, self.hooked
            while True:
                if batch and (len(batch) >= MAX_BATCH or not hooked and not ready()):
                    hand_over()
                if clock is not None:
                    clock.check(self.delivered + len(batch))
                chunk = next_piece()
                if not chunk or cancelled.is_set():
                    break
                yield chunk
        self.ended = True


def pump(response: Any, processor: StreamProcessor, channel: StreamChannel, clock: Optional[_Clock] = None) -> None:
    """Read the body, feed it to ``processor``, deliver event batches; ``clock`` checks
    the deadlines before each piece when no consumer does."""
    raw = response.raw
    read1 = getattr(raw, "read1", None)
    body_socket = BodySocket.of(response)
    channel.interrupt = body_socket.shutdown
    if channel.cancelled.is_set():
        body_socket.shutdown()

    chunked = chunked_reader(response, READ_SIZE) if read1 is not None else None
    if chunked is not None:
        # Chunked (the usual stream): the chunks that have arrived, undone at once.
        next_piece: Callable[[], bytes] = chunked
    elif read1 is None or getattr(raw, "chunked", False):
        # A content-encoded chunked body, or a response without urllib3's internals:
        # urllib3 hands over each HTTP chunk as soon as it is complete.
        next_piece = functools.partial(next, response.iter_content(chunk_size=None), b"")
    else:
        # Close-delimited or Content-Length: iter_content would wait for the whole body;
        # read1 returns whatever has arrived.
        next_piece = functools.partial(read1, READ_SIZE)

    exchange = getattr(response, "llmsdk_exchange", None)  # LLMSDK_RECORD_DIR: keep the raw bytes
    if exchange is not None:
        read_piece = next_piece

        def next_piece() -> bytes:
            piece = read_piece()
            exchange.piece(piece)
            return piece

    body = _Body(next_piece, channel, body_socket, clock)
    undo = body_socket.watch_refills(body.before_refill)
    body.hooked = undo is not None
    try:
        pour(processor, body, body.batch.extend)
    finally:
        if exchange is not None:
            exchange.close()
        if undo is not None:
            undo()
        # Whatever was parsed before a failure (or the end of the body) reaches the
        # caller first, so an error is raised right after the events that preceded it.
        if body.batch and not channel.cancelled.is_set():
            body.hand_over()


def _as_llm_error(exc: BaseException, channel: StreamChannel) -> BaseException:
    """An exception from reading the body, in llmsdk's terms: network trouble mapped
    (a connection that broke mid-body is a ``BrokenStreamError``); anything else left as
    what it is (an event the processor cannot read is already a ``MalformedEventError``,
    ``_engine/sse.py``; a ``RuntimeError`` from a custom processor stays one)."""
    if isinstance(exc, LLMError):
        return exc
    if not isinstance(exc, TRANSPORT_EXCEPTIONS):
        return exc
    error = map_transport_error(exc)
    if type(error) is ConnectionFailedError:
        error = BrokenStreamError(f"the {channel.provider} stream broke off: {error.message}")
    error.__cause__ = exc
    return error


def _once(on_finish: Callable[[LLMResponse], None]) -> Callable[[LLMResponse], None]:
    """``on_finish`` that runs at most once, however the worker ends: the usage of a
    reply is billed once even when the bookkeeping itself raises."""
    ran: List[bool] = []

    def finish(result: LLMResponse) -> None:
        if not ran:
            ran.append(True)
            on_finish(result)

    return finish


def run_worker(job: StreamJob, channel: StreamChannel, response: Any) -> None:
    """Read the reply; always ends by putting ``END``, after a ``Failure`` if one occurred.
    The reply is billed (``job.on_finish``) exactly once: finished, failed, cancelled, or
    interrupted by Ctrl-C (``complete()`` reads on the caller's thread)."""
    clock = _Clock(job) if job.watch_clock else None
    on_finish = _once(job.on_finish)
    try:
        while True:
            processor = job.new_processor()
            channel.begin(processor)
            try:
                pump(response, processor, channel, clock)
                break
            except BaseException as raw_exc:  # noqa: BLE001 - mapped, then retried or re-raised
                exc = _as_llm_error(raw_exc, channel)
                if exc is raw_exc and not isinstance(exc, LLMError):
                    raise
                retryable = isinstance(exc, (ProviderStreamError, BrokenStreamError))
                delay = None
                budget = job.budget
                if retryable and not channel.delivered and not channel.cancelled.is_set():
                    delay = budget.plan(exc, job.retry_policy, job.deadline)
                if delay is None:
                    raise exc from exc.__cause__
                response.close()
                budget.used += 1
                logger.warning("%s stream error before any content (%s); retry %d/%d in %.2fs",
                               channel.provider, exc, budget.used, budget.limit, delay)
                retry_event(budget.used, exc, delay)
                # close() from now on wakes this thread even inside the re-open's POST
                channel.interrupt = functools.partial(interrupt_request_of, threading.get_ident())
                if channel.cancelled.wait(delay):
                    break
                response = job.reopen()
        if channel.cancelled.is_set() and not channel.accumulator.stopped:
            on_finish(channel.partial_response())
            return
        final = channel.partial_response()
        on_finish(final)
        channel.final = final
    except (KeyboardInterrupt, SystemExit):  # only on the caller's own thread (complete())
        channel.cancelled.set()
        try:  # billed input is still billed: record what arrived before raising
            on_finish(channel.partial_response())
        except Exception:  # noqa: BLE001 - the interrupt is what the caller must see
            logger.exception("%s: recording usage after an interrupt failed", channel.provider)
        raise
    except BaseException as exc:  # noqa: BLE001 - every failure must reach the consumer
        if channel.cancelled.is_set():
            on_finish(channel.partial_response())
            return
        error = clock.explain(exc) if clock is not None and isinstance(exc, LLMError) else exc
        if error is not exc:
            error.__cause__ = exc
        partial = channel.partial_response()
        if isinstance(error, LLMError) and error.partial_response is None:
            error.partial_response = partial
        channel.failure = error
        try:
            on_finish(partial)
        finally:
            channel.put(Failure(error))
    finally:
        channel.done.set()
        channel.put(END)
        response.close()
