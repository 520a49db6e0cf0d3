"""The streaming engine: a worker thread reads SSE and hands batches of ``LLMEvent``s
over a queue to a blocking ``EventStream``.

The worker touches only a ``_StreamState``, never the ``EventStream``, so a stream that
is dropped unclosed is garbage-collected and its finalizer stops the worker. Events are
handed over in batches: while more body bytes are already waiting on the socket the
worker keeps parsing (up to ``MAX_BATCH`` events), so the thread hand-off is paid per
burst of bytes, not per event; a batch is always flushed before a read that could block,
so an event reaches the caller as soon as its bytes arrive.
"""

from __future__ import annotations

import functools
import itertools
import logging
import queue
import select
import socket
import threading
import time
import weakref
from typing import Any, AsyncIterator, Callable, Iterator, List, Optional

from sseclient import SSEClient

from llmsdk._accumulate import accumulate
from llmsdk._retry import retry_delay, should_retry
from llmsdk.errors import (
    ContentIdleTimeoutError, IncompleteStreamError, LLMError, MalformedEventError,
    ProviderStreamError, StreamCancelledError, TotalTimeoutError,
)
from llmsdk.events import PartialContent, Stop, _Event
from llmsdk.providers.base import StreamProcessor
from llmsdk.types import LLMResponse, RateLimitInfo, TextContent

logger = logging.getLogger("llmsdk.stream")

_thread_numbers = itertools.count(1)
_END = object()
READ_SIZE = 65536
#: A batch is handed over once it holds this many events, even if more bytes are waiting.
MAX_BATCH = 256


class _Failure:
    __slots__ = ("error",)

    def __init__(self, error: LLMError) -> None:
        self.error = error


class _StreamState:
    """What the worker thread shares with the consumer."""

    def __init__(self, provider: str) -> None:
        self.provider = provider
        self.queue: "queue.SimpleQueue[Any]" = queue.SimpleQueue()
        self.cancelled = threading.Event()
        self.done = threading.Event()
        self.history: List[_Event] = []
        self.delivered = False
        self.response: Any = None
        self.processor: Optional[StreamProcessor] = None
        self.final: Optional[LLMResponse] = None
        #: Called (from the worker thread) after each put: an ``async for`` consumer's
        #: thread-safe wake-up, so awaiting a batch ties up no thread.
        self.waiter: Optional[Callable[[], None]] = None

    def put(self, item: Any) -> None:
        self.queue.put(item)
        waiter = self.waiter
        if waiter is not None:
            waiter()

    def deliver(self, batch: List[_Event]) -> None:
        self.history.extend(batch)
        self.delivered = True
        self.put(batch)

    def partial_response(self) -> LLMResponse:
        p = self.processor
        return accumulate(
            self.history,
            response_id=p.response_id if p else None,
            model=p.model if p else None,
            provider=self.provider,
            usage=p.usage if p else None,
            cost=p.cost if p else None,
        )


def _shutdown_socket(response: Any) -> None:
    """Wake a thread blocked reading ``response`` (close() alone may not, on Linux)."""
    sock = _socket_of(response)
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def _socket_of(response: Any) -> Any:
    raw = getattr(response, "raw", None)
    conn = getattr(raw, "_connection", None)
    sock = getattr(conn, "sock", None)
    if sock is None:
        fp = getattr(getattr(raw, "_fp", None), "fp", None)
        sock = getattr(getattr(fp, "raw", None), "_sock", None)
    return sock


def _ready_check(response: Any) -> Callable[[], bool]:
    """A zero-wait "are more body bytes already on the socket?" test for ``response``.

    When it says yes, the next socket read returns at once; when it cannot tell (no
    socket found) it says no, so a batch is delivered rather than held behind a read
    that could block.
    """
    sock = _socket_of(response)
    try:
        fileno = sock.fileno() if sock is not None else -1
    except OSError:
        fileno = -1
    if fileno < 0 or not hasattr(select, "poll"):
        return lambda: False
    poller = select.poll()
    poller.register(fileno, select.POLLIN)
    poll = poller.poll
    pending = getattr(sock, "pending", None)  # TLS: decrypted bytes held by the SSL object

    def ready() -> bool:
        try:
            if pending is not None and pending():
                return True
            return bool(poll(0))
        except (OSError, ValueError):
            return False

    return ready


def _socket_reader(response: Any) -> Any:
    """The ``socket.SocketIO`` under http.client's buffered reader, or None."""
    fp = getattr(getattr(getattr(response, "raw", None), "_fp", None), "fp", None)
    raw = getattr(fp, "raw", None)
    return raw if type(raw) is socket.SocketIO else None


def _before_socket_reads(response: Any, hook: Callable[[], None]) -> Optional[Callable[[], None]]:
    """Run ``hook()`` before every read of ``response``'s socket; return the undo.

    http.client reads the socket through a buffered reader that fills 8 KiB (or more) at
    a time and hands out chunks from memory in between, so the only reads that can
    block are these refills: checking readiness here, instead of before every HTTP chunk,
    costs one poll per refill rather than one per event. None when the reader is not the
    usual http.client one (the caller then checks before every piece).
    """
    reader = _socket_reader(response)
    if reader is None:
        return None
    readinto = reader.readinto

    def watched_readinto(buffer: Any) -> Any:
        hook()
        return readinto(buffer)

    reader.readinto = watched_readinto

    def undo() -> None:
        reader.__dict__.pop("readinto", None)

    return undo


def _close_state(state: _StreamState) -> None:
    if state.done.is_set():
        return
    state.cancelled.set()
    response = state.response
    if response is not None:
        _shutdown_socket(response)
    state.put(_END)


def pump(response: Any, processor: StreamProcessor, state: _StreamState) -> None:
    """Read the body, feed SSE events to ``processor``, deliver event batches."""
    raw = response.raw
    read1 = getattr(raw, "read1", None)
    cancelled = state.cancelled
    deliver = state.deliver
    batch: List[_Event] = []
    eof = False

    if read1 is None or getattr(raw, "chunked", False):
        # Chunked: urllib3 hands over each HTTP chunk as soon as it is complete, through
        # fewer layers than read1 (which also stops at chunk boundaries).
        next_piece: Callable[[], bytes] = functools.partial(next, response.iter_content(chunk_size=None), b"")
    else:
        # Close-delimited or Content-Length: iter_content would wait for the whole body;
        # read1 returns whatever has arrived.
        next_piece = functools.partial(read1, READ_SIZE)

    ready = _ready_check(response)

    def flush_unless_ready() -> None:
        nonlocal batch
        if batch and not ready():
            deliver(batch)
            batch = []

    undo = _before_socket_reads(response, flush_unless_ready)
    check_each_piece = undo is None

    def chunks() -> Iterator[bytes]:
        nonlocal batch, eof
        while True:
            if batch and (len(batch) >= MAX_BATCH or check_each_piece and not ready()):
                deliver(batch)
                batch = []
            chunk = next_piece()
            if not chunk:
                eof = True
                return
            if cancelled.is_set():
                return
            yield chunk

    process = processor.process
    try:
        try:
            for sse in SSEClient(chunks()).events():
                out = process(sse.event, sse.data)
                if out:
                    batch.extend(out)
        except MalformedEventError as exc:
            if eof:  # a half-sent last event: the body was cut, not garbled
                raise IncompleteStreamError(f"the {state.provider} stream ended mid-event") from exc
            raise
        if cancelled.is_set():
            return
        batch.extend(processor.finish())
    finally:
        if undo is not None:
            undo()
        # Whatever was parsed before a failure (or the end of the body) reaches the
        # caller first, so an error is raised right after the events that preceded it.
        if batch and not cancelled.is_set():
            deliver(batch)


def run_worker(
    state: _StreamState,
    response: Any,
    new_processor: Callable[[], StreamProcessor],
    reopen: Callable[[int], Any],
    max_retries: int,
    retry_policy: Any,
    on_finish: Callable[[LLMResponse], None],
) -> None:
    """The worker thread's body. Always ends by putting ``_END`` or a failure."""
    retries_done = 0
    try:
        while True:
            state.processor = processor = new_processor()
            state.response = response
            if state.cancelled.is_set():
                _shutdown_socket(response)
            try:
                pump(response, processor, state)
                break
            except ProviderStreamError as exc:
                if state.delivered or state.cancelled.is_set() or retries_done >= max_retries or not should_retry(exc):
                    raise
                response.close()
                delay = retry_delay(exc, retries_done, retry_policy)
                retries_done += 1
                logger.warning("%s stream error before any content (%s); retry %d/%d in %.2fs",
                               state.provider, exc, retries_done, max_retries, delay)
                if state.cancelled.wait(delay):
                    break
                response = reopen(max_retries - retries_done)
        if state.cancelled.is_set() and not _stopped(state):
            on_finish(state.partial_response())
            return
        final = state.partial_response()
        on_finish(final)
        state.final = final
    except (KeyboardInterrupt, SystemExit):  # only on the caller's own thread (complete())
        state.cancelled.set()
        raise
    except BaseException as exc:  # noqa: BLE001 - every failure must reach the consumer
        if state.cancelled.is_set():
            on_finish(state.partial_response())
            return
        from llmsdk._http import map_transport_error

        error = exc if isinstance(exc, LLMError) else map_transport_error(exc)
        if error is not exc:
            error.__cause__ = exc
        partial = state.partial_response()
        if error.partial_response is None:
            error.partial_response = partial
        try:
            on_finish(partial)
        finally:
            state.put(_Failure(error))
    finally:
        state.done.set()
        state.put(_END)
        if state.response is not None:
            state.response.close()


def _stopped(state: _StreamState) -> bool:
    return bool(state.history) and type(state.history[-1]) is Stop


class EventStream:
    """A blocking iterator over one reply's ``LLMEvent``s.

    >>> with client.send(request) as stream:
    ...     for event in stream:
    ...         ...
    >>> client.send(request).final_response().text

    Errors from the worker are raised here, right after the events that preceded them.
    ``close()`` (from any thread) stops the worker and releases the connection.
    """

    def __init__(
        self,
        state: _StreamState,
        *,
        response_headers: Any = None,
        request_id: Optional[str] = None,
        rate_limit: Optional[RateLimitInfo] = None,
        content_idle: Optional[float] = None,
        deadline: Optional[float] = None,
    ) -> None:
        self._state = state
        self._pending: List[_Event] = []
        self._pos = 0
        self._finished = False
        self._error: Optional[LLMError] = None
        self._content_idle = content_idle
        self._deadline = deadline
        self._idle_deadline = time.monotonic() + content_idle if content_idle else None
        self.request_id = request_id
        self.rate_limit = rate_limit
        self.response_headers = response_headers
        self._finalizer = weakref.finalize(self, _close_state, state)

    @classmethod
    def start(cls, state: _StreamState, target: Callable[[], None], **kwargs: Any) -> "EventStream":
        stream = cls(state, **kwargs)
        thread = threading.Thread(target=target, name=f"llmsdk-stream-{next(_thread_numbers)}", daemon=True)
        thread.start()
        return stream

    # -- consuming ----------------------------------------------------------------------

    def _next_batch(self, timeout: Optional[float] = None) -> Optional[List[_Event]]:
        if self._finished:
            if self._error is not None:
                raise self._error
            return None
        state = self._state
        if state.cancelled.is_set() and state.final is None:
            self._fail(StreamCancelledError("the stream was closed", partial_response=state.partial_response()))
        if timeout is None and self._idle_deadline is None and self._deadline is None:
            item = state.queue.get()
        else:
            item = self._get_with_deadlines(timeout)
        if type(item) is list:
            if self._content_idle:
                self._idle_deadline = time.monotonic() + self._content_idle
            return item
        if item is _END:
            if state.final is None and state.cancelled.is_set():
                self._fail(StreamCancelledError("the stream was closed", partial_response=state.partial_response()))
            self._finished = True
            return None
        self._fail(item.error)
        return None  # unreachable

    def _get_with_deadlines(self, timeout: Optional[float]) -> Any:
        now = time.monotonic()
        user_deadline = now + timeout if timeout is not None else None
        while True:
            limits = [d for d in (user_deadline, self._idle_deadline, self._deadline) if d is not None]
            wait = max(0.0, min(limits) - time.monotonic())
            try:
                return self._state.queue.get(timeout=wait)
            except queue.Empty:
                pass
            now = time.monotonic()
            if self._deadline is not None and now >= self._deadline:
                self._expire(TotalTimeoutError("the total timeout for this stream passed"))
            if self._idle_deadline is not None and now >= self._idle_deadline:
                self._expire(ContentIdleTimeoutError(
                    f"no content for {self._content_idle:g}s (keep-alives do not count)"))
            if user_deadline is not None and now >= user_deadline:
                raise TimeoutError(f"no event within {timeout:g}s")

    def _expire(self, error: LLMError) -> None:
        state = self._state
        error.partial_response = state.partial_response()
        _close_state(state)
        self._fail(error)

    def _fail(self, error: LLMError) -> None:
        self._finished = True
        self._error = error
        raise error

    def recv(self, timeout: Optional[float] = None) -> Optional[_Event]:
        """The next event, or ``None`` once the stream has ended. Raises the stream's
        error, or ``TimeoutError`` if ``timeout`` seconds pass with no event."""
        while self._pos >= len(self._pending):
            batch = self._next_batch(timeout)
            if batch is None:
                return None
            self._pending, self._pos = batch, 0
        event = self._pending[self._pos]
        self._pos += 1
        return event

    def __iter__(self) -> Iterator[_Event]:
        try:
            if self._pos < len(self._pending):
                rest = self._pending[self._pos:]
                self._pending, self._pos = [], 0
                yield from rest
            next_batch = self._next_batch
            while True:
                batch = next_batch()
                if batch is None:
                    return
                yield from batch
        finally:
            self.close()

    def text_stream(self) -> Iterator[str]:
        """Only the text deltas, e.g. to relay to a browser."""
        for event in self:
            if type(event) is PartialContent and type(event.content) is TextContent:
                yield event.content.text

    def partial_objects(self) -> Iterator[Any]:
        """The structured output parsed so far, after each text delta (see ``output_schema``)."""
        from llmsdk._structured import partial_objects
        return partial_objects(self)

    def __aiter__(self) -> AsyncIterator[_Event]:
        """``async for event in stream`` (ASGI views): the same worker thread, awaited
        without blocking the event loop. See ``llmsdk._async``."""
        from llmsdk._async import aiter_events

        return aiter_events(self)

    def atext_stream(self) -> AsyncIterator[str]:
        """The async variant of ``text_stream()``."""
        from llmsdk._async import atext_stream

        return atext_stream(self)

    def final_response(self) -> LLMResponse:
        """Consume what is left and return the whole reply."""
        try:
            while self._next_batch() is not None:
                pass
        finally:
            self.close()
        final = self._state.final
        if final is None:
            raise StreamCancelledError("the stream was closed before it finished",
                                       partial_response=self._state.partial_response())
        return final

    # -- lifecycle -----------------------------------------------------------------------

    def close(self) -> None:
        """Stop the worker and release the connection. Safe from any thread, idempotent."""
        self._finalizer()

    @property
    def closed(self) -> bool:
        return not self._finalizer.alive or self._state.done.is_set()

    def __enter__(self) -> "EventStream":
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        status = "closed" if self.closed else "open"
        return f"<EventStream {self._state.provider} {status} request_id={self.request_id!r}>"
