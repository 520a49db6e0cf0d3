"""Strategies distribute within tolerance (seeded): ordered, weighted, least_busy, latency."""

from __future__ import annotations

import random
import threading
from collections import Counter
from typing import Any, Callable, List

import pytest

from llmsdk import Router
from llmsdk._routing.strategy import LatencyTracker, order
from llmsdk.errors import InvalidConfigError
from llmsdk.testing import FakeProviderServer, Pause, anthropic

from tests.conftest import gated_sse
from tests.router.conftest import ask


def test_weighted_first_picks_follow_the_weights() -> None:
    rng = random.Random(7)
    firsts = Counter(order("weighted", ["a", "b", "c"], [1, 2, 7], rng, LatencyTracker())[0] for _ in range(4000))
    shares = {name: count / 4000 for name, count in firsts.items()}
    assert shares == pytest.approx({"a": 0.1, "b": 0.2, "c": 0.7}, abs=0.03)


def test_weighted_end_to_end(servers: Callable[..., List[FakeProviderServer]], deployment: Callable[..., Any]) -> None:
    a, b = servers(2)
    router = Router({"g": [deployment(a, weight=1), deployment(b, weight=3)]}, strategy="weighted", seed=3)
    answers = Counter(router.complete(ask()).text for _ in range(80))
    assert answers["from B"] / 80 == pytest.approx(0.75, abs=0.15)


def test_ordered_asks_the_first_healthy_one(servers: Callable[..., List[FakeProviderServer]],
                                            deployment: Callable[..., Any]) -> None:
    a, b = servers(2)
    router = Router({"g": [deployment(a), deployment(b)]})
    assert {router.complete(ask()).text for _ in range(5)} == {"from A"}


def _held_reply(gate: threading.Event, label: str) -> Any:
    start, *text, stop = anthropic.text_block(0, f"from {label}")
    return gated_sse([anthropic.message_start(), start, text[0], gate, *text[1:], stop, *anthropic.message_end()])


def test_least_busy_spreads_calls_in_flight(servers: Callable[..., List[FakeProviderServer]],
                                            deployment: Callable[..., Any]) -> None:
    gate = threading.Event()
    trio = servers(3)
    for srv, label in zip(trio, "ABC"):
        srv.add_reply(_held_reply(gate, label))
    deployments = [deployment(srv) for srv in trio]
    router = Router({"g": deployments}, strategy="least_busy", seed=1)
    try:
        streams = [router.send(ask()) for _ in range(3)]  # each returns at its first event, still in flight
        assert sorted(s.deployment for s in streams) == sorted(d.name for d in deployments)
        assert {v["in_flight"] for v in router.status().values()} == {1}
    finally:
        gate.set()
    assert sorted(s.final_response().text for s in streams) == ["from A", "from B", "from C"]
    assert {v["in_flight"] for v in router.status().values()} == {0}


def test_latency_prefers_the_fastest_first_event(servers: Callable[..., List[FakeProviderServer]],
                                                 deployment: Callable[..., Any]) -> None:
    slow, fast = servers(2)
    slow_reply = anthropic.text_reply("from A")
    slow.route("/v1/messages", type(slow_reply)(body=[slow_reply.body[0], Pause(0.2), *slow_reply.body[1:]]))
    router = Router({"g": [deployment(slow), deployment(fast)]}, strategy="latency")
    answers = []
    for _ in range(6):
        with router.send(ask()) as stream:
            answers.append(stream.final_response().text)
    assert answers == ["from A"] + ["from B"] * 5  # each measured once, then the fastest
    latencies = [v["latency"] for v in router.status().values()]
    assert latencies[0] > 0.15 > latencies[1]


def test_bad_configuration_is_refused() -> None:
    with pytest.raises(InvalidConfigError):
        Router({})
    with pytest.raises(InvalidConfigError):
        Router({"g": []})
    with pytest.raises(InvalidConfigError):
        Router({"g": ["not a deployment"]})  # type: ignore[list-item]
