"""The chat page and the streaming endpoint.

``GET /api/chat?prompt=...`` answers with Server-Sent Events: one ``data:`` frame per
text delta (JSON-encoded), then ``event: done``.

Under WSGI the body is a plain generator over ``stream.text_stream()``; when the client
goes away the server closes the response, which closes the generator, whose ``with
stream`` block closes the stream and ends its worker thread.

Under ASGI Django would buffer a synchronous iterator (and warn), so the same view hands
it an async generator over ``stream.atext_stream()`` instead: the same worker thread does
the reading, and the event loop is never blocked. A disconnect cancels the response task,
which closes the stream.

The page (``chat.html``) shows the model's text as text, never as HTML; turns an error
frame, or the JSON body of a 502, into a visible message; and its Stop button aborts the
request, which is a disconnect like any other.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, AsyncIterator, Iterator, Optional

from django.conf import settings
from django.core.handlers.asgi import ASGIRequest
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse

from chatsite import llm
from llmsdk import LLMMessage, LLMRequest
from llmsdk.errors import LLMError

PAGE = (Path(__file__).parent / "chat.html").read_text(encoding="utf-8")


def sse(data: Any, event: Optional[str] = None) -> str:
    head = f"event: {event}\n" if event else ""
    return f"{head}data: {json.dumps(data, ensure_ascii=False)}\n\n"


def _done(stream: Any) -> str:
    response = stream.final_response()
    return sse({"stop_reason": str(response.stop_reason), "usage": response.usage.to_dict(),
                "cost": response.cost}, event="done")


def relay(stream: Any) -> Iterator[str]:
    """WSGI: a generator; closing it closes the stream."""
    with stream:
        try:
            for text in stream.text_stream():
                yield sse(text)
        except LLMError as exc:
            yield sse({"type": type(exc).__name__, "message": str(exc)}, event="error")
            return
        yield _done(stream)


async def relay_async(stream: Any) -> AsyncIterator[str]:
    """ASGI: the same frames from ``atext_stream()``; cancelling closes the stream."""
    try:
        async for text in stream.atext_stream():
            yield sse(text)
        yield _done(stream)
    except LLMError as exc:
        yield sse({"type": type(exc).__name__, "message": str(exc)}, event="error")
    finally:
        stream.close()


def index(request: HttpRequest) -> HttpResponse:
    return HttpResponse(PAGE)


def chat(request: HttpRequest) -> HttpResponse:
    prompt = request.GET.get("prompt", "").strip()
    if not prompt:
        return JsonResponse({"error": "prompt is required"}, status=400)
    try:  # HTTP errors (bad key, rate limit after retries) surface here, before streaming
        stream = llm.get_client().send(LLMRequest(model=settings.LLM_MODEL, messages=[LLMMessage.user(prompt)],
                                                  max_tokens=1024))
    except LLMError as exc:
        return JsonResponse({"error": type(exc).__name__, "message": str(exc)}, status=502)
    asgi = isinstance(request, ASGIRequest)
    response = StreamingHttpResponse(relay_async(stream) if asgi else relay(stream), content_type="text/event-stream")
    response["Cache-Control"] = "no-store"  # a one-off answer: a cached copy would tie two asks together
    response["X-Accel-Buffering"] = "no"
    if asgi:  # (WSGI forbids hop-by-hop headers; its servers close after a streamed body anyway)
        # A browser that stops reading a keep-alive response may drain it for seconds to reuse
        # the connection (Chromium: up to 5 s), and the model keeps writing meanwhile.
        response["Connection"] = "close"
    return response
