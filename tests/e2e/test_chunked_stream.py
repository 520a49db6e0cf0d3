"""Chunked stream bodies over a real socket, read by the engine's own de-chunking: the
connection goes back to the pool afterwards, chunk extensions and trailers are read
past, a gzip-encoded body is still decoded (urllib3 reads that one), and a body cut
inside a chunk is a broken stream carrying what arrived."""

from __future__ import annotations

import gzip
import socket
import threading
from typing import Callable, Iterator, List

import pytest

from llmsdk import HttpClientOptions, LLMClient, Timeouts
from llmsdk._engine import body_socket, worker
from llmsdk.errors import BrokenStreamError
from llmsdk.testing import anthropic as A

from ..conftest import simple_request

BODY = A.text_reply("Hello over a raw socket, in chunks", chunk=4).body_bytes()


def chunked(body: bytes, size: int = 50, extension: bytes = b"", trailers: bytes = b"") -> bytes:
    pieces = [body[i:i + size] for i in range(0, len(body), size)]
    return b"".join(b"%x%s\r\n%s\r\n" % (len(p), extension, p) for p in pieces) + b"0\r\n" + trailers + b"\r\n"


def response(wire: bytes, *headers: bytes) -> bytes:
    head = [b"HTTP/1.1 200 OK", b"Content-Type: text/event-stream", b"Transfer-Encoding: chunked", *headers]
    return b"\r\n".join(head) + b"\r\n\r\n" + wire


class HangUp(bytes):
    """Scripted bytes after which the server closes the connection."""


class RawServer:
    """Answers each request on a connection with the next scripted bytes, as they are;
    counts the connections it accepted."""

    def __init__(self, replies: List[bytes]) -> None:
        self.replies = list(replies)
        self.connections = 0
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn: socket.socket) -> None:
        with conn:
            reader = conn.makefile("rb")
            while self.replies:
                head = b""
                while not head.endswith(b"\r\n\r\n"):
                    line = reader.readline()
                    if not line:
                        return
                    head += line
                length = [int(h.split(b":")[1]) for h in head.split(b"\r\n") if h.lower().startswith(b"content-length:")]
                reader.read(length[0] if length else 0)
                reply = self.replies.pop(0)
                conn.sendall(reply)
                if isinstance(reply, HangUp):
                    conn.shutdown(socket.SHUT_RDWR)
                    return

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def raw_server() -> Iterator[Callable[..., "RawServer"]]:
    servers: List[RawServer] = []

    def make(*replies: bytes) -> RawServer:
        servers.append(RawServer(list(replies)))
        return servers[-1]

    yield make
    for server in servers:
        server.close()


@pytest.fixture
def readers(monkeypatch) -> List[object]:
    """The chunked reader the engine made for each body (None: urllib3 reads it)."""
    made: List[object] = []

    def spy(response: object, size: int) -> object:
        made.append(body_socket.chunked_reader(response, size))
        return made[-1]

    monkeypatch.setattr(worker, "chunked_reader", spy)
    return made


def client_for(server: RawServer) -> LLMClient:
    return LLMClient.new_anthropic(HttpClientOptions.new_anthropic(
        "k", api_base=server.url, max_retries=0, timeouts=Timeouts(connect=5, read=10)))


def test_the_connection_is_reused_after_a_chunked_stream(raw_server, readers) -> None:
    wire = response(chunked(BODY, size=7))
    server = raw_server(wire, wire, wire)
    client = client_for(server)
    texts = [client.send(simple_request()).final_response().text for _ in range(3)]
    assert texts == ["Hello over a raw socket, in chunks"] * 3
    assert server.connections == 1
    assert len(readers) == 3 and all(reader is not None for reader in readers)
    client.close()


def test_chunk_extensions_and_trailers_are_read_past(raw_server) -> None:
    wire = response(chunked(BODY, size=13, extension=b";ieof", trailers=b"X-Checksum: abc\r\nX-More: 1\r\n"))
    server = raw_server(wire, wire)
    client = client_for(server)
    for _ in range(2):
        assert client.send(simple_request()).final_response().text == "Hello over a raw socket, in chunks"
    assert server.connections == 1
    client.close()


def test_a_gzip_encoded_chunked_stream_is_decoded(raw_server, readers) -> None:
    server = raw_server(response(chunked(gzip.compress(BODY), size=16), b"Content-Encoding: gzip"))
    client = client_for(server)
    assert client.send(simple_request()).final_response().text == "Hello over a raw socket, in chunks"
    assert readers == [None]
    client.close()


def test_a_body_cut_inside_a_chunk_is_a_broken_stream_with_what_arrived(raw_server) -> None:
    events = BODY.split(b"\n\n")
    deltas = [i for i, e in enumerate(events) if e.startswith(b"event: content_block_delta")]
    cut = len(b"\n\n".join(events[:deltas[1] + 1]) + b"\n\n")  # two deltas whole
    server = raw_server(HangUp(response(b"%x\r\n%s" % (cut + 100, BODY[:cut]))))  # 100 bytes short
    client = client_for(server)
    stream = client.send(simple_request())
    with pytest.raises(BrokenStreamError) as info:
        stream.final_response()
    assert info.value.partial_response.text == "Hello ov"
    client.close()
