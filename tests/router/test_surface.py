"""The rest of the router's surface: the stream it returns, embeddings, configuration, and
the verdict on each kind of error (pure)."""

from __future__ import annotations

import asyncio
import gc
import threading
from typing import Any, Callable, List

import pytest

from llmsdk import Deployment, HttpClientOptions, LLMClient, LLMEvent, RetryPolicy, Router, Usage
from llmsdk._routing.verdict import CONTEXT, DEPLOYMENT, REQUEST, judge
from llmsdk.errors import (
    AuthenticationError, BadRequestError, BrokenStreamError, ContextWindowExceededError, InvalidConfigError,
    InvalidRequestError, NotFoundError, RateLimitError, ReadTimeoutError, ServerError, StreamCancelledError,
    make_stream_error,
)
from llmsdk.testing import FakeProviderServer, ScriptedReply, anthropic, embeddings

from tests.conftest import gated_sse
from tests.router.conftest import ask


def test_recv_and_async_iteration(servers: Callable[..., List[FakeProviderServer]],
                                  deployment: Callable[..., Any]) -> None:
    a, b = servers(2)
    a.add_reply(anthropic.error_reply(529, "Overloaded"))
    router = Router({"g": [deployment(a), deployment(b)]})
    stream = router.send(ask())
    events = []
    while (event := stream.recv(timeout=10)) is not None:
        events.append(event)
    assert isinstance(events[-1], LLMEvent.Stop) and stream.final_response().text == "from B"
    assert stream.deployment.endswith(b.url.split("//")[1])

    async def collect() -> str:
        parts = []
        async for text in router.send(ask()).atext_stream():
            parts.append(text)
        return "".join(parts)

    assert asyncio.run(collect()) == "from A"  # A answers again: one failure is under allowed_fails
    assert router.get_usage() == Usage(50, 30)


def test_closing_or_dropping_a_stream_releases_its_deployment(servers: Callable[..., List[FakeProviderServer]],
                                                              deployment: Callable[..., Any]) -> None:
    gate = threading.Event()
    (a,) = servers(1)
    start, *text, stop = anthropic.text_block(0, "from A, held")
    held = gated_sse([anthropic.message_start(), start, text[0], gate, *text[1:], stop, *anthropic.message_end()])
    a.add_reply(held, held)
    d = deployment(a)
    router = Router({"g": [d]}, strategy="least_busy")
    try:
        stream = router.send(ask())
        assert router.status()[d.name]["in_flight"] == 1
        stream.close()
        assert router.status()[d.name]["in_flight"] == 0
        assert router.get_usage().input_tokens == 25  # what arrived was billed
        router.send(ask())  # dropped without closing
        gc.collect()
        assert router.status()[d.name]["in_flight"] == 0
    finally:
        gate.set()


def test_embed_through_the_router(servers: Callable[..., List[FakeProviderServer]]) -> None:
    a, b = servers(2)
    a.add_reply(ScriptedReply.json(503, {"error": {"type": "server_error", "message": "unavailable"}}))
    b.add_reply(embeddings.openai_reply(embeddings.vectors(0, 2)))
    clients = [LLMClient.new_openai(HttpClientOptions.new_openai(
        "sk-test", api_base=srv.url, retry_policy=RetryPolicy(max_retries=0))) for srv in (a, b)]
    first, second = (Deployment(c, "text-embedding-3-small") for c in clients)
    router = Router({"embed": [first, second]})
    result = router.embed(["hello", "world"], model="embed")
    assert len(result.vectors) == 2
    assert router.get_usage(second).input_tokens == 10 and router.get_usage(first) == Usage()
    for client in clients:
        client.close()


def test_deployment_names_and_configuration_errors(servers: Callable[..., List[FakeProviderServer]],
                                                   deployment: Callable[..., Any]) -> None:
    a, b = servers(2)
    da = deployment(a)
    assert da.name == f"anthropic:claude-haiku-4-5@{a.url.split('//')[1]}"
    assert repr(da).startswith("Deployment('anthropic:claude-haiku-4-5@")
    with pytest.raises(InvalidConfigError):
        Deployment(da.client, "claude-haiku-4-5", weight=0)
    with pytest.raises(InvalidConfigError):
        Deployment("not a client", "m")  # type: ignore[arg-type]
    with pytest.raises(InvalidConfigError, match="named"):
        Router({"g": [da], "h": [deployment(a)]})  # another client, the same name
    db = deployment(b)
    for kwargs in ({"fallbacks": {"g": ["nope"]}}, {"fallbacks": {"g": ["g"]}}, {"strategy": "random"},
                   {"cooldown": 0}, {"allowed_fails": 0}, {"refusal_fallbacks": {"x": ["g"]}}):
        with pytest.raises(InvalidConfigError):
            Router({"g": [da], "h": [db]}, **kwargs)


@pytest.mark.parametrize("error, kind, open_for", [
    (RateLimitError("slow", status=429), DEPLOYMENT, None),
    (RateLimitError("slow", status=429, retry_after=12.0), DEPLOYMENT, 12.0),
    (RateLimitError("quota", status=429, should_retry=False), DEPLOYMENT, 30.0),
    (ServerError("boom", status=500), DEPLOYMENT, None),
    (AuthenticationError("key", status=401), DEPLOYMENT, 30.0),
    (NotFoundError("model", status=404), DEPLOYMENT, None),
    (ReadTimeoutError("slow"), DEPLOYMENT, None),
    (BrokenStreamError("reset"), DEPLOYMENT, None),
    (make_stream_error("Overloaded", error_type="overloaded_error"), DEPLOYMENT, None),
    (InvalidConfigError("no credentials"), DEPLOYMENT, None),
    (BadRequestError("bad", status=400), REQUEST, None),
    (make_stream_error("bad", error_type="invalid_request_error"), REQUEST, None),
    (InvalidRequestError("bad"), REQUEST, None),
    (StreamCancelledError("closed"), REQUEST, None),
    (ContextWindowExceededError("too long", status=400), CONTEXT, None),
])
def test_verdicts(error: Any, kind: str, open_for: Any) -> None:
    verdict = judge(error, cooldown=30.0)
    assert (verdict.kind, verdict.open_for) == (kind, open_for)


def test_the_routed_stream_is_an_event_stream(servers: Callable[..., List[FakeProviderServer]],
                                              deployment: Callable[..., Any]) -> None:
    from llmsdk import EventStream

    (a,) = servers(1)
    a.add_reply(anthropic.json_reply({"value": 7}))
    with Router({"g": [deployment(a)]}).send(ask()) as stream:
        assert isinstance(stream, EventStream)
        assert list(stream.partial_objects())[-1] == {"value": 7}
        assert repr(stream).startswith("<RoutedStream anthropic:claude-haiku-4-5@")
