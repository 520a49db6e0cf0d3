"""The socket under a streaming response body: the one place that touches private
``urllib3`` / ``http.client`` internals.

The engine needs four things the public APIs do not give:

* ``ready()``: are more body bytes already waiting (so a batch of events can wait for
  them instead of being handed over now)?
* ``watch_refills(hook)``: run ``hook`` before each refill of http.client's buffered
  reader, the only reads that can block (so readiness is checked once per refill, not
  once per HTTP chunk);
* ``shutdown()``: wake a thread blocked reading the body (``close()`` alone may not, on
  Linux).

A chunked body is read by ``chunked_reader(response)`` straight from http.client's
buffered reader (``_engine/chunked.py`` says why), and handed back to urllib3 read.

Before there is a response there is a fifth need: ``interrupt_request_of(thread)`` wakes a
thread blocked sending a request or waiting for its response headers (a stream's retry,
re-opened on its worker thread, that ``close()`` must end at once). Pools made by
``tracked_pool_classes()`` note the connection each thread is using for that.

``BodySocket.of(response)`` finds the internals it knows (urllib3 2.x
``HTTPResponse._connection.sock`` / ``_fp``, http.client's ``fp.raw`` ``SocketIO``);
where they are missing — another urllib3, a proxy tunnel, a test double — it returns a
fallback that is merely slower (``ready()`` says no, so batches are handed over at once;
no refill hook, so the caller checks before every piece) and closes the response instead
of shutting the socket down. Tests run it on the oldest and newest urllib3 allowed.
"""

from __future__ import annotations

import select
import socket
import threading
from typing import Any, Callable, Dict, Optional

import urllib3
from urllib3.exceptions import ProtocolError

from llmsdk._engine.chunked import Dechunker

__all__ = ["BodySocket", "chunked_reader", "interrupt_request_of", "tracked_pool_classes"]

#: thread id -> the urllib3 connection that thread is sending a request on or waiting
#: for the response headers of.
_IN_FLIGHT: Dict[int, Any] = {}


class _Tracked:
    """A connection pool that notes which connection each thread has a request in flight on."""

    def _make_request(self, conn: Any, *args: Any, **kwargs: Any) -> Any:
        thread = threading.get_ident()
        _IN_FLIGHT[thread] = conn
        try:
            return super()._make_request(conn, *args, **kwargs)  # type: ignore[misc]
        finally:
            _IN_FLIGHT.pop(thread, None)


class _TrackedHTTPConnectionPool(_Tracked, urllib3.HTTPConnectionPool):
    pass


class _TrackedHTTPSConnectionPool(_Tracked, urllib3.HTTPSConnectionPool):
    pass


def tracked_pool_classes() -> Dict[str, Any]:
    """``PoolManager.pool_classes_by_scheme`` for pools whose requests can be interrupted."""
    return {"http": _TrackedHTTPConnectionPool, "https": _TrackedHTTPSConnectionPool}


def interrupt_request_of(thread: int) -> None:
    """Wake ``thread`` if it is blocked sending a request or awaiting its headers (its
    connection's socket is shut down: the call fails at once). Safe from any thread."""
    sock = getattr(_IN_FLIGHT.get(thread), "sock", None)
    if isinstance(sock, socket.socket):
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def _raw_socket(response: Any) -> Any:
    raw = getattr(response, "raw", None)
    sock = getattr(getattr(raw, "_connection", None), "sock", None)
    if sock is None:
        sock = getattr(_socket_io(response), "_sock", None)
    return sock if isinstance(sock, socket.socket) else None


def _socket_io(response: Any) -> Any:
    """The ``socket.SocketIO`` under http.client's buffered reader, or None."""
    fp = getattr(getattr(getattr(response, "raw", None), "_fp", None), "fp", None)
    reader = getattr(fp, "raw", None)
    return reader if type(reader) is socket.SocketIO else None


class _ChunkedReader:
    """``next_piece`` for a chunked body: each call returns the body bytes that one read
    of the socket's buffered reader completes (many chunks at once when they are
    waiting), ``b""`` after the last chunk. At the end the response is closed and its
    connection goes back to the pool, as urllib3 does when it reads the body itself."""

    __slots__ = ("_read1", "_dechunker", "_raw", "_size")

    def __init__(self, raw: Any, read1: Callable[[int], bytes], size: int) -> None:
        self._raw = raw
        self._read1 = read1
        self._size = size
        self._dechunker = Dechunker()

    def __call__(self) -> bytes:
        dechunker, read1, size = self._dechunker, self._read1, self._size
        while not dechunker.done:
            data = read1(size)
            if not data:
                raise ProtocolError("Response ended prematurely")
            piece = dechunker.feed(data)
            if dechunker.done:
                self._finished()
            if piece:
                return piece
        return b""

    def _finished(self) -> None:
        raw = self._raw
        raw._original_response.close()
        raw.release_conn()


def chunked_reader(response: Any, size: int) -> Optional[Callable[[], bytes]]:
    """A ``next_piece`` that reads ``response``'s chunked body ``size`` bytes at most at
    a time, or None where the body is not chunked, is content-encoded (urllib3 decodes
    that), was already read from, or the internals are not the known ones."""
    raw = getattr(response, "raw", None)
    if not getattr(raw, "chunked", False) or getattr(raw, "chunk_left", 0) is not None:
        return None
    original = getattr(raw, "_original_response", None)
    fp = getattr(getattr(raw, "_fp", None), "fp", None)
    read1 = getattr(fp, "read1", None)
    if original is None or getattr(raw, "_fp", None) is not original or read1 is None \
            or not callable(getattr(raw, "release_conn", None)):
        return None
    headers = getattr(raw, "headers", None) or {}
    if headers.get("content-encoding", "").strip().lower() not in ("", "identity"):
        return None
    return _ChunkedReader(raw, read1, size)


class BodySocket:
    """Readiness, refill hooks and shutdown for one response's socket (or the fallback)."""

    __slots__ = ("_response", "_sock", "_poll", "_pending")

    def __init__(self, response: Any, sock: Optional[socket.socket]) -> None:
        self._response = response
        self._sock = sock
        self._poll: Optional[Callable[[int], Any]] = None
        self._pending: Optional[Callable[[], int]] = None
        if sock is not None and hasattr(select, "poll"):
            try:
                poller = select.poll()
                poller.register(sock.fileno(), select.POLLIN)
            except (OSError, ValueError):
                return
            self._poll = poller.poll
            self._pending = getattr(sock, "pending", None)  # TLS: decrypted bytes held by the SSL object

    @classmethod
    def of(cls, response: Any) -> "BodySocket":
        return cls(response, _raw_socket(response))

    @property
    def is_fallback(self) -> bool:
        return self._poll is None

    def ready(self) -> bool:
        """True when the next read of the body returns without waiting; False when it
        might wait, or when that cannot be told."""
        poll = self._poll
        if poll is None:
            return False
        try:
            pending = self._pending
            if pending is not None and pending():
                return True
            return bool(poll(0))
        except (OSError, ValueError):
            return False

    def watch_refills(self, hook: Callable[[], None]) -> Optional[Callable[[], None]]:
        """Run ``hook()`` before every socket read of the body; return the undo, or None
        when the reader is not http.client's usual one (check before every piece then)."""
        reader = _socket_io(self._response)
        if reader is None:
            return None
        readinto = reader.readinto

        def watched_readinto(buffer: Any) -> Any:
            hook()
            return readinto(buffer)

        reader.readinto = watched_readinto  # type: ignore[method-assign]

        def undo() -> None:
            reader.__dict__.pop("readinto", None)

        return undo

    def shutdown(self) -> None:
        """Wake a thread blocked reading the body; safe from any thread, idempotent."""
        sock = self._sock
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        try:
            self._response.close()
        except Exception:  # noqa: BLE001 - best effort from another thread
            pass
