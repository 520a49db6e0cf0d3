"""Transport failures said in our words (URL, cause, attempts); a 2xx body that is not
the stream the framing reads is an error naming what came back; ONE retry budget for an
exchange (HTTP-level and stream-level retries together); ``close()`` during a retry's
backoff sends nothing more."""

from __future__ import annotations

import logging
import socket
import ssl
import threading
from typing import Iterator, List

import pytest
import requests

from llmsdk import RetryPolicy, Timeouts
from llmsdk._engine.http import map_transport_error
from llmsdk.errors import (
    ConnectionFailedError, MalformedEventError, OverloadedError, ReadTimeoutError, StreamCancelledError,
)
from llmsdk.testing import ScriptedReply
from llmsdk.testing import anthropic as A

from ..conftest import simple_request, wait_until

FAST = RetryPolicy(max_retries=1, initial_delay=0.01, max_delay=0.02)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_refused_connection_names_the_url_the_cause_and_the_attempts(anthropic_client, server) -> None:
    client = anthropic_client(retry_policy=FAST)
    url = f"http://127.0.0.1:{free_port()}"
    client = type(client).new_anthropic(client.get_config().with_changes(api_base=url))
    with pytest.raises(ConnectionFailedError) as info:
        client.complete(simple_request())
    text = str(info.value)
    assert text == f"could not connect to {url}/v1/messages: connection refused (is anything listening on that port?) (2 attempts)"
    client.close()


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts connections (the kernel's backlog) and never answers."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        yield sock.getsockname()[1]


def test_a_read_timeout_says_after_how_long_in_round_seconds(anthropic_client, silent_port) -> None:
    client = anthropic_client(timeouts=Timeouts(connect=2, read=0.3, total=30), max_retries=0)
    client = type(client).new_anthropic(client.get_config().with_changes(api_base=f"http://127.0.0.1:{silent_port}"))
    with pytest.raises(ReadTimeoutError) as info:
        client.complete(simple_request())
    assert str(info.value) == f"the request to http://127.0.0.1:{silent_port}/v1/messages timed out: no data within 0.3 s"
    client.close()


@pytest.mark.parametrize("exc, expected", [
    (requests.exceptions.ConnectionError(socket.gaierror(-2, "Name or service not known")),
     "could not connect to https://api.example/v1/x: the host name could not be resolved (DNS)"),
    (requests.exceptions.SSLError(ssl.SSLError(1, "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed")),
     "could not connect to https://api.example/v1/x: the TLS handshake failed"),
    (requests.exceptions.ConnectionError(ConnectionResetError(104, "Connection reset by peer")),
     "the connection to https://api.example/v1/x broke: Connection reset by peer"),
])
def test_dns_tls_and_reset_are_named(exc: BaseException, expected: str) -> None:
    text = str(map_transport_error(exc, "https://api.example/v1/x?key=SECRET", (10.0, 600.0)))
    assert text.startswith(expected) and "SECRET" not in text and "HTTPConnectionPool" not in text


def test_an_html_page_with_200_is_an_error_naming_what_came_back(anthropic_client, server) -> None:
    page = b"<!doctype html><html><head><title>Welcome to nginx!</title></head><body>...</body></html>"
    server.add_reply(ScriptedReply(body=[page], content_type="text/html; charset=utf-8", framing="length"))
    with pytest.raises(MalformedEventError) as info:
        anthropic_client().complete(simple_request())
    text = str(info.value)
    assert f"POST {server.url}/v1/messages answered HTTP 200 with text/html ('Welcome to nginx!')" in text
    assert "not text/event-stream" in text and "api_base" in text
    assert len(server.requests) == 1  # not retried


def test_expected_content_types_belong_to_the_framing() -> None:
    from llmsdk._engine.sse import expects_content_type

    assert expects_content_type("sse", "text/event-stream; charset=utf-8")
    assert not expects_content_type("sse", "text/html")
    assert expects_content_type("ndjson", "application/x-ndjson")
    assert expects_content_type("ndjson", "application/json; charset=utf-8")
    assert not expects_content_type("ndjson", "text/event-stream")
    assert expects_content_type("sse", "")  # no header: read it
    assert expects_content_type("some-binary-framing", "application/vnd.amazon.eventstream")  # undeclared


def test_max_retries_bounds_every_kind_of_attempt_together(anthropic_client, server) -> None:
    """529, a stream failing before content, 529, ...: ``max_retries=2`` is 3 POSTs in
    all, not 3 per kind."""
    for _ in range(3):
        server.add_reply(A.error_reply(529, "Overloaded"), A.stream_error_reply("Overloaded"))
    client = anthropic_client(retry_policy=RetryPolicy(max_retries=2, initial_delay=0.01, max_delay=0.02))
    with pytest.raises(OverloadedError):
        client.complete(simple_request())
    assert len(server.requests) == 3


def test_close_during_a_retry_backoff_sends_no_further_post(anthropic_client, server, caplog) -> None:
    server.add_reply(A.stream_error_reply("Overloaded"),
                     A.error_reply(529, "Overloaded", headers={"retry-after": "30"}),
                     A.text_reply("never asked for"))
    client = anthropic_client(retry_policy=RetryPolicy(max_retries=3, initial_delay=0.01, max_retry_after=60))
    with caplog.at_level(logging.WARNING, logger="llmsdk"):
        stream = client.send(simple_request())
        # the stream-level retry, then the HTTP-level one: its 30 s backoff has begun
        assert wait_until(lambda: sum("retry" in r.getMessage() for r in caplog.records) >= 2)
    stream.close()
    assert stream._channel.done.wait(5)
    with pytest.raises(StreamCancelledError):
        stream.final_response()
    assert len(server.requests) == 2


def test_the_per_url_caches_are_bounded(anthropic_client, server) -> None:
    engine = anthropic_client()._engine
    for i in range(500):  # a URL per batch id, for the client's life
        engine._env_settings(f"{server.url}/v1/messages/batches/msgbatch_{i}")
    assert len(engine._env) <= 64
    server.add_reply(*[A.text_reply("ok") for _ in range(3)])
    client = anthropic_client()
    for _ in range(3):
        client.complete(simple_request())
    assert len(client._engine._urls) == 1


def test_close_while_a_retry_waits_for_headers_ends_the_worker_at_once(anthropic_client, server, caplog) -> None:
    released = threading.Event()
    calls: List[int] = []

    def replies(request):  # type: ignore[no-untyped-def]
        calls.append(1)
        if len(calls) == 1:
            return A.stream_error_reply("Overloaded")
        released.wait(20)  # the re-open's POST waits here for its headers
        return A.text_reply("late")

    server.route("/v1/messages", replies)
    client = anthropic_client(retry_policy=RetryPolicy(max_retries=2, initial_delay=0.01),
                              timeouts=Timeouts(connect=5, read=30))
    try:
        stream = client.send(simple_request())
        assert wait_until(lambda: len(calls) == 2)
        stream.close()
        assert stream._channel.done.wait(3), "the worker stayed blocked in the re-open"
        assert len(calls) == 2
    finally:
        released.set()
