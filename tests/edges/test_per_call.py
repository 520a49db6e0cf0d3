"""Per-call options (``client.with_options``), ``LLMResponse.request_id``, and
``await client.asend(request)`` that never blocks the event loop."""

from __future__ import annotations

import asyncio
import threading

import pytest

from llmsdk import Timeouts
from llmsdk.errors import OverloadedError
from llmsdk.testing import anthropic as A

from ..conftest import simple_request


def test_with_options_overrides_per_call_and_shares_pool_and_totals(anthropic_client, server) -> None:
    server.add_reply(A.text_reply("one"), A.error_reply(529, "busy"), A.text_reply("three"))
    client = anthropic_client(extra_headers={"X-Team": "search"})
    assert client.complete(simple_request()).text == "one"
    strict = client.with_options(max_retries=0, timeouts=Timeouts(connect=1, read=5),
                                 extra_headers={"X-Trace": "t-1"})
    with pytest.raises(OverloadedError):
        strict.complete(simple_request())  # no retry: the 529 is raised at once
    assert strict.complete(simple_request()).text == "three"
    assert len(server.requests) == 3
    sent = server.requests[2].headers
    assert sent["x-team"] == "search" and sent["x-trace"] == "t-1"
    assert "x-trace" not in server.requests[0].headers
    assert strict.get_config().timeouts == Timeouts(connect=1, read=5) and strict.get_config().max_retries == 0
    assert client.get_config().max_retries == 2  # the original is unchanged
    assert client.get_usage() == strict.get_usage() and client.get_usage().input_tokens == 50
    assert strict._engine.session is client._engine.session  # one pool


def test_a_finished_response_carries_the_request_id(anthropic_client, server) -> None:
    server.add_reply(A.text_reply("hi", headers={"request-id": "req_abc123"}))
    response = anthropic_client().complete(simple_request())
    assert response.request_id == "req_abc123"
    assert response.to_dict()["request_id"] == "req_abc123"


def test_asend_does_not_block_the_event_loop(anthropic_client, server) -> None:
    """The server holds its answer until a coroutine on the loop runs: if opening the
    stream blocked the loop, that coroutine could not run and the reply would never come."""
    loop_ran = threading.Event()

    def held(request):  # type: ignore[no-untyped-def]
        assert loop_ran.wait(10), "the event loop was blocked while the stream opened"
        return A.text_reply("async hello")

    server.route("/v1/messages", held)
    client = anthropic_client()

    async def main() -> str:
        opening = asyncio.ensure_future(client.asend(simple_request()))
        await asyncio.sleep(0)
        loop_ran.set()  # runs only if the loop is free while the POST waits
        stream = await opening
        return "".join([text async for text in stream.atext_stream()])

    assert asyncio.run(main()) == "async hello"


def test_cancelling_asend_closes_the_stream_once_it_opens(anthropic_client, server) -> None:
    from ..conftest import stream_threads, wait_until

    held = threading.Event()
    arrived = threading.Event()

    def slow(request):  # type: ignore[no-untyped-def]
        arrived.set()
        held.wait(10)
        return A.text_reply("nobody reads this " * 50, chunk=4).with_pauses(0.01)

    server.route("/v1/messages", slow)
    client = anthropic_client()
    baseline = len(stream_threads())

    async def main() -> None:
        task = asyncio.ensure_future(client.asend(simple_request()))
        for _ in range(1000):  # bounded: the POST reaches the server in well under 10 s
            if arrived.is_set():
                break
            await asyncio.sleep(0.01)
        assert arrived.is_set()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    try:
        asyncio.run(main())
    finally:
        held.set()
    assert server.wait_for_disconnect(1, timeout=10)  # the opened stream was closed, not read to its end
    assert wait_until(lambda: len(stream_threads()) <= baseline)
