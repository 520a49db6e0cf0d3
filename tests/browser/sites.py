"""The example apps on real servers in this process, on 127.0.0.1: Flask under werkzeug's
threaded WSGI server, Django under uvicorn (ASGI). Each is a context manager yielding a
``Site`` (base URL, and what the server saw); the llmsdk client behind it is aimed at a
``FakeProviderServer``."""

from __future__ import annotations

import os
import socket
import sys
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Iterator, List

import pytest

from llmsdk import HttpClientOptions, LLMClient, Timeouts

from ..conftest import wait_until
from ..examples._helpers import EXAMPLES, FAKE_KEY, load_example

DJANGO_PROJECT = EXAMPLES / "django_app"


@dataclass
class Site:
    url: str
    #: What the ASGI server saw of each ``/api/chat`` exchange (a failing test prints it).
    log: List[str] = field(default_factory=list)


def watched(app: Any, log: List[str]) -> Any:
    """``app``, noting when a chat exchange hears of a disconnect and when it returns: tells
    "the browser kept the connection open" from "the app was told and kept streaming"."""
    async def asgi(scope: Any, receive: Any, send: Any) -> None:
        if scope.get("path") != "/api/chat":
            return await app(scope, receive, send)

        async def noting_receive() -> Any:
            message = await receive()
            if message["type"] == "http.disconnect":
                log.append("/api/chat: http.disconnect reached the app")
            return message

        try:
            await app(scope, noting_receive, send)
        finally:
            log.append("/api/chat: the app returned")

    return asgi


def page_client(url: str) -> LLMClient:
    """No retries: an error the test scripts reaches the page at once."""
    return LLMClient.new_anthropic(HttpClientOptions.new_anthropic(
        FAKE_KEY, api_base=url, timeouts=Timeouts(connect=5, read=10), max_retries=0))


@contextmanager
def serve_wsgi(app: Any) -> Iterator[str]:
    from werkzeug.serving import make_server

    http = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=http.serve_forever, kwargs={"poll_interval": 0.05},
                              name="test-wsgi-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{http.server_port}"
    finally:
        http.shutdown()
        http.server_close()
        thread.join(timeout=10)


@contextmanager
def serve_asgi(app: Any) -> Iterator[str]:
    uvicorn = pytest.importorskip("uvicorn", reason="uvicorn is not installed (pip install -e '.[test]')")
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, lifespan="off", log_level="warning", timeout_graceful_shutdown=5))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="test-asgi-server", daemon=True)
    thread.start()
    try:
        assert wait_until(lambda: server.started or not thread.is_alive(), timeout=20) and server.started
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@contextmanager
def flask_site(fake_url: str) -> Iterator[Site]:
    flask_app = load_example("flask_app.py")
    client = page_client(fake_url)
    try:
        with serve_wsgi(flask_app.create_app(client)) as url:
            yield Site(url)
    finally:
        client.close()


@contextmanager
def django_asgi_site(fake_url: str) -> Iterator[Site]:
    if str(DJANGO_PROJECT) not in sys.path:
        sys.path.insert(0, str(DJANGO_PROJECT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "chatsite.settings"
    from django.core.asgi import get_asgi_application

    application = get_asgi_application()
    from chatsite import llm

    client = page_client(fake_url)
    llm.set_client(client)
    log: List[str] = []
    try:
        with serve_asgi(watched(application, log)) as url:
            yield Site(url, log)
    finally:
        llm.set_client(None)
        client.close()


SITES = {"flask": flask_site, "django-asgi": django_asgi_site}
