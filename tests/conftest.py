"""Shared fixtures: a FakeProviderServer per test and helpers to wait on threads."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from typing import Any, Callable, Iterator, List, Sequence, Tuple

import pytest

from llmsdk import HttpClientOptions, LLMClient, LLMMessage, LLMRequest, Timeouts
from llmsdk.testing import FakeProviderServer, ScriptedReply

TEST_KEY = "sk-ant-test-SECRET-0123456789"


@pytest.fixture
def server() -> Iterator[FakeProviderServer]:
    with FakeProviderServer() as srv:
        yield srv


@pytest.fixture
def anthropic_client(server: FakeProviderServer) -> Callable[..., LLMClient]:
    """Factory: ``anthropic_client(timeouts=..., max_retries=...)`` aimed at ``server``."""
    clients = []

    def make(**kwargs: object) -> LLMClient:
        kwargs.setdefault("timeouts", Timeouts(connect=5, read=10))
        client = LLMClient.new_anthropic(HttpClientOptions.new_anthropic(TEST_KEY, api_base=server.url, **kwargs))
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


def simple_request(text: str = "Hello", model: str = "claude-haiku-4-5", **kwargs: object) -> LLMRequest:
    return LLMRequest(model=model, messages=[LLMMessage.user(text)], **kwargs)


def stream_threads() -> list:
    return [t for t in threading.enumerate() if t.name.startswith("llmsdk-stream-")]


def wait_until(condition: Callable[[], bool], timeout: float = 5.0, interval: float = 0.01) -> bool:
    """Poll ``condition`` until true or ``timeout`` passes (bounded, not a sync sleep)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return condition()


def waiting(thread: threading.Thread) -> bool:
    """True while ``thread`` is parked in ``threading``'s ``wait`` (a queue ``get``, an
    ``Event.wait``): it is blocked, not about to block."""
    frame = sys._current_frames().get(thread.ident or -1)
    return frame is not None and frame.f_code.co_name == "wait" and frame.f_code.co_filename == threading.__file__


class GatedBody(list):
    """Body pieces in which a ``threading.Event`` holds the fake server's writer until the
    test sets it: the test decides when the next bytes go out, no sleeping on either side.
    Each gate waits at most ``GATE_TIMEOUT`` seconds; ``opened`` records, per gate passed,
    whether it was set (True) or timed out (False)."""

    GATE_TIMEOUT = 30.0

    def __init__(self, pieces: Sequence[Any]) -> None:
        super().__init__(pieces)
        self.opened: List[bool] = []

    def __iter__(self) -> Iterator[Any]:  # FakeProviderServer writes the pieces as it iterates
        for piece in list.__iter__(self):
            if isinstance(piece, threading.Event):
                self.opened.append(piece.wait(self.GATE_TIMEOUT))
            else:
                yield piece


@pytest.fixture
def gate() -> Iterator[threading.Event]:
    """A gate for ``gated_sse``, opened when the test ends (so no server thread waits on)."""
    event = threading.Event()
    yield event
    event.set()


def gated_sse(pieces: Sequence[Any]) -> ScriptedReply:
    """``ScriptedReply.sse`` whose pieces may include ``threading.Event`` gates (chunked
    framing; ``reply.body.opened`` tells which gates the test opened)."""
    return ScriptedReply(body=GatedBody(pieces))


def popen_interruptible(args: Sequence[str], **kwargs: Any) -> "subprocess.Popen[Any]":
    """``subprocess.Popen`` for a child the test will Ctrl-C. A child inherits an *ignored*
    SIGINT (pytest started with ``&`` from a script, some CI runners) and then never raises
    KeyboardInterrupt; a handled SIGINT is reset to the default at exec, so the child is
    started while this process handles it (tests run on the main thread)."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        return subprocess.Popen(args, **kwargs)
    finally:
        signal.signal(signal.SIGINT, previous if previous is not None else signal.SIG_DFL)


def interrupt(proc: "subprocess.Popen[Any]", timeout: float = 20) -> Tuple[Any, Any]:
    """Ctrl-C for a child process: SIGINT, then its ``(stdout, stderr)``. A child that has
    not exited within ``timeout`` fails the test with every thread's stack (start it with
    ``PYTHONFAULTHANDLER=1``: SIGABRT makes it print them)."""
    proc.send_signal(signal.SIGINT)
    try:
        return proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGABRT)
        _, err = proc.communicate(timeout=10)
        pytest.fail(f"still running {timeout} s after SIGINT; its threads:\n{err[-12000:]}")


def system_binary(name: str) -> str:
    """The path of a system program a test needs; without it the test is skipped, or fails
    when ``LLMSDK_REQUIRE_SYSTEM_DEPS=1`` (CI installs it)."""
    path = shutil.which(name)
    if path is None:
        reason = f"{name} is not installed"
        if os.environ.get("LLMSDK_REQUIRE_SYSTEM_DEPS") == "1":
            pytest.fail(f"{reason} (LLMSDK_REQUIRE_SYSTEM_DEPS=1)")
        pytest.skip(reason)
    return path


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A private ``redis-server`` on a unix socket (no port to collide with), for the session."""
    binary = system_binary("redis-server")
    pytest.importorskip("redis", reason="the redis package is not installed (pip install 'llmsdk[redis]')")
    import redis

    folder = tmp_path_factory.mktemp("redis")
    socket_path = folder / "redis.sock"
    proc = subprocess.Popen([binary, "--port", "0", "--unixsocket", str(socket_path), "--save", "",
                             "--appendonly", "no", "--dir", str(folder)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"unix://{socket_path}"

    def up() -> bool:
        try:
            return bool(redis.Redis.from_url(url).ping())
        except redis.RedisError:
            return proc.poll() is not None

    try:
        assert wait_until(up, timeout=15), "redis-server did not start"
        assert proc.poll() is None, "redis-server exited"
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
