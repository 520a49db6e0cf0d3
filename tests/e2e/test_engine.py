"""The shared engine's guarantees, end to end over real HTTP (Anthropic dialect)."""

import gc
import logging
import threading
import time

import pytest

from llmsdk import LLMEvent, StopReason, TextContent, Timeouts
from llmsdk.errors import (
    ContentIdleTimeoutError, IncompleteStreamError, OverloadedError, ProviderStreamError, RateLimitError,
    ReadTimeoutError, StreamCancelledError, TotalTimeoutError,
)
from llmsdk.testing import Pause, ScriptedReply, Stall
from llmsdk.testing import anthropic as A
from tests.conftest import TEST_KEY, gated_sse, simple_request, stream_threads, wait_until, waiting


def long_reply(deltas: int = 400, pause: float = 0.01) -> ScriptedReply:
    """A stream that keeps going for a while (the server keeps streaming)."""
    body = [A.message_start(), *A.text_block(0, "")[:1]]
    for i in range(deltas):
        body += [A.event("content_block_delta", index=0, delta={"type": "text_delta", "text": f"w{i} "}),
                 Pause(pause)]
    return ScriptedReply.sse(body + A.text_block(0, "")[-1:] + A.message_end())


def held_reply(gate: threading.Event) -> ScriptedReply:
    """``w0`` at once, the rest (and the end) only once ``gate`` opens: a stream that only
    ``close()`` can end early."""
    delta = A.event("content_block_delta", index=0, delta={"type": "text_delta", "text": "w0 "})
    return gated_sse([A.message_start(), *A.text_block(0, "")[:1], delta, gate, *A.text_block(0, "")[-1:],
                      *A.message_end()])


def test_truncation_raises_incomplete_with_partial_response(server, anthropic_client):
    full = A.text_reply("Hello there, this gets cut", chunk=5)
    cut = full.body_bytes().index(b"message_delta")
    server.add_reply(full.truncated(cut))
    stream = anthropic_client().send(simple_request())
    seen = []
    with pytest.raises(IncompleteStreamError) as info:
        for event in stream:
            seen.append(event)
    assert "".join(e.content.text for e in seen if isinstance(e, LLMEvent.PartialContent)) == \
        "Hello there, this gets cut"
    partial = info.value.partial_response
    assert partial.text == "Hello there, this gets cut" and partial.id == "msg_01Fake"
    assert partial.stop_reason is None and partial.usage.input_tokens == 25


def test_truncation_mid_event_is_incomplete_not_malformed(server, anthropic_client):
    full = A.text_reply("Hello there", chunk=5)
    cut = full.body_bytes().index(b'"text":" ther') + 5
    server.add_reply(full.truncated(cut))
    with pytest.raises(IncompleteStreamError) as info:
        anthropic_client().complete(simple_request())
    assert info.value.partial_response.text == "Hello"


def test_stall_ends_with_read_timeout(server, anthropic_client):
    server.add_reply(ScriptedReply.sse([A.message_start(), *A.text_block(0, "hi")[:2], Stall(30)]))
    client = anthropic_client(timeouts=Timeouts(connect=5, read=0.5))
    started = time.monotonic()
    with pytest.raises(ReadTimeoutError) as info:
        client.complete(simple_request())
    assert time.monotonic() - started < 15  # the read timeout ended it, not the 30 s stall
    assert info.value.partial_response.text == "hi"


def test_429_with_retry_after_then_success(server, anthropic_client):
    server.add_reply(A.error_reply(429, "rate_limit_error", "slow", headers={"retry-after": "1"}),
                     A.text_reply("made it"))
    started = time.monotonic()
    assert anthropic_client().complete(simple_request()).text == "made it"
    # A floor a slow machine cannot break (load only adds time): the retry waited the 1 s
    # the server asked for (0.1 s allowed for timer rounding).
    assert time.monotonic() - started >= 0.9 and len(server.requests) == 2


def test_connection_refused_is_retried_then_raised(anthropic_client):
    from llmsdk import HttpClientOptions, LLMClient
    from llmsdk.errors import ConnectionFailedError

    import socket
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    opts = HttpClientOptions.new_anthropic("k", api_base=f"http://127.0.0.1:{port}", max_retries=1,
                                           timeouts=Timeouts(connect=1, read=1))
    with pytest.raises(ConnectionFailedError):
        LLMClient.new_anthropic(opts).send(simple_request())


def test_close_mid_stream_stops_worker(server, anthropic_client, gate):
    baseline = len(stream_threads())
    server.add_reply(held_reply(gate))
    stream = anthropic_client().send(simple_request())
    assert stream.recv(timeout=10) == LLMEvent.PartialContent(0, TextContent("w0 "))
    stream.close()
    assert wait_until(lambda: len(stream_threads()) == baseline, timeout=10)
    with pytest.raises(StreamCancelledError) as info:
        stream.recv(timeout=1)
    assert info.value.partial_response.text == "w0 "


def test_close_from_another_thread_wakes_the_consumer(server, anthropic_client):
    server.add_reply(ScriptedReply.sse([A.message_start(), *A.text_block(0, "x")[:2], Stall(30)]))
    stream = anthropic_client().send(simple_request())
    assert stream.recv(timeout=10) == LLMEvent.PartialContent(0, TextContent("x"))
    consumer = threading.current_thread()
    saw_it_waiting: list = []

    def close_once_the_consumer_waits() -> None:
        saw_it_waiting.append(wait_until(lambda: waiting(consumer), timeout=10))
        stream.close()

    closer = threading.Thread(target=close_once_the_consumer_waits)
    closer.start()
    with pytest.raises(StreamCancelledError):
        stream.recv(timeout=20)  # nothing else comes for 30 s: only close() ends the wait
    closer.join(10)
    assert saw_it_waiting == [True]


def test_abandoned_streams_are_cleaned_up(server, anthropic_client, gate):
    baseline = len(stream_threads())
    client = anthropic_client()
    for _ in range(200):
        server.add_reply(held_reply(gate))  # each would stay open until the test ends
    for i in range(200):
        stream = client.send(simple_request())
        if i % 2:
            for _event in stream:  # half-read, then break: iteration closes
                break
        else:
            stream.recv(timeout=10)  # half-read, then dropped: the finalizer closes
        del stream
    gc.collect()
    assert wait_until(lambda: len(stream_threads()) == baseline, timeout=20), len(stream_threads())


def test_dropped_stream_is_closed_by_gc(server, anthropic_client, gate):
    baseline = len(stream_threads())
    server.add_reply(held_reply(gate))
    stream = anthropic_client().send(simple_request())
    assert stream.recv(timeout=10) == LLMEvent.PartialContent(0, TextContent("w0 "))
    del stream
    gc.collect()
    assert wait_until(lambda: len(stream_threads()) == baseline, timeout=10)


def test_32_threads_share_one_client(server, anthropic_client):
    client = anthropic_client()
    for i in range(32):
        server.add_reply(A.text_reply("reply", input_tokens=10 + i, output_tokens=1))
    results, errors = [], []

    def worker():
        try:
            results.append(client.complete(simple_request()))
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(32)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not [t for t in threads if t.is_alive()]
    assert not errors and len(results) == 32 and all(r.text == "reply" for r in results)
    total = sum((r.usage for r in results), start=type(results[0].usage)())
    assert client.get_usage() == total and total.input_tokens == sum(range(10, 42))


def test_64_threads_no_pool_full_warning(server, anthropic_client, caplog):
    client = anthropic_client()
    for _ in range(128):
        server.add_reply(A.text_reply("r", chunk=1).with_pauses(0.002))
    barrier = threading.Barrier(64)
    errors, texts = [], []

    def worker():
        try:
            barrier.wait(30)
            for _ in range(2):
                texts.append(client.complete(simple_request()).text)
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    with caplog.at_level(logging.WARNING, logger="urllib3"):
        threads = [threading.Thread(target=worker) for _ in range(64)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
    assert not [t for t in threads if t.is_alive()]
    assert not errors and texts == ["r"] * 128 and len(server.requests) == 128
    assert "Connection pool is full" not in caplog.text


def test_content_idle_timeout_ignores_pings(server, anthropic_client):
    server.add_reply(A.pings_only(count=150, interval=0.2))  # 30 s of pings, never any content
    client = anthropic_client(timeouts=Timeouts(connect=5, read=5, content_idle=0.6))
    started = time.monotonic()
    with pytest.raises(ContentIdleTimeoutError):
        client.complete(simple_request())
    assert time.monotonic() - started < 15


def test_total_deadline(server, anthropic_client):
    server.add_reply(long_reply(deltas=1500, pause=0.02))  # 30 s of content: only total can end it
    client = anthropic_client(timeouts=Timeouts(connect=5, read=5, total=2))
    stream = client.send(simple_request())
    seen = []
    with pytest.raises(TotalTimeoutError) as info:
        for event in stream:
            seen.append(event)
    text = "".join(e.content.text for e in seen if isinstance(e, LLMEvent.PartialContent))
    # All that arrived is kept: what the loop saw, and a delta the worker had parsed but not
    # yet handed over when the deadline passed (billed too, so the error says so), never less.
    partial = info.value.partial_response.text
    assert text.startswith("w0 ") and partial.startswith(text)


def test_overloaded_before_content_is_retried(server, anthropic_client):
    server.add_reply(A.stream_error_reply("overloaded_error"), A.text_reply("second time lucky"))
    resp = anthropic_client().complete(simple_request())
    assert resp.text == "second time lucky" and len(server.requests) == 2


def test_overloaded_after_content_raises_with_partial(server, anthropic_client):
    server.add_reply(A.stream_error_reply("overloaded_error", text_before="Partial answ"))
    stream = anthropic_client().send(simple_request())
    seen = []
    with pytest.raises(OverloadedError) as info:
        for event in stream:
            seen.append(event)
    assert isinstance(info.value, ProviderStreamError)
    assert info.value.partial_response.text == "Partial answ"
    assert "".join(e.content.text for e in seen) == "Partial answ" and len(server.requests) == 1


def test_mid_stream_rate_limit_is_a_rate_limit_error(server, anthropic_client):
    server.add_reply(A.stream_error_reply("rate_limit_error", "slow", text_before="x"))
    with pytest.raises(RateLimitError):
        anthropic_client().complete(simple_request())


@pytest.mark.parametrize("framing", ["chunked", "close"])
def test_first_event_arrives_before_the_body_ends(server, anthropic_client, framing):
    """The server sends one event, then holds the connection open: the event must arrive."""
    body = [A.message_start(), *A.text_block(0, "first")[:2], Stall(30)]
    server.add_reply(ScriptedReply.sse(body, framing=framing))
    with anthropic_client().send(simple_request()) as stream:
        assert stream.recv(timeout=10) == LLMEvent.PartialContent(0, TextContent("first"))


def test_events_are_not_held_behind_a_half_arrived_event(server, anthropic_client):
    """Bytes of the next event are in, the rest is not: the complete ones must arrive."""
    start, delta = A.message_start(), A.text_block(0, "first")[1]
    later = A.text_block(0, "second")[1]
    body = [start + A.text_block(0, "first")[0] + delta + later[: len(later) // 2], Stall(30)]
    server.add_reply(ScriptedReply.sse(body, framing="close"))
    with anthropic_client().send(simple_request()) as stream:
        assert stream.recv(timeout=10) == LLMEvent.PartialContent(0, TextContent("first"))


def test_close_delimited_body_completes(server, anthropic_client):
    server.add_reply(A.text_reply("closing body", framing="close"))
    resp = anthropic_client().complete(simple_request())
    assert resp.text == "closing body" and resp.stop_reason is StopReason.END_TURN


def test_split_writes_at_every_boundary_class(server, anthropic_client):
    reply = A.text_reply("Grüße 🌍 done", chunk=2)
    raw = reply.body_bytes()
    emoji = raw.index("🌍".encode())
    server.add_reply(reply.split(at=[emoji + 1, emoji + 2, raw.index(b"\n\n") + 1]))
    assert anthropic_client().complete(simple_request()).text == "Grüße 🌍 done"


def test_key_never_in_debug_logs(server, anthropic_client, caplog):
    server.add_reply(A.error_reply(500, "api_error", f"echo {TEST_KEY}"), A.text_reply("ok"))
    with caplog.at_level(logging.DEBUG):
        client = anthropic_client()
        client.complete(simple_request())
        logging.getLogger("llmsdk").debug("%r %s", client, client.get_config())
    assert TEST_KEY not in caplog.text
    assert "retry" in caplog.text.lower()


def test_usage_of_a_failed_stream_is_still_counted(server, anthropic_client):
    """Tokens the provider billed before a mid-stream error count in the client's totals."""
    server.add_reply(A.stream_error_reply("overloaded_error", text_before="Partial"))
    client = anthropic_client()
    with pytest.raises(OverloadedError) as info:
        client.complete(simple_request())
    assert info.value.partial_response.usage.input_tokens == 25
    assert client.get_usage().input_tokens == 25
