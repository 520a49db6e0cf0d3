"""``router.map`` with one deployment down: every row answered, usage and cost totals equal
what the servers billed; and the rest of the client's surface through the router."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, List

import pytest

from llmsdk import Router, Usage
from llmsdk.models import cost_of
from llmsdk.testing import FakeProviderServer, ScriptedReply, Stall, anthropic

from tests.router.conftest import MODEL, ask

#: What each answer of ``anthropic.text_reply`` bills.
PER_ANSWER = Usage(input_tokens=25, output_tokens=15)


def test_map_with_one_deployment_down(servers: Callable[..., List[FakeProviderServer]],
                                      deployment: Callable[..., Any]) -> None:
    down, b, c = servers(3)
    down.route("/v1/messages", anthropic.error_reply(529, "Overloaded"))
    deployments = [deployment(down), deployment(b), deployment(c)]
    router = Router({"g": deployments}, strategy="weighted", seed=5, allowed_fails=2)
    results = router.map([(f"row-{i}", ask(f"q{i}")) for i in range(60)], concurrency=8, progress=False)
    assert [r.key for r in results] == [f"row-{i}" for i in range(60)]
    assert all(r.ok for r in results), [r.error for r in results if not r.ok]
    answered = len(b.requests) + len(c.requests)
    assert answered == 60
    billed = Usage(PER_ANSWER.input_tokens * answered, PER_ANSWER.output_tokens * answered)
    assert router.get_usage() == billed
    assert router.get_cost() == pytest.approx(sum(r.response.cost for r in results), rel=1e-9)
    assert router.get_cost() == pytest.approx(answered * cost_of(MODEL, "anthropic", PER_ANSWER), rel=1e-9)
    assert router.get_usage(deployments[0]) == Usage()
    assert router.get_usage(deployments[1]) + router.get_usage(deployments[2]) == billed
    assert len(down.requests) <= 2 + 8  # the breaker opened after allowed_fails (plus calls already in flight)


def test_imap_and_a_failed_attempt_billed_before_the_fallback(servers: Callable[..., List[FakeProviderServer]],
                                                              deployment: Callable[..., Any]) -> None:
    a, b = servers(2)
    a.add_reply(anthropic.stream_error_reply("Overloaded"))  # message_start billed 25 input tokens, then failed
    da, db = deployment(a), deployment(b)
    router = Router({"g": [da, db]})
    results = list(router.imap([ask("q")], progress=False))
    assert results[0].response.text == "from B"
    assert router.get_usage_by_deployment() == {da.name: Usage(25, 1), db.name: PER_ANSWER}


@dataclass
class Answer:
    value: int


def test_parse_run_tools_and_count_tokens_through_the_router(servers: Callable[..., List[FakeProviderServer]],
                                                             deployment: Callable[..., Any]) -> None:
    a, b = servers(2)
    a.route("/v1/messages/count_tokens", anthropic.error_reply(503, "unavailable"))
    b.route("/v1/messages/count_tokens", type(anthropic.text_reply()).json(200, {"input_tokens": 42}))
    b.add_reply(anthropic.json_reply({"value": 7}))
    a.add_reply(anthropic.error_reply(500, "boom"))
    router = Router({"g": [deployment(a), deployment(b)]}, allowed_fails=100)
    assert router.count_tokens(ask()) == 42
    assert router.parse(ask(), Answer) == Answer(7)

    def add(x: int, y: int) -> int:
        """Add two numbers."""
        return x + y

    a.add_reply(anthropic.tool_use_reply("add", {"x": 2, "y": 3}), anthropic.text_reply("5"))
    final, transcript = router.run_tools(ask("2+3?"), [add])
    assert final.text == "5" and len(transcript) == 4


def test_leaving_imap_early_closes_the_routed_calls_in_flight(servers: Callable[..., List[FakeProviderServer]],
                                                               deployment: Callable[..., Any]) -> None:
    (a,) = servers(1)
    stalled = ScriptedReply.sse([anthropic.message_start(), Stall(20)])
    a.add_reply(anthropic.text_reply("first"), stalled, stalled)
    router = Router({"g": [deployment(a)]})
    results = router.imap([ask(f"q{i}") for i in range(3)], concurrency=3, progress=False)
    for result in results:
        assert result.response.text == "first"
        break
    results.close()  # type: ignore[attr-defined]
    assert a.wait_for_disconnect(2, timeout=10)
    assert len(a.requests) == 3
