"""``EventStream``: what ``send()`` returns — a thin blocking (and ``async for``) shell over
a stream's ``Consumer``.

>>> with client.send(request) as stream:
...     for event in stream:
...         ...
"""

from __future__ import annotations

import itertools
import threading
import weakref
from typing import Any, AsyncIterator, Callable, Iterator, Optional

from llmsdk._engine.channel import StreamChannel
from llmsdk._engine.consumer import Consumer
from llmsdk.errors import StreamCancelledError
from llmsdk.events import PartialContent, _Event
from llmsdk.types import LLMResponse, RateLimitInfo, TextContent
from llmsdk._core.public_name import present_as_public

__all__ = ["EventStream"]

_thread_numbers = itertools.count(1)


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
        channel: StreamChannel,
        *,
        response_headers: Any = None,
        request_id: Optional[str] = None,
        rate_limit: Optional[RateLimitInfo] = None,
        content_idle: Optional[float] = None,
        deadline: Optional[float] = None,
    ) -> None:
        self._channel = channel
        self._consumer = Consumer(channel, content_idle=content_idle, deadline=deadline)
        self.request_id = request_id
        self.rate_limit = rate_limit
        self.response_headers = response_headers
        self._finalizer = weakref.finalize(self, channel.close)

    @classmethod
    def start(cls, channel: StreamChannel, target: Callable[[], None], **kwargs: Any) -> "EventStream":
        """A stream whose worker ``target`` runs on a new daemon thread."""
        stream = cls(channel, **kwargs)
        thread = threading.Thread(target=target, name=f"llmsdk-stream-{next(_thread_numbers)}", daemon=True)
        thread.start()
        return stream

    # -- consuming ----------------------------------------------------------------------

    def recv(self, timeout: Optional[float] = None) -> Optional[_Event]:
        """The next event, or ``None`` once the stream has ended. Raises the stream's
        error, or ``TimeoutError`` if ``timeout`` seconds pass with no event."""
        consumer = self._consumer
        while consumer.pos >= len(consumer.pending):
            batch = consumer.next_batch(timeout)
            if batch is None:
                return None
            consumer.pending, consumer.pos = batch, 0
        event = consumer.pending[consumer.pos]
        consumer.pos += 1
        return event

    def __iter__(self) -> Iterator[_Event]:
        consumer = self._consumer
        try:
            yield from consumer.rest_of_pending()
            next_batch = consumer.next_batch
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
        from llmsdk._structured.replies import partial_objects
        return partial_objects(self)

    def __aiter__(self) -> AsyncIterator[_Event]:
        """``async for event in stream`` (ASGI views): the same worker thread, awaited
        without blocking the event loop. See ``llmsdk._engine.aio`` (imported on first use:
        asyncio costs a blocking program ~20 ms it does not need)."""
        from llmsdk._engine.aio import aiter_events

        return aiter_events(self._consumer, self.close)

    def atext_stream(self) -> AsyncIterator[str]:
        """The async variant of ``text_stream()``."""
        from llmsdk._engine.aio import aiter_events, atext_stream

        return atext_stream(aiter_events(self._consumer, self.close))

    def final_response(self) -> LLMResponse:
        """Consume what is left and return the whole reply."""
        consumer = self._consumer
        try:
            consumer.rest_of_pending()
            while consumer.next_batch() is not None:
                pass
        finally:
            self.close()
        final = self._channel.final
        if final is None:
            raise StreamCancelledError("the stream was closed before it finished",
                                       partial_response=self._channel.partial_response())
        return final

    def partial_response(self) -> LLMResponse:
        """The reply as far as it has arrived (events already queued included)."""
        return self._channel.partial_response()

    # -- lifecycle -----------------------------------------------------------------------

    def close(self) -> None:
        """Stop the worker and release the connection. Safe from any thread, idempotent."""
        self._finalizer()

    @property
    def closed(self) -> bool:
        return not self._finalizer.alive or self._channel.done.is_set()

    def __enter__(self) -> "EventStream":
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        status = "closed" if self.closed else "open"
        return f"<EventStream {self._channel.provider} {status} request_id={self.request_id!r}>"


present_as_public(globals(), "EventStream")
