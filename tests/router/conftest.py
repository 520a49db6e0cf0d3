"""Router fixtures: several FakeProviderServers, each the home of one deployment (an
Anthropic client aimed at it), and a clock the tests move by hand."""

from __future__ import annotations

from typing import Any, Callable, Iterator, List

import pytest

from llmsdk import Deployment, HttpClientOptions, LLMClient, LLMMessage, LLMRequest, RetryPolicy, Timeouts
from llmsdk.testing import FakeProviderServer, anthropic

MODEL = "claude-haiku-4-5"


class Clock:
    """An injectable monotonic clock: ``clock.advance(30)``."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def servers() -> Iterator[Callable[[int], List[FakeProviderServer]]]:
    """``servers(3)``: three started servers answering "from <i>" by default."""
    started: List[FakeProviderServer] = []

    def make(count: int) -> List[FakeProviderServer]:
        out = []
        for _ in range(count):
            label = chr(ord("A") + len(started))
            srv = FakeProviderServer(default_reply=anthropic.text_reply(f"from {label}")).start()
            started.append(srv)
            out.append(srv)
        return out

    yield make
    for srv in started:
        srv.stop()


@pytest.fixture
def deployment() -> Iterator[Callable[..., Deployment]]:
    """``deployment(server, max_retries=0, weight=1, timeouts=None)``: a Deployment of an
    Anthropic client aimed at ``server`` (no retries unless asked: one request per try)."""
    clients: List[LLMClient] = []

    def make(server: FakeProviderServer, max_retries: int = 0, weight: float = 1, timeouts: Any = None,
             model: str = MODEL, **kwargs: Any) -> Deployment:
        options = HttpClientOptions.new_anthropic(
            "sk-ant-test", api_base=server.url, timeouts=timeouts or Timeouts(connect=2, read=10),
            retry_policy=RetryPolicy(max_retries=max_retries, initial_delay=0.01, max_delay=0.02))
        client = LLMClient.new_anthropic(options)
        clients.append(client)
        return Deployment(client, model, weight=weight, **kwargs)

    yield make
    for client in clients:
        client.close()


def ask(text: str = "Hello", group: str = "g", **kwargs: Any) -> LLMRequest:
    return LLMRequest(model=group, messages=[LLMMessage.user(text)], max_tokens=64, **kwargs)
