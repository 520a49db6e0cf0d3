"""Regression tests for engine defects found from outside (issue 10), over real HTTP."""

from __future__ import annotations

import time
from typing import Any, List, Sequence

import pytest

from llmsdk import HttpClientOptions, LLMClient, LLMRequest, RetryPolicy, Timeouts, Tool
from llmsdk.errors import (
    BrokenStreamError, ConnectionFailedError, ContentIdleTimeoutError, IncompleteStreamError, InvalidRequestError,
    OverloadedError, RateLimitError, TotalTimeoutError, TransportError,
)
from llmsdk.events import _Event
from llmsdk.providers import LLMProvider, register_provider, unregister_provider
from llmsdk.providers.anthropic.client import AnthropicAdapter
from llmsdk.providers.anthropic.stream import AnthropicStreamProcessor
from llmsdk.testing import Disconnect, ScriptedReply, Stall
from llmsdk.testing import anthropic as A

from ..conftest import TEST_KEY, simple_request


def broken_after_text(text: str, *, reset: bool) -> ScriptedReply:
    """A stream that delivers ``text`` and then loses its connection, body unfinished."""
    body: List[Any] = [A.message_start(), *A.text_block(0, text)[:-1], Disconnect(reset=reset)]
    return ScriptedReply.sse(body)


@pytest.mark.parametrize("reset", [True, False], ids=["rst", "fin-mid-chunked-body"])
def test_connection_lost_after_content_is_incomplete_and_a_connection_failure(server, anthropic_client, reset):
    server.add_reply(broken_after_text("Half an ans", reset=reset))
    stream = anthropic_client(max_retries=0).send(simple_request())
    texts: List[str] = []
    with pytest.raises(BrokenStreamError) as info:
        texts.extend(stream.text_stream())
    assert isinstance(info.value, IncompleteStreamError) and isinstance(info.value, ConnectionFailedError)
    assert "".join(texts) == "Half an ans"
    assert info.value.partial_response.text == "Half an ans"


def test_connection_lost_in_complete_is_incomplete_too(server, anthropic_client):
    server.add_reply(broken_after_text("Partial", reset=True))
    with pytest.raises(BrokenStreamError) as info:
        anthropic_client(max_retries=0).complete(simple_request())
    assert info.value.partial_response.text == "Partial"


def test_connection_lost_before_any_content_is_retried(server, anthropic_client):
    server.add_reply(ScriptedReply.sse([A.message_start(), Disconnect(reset=True)]), A.text_reply("second try"))
    client = anthropic_client(max_retries=1, retry_policy=RetryPolicy(max_retries=1, initial_delay=0.01))
    assert client.complete(simple_request()).text == "second try"
    assert len(server.requests) == 2


@pytest.mark.parametrize("bad", [
    {"type": "object", "properties": {"x": {"enum": {1, 2}}}},  # a set
    {"type": "object", "properties": {"x": {"minimum": float("nan")}}},
])
def test_unserialisable_request_is_invalid_before_any_http(server, anthropic_client, bad):
    tool = Tool(name="t", description="d", input_schema=bad)
    with pytest.raises(InvalidRequestError, match="cannot be sent as JSON"):
        anthropic_client().complete(simple_request(tools=[tool]))
    with pytest.raises(InvalidRequestError):
        anthropic_client().send(simple_request(tools=[tool]))
    with pytest.raises(InvalidRequestError):
        anthropic_client().count_tokens(simple_request(tools=[tool]))
    assert server.requests == []


def test_keep_alive_pings_do_not_hold_complete_open(server, anthropic_client):
    server.add_reply(A.pings_only(count=200, interval=0.05))
    client = anthropic_client(timeouts=Timeouts(connect=5, read=10, content_idle=0.4))
    with pytest.raises(ContentIdleTimeoutError):
        client.complete(simple_request())


def test_a_silent_server_trips_content_idle_in_complete(server, anthropic_client):
    server.add_reply(ScriptedReply.sse([A.message_start(), Stall(max_seconds=10)]))
    client = anthropic_client(timeouts=Timeouts(connect=5, read=10, content_idle=0.3))
    with pytest.raises(ContentIdleTimeoutError):
        client.complete(simple_request())


def test_total_bounds_complete_while_content_trickles(server, anthropic_client):
    server.add_reply(A.text_reply("x" * 3000, chunk=1).with_pauses(0.01))  # 30 s of trickle, no read gap
    client = anthropic_client(timeouts=Timeouts(connect=5, read=10, total=2))
    started = time.monotonic()
    with pytest.raises(TotalTimeoutError) as info:
        client.complete(simple_request())
    assert time.monotonic() - started < 15
    kept = info.value.partial_response.text
    assert kept and kept == "x" * len(kept)  # what arrived is kept (2 s is ample for the first delta)


class _BuggyProcessor(AnthropicStreamProcessor):
    def process(self, event: str, data: str) -> Sequence[_Event]:
        out = super().process(event, data)
        if out:
            raise ZeroDivisionError("a bug in a stream processor")
        return out


class _BuggyAdapter(AnthropicAdapter):
    name = "buggy"

    def stream_processor(self, request: LLMRequest) -> AnthropicStreamProcessor:
        return _BuggyProcessor()


@pytest.fixture
def buggy_client(server):
    register_provider(LLMProvider("buggy", "Buggy", adapter=_BuggyAdapter, env_var=""), replace=True)
    client = LLMClient(HttpClientOptions.for_provider("buggy", "k", server.url, max_retries=0))
    yield client
    client.close()
    unregister_provider("buggy")


def test_a_bug_in_a_processor_surfaces_as_itself(server, buggy_client):
    server.add_reply(A.text_reply("hello"), A.text_reply("hello"))
    with pytest.raises(ZeroDivisionError, match="a bug in a stream processor") as info:
        list(buggy_client.send(simple_request()))
    assert not isinstance(info.value, TransportError)
    with pytest.raises(ZeroDivisionError):
        buggy_client.complete(simple_request())


def test_total_bounds_the_waits_between_retries(server, anthropic_client):
    server.add_reply(A.error_reply(429, "rate_limit_error", "slow down", headers={"retry-after": "30"}),
                     A.text_reply("too late"))
    client = anthropic_client(timeouts=Timeouts(connect=5, read=10, total=10))
    started = time.monotonic()
    with pytest.raises(RateLimitError) as info:
        client.complete(simple_request())
    assert info.value.retry_after == 30
    assert len(server.requests) == 1  # the 30 s wait would pass the 10 s budget: no retry
    assert time.monotonic() - started < 8  # and no sleeping out the budget either


def test_backoff_that_would_pass_total_is_not_slept(server, anthropic_client):
    server.add_reply(A.error_reply(503, "overloaded_error", "busy"), A.text_reply("too late"))
    client = anthropic_client(timeouts=Timeouts(connect=5, read=10, total=10),
                              retry_policy=RetryPolicy(max_retries=2, initial_delay=30, max_delay=30))
    started = time.monotonic()
    with pytest.raises(OverloadedError) as info:
        client.complete(simple_request())
    assert info.value.status == 503 and len(server.requests) == 1
    assert time.monotonic() - started < 8


def test_a_retry_after_longer_than_the_policy_allows_gives_up_at_once(server, anthropic_client):
    server.add_reply(A.error_reply(429, "rate_limit_error", "daily quota", headers={"retry-after": "3600"}),
                     A.text_reply("never"))
    with pytest.raises(RateLimitError) as info:
        anthropic_client(max_retries=2).complete(simple_request())
    assert info.value.retry_after == 3600
    assert len(server.requests) == 1


def test_a_retry_after_within_the_policy_is_still_honoured(server, anthropic_client):
    server.add_reply(A.error_reply(429, "rate_limit_error", "slow", headers={"retry-after-ms": "50"}),
                     A.text_reply("ok"))
    assert anthropic_client(max_retries=1).complete(simple_request()).text == "ok"
    assert len(server.requests) == 2


def test_connect_and_read_timeouts_are_trimmed_to_the_time_left(server):
    from llmsdk._engine.http import HttpEngine

    options = HttpClientOptions.new_anthropic(TEST_KEY, api_base=server.url, timeouts=Timeouts(connect=10, read=600))
    engine = HttpEngine(options, options.provider.adapter())
    try:
        connect, read = engine._timeout(time.monotonic() + 5.0)
        assert 0 < connect == read <= 5.0  # both trimmed to the same time left
        connect, read = engine._timeout(time.monotonic() + 60.0)
        assert connect == 10 and 0 < read <= 60.0  # connect fits: only read is trimmed
        assert engine._timeout(None) == (10, 600)
        assert engine._timeout(None, read_cap=30) == (10, 30)
        with pytest.raises(TotalTimeoutError):
            engine._timeout(time.monotonic() - 1)
    finally:
        engine.close()
