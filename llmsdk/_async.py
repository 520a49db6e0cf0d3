"""``async for`` over an ``EventStream``, for ASGI servers (Django, Starlette) that would
otherwise buffer a synchronous iterator.

No second HTTP stack and no event loop of our own: the same worker thread reads the
response and fills the same queue. The consumer takes what is already queued without
blocking; when the queue is empty it awaits a future that the worker resolves (through
``loop.call_soon_threadsafe``) right after its next put — one wake-up per network read,
not per event, and no thread waiting per stream, so a thousand idle streams cost the
event loop nothing (the loop's default executor has only a handful of threads).
Cancelling the consuming task, or leaving ``async for`` early, closes the stream.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, AsyncGenerator, List, Optional

from llmsdk.errors import LLMError
from llmsdk.events import PartialContent, _Event
from llmsdk.types import TextContent

if TYPE_CHECKING:  # pragma: no cover
    from llmsdk._worker import EventStream

__all__ = ["aiter_events", "atext_stream"]


def _ready_batch(stream: "EventStream") -> "tuple[bool, Optional[List[_Event]]]":
    """``(True, batch or None-at-end)`` if no wait is needed, else ``(False, None)``."""
    try:
        return True, stream._next_batch(timeout=0)
    except TimeoutError as exc:
        if isinstance(exc, LLMError):  # a content-idle or total timeout: the stream's own error
            raise
        return False, None


async def aiter_events(stream: "EventStream") -> AsyncGenerator[_Event, None]:
    """The stream's events, awaited without blocking the event loop."""
    loop = asyncio.get_running_loop()
    try:
        if stream._pos < len(stream._pending):
            rest = stream._pending[stream._pos:]
            stream._pending, stream._pos = [], 0
            for event in rest:
                yield event
        while True:
            ready, batch = _ready_batch(stream)
            if not ready:
                await _wait_for_put(stream, loop)
                continue  # the queue (or a deadline) has news: take it without blocking
            if batch is None:
                return
            for event in batch:
                yield event
    finally:
        stream.close()


async def _wait_for_put(stream: "EventStream", loop: asyncio.AbstractEventLoop) -> None:
    """Until the worker puts something, or the stream's nearest deadline passes."""
    state = stream._state
    woken = loop.create_future()

    def wake() -> None:  # runs on the worker thread
        try:
            loop.call_soon_threadsafe(_resolve, woken)
        except RuntimeError:  # the loop closed meanwhile: nobody is waiting any more
            pass

    state.waiter = wake
    try:
        if not state.queue.empty():  # a put that raced the registration
            return
        deadlines = [d for d in (stream._idle_deadline, stream._deadline) if d is not None]
        timeout = max(0.0, min(deadlines) - time.monotonic()) if deadlines else None
        try:
            await asyncio.wait_for(woken, timeout)
        except asyncio.TimeoutError:
            pass  # the next non-blocking look raises the stream's own timeout error
    finally:
        state.waiter = None


def _resolve(future: "asyncio.Future[None]") -> None:
    if not future.done():
        future.set_result(None)


async def atext_stream(stream: "EventStream") -> AsyncGenerator[str, None]:
    """Only the text deltas, e.g. for an ASGI ``StreamingHttpResponse``."""
    events = aiter_events(stream)
    try:
        async for event in events:
            if type(event) is PartialContent and type(event.content) is TextContent:
                yield event.content.text
    finally:
        await events.aclose()
