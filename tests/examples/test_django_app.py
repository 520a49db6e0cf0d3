"""examples/django_app: the StreamingHttpResponse view under WSGI (test client) and
ASGI (async test client, and the ASGI handler with a real disconnect)."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from typing import Any, Dict, Iterator, List

import pytest

pytest.importorskip("django")

from llmsdk.testing import FakeProviderServer, Pause, ScriptedReply  # noqa: E402
from llmsdk.testing import anthropic as A  # noqa: E402

from ..conftest import stream_threads, wait_until  # noqa: E402
from ._helpers import EXAMPLES, fake_client, run_script  # noqa: E402

PROJECT = EXAMPLES / "django_app"


@pytest.fixture(scope="module", autouse=True)
def django_project() -> Iterator[None]:
    sys.path.insert(0, str(PROJECT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "chatsite.settings"
    import django

    django.setup()
    yield
    sys.path.remove(str(PROJECT))


@pytest.fixture
def llm_client(server: FakeProviderServer) -> Iterator[Any]:
    from chatsite import llm

    client = fake_client(server.url)
    llm.set_client(client)
    yield client
    llm.set_client(None)
    client.close()


def long_reply(words: int = 2000, pause: float = 0.01) -> ScriptedReply:
    body: List[Any] = [A.message_start(),
                       A.event("content_block_start", index=0, content_block={"type": "text", "text": ""})]
    for i in range(words):
        body.append(A.event("content_block_delta", index=0, delta={"type": "text_delta", "text": f"w{i} "}))
        body.append(Pause(pause))
    body.append(A.event("content_block_stop", index=0))
    body.extend(A.message_end())
    return ScriptedReply.sse(body)


def frames_of(raw: str) -> List[Any]:
    out = []
    for frame in filter(str.strip, raw.split("\n\n")):
        lines = frame.split("\n")
        event = lines[0][7:] if lines[0].startswith("event: ") else "message"
        out.append((event, json.loads(lines[-1][6:])))
    return out


def text_of(frames: List[Any]) -> str:
    return "".join(d for e, d in frames if e == "message")


def test_page_and_missing_prompt(llm_client: Any) -> None:
    from django.test import Client

    client = Client()
    page = client.get("/").content
    assert b'fetch("/api/chat?prompt="' in page and b'id="stop"' in page
    assert client.get("/api/chat").status_code == 400


def test_wsgi_streaming(llm_client: Any, server: FakeProviderServer) -> None:
    from django.test import Client

    server.add_reply(A.text_reply("Hello from Django!", chunk=4))
    response = Client().get("/api/chat", {"prompt": "hi"})

    assert response.streaming and response["Content-Type"] == "text/event-stream"
    assert response["Cache-Control"] == "no-store" and not response.has_header("Connection")  # hop-by-hop: not in WSGI
    frames = frames_of(b"".join(response.streaming_content).decode())
    assert text_of(frames) == "Hello from Django!" and frames[-1][0] == "done"
    assert wait_until(lambda: not stream_threads())


def test_upstream_http_error_is_a_502(llm_client: Any, server: FakeProviderServer) -> None:
    from django.test import Client

    server.add_reply(A.error_reply(429, "rate_limit_error", "slow down", headers={"retry-after": "0"}))
    server.add_reply(A.error_reply(429, "rate_limit_error", "slow down", headers={"retry-after": "0"}))
    server.add_reply(A.error_reply(429, "rate_limit_error", "slow down", headers={"retry-after": "0"}))
    response = Client().get("/api/chat", {"prompt": "hi"})
    assert response.status_code == 502 and response.json()["error"] == "RateLimitError"


def test_wsgi_closing_the_response_closes_the_stream(llm_client: Any, server: FakeProviderServer) -> None:
    from django.test import Client

    baseline = len(stream_threads())
    server.add_reply(long_reply())
    response = Client().get("/api/chat", {"prompt": "long"})
    chunks = iter(response.streaming_content)
    assert next(chunks).startswith(b"data: ")
    assert len(stream_threads()) == baseline + 1

    response.close()  # what the WSGI server does when the client has gone

    assert wait_until(lambda: len(stream_threads()) == baseline, timeout=10)


def test_asgi_streaming_with_the_async_client(llm_client: Any, server: FakeProviderServer) -> None:
    from django.test import AsyncClient

    server.add_reply(A.text_reply("Hello from ASGI!", chunk=4))

    async def fetch() -> Any:
        response = await AsyncClient().get("/api/chat", {"prompt": "hi"})
        assert response.is_async  # an async iterator: Django does not buffer it
        assert response["Connection"] == "close"  # a browser that stops reading must not drain it
        return [chunk async for chunk in response.streaming_content]

    chunks = asyncio.run(fetch())
    assert len(chunks) > 2  # delta by delta, not one buffered blob
    frames = frames_of(b"".join(chunks).decode())
    assert text_of(frames) == "Hello from ASGI!" and frames[-1][0] == "done"
    assert wait_until(lambda: not stream_threads())


def test_asgi_disconnect_closes_the_stream(llm_client: Any, server: FakeProviderServer) -> None:
    """Drive Django's ASGI handler directly: read one body chunk, then disconnect."""
    import django
    from django.core.handlers.asgi import ASGIHandler

    if django.VERSION < (5, 0):
        pytest.skip("Django < 5 does not watch for http.disconnect while streaming (py3.9 gets Django 4.2)")

    baseline = len(stream_threads())
    server.add_reply(long_reply())
    sent: List[Dict[str, Any]] = []

    async def main() -> None:
        got_body = asyncio.Event()
        requested = False

        async def receive() -> Dict[str, Any]:
            nonlocal requested
            if not requested:
                requested = True
                return {"type": "http.request", "body": b"", "more_body": False}
            await got_body.wait()
            return {"type": "http.disconnect"}

        async def send(message: Dict[str, Any]) -> None:
            sent.append(message)
            if message["type"] == "http.response.body" and message.get("body"):
                got_body.set()

        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
                 "scheme": "http", "path": "/api/chat", "raw_path": b"/api/chat", "query_string": b"prompt=long",
                 "root_path": "", "headers": [(b"host", b"testserver")], "client": ("127.0.0.1", 5000),
                 "server": ("testserver", 80)}
        await asyncio.wait_for(ASGIHandler()(scope, receive, send), timeout=15)

    asyncio.run(main())
    assert sent[0]["type"] == "http.response.start" and sent[0]["status"] == 200
    bodies = [m for m in sent if m["type"] == "http.response.body" and m.get("body")]
    assert bodies and len(bodies) < 100  # stopped long before the 2000 words
    assert wait_until(lambda: len(stream_threads()) == baseline, timeout=10)


def test_manage_py_check_runs() -> None:
    result = run_script([str(PROJECT / "manage.py"), "check"], cwd=str(PROJECT))
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout
