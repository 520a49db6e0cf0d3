"""Fault injection across deployments: every failure before content moves on; a failure
after content never produces a second answer; what is the request's own fault is raised."""

from __future__ import annotations

import logging
from typing import Any, Callable, List

import pytest

from llmsdk import LLMEvent, Router, Timeouts
from llmsdk.errors import (
    AllDeploymentsFailedError, AuthenticationError, BadRequestError, BrokenStreamError, ContextWindowExceededError,
    InvalidRequestError, ProviderStreamError, ServerError,
)
from llmsdk.testing import Disconnect, FakeProviderServer, ScriptedReply, Stall, anthropic

from tests.router.conftest import MODEL, ask


#: Failure kind -> the reply the failing deployment sends (before any content).
BEFORE_CONTENT = {
    "429": lambda: anthropic.error_reply(429, "slow down"),
    "429 retry-after": lambda: anthropic.error_reply(429, "slow down", headers={"retry-after": "120"}),
    "500": lambda: anthropic.error_reply(500, "boom"),
    "503": lambda: ScriptedReply.json(503, {"error": {"type": "api_error", "message": "unavailable"}}),
    "529 overloaded": lambda: anthropic.error_reply(529, "Overloaded"),
    "401 the deployment's key": lambda: anthropic.error_reply(401, "invalid x-api-key"),
    "403": lambda: anthropic.error_reply(403, "no access to this model"),
    "404 model not deployed here": lambda: anthropic.error_reply(404, "model not found"),
    "error event before content": lambda: anthropic.stream_error_reply("Overloaded"),
    "api_error event before content": lambda: anthropic.stream_error_reply("boom", status=500),
    "body ends before content": lambda: ScriptedReply.sse([anthropic.message_start()]),
    "reset before content": lambda: ScriptedReply.sse([anthropic.message_start(), Disconnect(reset=True)]),
    "malformed event": lambda: ScriptedReply.sse([anthropic.message_start(), b"event: content_block_start\ndata: {nope\n\n"]),
    "read timeout": lambda: ScriptedReply.sse([anthropic.message_start(), Stall(5)]),
    "only pings (content_idle)": lambda: anthropic.pings_only(count=20, interval=0.05),
}


def _read(router: Router, mode: str) -> Any:
    if mode == "complete":
        return router.complete(ask())
    with router.send(ask()) as stream:
        text = "".join(stream.text_stream())
        response = stream.final_response()
    assert response.text == text
    return response


@pytest.mark.parametrize("mode", ["complete", "send"])
@pytest.mark.parametrize("kind", list(BEFORE_CONTENT))
def test_every_failure_before_content_falls_back(servers: Callable[..., List[FakeProviderServer]],
                                                 deployment: Callable[..., Any], kind: str, mode: str,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    a, b = servers(2)
    a.add_reply(BEFORE_CONTENT[kind]())
    timeouts = Timeouts(connect=2, read=0.3, content_idle=0.3)
    router = Router({"g": [deployment(a, timeouts=timeouts), deployment(b)]})
    with caplog.at_level(logging.WARNING, logger="llmsdk.router"):
        response = _read(router, mode)
    assert response.text == "from B"
    assert response.provider == "anthropic" and response.model
    assert len(a.requests) == 1 and len(b.requests) == 1
    fallback_lines = [r for r in caplog.records if r.name == "llmsdk.router"]
    assert len(fallback_lines) == 1 and "moving on" in fallback_lines[0].getMessage()


@pytest.mark.parametrize("mode", ["complete", "send"])
def test_connection_refused_falls_back(servers: Callable[..., List[FakeProviderServer]],
                                       deployment: Callable[..., Any], mode: str) -> None:
    dead, b = servers(2)
    down = deployment(dead)
    dead.stop()  # nothing listens there any more: the connection is refused
    router = Router({"g": [down, deployment(b)]})
    assert _read(router, mode).text == "from B"


def test_resp_model_and_provider_say_who_answered(servers: Callable[..., List[FakeProviderServer]],
                                                  deployment: Callable[..., Any]) -> None:
    a, b = servers(2)
    a.add_reply(anthropic.error_reply(529, "Overloaded"))
    b.add_reply(anthropic.text_reply("hi", model="claude-haiku-4-5-20251001"))
    router = Router({"g": [deployment(a), deployment(b)]})
    response = router.complete(ask())
    assert (response.provider, response.model) == ("anthropic", "claude-haiku-4-5-20251001")
    assert b.requests[0].json["model"] == MODEL  # the deployment's model, not the group's name


# -- after content: never a second answer ------------------------------------------------------

AFTER_CONTENT = {
    "error event after text": lambda: anthropic.stream_error_reply("Overloaded", text_before="partial answer"),
    "reset after text": lambda: ScriptedReply.sse(
        anthropic.stream([anthropic.text_block(0, "partial answer")[:-1]], terminate=False) + [Disconnect(reset=True)]),
    "body ends after text": lambda: anthropic.truncated_reply("partial answer"),
}


@pytest.mark.parametrize("kind", list(AFTER_CONTENT))
def test_a_failure_after_content_is_raised_with_its_partial_and_nobody_else_is_asked(
        servers: Callable[..., List[FakeProviderServer]], deployment: Callable[..., Any], kind: str) -> None:
    a, b = servers(2)
    a.add_reply(AFTER_CONTENT[kind]())
    router = Router({"g": [deployment(a), deployment(b)]})
    received: List[str] = []
    with pytest.raises(Exception) as caught:
        with router.send(ask()) as stream:
            for event in stream:
                if isinstance(event, LLMEvent.PartialContent):
                    received.append(event.content.text)
    assert not isinstance(caught.value, AllDeploymentsFailedError)
    assert isinstance(caught.value, (ProviderStreamError, BrokenStreamError)) or "Incomplete" in type(caught.value).__name__
    assert "".join(received) == caught.value.partial_response.text != ""
    assert b.requests == []

    a.add_reply(AFTER_CONTENT[kind]())
    with pytest.raises(type(caught.value)) as again:
        router.complete(ask())
    assert again.value.partial_response.text.startswith("partial")
    assert b.requests == []


# -- the request's own fault ----------------------------------------------------------------------

def test_a_400_is_raised_and_nobody_else_is_asked(servers: Callable[..., List[FakeProviderServer]],
                                                  deployment: Callable[..., Any]) -> None:
    a, b = servers(2)
    a.add_reply(anthropic.error_reply(400, "messages: at least one message is required"))
    first = deployment(a)
    router = Router({"g": [first, deployment(b)]}, fallbacks=None, allowed_fails=1)
    with pytest.raises(BadRequestError):
        router.complete(ask())
    assert b.requests == []
    assert router.status()[first.name]["state"] == "closed"  # not the deployment's fault


def test_an_invalid_request_is_raised_before_any_server_sees_it(servers: Callable[..., List[FakeProviderServer]],
                                                                deployment: Callable[..., Any]) -> None:
    a, b = servers(2)
    router = Router({"g": [deployment(a), deployment(b)]})
    with pytest.raises(InvalidRequestError):
        router.complete(ask(temperature=-3.0))
    with pytest.raises(InvalidRequestError, match="router group"):
        router.complete(ask(group="nope"))
    assert a.requests == [] and b.requests == []


def test_context_window_goes_only_to_the_groups_named_for_it(servers: Callable[..., List[FakeProviderServer]],
                                                              deployment: Callable[..., Any]) -> None:
    a, b, long = servers(3)
    too_long = anthropic.error_reply(400, "prompt is too long: 250000 tokens > 200000 maximum")
    a.add_reply(too_long)
    router = Router({"g": [deployment(a), deployment(b)], "long": [deployment(long)]})
    with pytest.raises(ContextWindowExceededError):
        router.complete(ask())
    assert b.requests == [] and long.requests == []

    a.add_reply(too_long)
    router = Router({"g": [deployment(a), deployment(b)], "long": [deployment(long)]},
                    context_window_fallbacks={"g": ["long"]})
    assert router.complete(ask()).text == "from C"
    assert b.requests == []  # the same window: skipped


def test_refusal_fallback_is_opt_in(servers: Callable[..., List[FakeProviderServer]],
                                    deployment: Callable[..., Any]) -> None:
    a, other = servers(2)
    a.add_reply(anthropic.refusal_reply("I can't help with that."))
    groups = {"g": [deployment(a)], "other": [deployment(other)]}
    assert Router(groups).complete(ask()).refusal is not None
    assert other.requests == []

    a.add_reply(anthropic.refusal_reply("I can't help with that."))
    router = Router(groups, refusal_fallbacks={"g": ["other"]})
    assert router.complete(ask()).text == "from B"
    assert router.get_usage().input_tokens == 50  # the refusal was billed too


def test_fallback_groups_after_the_group_and_all_failed_error(servers: Callable[..., List[FakeProviderServer]],
                                                              deployment: Callable[..., Any]) -> None:
    a, b, c = servers(3)
    for srv in (a, b):
        srv.add_reply(anthropic.error_reply(500, "boom"))
    g, fast = [deployment(a), deployment(b)], deployment(c)
    router = Router({"g": g, "fast": [fast]}, fallbacks={"g": ["fast"]})
    assert router.complete(ask()).text == "from C"

    c.add_reply(anthropic.error_reply(401, "bad key"))
    for srv in (a, b):
        srv.add_reply(anthropic.error_reply(500, "boom"))
    with pytest.raises(AllDeploymentsFailedError) as caught:
        router.complete(ask())
    errors = caught.value.errors
    assert list(errors) == [g[0].name, g[1].name, fast.name]
    assert [type(e) for e in errors.values()] == [ServerError, ServerError, AuthenticationError]


def test_attempts_are_bounded_by_the_deployments_own_retries(servers: Callable[..., List[FakeProviderServer]],
                                                             deployment: Callable[..., Any]) -> None:
    """The router never retries: each deployment once, with its client's own retries."""
    a, b, c = servers(3)
    failing = ScriptedReply.json(503, {"error": {"type": "api_error", "message": "unavailable"}})
    for srv in (a, b, c):
        srv.route("/v1/messages", failing)
    router = Router({"g": [deployment(a, max_retries=2), deployment(b, max_retries=1)],
                     "fast": [deployment(c, max_retries=0)]}, fallbacks={"g": ["fast"]}, allowed_fails=100)
    with pytest.raises(AllDeploymentsFailedError):
        router.complete(ask())
    assert [len(s.requests) for s in (a, b, c)] == [3, 2, 1]
