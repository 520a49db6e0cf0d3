"""Two real processes share one ``RedisRateLimiter`` (a real redis-server) against one
FakeProviderServer; the server counts arrivals per second."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path
import threading
from typing import List

import pytest

from llmsdk import RedisRateLimiter
from llmsdk.errors import InvalidConfigError
from llmsdk.testing import FakeProviderServer

from ..conftest import TEST_KEY
from .echo import Echo

REPO = Path(__file__).resolve().parents[2]
RPM = 300           # 5 requests a second between both processes
RATE = RPM / 60
PER_PROCESS = 10

SCRIPT = textwrap.dedent(f"""
    import sys
    from llmsdk import HttpClientOptions, LLMClient, LLMMessage, LLMRequest, RedisRateLimiter
    url, redis_url, key, tag = sys.argv[1:5]
    client = LLMClient.new_anthropic(HttpClientOptions.new_anthropic({TEST_KEY!r}, api_base=url))
    limiter = RedisRateLimiter(redis_url, key, requests_per_minute={RPM})
    items = [LLMRequest(model="claude-haiku-4-5", messages=[LLMMessage.user(f"{{tag}}-{{i}}")])
             for i in range({PER_PROCESS})]
    print("ready", flush=True)
    sys.stdin.readline()  # "go": both processes start together
    results = client.map(items, concurrency=8, limiter=limiter, progress=False)
    print("ok", sum(r.ok for r in results), flush=True)
""")


def per_second_peak(times: List[float]) -> int:
    """The most arrivals in any one-second window (closed at both ends)."""
    times = sorted(times)
    return max((sum(1 for u in times if t <= u <= t + 1.0) for t in times), default=0)


def test_two_processes_share_one_quota(server: FakeProviderServer, redis_url: str) -> None:
    echo = Echo()
    server.route("/v1/messages", echo)
    key = f"shared-{uuid.uuid4().hex[:8]}"
    env = dict(os.environ, PYTHONPATH=str(REPO), PYTHONUNBUFFERED="1")
    procs = [subprocess.Popen([sys.executable, "-c", SCRIPT, server.url, redis_url, key, tag], env=env,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for tag in ("a", "b")]
    try:
        for proc in procs:
            assert proc.stdout is not None and proc.stdout.readline().strip() == "ready", proc.stderr
        go = time.monotonic()
        for proc in procs:
            assert proc.stdin is not None
            proc.stdin.write("go\n")
            proc.stdin.flush()
        outputs = [proc.communicate(timeout=60) for proc in procs]
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait(10)

    for proc, (out, err) in zip(procs, outputs):
        assert proc.returncode == 0 and out.strip() == f"ok {PER_PROCESS}", err
    total = 2 * PER_PROCESS
    assert len(echo.times) == total
    spans = {tag: [t for t, p in zip(echo.times, echo.prompts) if p.startswith(tag)] for tag in ("a", "b")}
    assert max(min(s) for s in spans.values()) < min(max(s) for s in spans.values())  # both ran at once
    # One shared schedule: 5 a second between both processes, nothing saved up, so the
    # last request cannot go before (20 - 1) / 5 s after "go" (a floor load cannot break:
    # the clock starts before either process asks), and no one-second window at the server
    # holds more than the share plus one (the old one-second bucket let 10 through).
    assert max(echo.times) - go >= (total - 1) / RATE * 0.95, max(echo.times) - go
    assert per_second_peak(echo.times) <= RATE + 1, sorted(echo.times)


def test_a_key_records_its_rates_and_other_rates_are_refused(redis_url: str) -> None:
    key = f"rates-{uuid.uuid4().hex[:8]}"
    first = RedisRateLimiter(redis_url, key, requests_per_minute=600, input_tokens_per_minute=40_000)
    assert first.acquire(10, threading.Event()) is not None
    same = RedisRateLimiter(redis_url, key, requests_per_minute=600, input_tokens_per_minute=40_000)
    assert same.acquire(10, threading.Event()) is not None
    other = RedisRateLimiter(redis_url, key, requests_per_minute=1200, input_tokens_per_minute=40_000)
    with pytest.raises(InvalidConfigError, match="600/0/40000/0.*1200/0/40000/0"):
        other.acquire(10, threading.Event())
    other.reset()  # start the key afresh at the new rates
    assert other.acquire(10, threading.Event()) is not None
    with pytest.raises(InvalidConfigError):
        first.pause(1)
