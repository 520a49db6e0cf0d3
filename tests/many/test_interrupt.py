"""Ctrl-C: a real SIGINT to a subprocess running ``client.map`` with a checkpoint, then a
rerun that sends exactly the items that had not finished."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from llmsdk.testing import FakeProviderServer

from ..conftest import TEST_KEY, wait_until
from .echo import Echo, ask, echo_client, prompt_of

REPO = Path(__file__).resolve().parents[2]
N = 40
FAST = 8  # q0..q7 answer at once; the rest stall until the client hangs up

SCRIPT = textwrap.dedent(f"""
    import sys
    from llmsdk import HttpClientOptions, LLMClient, LLMMessage, LLMRequest
    url, checkpoint = sys.argv[1], sys.argv[2]
    client = LLMClient.new_anthropic(HttpClientOptions.new_anthropic({TEST_KEY!r}, api_base=url))
    items = [(f"k{{i}}", LLMRequest(model="claude-haiku-4-5", messages=[LLMMessage.user(f"q{{i}}")]))
             for i in range({N})]
    print("started", flush=True)
    client.map(items, concurrency=4, progress=False, checkpoint=checkpoint)
    print("finished", flush=True)
""")


def checkpoint_keys(path: Path) -> list:
    if not path.exists():
        return []
    return [json.loads(line)["key"] for line in path.read_text(encoding="utf-8").splitlines() if line]


def test_ctrl_c_stops_promptly_and_a_rerun_sends_exactly_the_unfinished_keys(
        server: FakeProviderServer, tmp_path: Path) -> None:
    echo = Echo(stall={f"q{i}" for i in range(FAST, N)})
    server.route("/v1/messages", echo)
    checkpoint = tmp_path / "run.jsonl"
    env = dict(os.environ, PYTHONPATH=str(REPO), PYTHONUNBUFFERED="1")
    proc = subprocess.Popen([sys.executable, "-c", SCRIPT, server.url, str(checkpoint)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert wait_until(lambda: len(checkpoint_keys(checkpoint)) == FAST and len(echo.prompts) >= FAST + 4,
                          timeout=30), (echo.prompts, proc.poll())
        stalled = len(echo.prompts) - FAST
        proc.send_signal(signal.SIGINT)
        interrupted = time.monotonic()
        out, err = proc.communicate(timeout=20)
        took = time.monotonic() - interrupted
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)

    assert proc.returncode != 0 and "KeyboardInterrupt" in err and "finished" not in out
    assert took < 5, took
    done = checkpoint_keys(checkpoint)
    assert sorted(done) == sorted(f"k{i}" for i in range(FAST))
    assert checkpoint.read_text(encoding="utf-8").endswith("\n")
    assert stalled <= 2 * 4  # never more than the read-ahead window was sent

    first_run = len(echo.prompts)
    echo.stall.clear()
    client = echo_client(server)
    results = client.map([(f"k{i}", ask(f"q{i}")) for i in range(N)], concurrency=8, progress=False,
                         checkpoint=checkpoint)

    resent = sorted(echo.prompts[first_run:])
    assert resent == sorted(f"q{i}" for i in range(FAST, N))  # each unfinished key once, no finished key
    assert all(r.ok for r in results) and [r.key for r in results] == [f"k{i}" for i in range(N)]
    assert sorted(checkpoint_keys(checkpoint)) == sorted(f"k{i}" for i in range(N))
    assert all(prompt_of(r).startswith("q") for r in server.requests)
