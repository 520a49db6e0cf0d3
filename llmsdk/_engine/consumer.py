"""The consumer's side of a stream: batches in order, the worker's error right after the
events that preceded it, and the clock (``content_idle``, ``total``, a caller's
timeout). ``EventStream`` (blocking) and the async bridge (awaiting) share it.
"""

from __future__ import annotations

import queue
import time
from typing import Any, List, Optional, Tuple

from llmsdk._engine.channel import END, StreamChannel
from llmsdk.errors import ContentIdleTimeoutError, LLMError, StreamCancelledError, TotalTimeoutError
from llmsdk.events import _Event

__all__ = ["Consumer"]

Batch = List[_Event]


class Consumer:
    """Reads one ``StreamChannel``. Not thread-safe: one consumer per stream."""

    __slots__ = ("channel", "pending", "pos", "finished", "error", "content_idle", "deadline", "idle_deadline")

    def __init__(self, channel: StreamChannel, *, content_idle: Optional[float] = None,
                 deadline: Optional[float] = None) -> None:
        self.channel = channel
        #: The batch being handed out by ``recv`` and the position in it.
        self.pending: Batch = []
        self.pos = 0
        self.finished = False
        self.error: Optional[BaseException] = None
        self.content_idle = content_idle
        self.deadline = deadline
        self.idle_deadline = time.monotonic() + content_idle if content_idle else None

    # -- batches -------------------------------------------------------------------------

    def next_batch(self, timeout: Optional[float] = None) -> Optional[Batch]:
        """The next batch, ``None`` at the end; raises the stream's error, or the builtin
        ``TimeoutError`` once ``timeout`` seconds pass with nothing."""
        if self._check_state():
            return None
        if timeout is None and self.idle_deadline is None and self.deadline is None:
            item = self.channel.queue.get()
        else:
            item = self._get_with_deadlines(timeout)
        return self._take(item)

    def try_batch(self) -> Tuple[bool, Optional[Batch]]:
        """Without waiting: ``(True, batch or None at the end)``, or ``(False, None)`` when
        nothing is there yet (the stream's own deadlines are still enforced)."""
        if self._check_state():
            return True, None
        try:
            item = self.channel.queue.get_nowait()
        except queue.Empty:
            self._check_deadlines(time.monotonic())
            return False, None
        return True, self._take(item)

    def rest_of_pending(self) -> Batch:
        """What ``recv`` has not handed out of the current batch (then forgotten)."""
        rest = self.pending[self.pos:]
        self.pending, self.pos = [], 0
        return rest

    def next_deadline(self) -> Optional[float]:
        """The nearest instant at which the stream itself times out, if any."""
        limits = [d for d in (self.idle_deadline, self.deadline) if d is not None]
        return min(limits) if limits else None

    # -- inside ----------------------------------------------------------------------------

    def _check_state(self) -> bool:
        """True when the stream already ended; raises its error if it failed."""
        if self.finished:
            if self.error is not None:
                raise self.error
            return True
        channel = self.channel
        if channel.cancelled.is_set() and channel.final is None:
            self._fail(StreamCancelledError("the stream was closed", partial_response=channel.partial_response()))
        return False

    def _take(self, item: Any) -> Optional[Batch]:
        if type(item) is list:
            if self.content_idle:
                self.idle_deadline = time.monotonic() + self.content_idle
            return item
        channel = self.channel
        if item is END:
            if channel.final is None and channel.cancelled.is_set():
                self._fail(StreamCancelledError("the stream was closed", partial_response=channel.partial_response()))
            self.finished = True
            return None
        self._fail(item.error)
        return None  # unreachable

    def _get_with_deadlines(self, timeout: Optional[float]) -> Any:
        user_deadline = time.monotonic() + timeout if timeout is not None else None
        get = self.channel.queue.get
        while True:
            limits = [d for d in (user_deadline, self.idle_deadline, self.deadline) if d is not None]
            try:
                return get(timeout=max(0.0, min(limits) - time.monotonic()))
            except queue.Empty:
                pass
            now = time.monotonic()
            self._check_deadlines(now)
            if user_deadline is not None and now >= user_deadline:
                raise TimeoutError(f"no event within {timeout:g}s")

    def _check_deadlines(self, now: float) -> None:
        channel = self.channel
        if self.deadline is not None and now >= self.deadline:
            self._expire(TotalTimeoutError("the total timeout for this stream passed",
                                           partial_response=channel.partial_response()))
        if self.idle_deadline is not None and now >= self.idle_deadline:
            self._expire(ContentIdleTimeoutError(f"no content for {self.content_idle:g}s (keep-alives do not count)",
                                                 partial_response=channel.partial_response()))

    def _expire(self, error: LLMError) -> None:
        self.channel.close()
        self._fail(error)

    def _fail(self, error: BaseException) -> None:
        self.finished = True
        self.error = error
        raise error
