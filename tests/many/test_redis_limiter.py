"""Two real processes share one ``RedisRateLimiter`` (a real redis-server) against one
FakeProviderServer; the server counts arrivals per second."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path
from typing import List

from llmsdk.testing import FakeProviderServer

from ..conftest import TEST_KEY
from .echo import Echo

REPO = Path(__file__).resolve().parents[2]
RPM = 1200          # 20 requests a second; the bucket holds one second (20)
RATE, BURST = RPM / 60, RPM / 60
PER_PROCESS = 30

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


def per_second_peaks(times: List[float], start: float) -> int:
    """The most arrivals in any one-second window opening at or after ``start``."""
    times = sorted(times)
    return max((sum(1 for u in times if t <= u < t + 1.0) for t in times if t >= start), default=0)


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
    first, last = min(echo.times), max(echo.times)
    # One shared bucket: its first second's worth at once, then 20 a second between both
    # processes; no one-second window holds more than the bucket plus a second of refill
    # (a little slack: arrival times jitter on a loaded machine). Two separate buckets would
    # let through twice as much and fail both.
    assert last - first >= (total - BURST) / RATE * 0.9, last - first
    assert per_second_peaks(echo.times, first) <= BURST + RATE + 4
