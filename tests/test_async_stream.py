"""``async for`` over EventStream and ``atext_stream()``: bridged from the same worker
thread, never blocking the event loop, closed on cancel or early exit."""

from __future__ import annotations

import asyncio
import threading
from typing import Any, List

import pytest

from llmsdk import LLMEvent, TextContent
from llmsdk.errors import OverloadedError, ProviderStreamError
from llmsdk.testing import FakeProviderServer, Pause, ScriptedReply, Stall
from llmsdk.testing import anthropic as A

from .conftest import gated_sse, simple_request, stream_threads, wait_until


def slow_reply(words: int, pause: float = 0.02, stall: bool = False) -> ScriptedReply:
    body: List[Any] = [A.message_start(),
                       A.event("content_block_start", index=0, content_block={"type": "text", "text": ""})]
    for i in range(words):
        body.append(A.event("content_block_delta", index=0, delta={"type": "text_delta", "text": f"w{i} "}))
        body.append(Pause(pause))
    if stall:
        body.append(Stall(20))
    body.append(A.event("content_block_stop", index=0))
    body.extend(A.message_end())
    return ScriptedReply.sse(body)


def test_async_for_gives_the_same_events_as_sync(server: FakeProviderServer, anthropic_client: Any) -> None:
    server.add_reply(A.text_reply("Hello async world", chunk=3), A.text_reply("Hello async world", chunk=3))
    client = anthropic_client()
    expected = list(client.send(simple_request()))

    async def consume() -> List[Any]:
        return [event async for event in client.send(simple_request())]

    events = asyncio.run(consume())
    assert events == expected
    assert isinstance(events[-1], LLMEvent.Stop)
    assert wait_until(lambda: not stream_threads())


def test_atext_stream(server: FakeProviderServer, anthropic_client: Any) -> None:
    server.add_reply(A.text_reply("Hello async world", chunk=3))
    client = anthropic_client()

    async def consume() -> str:
        return "".join([t async for t in client.send(simple_request()).atext_stream()])

    assert asyncio.run(consume()) == "Hello async world"


def test_events_left_by_recv_come_first(server: FakeProviderServer, anthropic_client: Any) -> None:
    server.add_reply(A.text_reply("abcdefgh", chunk=2))
    stream = anthropic_client().send(simple_request())
    first = stream.recv(timeout=10)

    async def rest() -> List[Any]:
        return [e async for e in stream]

    events = [first, *asyncio.run(rest())]
    text = "".join(e.content.text for e in events
                   if isinstance(e, LLMEvent.PartialContent) and isinstance(e.content, TextContent))
    assert text == "abcdefgh"


def test_the_event_loop_keeps_running_while_waiting(server: FakeProviderServer, anthropic_client: Any,
                                                   gate: threading.Event) -> None:
    """While ``async for`` waits for the next event, other tasks run: here the task that
    lets the server send that event. A loop blocked in the wait could never run it."""
    delta = [A.event("content_block_delta", index=0, delta={"type": "text_delta", "text": f"w{i} "}) for i in (0, 1)]
    reply = gated_sse([A.message_start(), *A.text_block(0, "")[:1], delta[0], gate, delta[1],
                       *A.text_block(0, "")[-1:], *A.message_end()])
    server.add_reply(reply)
    client = anthropic_client()

    async def main() -> List[str]:
        first = asyncio.Event()

        async def open_the_gate() -> None:
            await first.wait()
            for _ in range(10):  # ten turns of the loop while the consumer waits for w1
                await asyncio.sleep(0)
            gate.set()

        opener = asyncio.ensure_future(open_the_gate())
        texts = []
        async for text in client.send(simple_request()).atext_stream():
            texts.append(text)
            first.set()
        await opener
        return texts

    assert asyncio.run(asyncio.wait_for(main(), 60)) == ["w0 ", "w1 "]
    assert reply.body.opened == [True]  # opened by the task, not by the gate's timeout


def test_errors_are_raised_after_the_events_before_them(server: FakeProviderServer, anthropic_client: Any) -> None:
    server.add_reply(A.stream_error_reply("overloaded_error", "Overloaded", text_before="partial "))
    client = anthropic_client(max_retries=0)

    async def consume(seen: List[str]) -> None:
        async for text in client.send(simple_request()).atext_stream():
            seen.append(text)

    seen: List[str] = []
    with pytest.raises(ProviderStreamError) as info:
        asyncio.run(consume(seen))
    assert isinstance(info.value, OverloadedError)
    assert "".join(seen) == "partial "


def test_cancelling_the_task_closes_the_stream(server: FakeProviderServer, anthropic_client: Any) -> None:
    baseline = len(stream_threads())
    server.add_reply(slow_reply(2, stall=True))
    client = anthropic_client()
    stream = client.send(simple_request())

    async def main() -> None:
        got_one = asyncio.Event()

        async def consume() -> None:
            async for _ in stream.atext_stream():
                got_one.set()

        task = asyncio.ensure_future(consume())
        await asyncio.wait_for(got_one.wait(), 10)
        await asyncio.sleep(0)  # let it block on the stalled stream
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
    assert stream.closed or wait_until(lambda: stream.closed)
    assert wait_until(lambda: len(stream_threads()) <= baseline, timeout=10)


def test_breaking_out_closes_the_stream(server: FakeProviderServer, anthropic_client: Any) -> None:
    server.add_reply(slow_reply(2, stall=True))
    stream = anthropic_client().send(simple_request())

    async def main() -> str:
        async for text in stream.atext_stream():
            return text
        return ""

    assert asyncio.run(main()) == "w0 "
    assert wait_until(lambda: stream.closed, timeout=10)
    assert wait_until(lambda: not stream_threads(), timeout=10)


def test_no_event_loop_is_created_by_the_sdk(server: FakeProviderServer, anthropic_client: Any) -> None:
    server.add_reply(A.text_reply("sync"))
    client = anthropic_client()
    assert client.complete(simple_request()).text == "sync"
    with pytest.raises(RuntimeError):
        asyncio.get_running_loop()
    assert not any("asyncio" in t.name.lower() for t in threading.enumerate())
    assert wait_until(lambda: not stream_threads())


def test_many_async_streams_tie_up_no_executor_thread(server: FakeProviderServer, anthropic_client: Any) -> None:
    """Awaiting a batch is a future the worker resolves: the loop's executor is never used,
    so more concurrent streams than executor threads all make progress."""
    import concurrent.futures

    class NoExecutor(concurrent.futures.ThreadPoolExecutor):
        def submit(self, *args: Any, **kwargs: Any) -> Any:
            raise AssertionError("the default executor was used")

    client = anthropic_client()
    for _ in range(12):
        server.add_reply(slow_reply(10, pause=0.01))

    async def consume() -> str:
        return "".join([text async for text in client.send(simple_request()).atext_stream()])

    async def main() -> List[str]:
        asyncio.get_running_loop().set_default_executor(NoExecutor())
        return await asyncio.wait_for(asyncio.gather(*(consume() for _ in range(12))), timeout=30)

    texts = asyncio.run(main())
    assert texts == ["".join(f"w{i} " for i in range(10))] * 12


def test_async_content_idle_timeout(server: FakeProviderServer, anthropic_client: Any) -> None:
    from llmsdk import Timeouts
    from llmsdk.errors import ContentIdleTimeoutError

    server.add_reply(A.pings_only(count=50, interval=0.1))
    client = anthropic_client(timeouts=Timeouts(connect=5, read=5, content_idle=0.4))

    async def consume() -> None:
        async for _event in client.send(simple_request()):
            pass

    with pytest.raises(ContentIdleTimeoutError):
        asyncio.run(asyncio.wait_for(consume(), timeout=10))
