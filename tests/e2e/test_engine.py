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
from tests.conftest import TEST_KEY, simple_request, stream_threads, wait_until


def long_reply(deltas: int = 400, pause: float = 0.01) -> ScriptedReply:
    """A stream that keeps going for a while (the server keeps streaming)."""
    body = [A.message_start(), *A.text_block(0, "")[:1]]
    for i in range(deltas):
        body += [A.event("content_block_delta", index=0, delta={"type": "text_delta", "text": f"w{i} "}),
                 Pause(pause)]
    return ScriptedReply.sse(body + A.text_block(0, "")[-1:] + A.message_end())


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
    server.add_reply(ScriptedReply.sse([A.message_start(), *A.text_block(0, "hi")[:2], Stall(10)]))
    client = anthropic_client(timeouts=Timeouts(connect=5, read=0.5))
    started = time.monotonic()
    with pytest.raises(ReadTimeoutError) as info:
        client.complete(simple_request())
    assert time.monotonic() - started < 5
    assert info.value.partial_response.text == "hi"


def test_429_with_retry_after_then_success(server, anthropic_client):
    server.add_reply(A.error_reply(429, "rate_limit_error", "slow", headers={"retry-after": "1"}),
                     A.text_reply("made it"))
    started = time.monotonic()
    assert anthropic_client().complete(simple_request()).text == "made it"
    elapsed = time.monotonic() - started
    assert 0.9 <= elapsed < 5 and len(server.requests) == 2


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


def test_close_mid_stream_stops_worker(server, anthropic_client):
    baseline = len(stream_threads())
    server.add_reply(long_reply())
    stream = anthropic_client().send(simple_request())
    assert isinstance(stream.recv(timeout=5), LLMEvent.PartialContent)
    stream.close()
    assert wait_until(lambda: len(stream_threads()) == baseline, timeout=1.0)
    with pytest.raises(StreamCancelledError) as info:
        stream.recv(timeout=1)
    assert info.value.partial_response.text.startswith("w0")


def test_close_from_another_thread_wakes_the_consumer(server, anthropic_client):
    server.add_reply(ScriptedReply.sse([A.message_start(), *A.text_block(0, "x")[:2], Stall(10)]))
    stream = anthropic_client().send(simple_request())
    assert stream.recv(timeout=5) is not None
    closer = threading.Timer(0.1, stream.close)
    closer.start()
    with pytest.raises(StreamCancelledError):
        stream.recv(timeout=5)
    closer.join()


def test_abandoned_streams_are_cleaned_up(server, anthropic_client):
    baseline = len(stream_threads())
    client = anthropic_client()
    for _ in range(200):
        server.add_reply(long_reply(deltas=50, pause=0.02))
    for i in range(200):
        stream = client.send(simple_request())
        if i % 2:
            for _event in stream:  # half-read, then break: iteration closes
                break
        else:
            stream.recv(timeout=5)  # half-read, then dropped: the finalizer closes
        del stream
    gc.collect()
    assert wait_until(lambda: len(stream_threads()) == baseline, timeout=10.0), len(stream_threads())


def test_dropped_stream_is_closed_by_gc(server, anthropic_client):
    baseline = len(stream_threads())
    server.add_reply(long_reply())
    stream = anthropic_client().send(simple_request())
    stream.recv(timeout=5)
    del stream
    gc.collect()
    assert wait_until(lambda: len(stream_threads()) == baseline, timeout=2.0)


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
        t.join(30)
    assert not errors and len(results) == 32 and all(r.text == "reply" for r in results)
    total = sum((r.usage for r in results), start=type(results[0].usage)())
    assert client.get_usage() == total and total.input_tokens == sum(range(10, 42))


def test_64_threads_no_pool_full_warning(server, anthropic_client, caplog):
    client = anthropic_client()
    for _ in range(128):
        server.add_reply(A.text_reply("r", chunk=1).with_pauses(0.002))
    barrier = threading.Barrier(64)
    errors = []

    def worker():
        barrier.wait(10)
        try:
            for _ in range(2):
                assert client.complete(simple_request()).text == "r"
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    with caplog.at_level(logging.WARNING, logger="urllib3"):
        threads = [threading.Thread(target=worker) for _ in range(64)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    assert not errors
    assert "Connection pool is full" not in caplog.text


def test_content_idle_timeout_ignores_pings(server, anthropic_client):
    server.add_reply(A.pings_only(count=50, interval=0.2))
    client = anthropic_client(timeouts=Timeouts(connect=5, read=5, content_idle=0.6))
    started = time.monotonic()
    with pytest.raises(ContentIdleTimeoutError):
        client.complete(simple_request())
    assert time.monotonic() - started < 4


def test_total_deadline(server, anthropic_client):
    server.add_reply(long_reply(deltas=300, pause=0.02))
    client = anthropic_client(timeouts=Timeouts(connect=5, read=5, total=0.5))
    with pytest.raises(TotalTimeoutError) as info:
        client.complete(simple_request())
    assert info.value.partial_response.text.startswith("w0")


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
    body = [A.message_start(), *A.text_block(0, "first")[:2], Stall(10)]
    server.add_reply(ScriptedReply.sse(body, framing=framing))
    with anthropic_client().send(simple_request()) as stream:
        assert stream.recv(timeout=3) == LLMEvent.PartialContent(0, TextContent("first"))


def test_events_are_not_held_behind_a_half_arrived_event(server, anthropic_client):
    """Bytes of the next event are in, the rest is not: the complete ones must arrive."""
    start, delta = A.message_start(), A.text_block(0, "first")[1]
    later = A.text_block(0, "second")[1]
    body = [start + A.text_block(0, "first")[0] + delta + later[: len(later) // 2], Stall(10)]
    server.add_reply(ScriptedReply.sse(body, framing="close"))
    with anthropic_client().send(simple_request()) as stream:
        assert stream.recv(timeout=3) == LLMEvent.PartialContent(0, TextContent("first"))


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
