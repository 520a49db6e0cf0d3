"""Shared fixtures: a FakeProviderServer per test and helpers to wait on threads."""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import time
from typing import Callable, Iterator

import pytest

from llmsdk import HttpClientOptions, LLMClient, LLMMessage, LLMRequest, Timeouts
from llmsdk.testing import FakeProviderServer

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
