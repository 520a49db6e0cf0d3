"""Every provider's routes on one ``FakeProviderServer``: streamed replies that echo the last
user message (or scripted texts, in order), token counts and embeddings — so code that builds
its clients with ``LLMClient.from_env(...)`` runs offline, unchanged, once the environment
points at the server. ``llmsdk serve-fake`` and the documentation tests use it.

A request for structured output (a JSON schema in ``response_format``, ``text.format``,
``output_config.format``, ``responseJsonSchema``/``responseSchema``, or a forced tool) gets
a small object that fits the schema instead of an echo, so parsing code runs too.

>>> with FakeProviderServer() as server:
...     serve_every_provider(server, replies=["Paris."])
...     os.environ.update(provider_env(server.url))
...     LLMClient.from_env("openai").complete(request).text
'Paris.'
"""

from __future__ import annotations

import json
import re
import threading
from collections import deque
from typing import Any, Callable, Deque, Dict, Iterable, List, Optional, Tuple

from llmsdk.testing import anthropic, bedrock, gemini, ollama, openai, openai_responses
from llmsdk.testing.batches import FakeBatchAPI
from llmsdk.testing.embeddings import gemini_reply, openai_reply, vectors
from llmsdk.testing.server import FakeProviderServer, RecordedRequest, ScriptedReply

__all__ = ["ECHO_PREFIX", "provider_env", "schema_instance", "serve_every_provider"]

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


def schema_instance(schema: Any, root: Optional[Dict[str, Any]] = None, depth: int = 0) -> Any:
    """A small value that fits the JSON Schema ``schema`` (``$ref``s resolved against
    ``root``): required properties only, one item per array, the first enum value or
    ``anyOf`` branch that is not null."""
    root = root if root is not None else schema if isinstance(schema, dict) else {}
    if not isinstance(schema, dict) or depth > 8:
        return None
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/"):
        target: Any = root
        for part in ref[2:].split("/"):
            target = target.get(part, {}) if isinstance(target, dict) else {}
        return schema_instance(target, root, depth + 1)
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    for key in ("anyOf", "oneOf", "allOf"):
        options = [o for o in schema.get(key) or [] if isinstance(o, dict) and o.get("type") != "null"]
        if options:
            return schema_instance(options[0], root, depth + 1)
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), None)
    kind = kind.lower() if isinstance(kind, str) else ("object" if "properties" in schema else None)
    if kind == "object":
        properties = schema.get("properties") or {}
        names = schema.get("required") or list(properties)
        return {name: schema_instance(properties.get(name, {}), root, depth + 1) for name in names}
    if kind == "array":
        items = schema.get("items")
        return [schema_instance(items, root, depth + 1)] if isinstance(items, dict) else []
    if kind == "string":
        return {"date": "2026-01-01", "date-time": "2026-01-01T00:00:00Z"}.get(str(schema.get("format")), "example")
    return {"integer": 1, "number": 1.5, "boolean": True}.get(str(kind))


def _wanted_schema(body: Any) -> Optional[Dict[str, Any]]:
    """The JSON schema a request asks its reply to fit, in any provider's shape."""
    if not isinstance(body, dict):
        return None
    candidates = [
        ((body.get("response_format") or {}).get("json_schema") or {}).get("schema"),
        ((body.get("text") or {}).get("format") or {}).get("schema"),
        ((body.get("output_config") or {}).get("format") or {}).get("schema"),
        (body.get("generationConfig") or {}).get("responseJsonSchema"),
        (body.get("generationConfig") or {}).get("responseSchema"),
    ]
    return next((c for c in candidates if isinstance(c, dict)), None)


def _forced_tool(body: Any) -> Optional[Tuple[str, Dict[str, Any]]]:
    """The tool a request forces (Anthropic ``tool_choice: {type: tool}``, OpenAI-style
    ``{type: function}``), with its input schema."""
    if not isinstance(body, dict) or not isinstance(body.get("tool_choice"), dict):
        return None
    choice = body["tool_choice"]
    name = choice.get("name") or (choice.get("function") or {}).get("name")
    for tool in body.get("tools") or []:
        spec = tool.get("function", tool) if isinstance(tool, dict) else {}
        if spec.get("name") == name:
            return str(name), spec.get("input_schema") or spec.get("parameters") or {}
    return None


def _model(body: Any, default: str) -> str:
    return str(body.get("model") or default) if isinstance(body, dict) else default


def openai_responses_json(obj: Any) -> ScriptedReply:
    """A Responses API answer whose text is ``obj`` as JSON."""
    return openai_responses.text_reply(json.dumps(obj), chunk=16)


def _count(body: Any) -> int:
    """A token count good enough for a fake: about four characters a token."""
    return max(1, len(str(body)) // 4)


def serve_every_provider(server: FakeProviderServer, replies: Optional[Iterable[str]] = None) -> FakeProviderServer:
    """Add routes to ``server`` for every built-in provider's chat, count-tokens and
    embeddings endpoints. Replies stream ``replies`` in order, then echo the last user text."""
    texts = _Texts(replies)

    def route(make: Callable[[str, Any], ScriptedReply],
              structured: Callable[[Any], ScriptedReply],
              forced: Optional[Callable[[str, Any], ScriptedReply]] = None) -> Callable[[RecordedRequest], ScriptedReply]:
        def answer(request: RecordedRequest) -> ScriptedReply:
            body = request.json
            tool = _forced_tool(body)
            if tool is not None and forced is not None:
                return forced(tool[0], schema_instance(tool[1]))
            schema = _wanted_schema(body)
            if schema is not None:
                return structured(schema_instance(schema))
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

    for provider in ("anthropic", "openai", "gemini"):  # batch jobs, done at the first look
        FakeBatchAPI(server, provider, polls=0,
                     reply=lambda key, body: ECHO_PREFIX + _last_user_text(body.get("params", body)))
    server.route("/messages/count_tokens", lambda r: ScriptedReply.json(200, {"input_tokens": _count(r.json)}))
    server.route(re.compile(r":countTokens$"), lambda r: ScriptedReply.json(200, {"totalTokens": _count(r.json)}))
    server.route("/embeddings", embeddings)
    server.route(re.compile(r":(batchEmbedContents|embedContent)$"), gemini_embeddings)
    claude = route(lambda text, body: anthropic.text_reply(text, model=_model(body, "claude")),
                   anthropic.json_reply, anthropic.output_tool_reply)
    server.route("/v1/messages", claude)
    server.route(re.compile(r":streamRawPredict$"), claude)
    server.route("/chat/completions", route(lambda text, body: openai.text_reply(text), openai.json_reply,
                                            openai.output_tool_reply))
    server.route("/responses", route(lambda text, body: openai_responses.text_reply(
        text, model=_model(body, openai_responses.DEFAULT_MODEL)), openai_responses_json))
    server.route(re.compile(r":streamGenerateContent$"), route(lambda text, body: gemini.text_reply(text),
                                                               gemini.json_reply, gemini.output_tool_reply))
    def on_bedrock(request: RecordedRequest) -> ScriptedReply:
        action = request.path.rsplit("/", 1)[-1]
        if action.startswith("count"):
            return bedrock.echo(request)
        text = texts.next(_last_user_text(request.json))
        return bedrock.claude_reply(anthropic.text_reply(text)) if action.startswith("invoke") \
            else bedrock.text_reply(text)

    server.route(bedrock.ROUTE, on_bedrock)
    server.route("/api/chat", route(lambda text, body: ollama.text_reply(text, model=_model(body, ollama.DEFAULT_MODEL)),
                                    lambda obj: ollama.text_reply(json.dumps(obj))))
    server.route("/api/embed", lambda r: ollama.embed_reply(vectors(0, len((r.json or {}).get("input") or [""]))))
    server.route("/api/tags", lambda r: ollama.tags_reply())
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
    env.update({  # the clouds and Ollama name their settings otherwise
        "AZURE_OPENAI_ENDPOINT": url, "AZURE_OPENAI_API_KEY": key,
        "AWS_BEARER_TOKEN_BEDROCK": key, "AWS_REGION": "us-east-1", "BEDROCK_BASE_URL": url,
        "GOOGLE_API_KEY": key, "VERTEX_BASE_URL": url,  # Vertex express mode (Gemini models)
        "OLLAMA_HOST": url,
    })
    return env
