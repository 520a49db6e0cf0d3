"""``FakeProviderServer``: a real HTTP/1.1 server on 127.0.0.1 that replays scripted
provider replies and records what it received.

Use it to test your own application without the network::

    from llmsdk.testing import FakeProviderServer, anthropic

    with FakeProviderServer() as server:
        server.add_reply(anthropic.text_reply("Hello!"))
        client = LLMClient.new_anthropic(HttpClientOptions.new_anthropic("test", api_base=server.url))
        assert client.complete(request).text == "Hello!"
        assert server.requests[0].json["model"] == "claude-haiku-4-5"

Replies are scripted as a list of body pieces: ``bytes`` (each written and flushed as
its own write), ``Pause(seconds)`` and ``Stall(max_seconds)`` (send nothing until the
client disconnects or the server stops). ``framing`` picks chunked transfer encoding,
a body delimited by closing the connection, or a ``Content-Length`` body.

A client that goes away before its reply is complete is noted: ``server.disconnected``
lists those requests and ``server.wait_for_disconnect()`` waits for one, so a test can
prove that closing a stream really closed the connection.
"""

from __future__ import annotations

import json
import socket
import struct
import threading
import time
from collections import deque
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Deque, Dict, List, Optional, Pattern, Sequence, Tuple, Union
from urllib.parse import urlsplit

__all__ = ["Disconnect", "FakeProviderServer", "Pause", "RecordedRequest", "ScriptedReply", "Stall", "sse_event"]


@dataclass(frozen=True)
class Pause:
    """Wait this long before writing the next piece."""

    seconds: float


@dataclass(frozen=True)
class Stall:
    """Send nothing more until the client goes away or the server stops (bounded)."""

    max_seconds: float = 30.0


@dataclass(frozen=True)
class Disconnect:
    """Drop the connection here, the body unfinished: a clean close (FIN), or with
    ``reset=True`` a TCP reset (RST), as a crashed server or a proxy would."""

    reset: bool = False


BodyPiece = Union[bytes, Pause, Stall, Disconnect]


def sse_event(data: Union[Dict[str, Any], List[Any], str], event: Optional[str] = None, crlf: bool = False) -> bytes:
    """One SSE frame. ``data`` that is not a string is JSON-encoded."""
    text = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    nl = "\r\n" if crlf else "\n"
    head = f"event: {event}{nl}" if event else ""
    return (head + f"data: {text}{nl}{nl}").encode("utf-8")


@dataclass
class ScriptedReply:
    """One scripted HTTP reply."""

    status: int = 200
    headers: Dict[str, str] = field(default_factory=dict)
    body: List[BodyPiece] = field(default_factory=list)
    framing: str = "chunked"  # "chunked" | "close" | "length"
    content_type: str = "text/event-stream"

    @classmethod
    def sse(cls, events: Sequence[BodyPiece], **kwargs: Any) -> "ScriptedReply":
        """A 200 event stream written one piece per write."""
        return cls(body=list(events), **kwargs)

    @classmethod
    def json(cls, status: int, obj: Any, headers: Optional[Dict[str, str]] = None) -> "ScriptedReply":
        """A JSON reply (error bodies, token counts)."""
        raw = json.dumps(obj, indent=2).encode("utf-8")
        return cls(status=status, headers=dict(headers or {}), body=[raw], framing="length",
                   content_type="application/json")

    def body_bytes(self) -> bytes:
        return b"".join(p for p in self.body if isinstance(p, bytes))

    def split(self, at: Sequence[int]) -> "ScriptedReply":
        """The same bytes, cut into separate writes at the given offsets (pauses dropped)."""
        raw = self.body_bytes()
        cuts = [0, *sorted(set(a for a in at if 0 < a < len(raw))), len(raw)]
        return replace(self, body=[raw[a:b] for a, b in zip(cuts, cuts[1:])])

    def truncated(self, keep: int) -> "ScriptedReply":
        """Only the first ``keep`` bytes, then the body ends (as if the connection dropped)."""
        return replace(self, body=[self.body_bytes()[:keep]])

    def with_pauses(self, seconds: float) -> "ScriptedReply":
        """A pause between every two pieces."""
        pieces: List[BodyPiece] = []
        for piece in self.body:
            if pieces:
                pieces.append(Pause(seconds))
            pieces.append(piece)
        return replace(self, body=pieces)


@dataclass
class RecordedRequest:
    """A request the server received."""

    method: str
    path: str
    query: str
    headers: Dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8")) if self.body else None


#: A reply, or a function that decides the reply from the request (called on the
#: server's handler thread, outside its lock: it may count, wait, or keep state).
Reply = Union[ScriptedReply, Callable[[RecordedRequest], ScriptedReply]]


def _call_route(route: Callable[[RecordedRequest], ScriptedReply], request: RecordedRequest) -> ScriptedReply:
    """A route function's reply; one that raises answers 500 with the exception, visibly."""
    try:
        return route(request)
    except Exception as exc:  # noqa: BLE001 - a broken emulation must show, not hang the client
        return ScriptedReply.json(500, {"error": {"type": "api_error",
                                                  "message": f"FakeProviderServer route failed: {exc!r}"}})


def _no_reply() -> ScriptedReply:
    return ScriptedReply.json(500, {"error": {"type": "api_error", "message": "FakeProviderServer: no scripted reply"}})


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: "_Server"

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        owner = self.server.owner
        recorded = RecordedRequest(
            method=self.command, path=parts.path, query=parts.query,
            headers={k.lower(): v for k, v in self.headers.items()}, body=body,
        )
        owner._record(recorded)
        reply = owner._next_reply(parts.path)
        if callable(reply):
            reply = _call_route(reply, recorded)
        try:
            complete = self._send(reply, owner._stopping)
        except OSError:  # a broken pipe, a reset: the client went away mid-reply
            self.close_connection = True
            complete = False
        if not complete:
            owner._note_disconnect(recorded)

    do_POST = _handle
    do_GET = _handle
    do_PUT = _handle
    do_PATCH = _handle
    do_DELETE = _handle

    def _send(self, reply: ScriptedReply, stopping: threading.Event) -> bool:
        """Write ``reply``; False if the client went away before it was complete."""
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        if reply.framing == "chunked":
            self.send_header("Transfer-Encoding", "chunked")
        elif reply.framing == "length":
            self.send_header("Content-Length", str(len(reply.body_bytes())))
        else:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.flush()
        for piece in reply.body:
            if isinstance(piece, Pause):
                if stopping.wait(piece.seconds):
                    break
            elif isinstance(piece, Stall):
                self.close_connection = True
                return not self._stall(piece.max_seconds, stopping)
            elif isinstance(piece, Disconnect):  # the server hangs up, as scripted: not the client
                self._disconnect(piece.reset)
                return True
            elif piece:
                if reply.framing == "chunked":
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                else:
                    self.wfile.write(piece)
                self.wfile.flush()
        if reply.framing == "chunked":
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        return True

    def _disconnect(self, reset: bool) -> None:
        self.close_connection = True
        sock = self.connection
        if reset:  # linger 0: close() sends RST instead of FIN
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        else:
            sock.shutdown(socket.SHUT_WR)
        sock.close()

    def _stall(self, max_seconds: float, stopping: threading.Event) -> bool:
        """Hold the connection until the peer closes it, the server stops, or time runs
        out; True if the peer closed it."""
        deadline = time.monotonic() + max_seconds
        sock = self.connection
        while not stopping.is_set() and time.monotonic() < deadline:
            sock.settimeout(0.05)
            try:
                if sock.recv(1, socket.MSG_PEEK) == b"":
                    return True
            except socket.timeout:
                continue
            except OSError:
                return True
            stopping.wait(0.05)
        return False


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    owner: "FakeProviderServer"

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hangs up (a closed keep-alive connection) is normal here."""
        import sys

        if isinstance(sys.exc_info()[1], (ConnectionError, socket.timeout, OSError)):
            return
        super().handle_error(request, client_address)


class FakeProviderServer:
    """A scripted provider on ``127.0.0.1`` (an ephemeral port), for tests.

    ``add_reply`` queues replies for any request, in order; ``route(match, reply)``
    answers every request whose path ends with ``match`` (a string) or matches it (a
    compiled regular expression, ``re.search``), either with the same ``ScriptedReply``
    (e.g. a token counting endpoint) or with ``reply(recorded_request)`` computed per
    request (stateful emulations such as ``llmsdk.testing.batches``). Routes are tried
    in the order they were added. ``requests`` lists what arrived.
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0, default_reply: Optional[ScriptedReply] = None) -> None:
        self._host = host
        self._port = port
        self._replies: Deque[ScriptedReply] = deque()
        self._routes: List[Tuple[Union[str, Pattern[str]], Reply]] = []
        self._default = default_reply
        self._lock = threading.Lock()
        self._disconnect = threading.Condition(self._lock)
        self._disconnected: List[RecordedRequest] = []
        self._stopping = threading.Event()
        self._server: Optional[_Server] = None
        self._thread: Optional[threading.Thread] = None
        self.requests: List[RecordedRequest] = []

    # -- scripting -----------------------------------------------------------------------

    def add_reply(self, *replies: ScriptedReply) -> "FakeProviderServer":
        with self._lock:
            self._replies.extend(replies)
        return self

    def route(self, match: Union[str, Pattern[str]], reply: Reply) -> "FakeProviderServer":
        """Answer requests whose path ends with ``match`` (or matches the pattern) with
        ``reply``, or with ``reply(request)`` when it is callable (GET, POST, PUT,
        PATCH, DELETE alike; the callable sees method, path, query, headers and body)."""
        with self._lock:
            self._routes.append((match, reply))
        return self

    def _next_reply(self, path: str) -> Reply:
        with self._lock:
            for match, reply in self._routes:
                if path.endswith(match) if isinstance(match, str) else match.search(path):
                    return reply
            if self._replies:
                return self._replies.popleft()
            return self._default or _no_reply()

    def _pop_reply(self) -> ScriptedReply:
        """The next queued reply (or the default): for routes that check a request first
        and then answer in queue order (``llmsdk.testing.bedrock.routes``)."""
        with self._lock:
            if self._replies:
                return self._replies.popleft()
            return self._default or _no_reply()

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)

    def _note_disconnect(self, request: RecordedRequest) -> None:
        with self._disconnect:
            self._disconnected.append(request)
            self._disconnect.notify_all()

    @property
    def disconnected(self) -> List[RecordedRequest]:
        """Requests whose client went away before their reply was complete, in order."""
        with self._lock:
            return list(self._disconnected)

    def wait_for_disconnect(self, count: int = 1, timeout: float = 10.0) -> bool:
        """Wait until ``count`` clients in all have gone away mid-reply; False on timeout."""
        with self._disconnect:
            return self._disconnect.wait_for(lambda: len(self._disconnected) >= count, timeout)

    @property
    def pending_replies(self) -> int:
        with self._lock:
            return len(self._replies)

    # -- lifecycle -----------------------------------------------------------------------

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("FakeProviderServer is not started")
        return f"http://{self._host}:{self._server.server_port}"

    def start(self) -> "FakeProviderServer":
        if self._server is None:
            self._stopping.clear()
            server = _Server((self._host, self._port), _Handler)
            server.owner = self
            self._server = server
            self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                                            name="llmsdk-fake-server", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        server = self._server
        if server is None:
            return
        self._stopping.set()
        server.shutdown()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None

    def __enter__(self) -> "FakeProviderServer":
        return self.start()

    def __exit__(self, *exc_info: Any) -> None:
        self.stop()
