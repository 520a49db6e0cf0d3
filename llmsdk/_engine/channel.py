"""What a stream's worker and its consumer share: the queue of event batches, the
cancel/done flags, and the reply accumulated so far.

The worker only ever touches a ``StreamChannel``, never the ``EventStream``, so a stream
dropped unclosed is garbage-collected and its finalizer (``StreamChannel.close``) stops
the worker. Queue items are a list of events (a batch), a ``Failure``, or ``END``.
"""

from __future__ import annotations

import queue
import threading
from typing import TYPE_CHECKING, Any, Callable, List, Optional

from llmsdk._core.accumulate import Accumulator
from llmsdk.events import _Event
from llmsdk.types import LLMResponse

if TYPE_CHECKING:  # pragma: no cover
    from llmsdk.providers.base import StreamProcessor

__all__ = ["END", "Failure", "StreamChannel"]

#: The queue item that ends a stream.
END = object()


class Failure:
    """The queue item that carries the worker's error to the consumer."""

    __slots__ = ("error",)

    def __init__(self, error: BaseException) -> None:
        self.error = error


class StreamChannel:
    """The worker's side puts batches, a failure and ``END``; the consumer's side reads them."""

    def __init__(self, provider: str) -> None:
        self.provider = provider
        self.queue: "queue.SimpleQueue[Any]" = queue.SimpleQueue()
        self.cancelled = threading.Event()
        self.done = threading.Event()
        self.accumulator = Accumulator()
        #: Some events reached the consumer's queue (a retry would repeat them).
        self.delivered = False
        self.processor: Optional[StreamProcessor] = None
        #: The whole reply, once the worker finished cleanly.
        self.final: Optional[LLMResponse] = None
        #: Wakes a thread blocked reading the body (set by the worker per attempt).
        self.interrupt: Optional[Callable[[], None]] = None
        #: Called (from the worker thread) after each put: an ``async for`` consumer's
        #: thread-safe wake-up, so awaiting a batch ties up no thread.
        self.waiter: Optional[Callable[[], None]] = None

    # -- the worker's side --------------------------------------------------------------

    def put(self, item: Any) -> None:
        self.queue.put(item)
        waiter = self.waiter
        if waiter is not None:
            waiter()

    def begin(self, processor: "StreamProcessor") -> None:
        """A (new) attempt's processor; deltas are folded here only if it keeps no open blocks."""
        self.processor = processor
        self.accumulator = Accumulator(skip_deltas=processor.open_blocks() is not None)

    def deliver(self, batch: List[_Event]) -> None:
        self.accumulator.add(batch)
        self.delivered = True
        self.put(batch)

    def partial_response(self) -> LLMResponse:
        """The reply as far as it was delivered (what an error carries)."""
        p = self.processor
        acc = self.accumulator
        response = acc.response(
            response_id=p.response_id if p else None,
            model=p.model if p else None,
            provider=self.provider,
            usage=p.usage if p else None,
            cost=p.cost if p else None,
            open_blocks=p.open_blocks() if p is not None and acc.skip_deltas else None,
        )
        details = getattr(p, "provider_details", None)
        if details:
            response.provider_details = dict(details)
        return response

    # -- either side ---------------------------------------------------------------------

    def close(self) -> None:
        """Cancel: the worker stops reading and a waiting consumer wakes. Idempotent."""
        if self.done.is_set():
            return
        self.cancelled.set()
        interrupt = self.interrupt
        if interrupt is not None:
            interrupt()
        self.put(END)
