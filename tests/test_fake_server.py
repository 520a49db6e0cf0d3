"""FakeProviderServer notices a client that goes away mid-reply (``disconnected``,
``wait_for_disconnect``), so tests can prove that closing a stream closed its connection."""

from __future__ import annotations

import socket
from typing import Callable

from llmsdk import LLMClient
from llmsdk.testing import FakeProviderServer, ScriptedReply, Stall
from llmsdk.testing import anthropic as A

from .conftest import simple_request, stream_threads, wait_until


def test_a_finished_reply_is_not_a_disconnect(server: FakeProviderServer,
                                              anthropic_client: Callable[..., LLMClient]) -> None:
    server.add_reply(A.text_reply("Hello", chunk=2))
    assert anthropic_client().complete(simple_request()).text == "Hello"
    assert server.disconnected == []
    assert not server.wait_for_disconnect(timeout=0.05)


def test_closing_a_stream_mid_reply_is_seen_by_the_server(server: FakeProviderServer,
                                                          anthropic_client: Callable[..., LLMClient]) -> None:
    server.add_reply(A.text_reply("word " * 2000, chunk=5).with_pauses(0.01))  # ~20 s if nobody stops it
    stream = anthropic_client().send(simple_request("long"))
    assert next(iter(stream.text_stream())) == "word "

    stream.close()

    assert server.wait_for_disconnect(timeout=10)
    assert server.disconnected == [server.requests[0]]
    assert wait_until(lambda: not stream_threads(), timeout=10)


def test_a_stall_ends_when_the_peer_closes(server: FakeProviderServer) -> None:
    server.add_reply(ScriptedReply.sse([A.message_start(), Stall(30)]))
    sock = socket.create_connection(("127.0.0.1", int(server.url.rsplit(":", 1)[1])), timeout=10)
    sock.sendall(b"POST /v1/messages HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}")
    received = b""
    for _ in range(10):  # the headers, then the first event
        received += sock.recv(4096)
        if b"message_start" in received:
            break
    assert b"message_start" in received
    sock.close()

    assert server.wait_for_disconnect(timeout=10)
    assert [r.path for r in server.disconnected] == ["/v1/messages"]
