"""One stdio server shared by many threads; close() and interpreter exit leave no child
and no thread; calls work on a thread that runs an asyncio loop (a notebook cell)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Dict, List

import pytest

from llmsdk.mcp import MCPServer

from ._servers import stdio_command, threads_now

TINY = str(Path(__file__).parent / "tiny_server.py")


def _alive(pid: int) -> bool:
    """Whether ``pid`` is a live process (a zombie counts: it was not reaped)."""
    return os.path.exists(f"/proc/{pid}")


@pytest.mark.parametrize("line", ["1", "2"])
def test_eight_threads_on_one_stdio_server_get_their_own_answers(line: str) -> None:
    with MCPServer.stdio(stdio_command(line), timeout=30) as srv:
        start = threading.Barrier(8)
        answers: Dict[int, List[str]] = {}

        def work(n: int) -> None:
            start.wait(timeout=30)
            answers[n] = [srv.call_tool("slow_echo", {"text": f"thread {n} call {i}", "delay": 0.01 * ((n + i) % 3)})
                          .text for i in range(5)]

        threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert answers == {n: [f"thread {n} call {i}" for i in range(5)] for n in range(8)}


def test_fifty_open_close_cycles_leave_no_child_and_no_thread() -> None:
    before = set(threading.enumerate())
    pids = []
    for _ in range(50):
        with MCPServer.stdio([sys.executable, TINY], timeout=10) as srv:
            pids.append(srv._transport.pid)
            assert srv.call_tool("shout", {"text": "x"}).text == "X"
    assert not [pid for pid in pids if _alive(pid)]
    assert threads_now() == []
    assert set(threading.enumerate()) <= before


def test_close_is_idempotent_and_a_closed_server_refuses_calls() -> None:
    srv = MCPServer.stdio([sys.executable, TINY], timeout=10)
    srv.close()
    srv.close()
    with pytest.raises(Exception, match="closed"):
        srv.call_tool("shout", {"text": "x"})
    assert threads_now() == []


def test_interpreter_exit_leaves_no_child() -> None:
    script = (f"import sys; from llmsdk.mcp import MCPServer; "
              f"srv = MCPServer.stdio([sys.executable, {TINY!r}]); print(srv._transport.pid, flush=True)")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    assert done.returncode == 0, done.stderr
    assert not _alive(int(done.stdout.split()[0]))


def test_calls_work_on_a_thread_that_runs_an_asyncio_loop() -> None:
    """A notebook cell: synchronous code called while an event loop runs on this thread."""
    results: List[str] = []

    async def cell() -> None:
        with MCPServer.stdio([sys.executable, TINY], timeout=10) as srv:
            results.append(srv.call_tool("shout", {"text": "from a loop"}).text)
            results.append(str([t.name for t in srv.tools()]))

    def run_loop() -> None:
        asyncio.run(cell())

    worker = threading.Thread(target=run_loop)
    worker.start()
    worker.join(timeout=30)
    asyncio.run(cell())  # and on the main thread's loop
    assert results == ["FROM A LOOP", "['shout', 'data']"] * 2


def test_import_llmsdk_does_not_import_llmsdk_mcp() -> None:
    done = subprocess.run([sys.executable, "-c", "import sys, llmsdk; from llmsdk import LLMClient, MCPError; "
                           "print('llmsdk.mcp' in sys.modules, 'mcp' in sys.modules)"],
                          capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    assert done.stdout.split() == ["False", "False"], done.stderr


def test_llmsdk_mcp_runs_without_asyncio_or_the_mcp_package() -> None:
    script = (f"import sys; sys.modules['mcp'] = None; sys.modules['asyncio'] = None\n"
              f"from llmsdk.mcp import MCPServer\n"
              f"with MCPServer.stdio([sys.executable, {TINY!r}]) as srv: print(srv.call_tool('shout', {{'text': 'ok'}}).text)")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    assert done.stdout.strip() == "OK", done.stderr[-2000:]


def test_the_child_inherits_no_secrets_only_what_env_adds(monkeypatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-SECRET")
    script = ("import json, os, sys\n"
              "for line in sys.stdin:\n"
              "    m = json.loads(line)\n"
              "    if 'id' not in m: continue\n"
              "    result = {'protocolVersion': '2025-06-18', 'capabilities': {}, 'serverInfo': {'name': 'env'},\n"
              "              'tools': [{'name': k, 'inputSchema': {'type': 'object'}} for k in sorted(os.environ)]}\n"
              "    print(json.dumps({'jsonrpc': '2.0', 'id': m['id'], 'result': result}), flush=True)\n")
    with MCPServer.stdio([sys.executable, "-c", script], env={"TOKEN": "t"}) as srv:
        names = {t.name for t in srv.tools()}
    assert {"TOKEN", "PATH"} <= names and "OPENAI_API_KEY" not in names
