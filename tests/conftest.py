"""Shared fixtures: a FakeProviderServer per test and helpers to wait on threads."""

from __future__ import annotations

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
