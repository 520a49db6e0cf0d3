"""``RoutedStream``: what ``Router.send`` returns — the answering deployment's
``EventStream`` with its first event already in hand (the router waited for it: until
then it could still ask another deployment), reporting how the call ended to the router
(usage for the ledger, the deployment's in-flight count and breaker).

It is an ``EventStream`` (code typed for one takes it) that wraps the deployment's stream
instead of owning a channel: every reading method delegates to that stream, so only the
end is watched here; ``text_stream`` and ``partial_objects`` are inherited (they read
``self``).
"""

from __future__ import annotations

import threading
import weakref
from typing import AsyncIterator, Callable, Iterator, Optional

from llmsdk._engine.stream import EventStream
from llmsdk.errors import LLMError
from llmsdk.events import PartialContent, Stop, _Event
from llmsdk.types import LLMResponse, TextContent

__all__ = ["RoutedStream"]

#: ``on_end(response, error)``: the whole reply (or, after ``close()``, what arrived) and
#: the error the stream ended with, if any. Called once.
OnEnd = Callable[[Optional[LLMResponse], Optional[LLMError]], None]


class _Ending:
    """Runs ``on_end`` once, whoever notices the end first (the stream, or its finalizer
    when the caller dropped it unfinished)."""

    __slots__ = ("inner", "on_end", "lock", "ended")

    def __init__(self, inner: EventStream, on_end: OnEnd) -> None:
        self.inner = inner
        self.on_end = on_end
        self.lock = threading.Lock()
        self.ended = False

    def __call__(self, response: Optional[LLMResponse], error: Optional[LLMError]) -> None:
        with self.lock:
            if self.ended:
                return
            self.ended = True
        self.on_end(response, error)

    def abandon(self) -> None:
        """Closed (or dropped) before the end: what arrived is what was used."""
        if self.ended:
            return
        self.inner.close()
        self(self.inner.partial_response(), None)


class RoutedStream(EventStream):
    """A blocking iterator over one routed reply's events (see ``EventStream``).
    ``deployment`` names the deployment answering."""

    def __init__(self, inner: EventStream, first: _Event, deployment: str, on_end: OnEnd) -> None:
        # No EventStream.__init__: the channel and its consumer are the inner stream's.
        self._inner = inner
        self._first: Optional[_Event] = first
        self.deployment = deployment
        self.request_id = inner.request_id
        self.rate_limit = inner.rate_limit
        self.response_headers = inner.response_headers
        self._ending = _Ending(inner, on_end)
        self._finalizer = weakref.finalize(self, self._ending.abandon)
        if type(first) is Stop:  # an empty reply: already over
            self._finish()

    def _finish(self) -> LLMResponse:
        """The stream reached its end cleanly: settle with the whole reply."""
        try:
            final = self._inner.final_response()
        except LLMError as exc:
            self._ending(exc.partial_response, exc)
            raise
        self._ending(final, None)
        return final

    def _take_first(self) -> Optional[_Event]:
        first, self._first = self._first, None
        return first

    # -- consuming ----------------------------------------------------------------------

    def recv(self, timeout: Optional[float] = None) -> Optional[_Event]:
        """The next event, or ``None`` once the stream has ended (see ``EventStream.recv``)."""
        first = self._take_first()
        if first is not None:
            return first
        try:
            event = self._inner.recv(timeout)
        except LLMError as exc:
            self._ending(exc.partial_response, exc)
            raise
        if event is None or type(event) is Stop:
            self._finish()
        return event

    def __iter__(self) -> Iterator[_Event]:
        try:
            first = self._take_first()
            if first is not None:
                yield first
            try:
                yield from self._inner
            except LLMError as exc:
                self._ending(exc.partial_response, exc)
                raise
            self._finish()
        finally:
            self.close()

    async def __aiter__(self) -> AsyncIterator[_Event]:
        try:
            first = self._take_first()
            if first is not None:
                yield first
            try:
                async for event in self._inner:
                    yield event
            except LLMError as exc:
                self._ending(exc.partial_response, exc)
                raise
            self._finish()
        finally:
            self.close()

    async def atext_stream(self) -> AsyncIterator[str]:
        async for event in self:
            if type(event) is PartialContent and type(event.content) is TextContent:
                yield event.content.text

    def final_response(self) -> LLMResponse:
        """Consume what is left and return the whole reply."""
        self._first = None  # already in the reply the inner stream accumulates
        try:
            return self._finish()
        finally:
            self.close()

    def partial_response(self) -> LLMResponse:
        return self._inner.partial_response()

    # -- lifecycle -----------------------------------------------------------------------

    def close(self) -> None:
        """Stop the deployment's stream and release it. Safe from any thread, idempotent."""
        self._finalizer()

    def __enter__(self) -> "RoutedStream":
        return self

    @property
    def closed(self) -> bool:
        return self._inner.closed

    def __repr__(self) -> str:
        status = "closed" if self.closed else "open"
        return f"<RoutedStream {self.deployment} {status} request_id={self.request_id!r}>"
