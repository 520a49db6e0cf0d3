"""Fixtures shared by the end-to-end tests."""

from typing import Callable, Iterator, List

import pytest

from llmsdk import HttpClientOptions, LLMClient, Timeouts

KEY = "sk-test-SECRET-0123456789"

ClientFactory = Callable[..., LLMClient]


@pytest.fixture
def make_client(server) -> Iterator[ClientFactory]:
    """``make_client(dialect, **options)``: a client for ``dialect`` aimed at ``server``.
    The compatible client gets a ``.../v1`` base and no key, as local servers are used."""
    clients: List[LLMClient] = []

    def make(dialect: str, **kwargs: object) -> LLMClient:
        kwargs.setdefault("timeouts", Timeouts(connect=5, read=10))
        if dialect == "openai_compatible":
            options = HttpClientOptions.new_openai_compatible(server.url + "/v1", **kwargs)
        else:
            options = HttpClientOptions.for_provider(dialect, KEY, server.url, **kwargs)
        client = LLMClient.new(options)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()
