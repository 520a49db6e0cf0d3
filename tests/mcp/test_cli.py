"""``llmsdk chat --mcp "python server.py"`` (repeatable): the servers' tools are offered to
the model and run; the servers are closed when the command ends."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path
from typing import Any

from llmsdk.cli import main
from llmsdk.testing import FakeProviderServer
from llmsdk.testing import anthropic as A

from ._servers import stdio_command, threads_now

TINY = str(Path(__file__).parent / "tiny_server.py")


def test_chat_with_two_mcp_servers(monkeypatch: Any, capsys: Any) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-test")
    with FakeProviderServer() as fake:
        fake.add_reply(A.tool_use_reply("shout", {"text": "hi"}, tool_id="toolu_1"),
                       A.tool_use_reply("add", {"a": 2, "b": 3}, tool_id="toolu_2"),
                       A.text_reply("HI, and 5."))
        status = main(["chat", "--api-base", fake.url, "-m", "claude-haiku-4-5", "-v",
                       "--mcp", f"{shlex.quote(sys.executable)} {shlex.quote(TINY)}",
                       "--mcp", shlex.join(stdio_command("1")), "shout hi, then add 2 and 3"])
        out, err = capsys.readouterr()
        bodies = [r.json for r in fake.requests]
    assert status == 0, err
    assert out == "HI, and 5.\n"
    assert "[tool shout(" in err and "[tool add(" in err
    offered = [t["name"] for t in bodies[0]["tools"]]
    assert {"shout", "data", "add", "echo"} <= set(offered)
    assert bodies[1]["messages"][-1]["content"][0]["content"] in ("HI", [{"type": "text", "text": "HI"}])
    assert bodies[2]["messages"][-1]["content"][0]["content"] in ("5", [{"type": "text", "text": "5"}])
    assert threads_now() == []


def test_a_server_that_cannot_start_is_one_line_and_exit_1(monkeypatch: Any, capsys: Any) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-test")
    status = main(["chat", "-m", "claude-haiku-4-5", "--mcp", "/nonexistent/server", "hi"])
    _, err = capsys.readouterr()
    assert status == 1
    assert err.startswith("llmsdk: error: MCPError:") and "cannot start" in err
