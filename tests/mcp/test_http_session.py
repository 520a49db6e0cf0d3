"""The ``initialize`` session over HTTP, against a scripted server (``FakeProviderServer``
with a route that answers like mcp 1.30): the failed probe's session id is dropped, the
session's id and protocol version travel on every POST, SSE answers without a charset are
UTF-8, and a session the server forgot (404) is opened again once."""

from __future__ import annotations

import json
import threading
from typing import Any, Dict, List

from llmsdk.mcp import MCPServer
from llmsdk.testing import FakeProviderServer, ScriptedReply
from llmsdk.testing.server import RecordedRequest


class SessionServer:
    """Answers like an mcp 1.x streamable-HTTP server; ``forget()`` drops the session."""

    def __init__(self) -> None:
        self.sessions = 0
        self.live = ""
        self.posts: List[RecordedRequest] = []
        self.lock = threading.Lock()

    def forget(self) -> None:
        self.live = ""

    def __call__(self, request: RecordedRequest) -> ScriptedReply:
        if request.method == "GET":
            return ScriptedReply.json(405, {"error": "no standalone stream"})
        if request.method == "DELETE":
            return ScriptedReply.json(200, {})
        with self.lock:
            self.posts.append(request)
        message: Dict[str, Any] = request.json
        session = request.headers.get("mcp-session-id")
        if message["method"] == "initialize":
            self.sessions += 1
            self.live = f"session-{self.sessions}"
            return _sse(message["id"], {"protocolVersion": "2025-06-18", "capabilities": {"tools": {}},
                                        "serverInfo": {"name": "scripted", "version": "1"}},
                        headers={"mcp-session-id": self.live})
        if not session:  # mcp 1.30 answers a probe so, naming a session that does not exist
            return ScriptedReply.json(400, {"jsonrpc": "2.0", "id": "server-error", "error": {
                "code": -32600, "message": "Bad Request: Missing session ID"}}, headers={"mcp-session-id": "bogus"})
        if session != self.live:
            return ScriptedReply.json(404, {"jsonrpc": "2.0", "id": "server-error", "error": {
                "code": -32001, "message": "Session not found"}})
        if "id" not in message:
            return ScriptedReply(status=202, body=[], framing="length")
        return _sse(message["id"], {"content": [{"type": "text", "text": "Grüße aus Köln ✓"}]})


def _sse(request_id: Any, result: Dict[str, Any], headers: Any = None) -> ScriptedReply:
    data = json.dumps({"jsonrpc": "2.0", "id": request_id, "result": result}, ensure_ascii=False)
    # no charset: requests alone would decode this as ISO-8859-1
    return ScriptedReply(body=[f"event: message\ndata: {data}\n\n".encode()], headers=dict(headers or {}),
                         content_type="text/event-stream")


def test_the_initialize_session_over_http() -> None:
    script = SessionServer()
    with FakeProviderServer() as fake:
        fake.route("/mcp", script)
        with MCPServer.http(fake.url + "/mcp", headers={"X-Team": "blue"}) as srv:
            assert (srv.name, srv.protocol_version) == ("scripted", "2025-06-18")
            assert srv.call_tool("hello").text == "Grüße aus Köln ✓"
            script.forget()
            assert srv.call_tool("hello").text == "Grüße aus Köln ✓"  # a new session, once
    methods = [(p.json["method"], p.headers.get("mcp-session-id"), p.headers.get("mcp-protocol-version"))
               for p in script.posts]
    assert methods == [
        ("server/discover", None, "2026-07-28"),
        ("initialize", None, None),                       # not "bogus": the probe's id is dropped
        ("notifications/initialized", "session-1", "2025-06-18"),
        ("tools/call", "session-1", "2025-06-18"),
        ("tools/call", "session-1", "2025-06-18"),        # 404: forgotten
        ("initialize", None, None),
        ("notifications/initialized", "session-2", "2025-06-18"),
        ("tools/call", "session-2", "2025-06-18"),
    ]
    assert all(p.headers.get("x-team") == "blue" for p in script.posts)
