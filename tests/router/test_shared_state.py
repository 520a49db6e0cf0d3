"""``shared_state="redis://..."``: two processes sharing one real redis-server see each
other's open breakers and calls in flight."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any, Callable, List

import pytest

from llmsdk import Router
from llmsdk.errors import InvalidConfigError
from llmsdk.testing import FakeProviderServer, anthropic

from tests.conftest import gated_sse
from tests.router.conftest import ask

REPO = Path(__file__).resolve().parents[2]

#: The other process: a router over deployments at the given URLs (named alike in both
#: processes), one call, then what it saw as JSON on stdout.
CHILD = r"""
import json, sys
from llmsdk import Deployment, HttpClientOptions, LLMClient, LLMMessage, LLMRequest, RetryPolicy, Router

redis_url, strategy, *urls = sys.argv[1:]
deployments = [Deployment(LLMClient.new_anthropic(HttpClientOptions.new_anthropic(
    "sk-ant-test", api_base=url, retry_policy=RetryPolicy(max_retries=0))), "claude-haiku-4-5") for url in urls]
router = Router({"g": deployments}, strategy=strategy, shared_state=redis_url)
response = router.complete(LLMRequest(model="g", messages=[LLMMessage.user("hi")], max_tokens=16))
print(json.dumps({"text": response.text, "status": {n: s["state"] for n, s in router.status().items()}}))
"""


def _child(redis_url: str, strategy: str, *servers: FakeProviderServer) -> Any:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    done = subprocess.run([sys.executable, "-c", CHILD, redis_url, strategy, *(s.url for s in servers)],
                          env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_two_processes_see_each_others_open_breakers(redis_url: str,
                                                     servers: Callable[..., List[FakeProviderServer]],
                                                     deployment: Callable[..., Any]) -> None:
    a, b = servers(2)
    a.add_reply(anthropic.error_reply(429, "slow down", headers={"retry-after": "300"}))
    seen = _child(redis_url, "ordered", a, b)  # the other process opens A's breaker
    assert seen["text"] == "from B"
    da, db = deployment(a), deployment(b)
    assert seen["status"][da.name] == "open"

    router = Router({"g": [da, db]}, shared_state=redis_url)
    assert router.status()[da.name]["state"] == "open"
    assert router.complete(ask()).text == "from B"
    assert len(a.requests) == 1  # this process never asked A

    b.add_reply(anthropic.error_reply(401, "invalid x-api-key"))
    router.reset()
    asked_b = len(b.requests)
    router = Router({"g": [db, da]}, shared_state=redis_url, allowed_fails=1)
    assert router.complete(ask()).text == "from A"  # B's key rejected here: its breaker opens for everyone
    assert router.complete(ask()).text == "from A"
    seen = _child(redis_url, "ordered", b, a)
    assert seen["text"] == "from A" and seen["status"][db.name] == "open"
    assert len(b.requests) == asked_b + 1  # only the 401: neither process asked B again
    router.reset()


def test_least_busy_counts_the_other_processes_calls(redis_url: str, servers: Callable[..., List[FakeProviderServer]],
                                                     deployment: Callable[..., Any]) -> None:
    a, b = servers(2)
    gate = threading.Event()
    start, *text, stop = anthropic.text_block(0, "from A (held)")
    a.add_reply(gated_sse([anthropic.message_start(), start, text[0], gate, *text[1:], stop,
                           *anthropic.message_end()]))
    da, db = deployment(a), deployment(b)
    router = Router({"g": [da]}, strategy="least_busy", shared_state=redis_url)
    try:
        held = router.send(ask())  # in flight on A, in Redis
        assert _child(redis_url, "least_busy", a, b)["text"] == "from B"
    finally:
        gate.set()
    assert held.final_response().text == "from A (held)"
    assert Router({"g": [da, db]}, shared_state=redis_url).status()[da.name]["in_flight"] == 0


def test_shared_state_must_be_a_redis_url(servers: Callable[..., List[FakeProviderServer]],
                                          deployment: Callable[..., Any]) -> None:
    (a,) = servers(1)
    with pytest.raises(InvalidConfigError):
        Router({"g": [deployment(a)]}, shared_state="memcached://x")


def test_calls_go_on_when_redis_is_unreachable(tmp_path: Path, servers: Callable[..., List[FakeProviderServer]],
                                               deployment: Callable[..., Any], caplog: pytest.LogCaptureFixture) -> None:
    pytest.importorskip("redis")
    a, b = servers(2)
    a.route("/v1/messages", anthropic.error_reply(500, "boom"))
    da = deployment(a)
    router = Router({"g": [da, deployment(b)]}, shared_state=f"unix://{tmp_path}/no-redis.sock", allowed_fails=1)
    assert router.complete(ask()).text == "from B"
    assert router.complete(ask()).text == "from B"
    assert len(a.requests) == 1  # this process's own breaker opened meanwhile
    assert router.status()[da.name]["state"] == "open"
    warnings = [r.getMessage() for r in caplog.records if "Redis" in r.getMessage()]
    assert len(warnings) == 1 and "keeping breakers in this process" in warnings[0]
