"""Ollama ``/api/chat`` streams (NDJSON) and its other replies for ``FakeProviderServer``.

>>> server.route("/api/chat", ollama.text_reply("Hello!"))
>>> server.route("/api/tags", ollama.tags_reply(["llama3.2:latest"]))
>>> body = ollama.ChatStream().thinking("Hmm.").text("Hi").done().body()

The ready-made replies speak the vocabulary every ``llmsdk.testing`` provider module
shares (``text_reply``, ``tool_use_reply``, ``reasoning_reply``, ``error_reply``,
``stream_error_reply``, ``truncated_reply``), plus ``embed_reply`` and ``tags_reply``.
Shapes follow ollama-python 0.6.3 (``ChatResponse``, ``EmbedResponse``, ``ListResponse``).
"""

from __future__ import annotations

import json
from typing import Any, Dict, List, Optional, Sequence

from llmsdk.testing._openai_shared import pieces
from llmsdk.testing.server import BodyPiece, ScriptedReply

__all__ = [
    "DEFAULT_MODEL",
    "ChatStream",
    "embed_reply",
    "error_reply",
    "reasoning_reply",
    "stream_error_reply",
    "tags_reply",
    "text_reply",
    "tool_use_reply",
    "truncated_reply",
]

DEFAULT_MODEL = "qwen3:8b"
NDJSON = "application/x-ndjson"


class ChatStream:
    """Builds one ``/api/chat`` stream, object by object. Methods chain."""

    def __init__(self, model: str = DEFAULT_MODEL, created_at: str = "2026-12-07T02:00:00.000000Z") -> None:
        self.model = model
        self.created_at = created_at
        self._lines: List[bytes] = []

    def raw(self, obj: Any) -> "ChatStream":
        text = obj if isinstance(obj, str) else json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
        self._lines.append((text + "\n").encode("utf-8"))
        return self

    def message(self, **fields: Any) -> "ChatStream":
        return self.raw({"model": self.model, "created_at": self.created_at,
                         "message": {"role": "assistant", "content": "", **fields}, "done": False})

    def thinking(self, text: str, chunk: int = 16) -> "ChatStream":
        for piece in pieces(text, chunk):
            self.message(thinking=piece)
        return self

    def text(self, text: str, chunk: int = 8) -> "ChatStream":
        for piece in pieces(text, chunk):
            self.message(content=piece)
        return self

    def tool_calls(self, calls: Sequence[Any]) -> "ChatStream":
        """Whole calls, ``(name, arguments)`` pairs, in one object (no ids: Ollama sends none)."""
        return self.message(tool_calls=[{"function": {"name": name, "arguments": args}} for name, args in calls])

    def done(self, reason: str = "stop", *, prompt_eval_count: int = 9, eval_count: int = 12) -> "ChatStream":
        return self.raw({"model": self.model, "created_at": self.created_at,
                         "message": {"role": "assistant", "content": ""}, "done": True, "done_reason": reason,
                         "total_duration": 5_000_000, "load_duration": 1_000_000,
                         "prompt_eval_count": prompt_eval_count, "prompt_eval_duration": 1_000_000,
                         "eval_count": eval_count, "eval_duration": 2_000_000})

    def error(self, message: str = "an error was encountered while running the model") -> "ChatStream":
        return self.raw({"error": message})

    def events(self) -> List[bytes]:
        return list(self._lines)

    def body(self) -> bytes:
        return b"".join(self._lines)

    def reply(self, **kwargs: Any) -> ScriptedReply:
        kwargs.setdefault("content_type", NDJSON)
        body: List[BodyPiece] = list(self._lines)
        return ScriptedReply(body=body, **kwargs)


def text_reply(text: str = "Hello!", *, chunk: int = 8, model: str = DEFAULT_MODEL, **done: Any) -> ScriptedReply:
    return ChatStream(model).text(text, chunk).done(**done).reply()


def reasoning_reply(reasoning: str, text: str, *, model: str = DEFAULT_MODEL, **done: Any) -> ScriptedReply:
    return ChatStream(model).thinking(reasoning).text(text).done(**done).reply()


def tool_use_reply(name: str, input: Dict[str, Any], *, text: Optional[str] = None, reasoning: Optional[str] = None,
                   model: str = DEFAULT_MODEL, tool_id: Optional[str] = None, **done: Any) -> ScriptedReply:
    """A reply calling one tool (``tool_id`` is ignored: Ollama's calls have no id)."""
    stream = ChatStream(model)
    if reasoning:
        stream.thinking(reasoning)
    if text:
        stream.text(text)
    return stream.tool_calls([(name, input)]).done(**done).reply()


def error_reply(status: int, message: str = "error", *, error_type: Optional[str] = None,
                headers: Optional[Dict[str, str]] = None) -> ScriptedReply:
    """An HTTP error as Ollama sends it: ``{"error": "..."}`` (it has no error types)."""
    return ScriptedReply.json(status, {"error": message}, headers=headers)


def stream_error_reply(message: str = "an error was encountered while running the model", *,
                       error_type: Optional[str] = None, status: Optional[int] = None,
                       text_before: Optional[str] = None) -> ScriptedReply:
    """A 200 stream that fails mid-way with an ``{"error": ...}`` line."""
    stream = ChatStream()
    if text_before:
        stream.text(text_before)
    return stream.error(message).reply()


def truncated_reply(text: str = "Hello!", *, chunk: int = 8) -> ScriptedReply:
    """A stream whose body ends before its ``done: true`` object."""
    return ChatStream().text(text, chunk).reply()


def embed_reply(vectors: Sequence[Sequence[float]], *, model: str = "nomic-embed-text",
                prompt_eval_count: int = 8) -> ScriptedReply:
    return ScriptedReply.json(200, {"model": model, "embeddings": [list(v) for v in vectors],
                                    "total_duration": 1_000_000, "load_duration": 100_000,
                                    "prompt_eval_count": prompt_eval_count})


def tags_reply(names: Sequence[str] = ("llama3.2:latest", "qwen3:8b")) -> ScriptedReply:
    """``GET /api/tags``: the local models."""
    models = [{"name": name, "model": name, "modified_at": "2026-11-30T10:00:00.000000Z", "size": 2_019_393_189,
               "digest": f"{i:064x}", "details": {"parent_model": "", "format": "gguf", "family": name.split(":")[0],
                                                  "families": [name.split(":")[0]], "parameter_size": "3.2B",
                                                  "quantization_level": "Q4_K_M"}}
              for i, name in enumerate(names)]
    return ScriptedReply.json(200, {"models": models})
