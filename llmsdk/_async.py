"""``async for`` over an ``EventStream``, for ASGI servers (Django, Starlette) that would
otherwise buffer a synchronous iterator.

No second HTTP stack and no event loop of our own: the same worker thread reads the
response and fills the same queue. The consumer takes what is already queued without
blocking, and only when the queue is empty waits for the next batch in the running
loop's default executor (``loop.run_in_executor``) — one hop per network read, not per
event. Cancelling the consuming task, or leaving ``async for`` early, closes the stream,
which also wakes the executor thread that was waiting.
"""

from __future__ import annotations

import asyncio
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
                batch = await loop.run_in_executor(None, stream._next_batch)
            if batch is None:
                return
            for event in batch:
                yield event
    finally:
        stream.close()


async def atext_stream(stream: "EventStream") -> AsyncGenerator[str, None]:
    """Only the text deltas, e.g. for an ASGI ``StreamingHttpResponse``."""
    events = aiter_events(stream)
    try:
        async for event in events:
            if type(event) is PartialContent and type(event.content) is TextContent:
                yield event.content.text
    finally:
        await events.aclose()
