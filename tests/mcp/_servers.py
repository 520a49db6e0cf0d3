"""Real MCP servers for the tests, built with the official ``mcp`` package: the 1.x line
from this interpreter (the ``test`` extra pins ``mcp<2``) and the 2.x line from a second
virtualenv (the two cannot share one): ``$LLMSDK_MCP2_PYTHON``, else
``~/.cache/llmsdk-tests/mcp2/bin/python``, which ``.ci/run`` creates with
``python -m venv ... && pip install 'mcp>=2,<3'``. A missing line skips its tests with
one line, or fails them under ``LLMSDK_REQUIRE_SYSTEM_DEPS=1``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List

import pytest

from llmsdk.mcp import MCPServer

HERE = Path(__file__).parent
DEMO = str(HERE / "demo_server.py")
MCP2_VENV = Path(os.path.expanduser("~/.cache/llmsdk-tests/mcp2"))
LINES = ("1", "2")


def _missing(reason: str) -> None:
    if os.environ.get("LLMSDK_REQUIRE_SYSTEM_DEPS") == "1":
        pytest.fail(f"{reason} (LLMSDK_REQUIRE_SYSTEM_DEPS=1)")
    pytest.skip(reason)


_PYTHONS: Dict[str, str] = {}


def mcp_python(line: str) -> str:
    """The interpreter whose ``mcp`` package is on the ``line`` ("1" or "2") major version."""
    if line in _PYTHONS:
        return _PYTHONS[line]
    if line == "1":
        python = sys.executable
    else:
        python = os.environ.get("LLMSDK_MCP2_PYTHON") or str(MCP2_VENV / "bin" / "python")
        if not os.path.exists(python):
            _missing(f"no mcp 2.x virtualenv at {python} (.ci/run creates it: pip install 'mcp>=2,<3')")
    probe = subprocess.run([python, "-c", "import importlib.metadata as m; print(m.version('mcp'))"],
                           capture_output=True, text=True, timeout=60)
    version = probe.stdout.strip()
    if probe.returncode != 0 or not version.startswith(f"{line}."):
        _missing(f"the official mcp {line}.x package is not installed for {python} (found {version or 'none'})")
    _PYTHONS[line] = python
    return python


def stdio_command(line: str) -> List[str]:
    return [mcp_python(line), DEMO]


class HttpDemo:
    """The demo server on streamable HTTP, in a child process, on a free 127.0.0.1 port."""

    def __init__(self, line: str) -> None:
        self.proc = subprocess.Popen([mcp_python(line), DEMO, "http"], stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, text=True)
        assert self.proc.stdout is not None
        port = self.proc.stdout.readline().strip()
        if not port.isdigit():
            self.stop()
            pytest.fail(f"the mcp {line}.x HTTP demo server did not start")
        self.url = f"http://127.0.0.1:{port}/mcp"

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


_HTTP: Dict[str, HttpDemo] = {}


@pytest.fixture(scope="session")
def http_demo() -> Iterator[Callable[[str], str]]:
    """``http_demo(line)``: the URL of that line's HTTP demo server (one per session)."""
    def url(line: str) -> str:
        if line not in _HTTP:
            _HTTP[line] = HttpDemo(line)
        return _HTTP[line].url

    yield url
    for demo in _HTTP.values():
        demo.stop()
    _HTTP.clear()


@pytest.fixture
def open_demo(http_demo: Callable[[str], str]) -> Iterator[Callable[..., MCPServer]]:
    """``open_demo(line, transport, **options)``: an ``MCPServer`` on the demo server,
    closed after the test."""
    opened: List[MCPServer] = []

    def open_(line: str, transport: str, **kwargs: Any) -> MCPServer:
        kwargs.setdefault("timeout", 30.0)
        if transport == "stdio":
            srv = MCPServer.stdio(stdio_command(line), **kwargs)
        else:
            srv = MCPServer.http(http_demo(line), **kwargs)
        opened.append(srv)
        return srv

    yield open_
    for srv in opened:
        srv.close()


def official(line: str, target: Any, calls: List[Any]) -> Dict[str, Any]:
    """What the official client of ``line`` lists and answers (see official_client.py)."""
    shown = target if isinstance(target, str) else json.dumps(target)
    done = subprocess.run([mcp_python(line), str(HERE / "official_client.py"), shown, json.dumps(calls)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


def threads_now() -> List[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("llmsdk-mcp")]
