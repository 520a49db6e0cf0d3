"""A server that dies, hangs, speaks garbage or refuses credentials gives a typed error
promptly; cancelling (Ctrl-C, close()) ends the call."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from pathlib import Path
from typing import List

import pytest

from llmsdk.errors import AuthenticationError, MCPError
from llmsdk.mcp import MCPServer
from llmsdk.testing import FakeProviderServer, ScriptedReply

from ._servers import HttpDemo, stdio_command

TINY = str(Path(__file__).parent / "tiny_server.py")


@pytest.mark.parametrize("line", ["1", "2"])
def test_a_crash_mid_call_is_an_mcp_error_with_the_stderr_tail(line: str) -> None:
    with MCPServer.stdio(stdio_command(line), timeout=30) as srv:
        started = time.monotonic()
        with pytest.raises(MCPError) as caught:
            srv.call_tool("crash")
        assert time.monotonic() - started < 10
        assert "exited (status 3)" in str(caught.value)
        assert "about to crash" in caught.value.stderr_tail
        with pytest.raises(MCPError, match="exited"):  # and at once afterwards
            srv.call_tool("add", {"a": 1, "b": 2})


@pytest.mark.parametrize("line", ["1", "2"])
def test_a_hang_is_an_mcp_error_within_the_timeout(line: str) -> None:
    with MCPServer.stdio(stdio_command(line), timeout=30) as srv:
        started = time.monotonic()
        with pytest.raises(MCPError, match="within 1s"):
            srv.call_tool("hang", {"seconds": 60}, timeout=1.0)
        assert 1.0 <= time.monotonic() - started < 5


def test_a_hang_over_http_is_an_mcp_error_within_the_timeout() -> None:
    demo = HttpDemo("1")
    try:
        with MCPServer.http(demo.url, timeout=30) as srv:
            started = time.monotonic()
            with pytest.raises(MCPError, match="within 1s"):
                srv.call_tool("hang", {"seconds": 5}, timeout=1.0)
            assert time.monotonic() - started < 5
    finally:
        demo.proc.kill()  # not stop(): uvicorn would wait for the sleeping request
        demo.proc.wait(timeout=10)


def test_a_server_that_exits_at_once_names_its_last_words() -> None:
    started = time.monotonic()
    with pytest.raises(MCPError) as caught:
        MCPServer.stdio([sys.executable, "-c", "import sys; sys.stderr.write('boom: no config\\n'); sys.exit(2)"],
                        timeout=30)
    assert time.monotonic() - started < 10
    assert "status 2" in str(caught.value) and "boom: no config" in str(caught.value)


def test_garbage_on_stdout_is_an_mcp_error_at_once() -> None:
    started = time.monotonic()
    with pytest.raises(MCPError, match="not JSON-RPC"):
        MCPServer.stdio([sys.executable, TINY, "garbage"], timeout=30)
    assert time.monotonic() - started < 10


def test_a_missing_program_is_an_mcp_error() -> None:
    with pytest.raises(MCPError, match="cannot start"):
        MCPServer.stdio(["/nonexistent/mcp-server"])


def test_a_json_rpc_error_is_an_mcp_error_with_its_code_and_the_server_stays_usable() -> None:
    with MCPServer.stdio([sys.executable, TINY], timeout=10) as srv:
        with pytest.raises(MCPError) as caught:
            srv.call_tool("nope")
        assert caught.value.code == -32602
        assert srv.call_tool("shout", {"text": "still here"}).text == "STILL HERE"


def test_a_401_is_an_authentication_error_and_the_token_is_fetched_per_post() -> None:
    tokens: List[str] = []

    def token() -> str:
        tokens.append(f"tok-{len(tokens)}")
        return tokens[-1]

    with FakeProviderServer() as fake:
        unauthorized = ScriptedReply.json(401, {"error": "invalid_token"},
                                          headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
        fake.add_reply(unauthorized, unauthorized)
        with pytest.raises(AuthenticationError, match="invalid_token"):
            MCPServer.http(fake.url + "/mcp", token_provider=token, timeout=5)
        assert [r.headers.get("authorization") for r in fake.requests] == ["Bearer tok-0", "Bearer tok-1"]


def test_ctrl_c_ends_a_call_and_close_ends_a_waiting_one() -> None:
    with MCPServer.stdio([sys.executable, "-c", _SILENT], timeout=30) as srv:
        timer = threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT))  # a real Ctrl-C
        timer.start()
        started = time.monotonic()
        with pytest.raises(KeyboardInterrupt):
            srv.call_tool("anything")
        assert time.monotonic() - started < 5
        errors: List[BaseException] = []

        def call() -> None:
            try:
                srv.call_tool("anything")
            except BaseException as exc:  # noqa: BLE001
                errors.append(exc)

        caller = threading.Thread(target=call)
        caller.start()
        threading.Timer(0.3, srv.close).start()
        caller.join(timeout=10)
        assert not caller.is_alive()
        assert isinstance(errors[0], MCPError) and "closed" in str(errors[0])


#: A server that finishes the handshake, then never answers again.
_SILENT = """
import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("method") == "initialize":
        print(json.dumps({"jsonrpc": "2.0", "id": m["id"], "result": {"protocolVersion": "2025-06-18",
              "capabilities": {}, "serverInfo": {"name": "silent", "version": "0"}}}), flush=True)
    elif m.get("method") == "server/discover":
        print(json.dumps({"jsonrpc": "2.0", "id": m["id"], "error": {"code": -32601, "message": "no"}}), flush=True)
"""


def test_close_ends_a_call_waiting_on_an_http_event_stream() -> None:
    """The answer's headers came, its event stream is silent: close() from another thread
    ends the read at once, not at the timeout."""
    from llmsdk.testing.server import Pause

    def route(request):
        message = request.json if request.method == "POST" else {}
        if message.get("method") == "server/discover":
            result = {"supportedVersions": ["2026-07-28"], "capabilities": {}}
            return ScriptedReply.json(200, {"jsonrpc": "2.0", "id": message["id"], "result": result})
        return ScriptedReply.sse([b": waiting\n\n", Pause(60)])

    with FakeProviderServer() as fake:
        fake.route("/mcp", route)
        srv = MCPServer.http(fake.url + "/mcp", timeout=30)
        threading.Timer(0.5, srv.close).start()
        started = time.monotonic()
        with pytest.raises(MCPError, match="closed"):
            srv.call_tool("slow")
        assert time.monotonic() - started < 10


def test_a_crash_mid_call_over_http_is_an_mcp_error() -> None:
    demo = HttpDemo("1")
    try:
        with MCPServer.http(demo.url, timeout=30) as srv:
            started = time.monotonic()
            with pytest.raises(MCPError, match="tools/call"):
                srv.call_tool("crash")
            assert time.monotonic() - started < 10
    finally:
        demo.stop()
