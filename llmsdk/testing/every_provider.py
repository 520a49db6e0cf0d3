"""Every provider's routes on one ``FakeProviderServer``: streamed replies that echo the last
user message (or scripted texts, in order), token counts and embeddings — so code that builds
its clients with ``LLMClient.from_env(...)`` runs offline, unchanged, once the environment
points at the server. ``llmsdk serve-fake`` and the documentation tests use it.

>>> with FakeProviderServer() as server:
...     serve_every_provider(server, replies=["Paris."])
...     os.environ.update(provider_env(server.url))
...     LLMClient.from_env("openai").complete(request).text
'Paris.'
"""

from __future__ import annotations

import re
import threading
from collections import deque
from typing import Any, Callable, Deque, Dict, Iterable, List, Optional

from llmsdk.testing import anthropic, gemini, openai, openai_responses
from llmsdk.testing.embeddings import gemini_reply, openai_reply, vectors
from llmsdk.testing.server import FakeProviderServer, RecordedRequest, ScriptedReply

__all__ = ["ECHO_PREFIX", "provider_env", "serve_every_provider"]

#: What an echo reply starts with, before the last user message's text.
ECHO_PREFIX = "echo: "

#: The key ``provider_env`` sets for every provider (no real key is ever needed).
FAKE_KEY = "test-key"


class _Texts:
    """The reply texts: scripted ones first, in order, then echoes. Thread-safe."""

    def __init__(self, replies: Optional[Iterable[str]]) -> None:
        self._scripted: Deque[str] = deque(replies or ())
        self._lock = threading.Lock()

    def next(self, last_user_text: str) -> str:
        with self._lock:
            if self._scripted:
                return self._scripted.popleft()
        return ECHO_PREFIX + last_user_text


def _text_of(content: Any) -> str:
    """The text in one message's content, in any provider's shape."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(_text_of(part) for part in content)
    if isinstance(content, dict):
        for key in ("text", "input_text"):
            if isinstance(content.get(key), str):
                return str(content[key])
        if "content" in content:
            return _text_of(content["content"])
    return ""


def _last_user_text(body: Any) -> str:
    """The last user turn's text of a Messages, Chat Completions, Responses or Gemini body."""
    if not isinstance(body, dict):
        return ""
    turns: List[Any] = body.get("messages") or body.get("contents") or []
    if isinstance(body.get("input"), str):
        return str(body["input"])
    if isinstance(body.get("input"), list):
        turns = body["input"]
    for turn in reversed(turns):
        if isinstance(turn, dict) and turn.get("role", "user") == "user":
            return _text_of(turn.get("content", turn.get("parts")))
    return ""


def _model(body: Any, default: str) -> str:
    return str(body.get("model") or default) if isinstance(body, dict) else default


def _count(body: Any) -> int:
    """A token count good enough for a fake: about four characters a token."""
    return max(1, len(str(body)) // 4)


def serve_every_provider(server: FakeProviderServer, replies: Optional[Iterable[str]] = None) -> FakeProviderServer:
    """Add routes to ``server`` for every built-in provider's chat, count-tokens and
    embeddings endpoints. Replies stream ``replies`` in order, then echo the last user text."""
    texts = _Texts(replies)

    def route(make: Callable[[str, Any], ScriptedReply]) -> Callable[[RecordedRequest], ScriptedReply]:
        def answer(request: RecordedRequest) -> ScriptedReply:
            body = request.json
            return make(texts.next(_last_user_text(body)), body)
        return answer

    def embeddings(request: RecordedRequest) -> ScriptedReply:
        body = request.json or {}
        inputs = body.get("input")
        count = len(inputs) if isinstance(inputs, list) else 1
        return openai_reply(vectors(0, count), model=_model(body, "text-embedding-3-small"))

    def gemini_embeddings(request: RecordedRequest) -> ScriptedReply:
        body = request.json or {}
        return gemini_reply(vectors(0, len(body.get("requests") or [body])))

    server.route("/messages/count_tokens", lambda r: ScriptedReply.json(200, {"input_tokens": _count(r.json)}))
    server.route(re.compile(r":countTokens$"), lambda r: ScriptedReply.json(200, {"totalTokens": _count(r.json)}))
    server.route("/embeddings", embeddings)
    server.route(re.compile(r":(batchEmbedContents|embedContent)$"), gemini_embeddings)
    server.route("/v1/messages", route(lambda text, body: anthropic.text_reply(text, model=_model(body, "claude"))))
    server.route(re.compile(r":streamRawPredict$"), route(lambda text, body: anthropic.text_reply(text)))
    server.route("/chat/completions", route(lambda text, body: openai.text_reply(text)))
    server.route("/responses", route(lambda text, body: openai_responses.text_reply(
        text, model=_model(body, openai_responses.DEFAULT_MODEL))))
    server.route(re.compile(r":streamGenerateContent$"), route(lambda text, body: gemini.text_reply(text)))
    return server


def provider_env(url: str, key: str = FAKE_KEY) -> Dict[str, str]:
    """Environment variables that point ``LLMClient.from_env`` at ``url`` for every
    registered provider with a key variable: ``<PREFIX>_API_KEY`` and ``<PREFIX>_BASE_URL``."""
    from llmsdk.providers import all_providers

    env: Dict[str, str] = {}
    for provider in all_providers():
        var = provider.env_var()
        if var and var.endswith("_API_KEY"):
            env[var] = key
            env[var[: -len("_API_KEY")] + "_BASE_URL"] = url
    return env
