"""An MCP server as a child process: JSON-RPC lines on its stdin/stdout, one reader thread
that hands each response to the thread waiting for its id, one thread keeping the last lines
of its stderr. Any number of threads may call at once; ``close()`` ends the child and joins
both threads, and an ``atexit`` hook closes whatever is still open at interpreter exit.
"""

from __future__ import annotations

import atexit
import itertools
import logging
import os
import subprocess
import threading
import time
import weakref
from collections import deque
from typing import Any, Callable, Deque, Dict, List, Mapping, Optional, Sequence

from llmsdk.errors import MCPError
from llmsdk.mcp.wire import decode_message, encode_message

__all__ = ["StdioTransport", "default_environment"]

logger = logging.getLogger("llmsdk.mcp")

#: How long close() lets the child exit on its own (stdin closed), then after SIGTERM.
_GRACE = 2.0
_STDERR_LINES = 20
_OPEN: "weakref.WeakSet[StdioTransport]" = weakref.WeakSet()


#: What a child inherits from this process (the official SDK's list): the rest of the
#: environment, API keys included, reaches a server only through ``env``.
_INHERITED = ("HOME", "LOGNAME", "PATH", "SHELL", "TERM", "USER") if os.name == "posix" else (
    "APPDATA", "HOMEDRIVE", "HOMEPATH", "LOCALAPPDATA", "PATH", "PATHEXT", "PROCESSOR_ARCHITECTURE", "SYSTEMDRIVE",
    "SYSTEMROOT", "TEMP", "USERNAME", "USERPROFILE")


def default_environment() -> Dict[str, str]:
    return {k: v for k in _INHERITED if (v := os.environ.get(k)) is not None and not v.startswith("()")}


class _Waiter:
    """One pending request: the reader thread fills ``message`` (or ``error``) and sets ``done``."""

    __slots__ = ("done", "error", "message")

    def __init__(self) -> None:
        self.done = threading.Event()
        self.message: Optional[Dict[str, Any]] = None
        self.error: Optional[BaseException] = None


class StdioTransport:
    """JSON-RPC with a subprocess. ``exchange`` is thread-safe; ``on_notification`` is
    called on the reader thread with each notification the server sends."""

    def __init__(self, command: Sequence[str], *, env: Optional[Mapping[str, str]] = None,
                 cwd: Optional[str] = None, name: str = "",
                 on_notification: Optional[Callable[[Dict[str, Any]], None]] = None) -> None:
        self.name = name
        self.on_notification = on_notification
        self._ids = itertools.count(1)
        self._waiters: Dict[Any, _Waiter] = {}
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._stderr: Deque[str] = deque(maxlen=_STDERR_LINES)
        self._dead: Optional[str] = None
        self._closed = False
        full_env = default_environment()
        if env:
            full_env.update(env)
        try:
            self._proc = subprocess.Popen(  # noqa: S603 - the user's own command
                list(command), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                env=full_env, cwd=cwd, start_new_session=os.name == "posix",
            )
        except OSError as exc:
            raise MCPError(f"cannot start {' '.join(command)!r}: {exc}", server=name) from exc
        self._stderr_thread = threading.Thread(target=self._read_stderr, name=f"llmsdk-mcp-stderr-{name}",
                                               daemon=True)
        self._reader = threading.Thread(target=self._read_stdout, name=f"llmsdk-mcp-reader-{name}", daemon=True)
        self._stderr_thread.start()
        self._reader.start()
        _OPEN.add(self)

    # -- calls ---------------------------------------------------------------------------

    def new_id(self) -> int:
        return next(self._ids)

    def exchange(self, message: Dict[str, Any], *, timeout: float, headers: Optional[Dict[str, str]] = None,
                 ) -> Dict[str, Any]:
        """Send a request and wait for the response with its id (the whole message)."""
        request_id = message["id"]
        waiter = _Waiter()
        with self._lock:
            self._check_usable()
            self._waiters[request_id] = waiter
        try:
            self._write(message)
            if not waiter.done.wait(timeout):
                self._cancel(request_id, "timed out")
                raise MCPError(f"no answer to {message.get('method')} within {timeout:g}s (the server hangs?)",
                               server=self.name, stderr_tail=self.stderr_tail())
        except KeyboardInterrupt:
            self._cancel(request_id, "interrupted")
            raise
        finally:
            with self._lock:
                self._waiters.pop(request_id, None)
        if waiter.error is not None:
            raise waiter.error
        assert waiter.message is not None
        return waiter.message

    def notify(self, message: Dict[str, Any], headers: Optional[Dict[str, str]] = None) -> None:
        with self._lock:
            self._check_usable()
        self._write(message)

    def _cancel(self, request_id: Any, reason: str) -> None:
        """Tell the server to stop working on ``request_id`` (best effort)."""
        try:
            self._write({"jsonrpc": "2.0", "method": "notifications/cancelled",
                         "params": {"requestId": request_id, "reason": reason}})
        except MCPError:
            pass

    def _write(self, message: Dict[str, Any]) -> None:
        data = encode_message(message) + b"\n"
        stdin = self._proc.stdin
        assert stdin is not None
        try:
            with self._write_lock:
                stdin.write(data)
                stdin.flush()
        except (OSError, ValueError) as exc:  # BrokenPipe: the child is gone; ValueError: closed
            raise self._death_error(f"cannot write to the server ({type(exc).__name__})") from exc

    def _check_usable(self) -> None:
        if self._closed:
            raise MCPError("the server was closed", server=self.name)
        if self._dead is not None:
            raise MCPError(self._dead, server=self.name, stderr_tail=self.stderr_tail())

    # -- the reader threads ----------------------------------------------------------------

    def _read_stdout(self) -> None:
        stdout = self._proc.stdout
        assert stdout is not None
        try:
            for line in iter(stdout.readline, b""):
                if line.strip():
                    self._dispatch(line)
        except (OSError, ValueError):  # closed under us by close()
            pass
        self._on_eof()

    def _dispatch(self, line: bytes) -> None:
        try:
            message = decode_message(line, self.name)
        except MCPError as exc:
            logger.warning("%s", exc)
            self._fail_all(MCPError(exc.message, server=self.name))
            return
        if "method" in message:
            if "id" in message:
                self._answer_server_request(message)
            elif self.on_notification is not None:
                try:
                    self.on_notification(message)
                except Exception:  # noqa: BLE001 - a callback bug must not kill the reader
                    logger.exception("MCP notification handler failed")
            return
        with self._lock:
            waiter = self._waiters.get(message.get("id"))
        if waiter is None:
            logger.debug("MCP server %s answered an id nobody waits for: %r", self.name, message.get("id"))
            return
        waiter.message = message
        waiter.done.set()

    def _answer_server_request(self, message: Dict[str, Any]) -> None:
        """The server asked us something: ``ping`` gets ``{}``, anything else "method not found"
        (this client offers no sampling, roots or elicitation)."""
        if message.get("method") == "ping":
            reply: Dict[str, Any] = {"jsonrpc": "2.0", "id": message["id"], "result": {}}
        else:
            reply = {"jsonrpc": "2.0", "id": message["id"],
                     "error": {"code": -32601, "message": f"method not supported: {message.get('method')}"}}
        try:
            self._write(reply)
        except MCPError:
            pass

    def _on_eof(self) -> None:
        if self._closed:
            self._fail_all(MCPError("the server was closed", server=self.name))
            return
        try:
            code = self._proc.wait(timeout=_GRACE)
            what = f"the server exited (status {code})"
        except subprocess.TimeoutExpired:
            what = "the server closed its stdout"
        self._stderr_thread.join(timeout=1.0)  # its last words belong in the error
        self._dead = what
        self._fail_all(MCPError(what, server=self.name, stderr_tail=self.stderr_tail()))

    def _death_error(self, fallback: str) -> MCPError:
        return MCPError(self._dead or fallback, server=self.name, stderr_tail=self.stderr_tail())

    def _fail_all(self, error: MCPError) -> None:
        with self._lock:
            waiters = list(self._waiters.values())
        for waiter in waiters:
            if not waiter.done.is_set():
                waiter.error = error
                waiter.done.set()

    def _read_stderr(self) -> None:
        stderr = self._proc.stderr
        assert stderr is not None
        try:
            for line in iter(stderr.readline, b""):
                text = line.decode("utf-8", "replace").rstrip()
                if text:
                    self._stderr.append(text[:500])
                    logger.debug("[%s stderr] %s", self.name, text)
        except (OSError, ValueError):
            pass

    def stderr_tail(self) -> str:
        return "\n".join(list(self._stderr))

    # -- lifecycle -----------------------------------------------------------------------

    @property
    def pid(self) -> int:
        return self._proc.pid

    def close(self) -> None:
        """End the child (stdin closed, then SIGTERM, then SIGKILL) and join the threads;
        pending calls fail with ``MCPError``. Idempotent."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        _OPEN.discard(self)
        proc = self._proc
        for stream in (proc.stdin,):
            try:
                if stream is not None:
                    stream.close()
            except OSError:
                pass
        _end_process(proc)
        for thread in (self._reader, self._stderr_thread):
            if thread is not threading.current_thread():
                thread.join(timeout=_GRACE)
        for stream in (proc.stdout, proc.stderr):
            try:
                if stream is not None:
                    stream.close()
            except OSError:
                pass
        self._fail_all(MCPError("the server was closed", server=self.name))


def _end_process(proc: "subprocess.Popen[bytes]") -> None:
    """Wait briefly for the child to exit on EOF, then terminate, then kill; always reaped."""
    deadline = time.monotonic() + _GRACE
    for step in (None, proc.terminate, proc.kill):
        if step is not None:
            try:
                step()
            except OSError:
                pass
        try:
            proc.wait(timeout=max(0.05, deadline - time.monotonic()) if step is None else _GRACE)
            return
        except subprocess.TimeoutExpired:
            continue
    logger.warning("MCP server process %s did not exit", proc.pid)


def _close_all() -> None:
    """At interpreter exit: no child left behind."""
    open_now: List[StdioTransport] = list(_OPEN)
    for transport in open_now:
        transport.close()


atexit.register(_close_all)
