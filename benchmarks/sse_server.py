"""A tiny loopback HTTP/1.1 server that replays pre-built provider replies, for benchmarks.

Not ``FakeProviderServer``: that one scripts every write for tests; this one pre-builds each
reply once and writes it in large ``sendall`` calls, so the server's own cost stays far
below the clients' (it also runs in its own process, so it never counts in their CPU time).

Routes, chosen by the URL prefix so every SDK can be pointed at one with ``base_url``::

    /{fmt}/s{N}/...         a stream of N text deltas, chunked, keep-alive
    /{fmt}/lat-{framing}/...  one text delta whose text is ``t=<time.monotonic()>`` at send
                            time, then a 1 s pause, then the rest ("chunked" or "close")
    /{fmt}/tiny/...         a tiny reply: a short stream if the request asks for one,
                            else the non-streaming JSON body
    GET /_stats             {"connections": opened so far, "requests": served so far}

``fmt`` is ``anthropic`` or ``openai``. In chunked bodies each SSE event is its own chunk,
as a real server that flushes per event sends it. Bounded: 127.0.0.1 only, at most
``MAX_CONNECTIONS`` at once, request heads ≤ 64 KiB and bodies ≤ 4 MiB, idle connections
closed after 60 s, and the process exits when its stdin closes (its parent went away) or
after ``--max-seconds``.

Run: ``python benchmarks/sse_server.py`` prints ``PORT <n>`` and serves until stdin closes.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import sys
import threading
import time
from typing import Dict, List, Optional, Tuple

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import bodies  # noqa: E402

MAX_CONNECTIONS = 512
MAX_HEAD = 64 * 1024
MAX_BODY = 4 * 1024 * 1024
IDLE_TIMEOUT = 60.0
WRITE_SIZE = 256 * 1024
PAUSE = 1.0


def chunk(data: bytes) -> bytes:
    return b"%x\r\n%s\r\n" % (len(data), data)


def head(status: str, content_type: str, framing: str, length: int = 0) -> bytes:
    lines = [f"HTTP/1.1 {status}", f"Content-Type: {content_type}",
             "request-id: req_bench", "x-request-id: req_bench"]
    if framing == "chunked":
        lines.append("Transfer-Encoding: chunked")
    elif framing == "length":
        lines.append(f"Content-Length: {length}")
    else:
        lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("ascii")


class Replies:
    """Pre-built whole responses, built on first use and then reused."""

    def __init__(self) -> None:
        self._cache: Dict[Tuple[str, str, bool], bytes] = {}
        self._lock = threading.Lock()

    def get(self, fmt: str, kind: str, stream: bool) -> bytes:
        key = (fmt, kind, stream)
        reply = self._cache.get(key)
        if reply is None:
            reply = self._build(fmt, kind, stream)
            with self._lock:
                self._cache[key] = reply
        return reply

    @staticmethod
    def _build(fmt: str, kind: str, stream: bool) -> bytes:
        if kind == "tiny" and not stream:
            body = bodies.json_body(fmt)
            return head("200 OK", "application/json", "length", len(body)) + body
        deltas = 3 if kind == "tiny" else int(kind[1:])
        frames = bodies.stream_frames(fmt, deltas)
        return head("200 OK", "text/event-stream", "chunked") + b"".join(map(chunk, frames)) + b"0\r\n\r\n"


class Server:
    def __init__(self, port: int = 0) -> None:
        self.sock = socket.create_server(("127.0.0.1", port), backlog=256)
        self.port = self.sock.getsockname()[1]
        self.replies = Replies()
        self.slots = threading.BoundedSemaphore(MAX_CONNECTIONS)
        self.connections = 0
        self.requests = 0
        self._count = threading.Lock()

    def serve_forever(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            if not self.slots.acquire(blocking=False):
                conn.close()
                continue
            with self._count:
                self.connections += 1
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        try:
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            conn.settimeout(IDLE_TIMEOUT)
            buf = b""
            while True:
                request, buf = read_request(conn, buf)
                if request is None:
                    return
                with self._count:
                    self.requests += 1
                if not self._respond(conn, *request):
                    return
        except OSError:
            pass
        finally:
            try:
                conn.close()
            finally:
                self.slots.release()

    def _respond(self, conn: socket.socket, method: str, path: str, body: bytes) -> bool:
        """Write one reply; False when the connection must close afterwards."""
        if path.startswith("/_stats"):
            with self._count:
                data = json.dumps({"connections": self.connections, "requests": self.requests}).encode()
            conn.sendall(head("200 OK", "application/json", "length", len(data)) + data)
            return True
        parts = path.split("/")
        fmt, kind = (parts[1], parts[2]) if len(parts) > 2 else ("", "")
        if fmt not in ("anthropic", "openai") or not (kind == "tiny" or kind.startswith(("s", "lat-"))):
            data = b'{"error":{"type":"not_found_error","message":"unknown benchmark route"}}'
            conn.sendall(head("404 Not Found", "application/json", "length", len(data)) + data)
            return True
        stream = b'"stream":true' in body or b'"stream": true' in body
        if kind.startswith("lat-"):
            return self._latency(conn, fmt, kind[4:])
        reply = self.replies.get(fmt, kind, stream)
        view = memoryview(reply)
        for i in range(0, len(reply), WRITE_SIZE):
            conn.sendall(view[i:i + WRITE_SIZE])
        return True

    def _latency(self, conn: socket.socket, fmt: str, framing: str) -> bool:
        anthropic = fmt == "anthropic"
        first = bodies.anthropic_head() if anthropic else bodies.openai_head()
        rest = [(bodies.anthropic_delta if anthropic else bodies.openai_delta)(bodies.delta_text(i)) for i in range(20)]
        rest += bodies.anthropic_tail(21) if anthropic else bodies.openai_tail(21)
        wrap = chunk if framing == "chunked" else (lambda b: b)
        stamp = f"t={time.monotonic():.6f}"
        frames = first + [(bodies.anthropic_delta if anthropic else bodies.openai_delta)(stamp)]
        conn.sendall(head("200 OK", "text/event-stream", framing) + b"".join(map(wrap, frames)))
        time.sleep(PAUSE)
        try:
            conn.sendall(b"".join(map(wrap, rest)) + (b"0\r\n\r\n" if framing == "chunked" else b""))
        except OSError:
            return False  # the client saw what it needed and hung up
        return framing == "chunked"


def read_request(conn: socket.socket, buf: bytes) -> Tuple[Optional[Tuple[str, str, bytes]], bytes]:
    """One request (method, path, body) and the bytes after it; None at end of connection."""
    while b"\r\n\r\n" not in buf:
        if len(buf) > MAX_HEAD:
            return None, b""
        data = conn.recv(65536)
        if not data:
            return None, b""
        buf += data
    head_bytes, _, buf = buf.partition(b"\r\n\r\n")
    lines = head_bytes.decode("latin-1").split("\r\n")
    method, path = lines[0].split(" ")[:2]
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value.strip())
    if length > MAX_BODY:
        return None, b""
    while len(buf) < length:
        data = conn.recv(max(65536, length - len(buf)))
        if not data:
            return None, b""
        buf += data
    return (method, path, buf[:length]), buf[length:]


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--max-seconds", type=float, default=1800.0)
    args = parser.parse_args(argv)
    server = Server(args.port)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(f"PORT {server.port}", flush=True)
    deadline = threading.Timer(args.max_seconds, lambda: os._exit(0))
    deadline.daemon = True
    deadline.start()
    sys.stdin.read()  # returns when the parent closes our stdin or dies
    os._exit(0)


if __name__ == "__main__":
    main()
