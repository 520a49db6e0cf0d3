"""``async for`` over a stream, for ASGI servers (Django, Starlette) that would otherwise
buffer a synchronous iterator.

No second HTTP stack and no event loop of our own: the same worker thread reads the
response and fills the same queue, read through the same ``Consumer`` as the blocking
iterator. It takes what is already queued without blocking; when the queue is empty it
awaits a future that the worker resolves (through ``loop.call_soon_threadsafe``) right
after its next put — one wake-up per network read, not per event, and no thread waiting
per stream, so a thousand idle streams cost the event loop nothing. Cancelling the
consuming task, or leaving ``async for`` early, closes the stream (``close``).
"""

from __future__ import annotations

import asyncio
import contextvars
import itertools
import threading
import time
from typing import Any, AsyncGenerator, Callable, TypeVar

from llmsdk._engine.consumer import Consumer
from llmsdk.events import PartialContent, _Event
from llmsdk.types import TextContent

__all__ = ["aiter_events", "aopen", "atext_stream"]

T = TypeVar("T")
_open_numbers = itertools.count(1)


async def aiter_events(consumer: Consumer, close: Callable[[], None]) -> AsyncGenerator[_Event, None]:
    """The stream's events, awaited without blocking the event loop; ``close`` runs at the end."""
    loop = asyncio.get_running_loop()
    try:
        for event in consumer.rest_of_pending():
            yield event
        while True:
            ready, batch = consumer.try_batch()
            if not ready:
                await _wait_for_put(consumer, loop)
                continue  # the queue (or a deadline) has news: take it without blocking
            if batch is None:
                return
            for event in batch:
                yield event
    finally:
        close()


async def _wait_for_put(consumer: Consumer, loop: asyncio.AbstractEventLoop) -> None:
    """Until the worker puts something, or the stream's nearest deadline passes."""
    channel = consumer.channel
    woken = loop.create_future()

    def wake() -> None:  # runs on the worker thread
        try:
            loop.call_soon_threadsafe(_resolve, woken)
        except RuntimeError:  # the loop closed meanwhile: nobody is waiting any more
            pass

    channel.waiter = wake
    try:
        if not channel.queue.empty():  # a put that raced the registration
            return
        deadline = consumer.next_deadline()
        timeout = max(0.0, deadline - time.monotonic()) if deadline is not None else None
        # asyncio.wait, not wait_for: on Python < 3.12, wait_for swallows a cancellation
        # that lands in the turn the future resolves (an ASGI disconnect then goes unseen
        # and the upstream stream is read, and billed, to its end). A timeout just returns:
        # the next non-blocking look raises the stream's own timeout error.
        await asyncio.wait((woken,), timeout=timeout)
    finally:
        channel.waiter = None


def _resolve(future: "asyncio.Future[None]") -> None:
    if not future.done():
        future.set_result(None)


async def atext_stream(events: AsyncGenerator[_Event, None]) -> AsyncGenerator[str, None]:
    """Only the text deltas of ``events``, e.g. for an ASGI ``StreamingHttpResponse``."""
    try:
        async for event in events:
            if type(event) is PartialContent and type(event.content) is TextContent:
                yield event.content.text
    finally:
        await events.aclose()


async def aopen(open_stream: Callable[[], T]) -> T:
    """``open_stream()`` (the POST, the wait for headers, every retry backoff) run on a
    thread of its own and awaited, so the event loop never blocks (``client.asend``).
    A dedicated thread, not the loop's default executor: a few hundred concurrent opens
    must not queue behind its handful of workers. If the awaiting task is cancelled, the
    stream is closed as soon as it has opened. It runs in a copy of the awaiting task's
    context, so what lives in context variables there (the caller's current span) is
    current on that thread too."""
    loop = asyncio.get_running_loop()
    context = contextvars.copy_context()
    future: "asyncio.Future[T]" = loop.create_future()

    def settle(ok: bool, value: Any) -> None:
        if future.cancelled():
            if ok:
                getattr(value, "close", lambda: None)()  # nobody will read it
            return
        if ok:
            future.set_result(value)
        else:
            future.set_exception(value)

    def run() -> None:
        try:
            result: Any = context.run(open_stream)
            ok = True
        except BaseException as exc:  # noqa: BLE001 - handed to the awaiting task
            result, ok = exc, False
        try:
            loop.call_soon_threadsafe(settle, ok, result)
        except RuntimeError:  # the loop is gone
            if ok:
                getattr(result, "close", lambda: None)()

    threading.Thread(target=run, name=f"llmsdk-open-{next(_open_numbers)}", daemon=True).start()
    return await future
