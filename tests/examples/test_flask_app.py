"""examples/flask_app.py: SSE relay with Flask's test client, with a real threaded
server where the browser disconnects mid-stream, and run as a script."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
from typing import Any, Iterator, List, Tuple

import pytest

pytest.importorskip("flask")

import requests  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from llmsdk.testing import FakeProviderServer, Pause, ScriptedReply  # noqa: E402
from llmsdk.testing import anthropic as A  # noqa: E402

from ..conftest import stream_threads, wait_until  # noqa: E402
from ._helpers import EXAMPLES, fake_client, load_example, script_env  # noqa: E402

flask_app = load_example("flask_app.py")


def long_reply(words: int, pause: float) -> ScriptedReply:
    body: List[Any] = [A.message_start(),
                       A.event("content_block_start", index=0, content_block={"type": "text", "text": ""})]
    for i in range(words):
        body.append(A.event("content_block_delta", index=0, delta={"type": "text_delta", "text": f"w{i} "}))
        body.append(Pause(pause))
    body.append(A.event("content_block_stop", index=0))
    body.extend(A.message_end())
    return ScriptedReply.sse(body)


def parse_sse(raw: str) -> List[Tuple[str, Any]]:
    frames = []
    for frame in raw.split("\n\n"):
        if not frame.strip():
            continue
        event, data = "message", []
        for line in frame.split("\n"):
            if line.startswith("event: "):
                event = line[7:]
            elif line.startswith("data: "):
                data.append(line[6:])
        frames.append((event, json.loads("\n".join(data))))
    return frames


@pytest.fixture
def app(server: FakeProviderServer) -> Iterator[Any]:
    client = fake_client(server.url)
    yield flask_app.create_app(client)
    client.close()


def test_page(app: Any) -> None:
    resp = app.test_client().get("/")
    assert resp.status_code == 200 and b"/api/chat" in resp.data and b"<form" in resp.data


def test_sse_relay(app: Any, server: FakeProviderServer) -> None:
    server.add_reply(A.text_reply("Hello from Flask!", chunk=4, output_tokens=9))

    resp = app.test_client().post("/api/chat", json={
        "prompt": "And now?", "history": [{"role": "user", "text": "Hi"}, {"role": "assistant", "text": "Hello"}]})

    assert resp.status_code == 200 and resp.mimetype == "text/event-stream"
    assert resp.headers["Cache-Control"] == "no-store"
    frames = parse_sse(resp.get_data(as_text=True))
    assert "".join(d for e, d in frames if e == "message") == "Hello from Flask!"
    assert len([f for f in frames if f[0] == "message"]) > 1  # relayed piece by piece
    event, done = frames[-1]
    assert event == "done" and done["usage"]["output_tokens"] == 9 and done["stop_reason"] == "end_turn"
    sent = server.requests[0].json["messages"]
    assert [m["role"] for m in sent] == ["user", "assistant", "user"]
    assert wait_until(lambda: not stream_threads())


def test_get_with_query_string(app: Any, server: FakeProviderServer) -> None:
    server.add_reply(A.text_reply("ok"))
    frames = parse_sse(app.test_client().get("/api/chat?prompt=hi").get_data(as_text=True))
    assert frames[0] == ("message", "ok")


def test_errors(app: Any, server: FakeProviderServer) -> None:
    client = app.test_client()
    assert client.post("/api/chat", json={"prompt": " "}).status_code == 400

    server.add_reply(A.error_reply(401, "authentication_error", "invalid x-api-key"))
    resp = client.post("/api/chat", json={"prompt": "hi"})
    assert resp.status_code == 502 and resp.json["error"] == "AuthenticationError"

    server.add_reply(A.stream_error_reply("overloaded_error", "Overloaded", text_before="Par"),
                     A.stream_error_reply("overloaded_error", "Overloaded", text_before="Par"),
                     A.stream_error_reply("overloaded_error", "Overloaded", text_before="Par"))
    frames = parse_sse(client.post("/api/chat", json={"prompt": "hi"}).get_data(as_text=True))
    assert frames[0] == ("message", "Par")
    assert frames[-1][0] == "error" and "Overloaded" in frames[-1][1]["message"]


def test_closing_the_response_closes_the_stream(app: Any, server: FakeProviderServer) -> None:
    baseline = len(stream_threads())
    server.add_reply(long_reply(2000, 0.01))

    resp = app.test_client().post("/api/chat", json={"prompt": "long"}, buffered=False)
    chunks = iter(resp.response)
    assert next(chunks).startswith(b"data: ")
    assert len(stream_threads()) == baseline + 1
    resp.close()  # what the WSGI server does when the browser has gone

    assert wait_until(lambda: len(stream_threads()) == baseline, timeout=10)


def test_browser_disconnect_on_a_real_threaded_server(app: Any, server: FakeProviderServer) -> None:
    """The browser reads a little and goes away; the worker thread ends long before the
    reply would have."""
    baseline = len(stream_threads())
    server.add_reply(long_reply(2000, 0.01))  # ~20 s if nobody stops it
    http = make_server("127.0.0.1", 0, app, threaded=True)
    serving = threading.Thread(target=http.serve_forever, name="test-flask-server", daemon=True)
    serving.start()
    try:
        started = time.monotonic()
        sock = socket.create_connection(("127.0.0.1", http.server_port), timeout=10)
        body = b'{"prompt": "tell me everything"}'
        sock.sendall(b"POST /api/chat HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                     b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
        received = b""
        while b"data: " not in received and time.monotonic() - started < 10:
            received += sock.recv(4096)
        assert b"200 OK" in received and b"text/event-stream" in received and b"data: " in received
        assert len(stream_threads()) == baseline + 1
        sock.close()  # the browser tab is closed

        assert wait_until(lambda: len(stream_threads()) == baseline, timeout=10)
        assert time.monotonic() - started < 15
    finally:
        http.shutdown()
        http.server_close()
        serving.join(timeout=10)


def test_runs_as_a_script_offline() -> None:
    proc = subprocess.Popen([sys.executable, str(EXAMPLES / "flask_app.py"), "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=script_env())
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert "Serving on http://127.0.0.1:" in line and "offline" in line, proc.stderr.read() if proc.stderr else ""
        base = line.split()[2].rstrip("/")
        assert "llmsdk chat" in requests.get(base + "/", timeout=10).text
        with requests.post(base + "/api/chat", json={"prompt": "hi"}, stream=True, timeout=10) as resp:
            frames = parse_sse(resp.text)
        assert "local fake server" in "".join(d for e, d in frames if e == "message")
        assert frames[-1][0] == "done"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def test_bad_payloads_are_json_400s_not_html(app: Any) -> None:
    client = app.test_client()
    for body in ([1, 2], {"prompt": "hi", "history": "nope"}, {"prompt": "hi", "history": [{"role": "user"}]},
                 {"prompt": 5}):
        resp = client.post("/api/chat", json=body)
        assert resp.status_code == 400 and resp.is_json and resp.json["error"] == "BadPayload", body


def test_an_unexpected_failure_before_the_stream_is_json(app: Any, monkeypatch: Any) -> None:
    import llmsdk

    def broken(self: Any, request: Any) -> Any:
        raise RuntimeError("a bug")

    monkeypatch.setattr(llmsdk.LLMClient, "send", broken)
    resp = app.test_client().post("/api/chat", json={"prompt": "hi"})
    assert resp.status_code == 500 and resp.is_json and resp.json == {"error": "RuntimeError",
                                                                      "message": "internal error"}


def test_a_rate_limit_is_a_429_with_retry_after(app: Any, server: FakeProviderServer) -> None:
    for _ in range(3):
        server.add_reply(A.error_reply(429, "rate_limit_error", "slow down", headers={"retry-after": "120"}))
    resp = app.test_client().post("/api/chat", json={"prompt": "hi"})
    assert resp.status_code == 429 and resp.json["error"] == "RateLimitError" and resp.headers["Retry-After"] == "120"


def test_a_stream_cut_by_any_error_ends_with_an_error_frame(app: Any, server: FakeProviderServer,
                                                            monkeypatch: Any) -> None:
    from llmsdk import EventStream

    def text_then_bug(self: Any) -> Iterator[str]:
        yield "Par"
        raise KeyError("a bug in the relay")

    monkeypatch.setattr(EventStream, "text_stream", text_then_bug)
    server.add_reply(A.text_reply("Partial answer"))
    frames = parse_sse(app.test_client().post("/api/chat", json={"prompt": "hi"}).get_data(as_text=True))
    assert frames[0] == ("message", "Par")
    assert frames[-1] == ("error", {"type": "KeyError", "message": "internal error"})


def test_a_truncated_upstream_stream_ends_with_an_error_frame(app: Any, server: FakeProviderServer) -> None:
    server.add_reply(A.truncated_reply("Half an ans"))
    frames = parse_sse(app.test_client().post("/api/chat", json={"prompt": "hi"}).get_data(as_text=True))
    assert frames[-1][0] == "error" and frames[-1][1]["type"] == "IncompleteStreamError"
