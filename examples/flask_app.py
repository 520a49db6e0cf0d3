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
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any, Dict, Iterator, List, Optional

from flask import Flask, Response, request, stream_with_context

from llmsdk import HttpClientOptions, LLMClient, LLMMessage, LLMRequest, Timeouts
from llmsdk.errors import LLMError

DEFAULT_MODEL = "claude-haiku-4-5"

PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>llmsdk chat</title>
<style>body{font:16px system-ui;max-width:46rem;margin:2rem auto}#log div{white-space:pre-wrap;margin:.5rem 0}
.user{color:#555}.assistant{color:#000}form{display:flex;gap:.5rem}input{flex:1}</style></head>
<body><h1>llmsdk chat</h1><div id="log"></div>
<form id="f"><input id="q" autocomplete="off" placeholder="Say something"><button>Send</button></form>
<script>
const history = [];
document.getElementById("f").onsubmit = async (e) => {
  e.preventDefault();
  const q = document.getElementById("q"), prompt = q.value; q.value = "";
  const log = document.getElementById("log");
  log.insertAdjacentHTML("beforeend", "<div class=user></div><div class=assistant></div>");
  log.children[log.children.length - 2].textContent = "> " + prompt;
  const out = log.lastElementChild;
  const resp = await fetch("/api/chat", {method: "POST", headers: {"Content-Type": "application/json"},
                                         body: JSON.stringify({prompt, history})});
  const reader = resp.body.getReader(), decoder = new TextDecoder();
  let buffer = "", reply = "";
  for (;;) {
    const {value, done} = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, {stream: true});
    let cut;
    while ((cut = buffer.indexOf("\\n\\n")) >= 0) {
      const frame = buffer.slice(0, cut); buffer = buffer.slice(cut + 2);
      const data = frame.split("\\n").filter(l => l.startsWith("data: ")).map(l => l.slice(6)).join("\\n");
      if (frame.startsWith("event: error")) { out.textContent += "\\n[error] " + JSON.parse(data).message; }
      else if (!frame.startsWith("event:")) { reply += JSON.parse(data); out.textContent = reply; }
    }
  }
  history.push({role: "user", text: prompt}, {role: "assistant", text: reply});
};
</script></body></html>
"""


def sse(data: Any, event: Optional[str] = None) -> str:
    """One Server-Sent Events frame with a JSON payload."""
    head = f"event: {event}\n" if event else ""
    return f"{head}data: {json.dumps(data, ensure_ascii=False)}\n\n"


def relay(stream: Any) -> Iterator[str]:
    """The model's text as SSE frames. Closing this generator closes the stream."""
    with stream:
        try:
            for text in stream.text_stream():
                yield sse(text)
        except LLMError as exc:
            yield sse({"type": type(exc).__name__, "message": str(exc)}, event="error")
            return
        response = stream.final_response()
    yield sse({"stop_reason": str(response.stop_reason), "usage": response.usage.to_dict(),
               "cost": response.cost}, event="done")


def _messages(payload: Dict[str, Any]) -> List[LLMMessage]:
    messages = [LLMMessage(role=m["role"], text=str(m["text"])) for m in payload.get("history") or []
                if m.get("role") in ("user", "assistant") and m.get("text")]
    messages.append(LLMMessage.user(str(payload.get("prompt") or "")))
    return messages


def create_app(client: LLMClient, model: str = DEFAULT_MODEL) -> Flask:
    """The app; ``client`` is shared by every request (LLMClient is thread-safe)."""
    app = Flask(__name__)

    @app.get("/")
    def index() -> Response:
        return Response(PAGE, mimetype="text/html")

    @app.route("/api/chat", methods=["GET", "POST"])
    def chat() -> Any:
        payload = (request.get_json(silent=True) or {}) if request.method == "POST" else dict(request.args)
        if not str(payload.get("prompt") or "").strip():
            return {"error": "prompt is required"}, 400
        try:  # HTTP errors (bad key, rate limit after retries) arrive here, before any byte is sent
            stream = client.send(LLMRequest(model=model, messages=_messages(payload), max_tokens=1024))
        except LLMError as exc:
            return {"error": type(exc).__name__, "message": str(exc)}, 502
        return Response(stream_with_context(relay(stream)), mimetype="text/event-stream",
                        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})

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
