"""A Flask chat page whose answers stream to the browser as Server-Sent Events.

    pip install flask
    ANTHROPIC_API_KEY=sk-ant-... python examples/flask_app.py     # a real model
    python examples/flask_app.py                                  # offline: a local fake server answers

Then open http://127.0.0.1:5000/. ``POST /api/chat`` (JSON ``{"prompt": ..., "history": [...]}``)
or ``GET /api/chat?prompt=...`` answers with ``text/event-stream``: one ``data:`` line per
text delta (JSON-encoded), then ``event: done`` with usage and cost.

The point of the example: the view relays ``stream.text_stream()``. When the browser goes
away, the WSGI server's next write fails and it closes our generator; the ``with stream``
block then closes the upstream stream, whose worker thread ends and whose connection is
released. Nothing keeps reading a reply nobody will see.

Errors are JSON, never Flask's HTML 500: one before the stream starts is a JSON body
(502 for an upstream failure such as a bad key, 429 when rate-limited, 504 on a timeout,
400 for a bad request); one after it started ends the stream with an ``event: error``
frame, never a silent cut. The page shows the model's text as text (``textContent``, never
HTML), turns either kind of error into a visible message, and has a Stop button that aborts the request: the connection closes and the
server stops the stream as above.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from typing import Any, Dict, Iterator, List, Optional

from flask import Flask, Response, request, stream_with_context
from werkzeug.exceptions import HTTPException

from llmsdk import HttpClientOptions, LLMClient, LLMMessage, LLMRequest, Timeouts
from llmsdk.errors import InvalidConfigError, InvalidRequestError, LLMError, RateLimitError

app_logger = logging.getLogger("flask_app")

DEFAULT_MODEL = "claude-haiku-4-5"

PAGE = r"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,"><title>llmsdk chat</title>
<style>
html{scroll-padding-bottom:6rem}body{font:16px/1.5 system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem 6rem;color:#1a1a1a}
.turn,.error{white-space:pre-wrap;margin:.75rem 0;padding:.5rem .75rem;border-radius:.5rem}
.user{background:#e8f0fe}.assistant{background:#f3f3f3}.assistant[data-state=streaming]::after{content:"\258D"}
.error{background:#fde8e8;color:#8a1010}.meta{color:#666;font-size:.85rem}
form{position:fixed;left:0;right:0;bottom:0;max-width:46rem;margin:0 auto;padding:1rem;display:flex;gap:.5rem;background:#fff}input{flex:1;font:inherit;padding:.4rem .6rem}button{font:inherit}
</style></head>
<body><h1>llmsdk chat</h1><div id="log" aria-live="polite"></div>
<form id="f"><input id="q" autocomplete="off" placeholder="Say something" aria-label="Your message" autofocus>
<button id="send">Send</button><button id="stop" type="button" disabled>Stop</button></form>
<script>
const history = [], log = document.getElementById("log"), input = document.getElementById("q");
const send = document.getElementById("send"), stop = document.getElementById("stop");
let controller = null;

function add(cls, text) {  // textContent, never innerHTML: the model's text is shown, not run
  const div = document.createElement("div");
  div.className = cls; div.textContent = text; log.append(div); div.scrollIntoView({block: "end"});
  return div;
}

function parse(frame) {  // one Server-Sent Events frame -> [event, data]
  let event = "message"; const data = [];
  for (const line of frame.split("\n")) {
    if (line.startsWith("event: ")) event = line.slice(7);
    else if (line.startsWith("data: ")) data.push(line.slice(6));
  }
  return [event, JSON.parse(data.join("\n"))];
}

stop.onclick = () => controller && controller.abort();  // closes the connection: the server stops the stream
// Leaving the page stops the answer too (else the browser may keep the request open: back/forward cache).
addEventListener("pagehide", () => controller && controller.abort());

document.getElementById("f").onsubmit = async (e) => {
  e.preventDefault();
  const prompt = input.value.trim();
  if (!prompt || controller) return;
  input.value = "";
  add("turn user", prompt);
  const out = add("turn assistant", "");
  out.dataset.state = "streaming";
  controller = new AbortController(); send.disabled = true; stop.disabled = false;
  let reply = "";
  try {
    const resp = await fetch("/api/chat", {method: "POST", headers: {"Content-Type": "application/json"},
                                           body: JSON.stringify({prompt, history}), signal: controller.signal,
                                           cache: "no-store"});
    if (!resp.ok) {  // failed before streaming: {"error": "AuthenticationError", "message": "..."}
      const body = await resp.json().catch(() => ({}));
      throw new Error([body.error, body.message].filter(Boolean).join(": ") || "HTTP " + resp.status);
    }
    const reader = resp.body.getReader(), decoder = new TextDecoder();
    let buffer = "", cut;
    for (;;) {
      const {value, done} = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, {stream: true});
      while ((cut = buffer.indexOf("\n\n")) >= 0) {
        const [event, data] = parse(buffer.slice(0, cut));
        buffer = buffer.slice(cut + 2);
        if (event === "message") { reply += data; out.textContent = reply; out.scrollIntoView({block: "end"}); }
        else if (event === "error") throw new Error(data.type + ": " + data.message);
        else if (event === "done") {
          out.dataset.state = "done";
          add("meta", `${data.usage.input_tokens} tokens in, ${data.usage.output_tokens} out` +
                      (data.cost == null ? "" : `, $${data.cost.toFixed(6)}`));
        }
      }
    }
    if (out.dataset.state !== "done") throw new Error("the connection closed before the answer was complete");
    history.push({role: "user", text: prompt}, {role: "assistant", text: reply});
  } catch (err) {
    out.dataset.state = err.name === "AbortError" ? "stopped" : "error";
    if (err.name === "AbortError") add("meta", "Stopped.");
    else add("error", String(err.message || err)).setAttribute("role", "alert");
  } finally {
    controller = null; send.disabled = false; stop.disabled = true; input.focus();
  }
};
</script></body></html>
"""


def sse(data: Any, event: Optional[str] = None) -> str:
    """One Server-Sent Events frame with a JSON payload."""
    head = f"event: {event}\n" if event else ""
    return f"{head}data: {json.dumps(data, ensure_ascii=False)}\n\n"


def relay(stream: Any) -> Iterator[str]:
    """The model's text as SSE frames, ending with ``event: done`` or ``event: error`` —
    never silently: a browser must be able to tell a cut answer from a finished one.
    Closing this generator (the browser went away) closes the stream."""
    with stream:
        try:
            for text in stream.text_stream():
                yield sse(text)
            response = stream.final_response()
        except LLMError as exc:
            yield sse({"type": type(exc).__name__, "message": str(exc)}, event="error")
            return
        except Exception as exc:  # noqa: BLE001 - a bug here still ends the stream with a frame
            app_logger.exception("the answer stream failed")
            yield sse({"type": type(exc).__name__, "message": "internal error"}, event="error")
            return
    yield sse({"stop_reason": str(response.stop_reason), "usage": response.usage.to_dict(),
               "cost": response.cost}, event="done")


class BadPayload(ValueError):
    """The browser sent something that is not a chat request (answered with 400)."""


def _messages(payload: Any) -> List[LLMMessage]:
    """The history (``{"role", "text"}`` items, or OpenAI-style ``{"role", "content"}``) and
    the new prompt; ``BadPayload`` for anything else."""
    if not isinstance(payload, dict):
        raise BadPayload("the body must be a JSON object")
    prompt = payload.get("prompt")
    if not isinstance(prompt, str) or not prompt.strip():
        raise BadPayload("prompt is required")
    history = payload.get("history") or []
    if not isinstance(history, list):
        raise BadPayload("history must be a list")
    messages = []
    for item in history:
        text = item.get("text", item.get("content")) if isinstance(item, dict) else None
        if not isinstance(text, str) or item.get("role") not in ("user", "assistant"):
            raise BadPayload('each history item must be {"role": "user" | "assistant", "text": "..."}')
        if text:
            messages.append(LLMMessage(role=item["role"], text=text))
    messages.append(LLMMessage.user(prompt))
    return messages


def error_status(exc: LLMError) -> int:
    """The status our API answers for an upstream failure: 400 for a request we should not
    have sent, 504 for a timeout, 429 when the provider is rate-limiting us (its
    ``retry_after`` passed on), else 502 (a bad key, an outage: the gateway's fault)."""
    if isinstance(exc, (InvalidRequestError, InvalidConfigError)):
        return 400
    if isinstance(exc, TimeoutError):
        return 504
    if isinstance(exc, RateLimitError):
        return 429
    return 502


def error_body(exc: BaseException, message: Optional[str] = None) -> Dict[str, Any]:
    return {"error": type(exc).__name__, "message": message if message is not None else str(exc)}


def create_app(client: LLMClient, model: str = DEFAULT_MODEL) -> Flask:
    """The app; ``client`` is shared by every request (LLMClient is thread-safe)."""
    app = Flask(__name__)

    @app.get("/")
    def index() -> Response:
        return Response(PAGE, mimetype="text/html")

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> Any:
        """Any other failure: JSON for the API (the page reads it), never Flask's HTML 500."""
        if isinstance(exc, HTTPException):  # 404, 405...: as Flask answers them
            return exc
        app.logger.exception("unhandled error")
        return error_body(exc, "internal error"), 500

    @app.route("/api/chat", methods=["GET", "POST"])
    def chat() -> Any:
        payload = request.get_json(silent=True) if request.method == "POST" else dict(request.args)
        try:
            messages = _messages(payload)
        except BadPayload as exc:
            return error_body(exc), 400
        try:  # HTTP errors (bad key, rate limit after retries) arrive here, before any byte is sent
            stream = client.send(LLMRequest(model=model, messages=messages, max_tokens=1024))
        except LLMError as exc:
            headers = {}
            if isinstance(exc, RateLimitError) and exc.retry_after is not None:
                headers["Retry-After"] = str(max(1, round(exc.retry_after)))
            return error_body(exc), error_status(exc), headers
        # no-store: a one-off answer (a browser may hold a cacheable GET open for a second asker)
        return Response(stream_with_context(relay(stream)), mimetype="text/event-stream",
                        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})

    return app


def make_client() -> "tuple[LLMClient, Any]":
    """A real client if ANTHROPIC_API_KEY is set, else one aimed at a local fake server."""
    timeouts = Timeouts(connect=10, read=120, content_idle=60)
    if os.environ.get("ANTHROPIC_API_KEY"):
        return LLMClient.from_env("anthropic", timeouts=timeouts), None
    from llmsdk.testing import FakeProviderServer
    from llmsdk.testing import anthropic as scripted

    fake = FakeProviderServer(default_reply=scripted.text_reply(
        "This answer comes from a local fake server (set ANTHROPIC_API_KEY for a real model). "
        "It streams word by word, like the real thing.", chunk=5).with_pauses(0.03)).start()
    return LLMClient.new_anthropic(HttpClientOptions.new_anthropic("offline-demo", api_base=fake.url,
                                                                   timeouts=timeouts)), fake


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5000, help="0 picks a free port")
    args = parser.parse_args(argv)
    from werkzeug.serving import make_server

    client, fake = make_client()
    server = make_server(args.host, args.port, create_app(client), threaded=True)
    print(f"Serving on http://{args.host}:{server.server_port}/ ({'offline' if fake else 'live'})", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        client.close()
        if fake is not None:
            fake.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
