"""Cancelling the task that consumes a stream with ``async for`` closes the stream, even
when the worker's wake-up lands in the same event-loop turn as the cancellation.

That is what an ASGI server does when the browser goes away (Django cancels the response
task), and the chat-page browser tests caught it failing about once in a hundred stops:
on Python < 3.12, ``asyncio.wait_for`` with a timeout (the stream's ``content_idle``
deadline, on by default) returns normally instead of raising ``CancelledError`` when the
awaited future completes in that same turn (fixed in 3.12 by its rewrite), so
``llmsdk._engine.aio`` lost the cancellation and the upstream stream ran to its end, billed.
It now waits with ``asyncio.wait((woken,), timeout=...)``, which never swallows one.
"""

from __future__ import annotations

import asyncio
import threading

from llmsdk._engine.aio import aiter_events
from llmsdk._engine.channel import StreamChannel
from llmsdk._engine.consumer import Consumer
from llmsdk.events import PartialContent
from llmsdk.types import TextContent


def test_a_cancel_in_the_same_turn_as_a_wake_up_still_closes_the_stream() -> None:
    channel = StreamChannel("anthropic")
    closed = threading.Event()

    async def main() -> bool:
        async def consume() -> None:
            async for _ in aiter_events(Consumer(channel, content_idle=600), closed.set):  # the default idle limit
                pass

        task = asyncio.create_task(consume())
        for _ in range(100):  # until the consumer waits for the worker's next put
            if channel.waiter is not None:
                break
            await asyncio.sleep(0)
        assert channel.waiter is not None
        channel.deliver([PartialContent(0, TextContent("hi"))])  # the worker's put: wakes the consumer...
        task.cancel()  # ...in the same turn as the disconnect's cancel
        done, _ = await asyncio.wait({task}, timeout=2)
        if not done:  # the cancellation was lost: stop the test's own task
            channel.close()
            await asyncio.wait({task}, timeout=2)
        return bool(done) and task.cancelled()

    assert asyncio.run(main()), "the cancellation was swallowed: the stream kept going"
    assert closed.is_set()
