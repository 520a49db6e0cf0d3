"""Chat Completions streams for ``FakeProviderServer``, in the dialects llmsdk speaks:
``"openai"``, ``"groq"``, ``"openrouter"``, ``"openai_compatible"``, ``"mistral"``,
``"deepseek"`` and ``"xai"`` (xAI's Responses API streams: ``openai.responses``).

Each dialect puts things where its real server does: OpenAI sends usage in an extra
``choices: []`` chunk after the finish chunk (when ``include_usage`` was asked for),
Groq in ``x_groq.usage`` on the finish chunk, OpenRouter in a last chunk with ``cost``;
OpenRouter reports a mid-stream error as a chunk with ``error`` and
``finish_reason: "error"``, the others as ``data: {"error": {...}}``.

>>> server.add_reply(openai.text_reply("Hello!", dialect="groq"))
>>> body = (openai.ChatStream("openai").text("Hi").tool_calls([("call_1", "f", {"a": 1})])
...         .finish("tool_calls").done().events())

The ready-made replies speak the vocabulary every ``llmsdk.testing`` provider module
shares (``text_reply(text, *, chunk=)``, ``tool_use_reply(name, input, *, tool_id=, text=)``,
``error_reply(status, message, *, error_type=)``, ``stream_error_reply(message, *,
error_type=, status=, text_before=)``, ``truncated_reply(text, *, chunk=)``), plus
``dialect=``. ``tool_call_reply`` is ``tool_use_reply``'s older name.

OpenAI's Responses API streams (``api="responses"``) are built by ``openai.responses``
(the module ``llmsdk.testing.openai_responses``), in the same vocabulary.
"""

from __future__ import annotations

import json
from typing import Any, Dict, List, Optional, Sequence

from llmsdk.testing import openai_responses as responses
from llmsdk.testing._openai_shared import (
    DEFAULT_STREAM_ERROR, FrameList, ToolCall, error_body, error_reply, error_type_for, pieces,
)
from llmsdk.testing.server import ScriptedReply, sse_event

__all__ = [
    "DEFAULT_MODELS",
    "DIALECTS",
    "ChatStream",
    "error_body",
    "error_reply",
    "json_reply",
    "output_tool_reply",
    "reasoning_reply",
    "refusal_reply",
    "responses",
    "stream_error_reply",
    "text_reply",
    "tool_call_reply",
    "tool_use_reply",
    "truncated_reply",
    "url_citation",
    "web_search_reply",
]

DIALECTS = ("openai", "groq", "openrouter", "openai_compatible", "mistral", "deepseek", "xai")

DEFAULT_MODELS: Dict[str, str] = {
    "openai": "gpt-4.1-2025-04-14",
    "groq": "llama-3.3-70b-versatile",
    "openrouter": "openai/gpt-4o-mini",
    "openai_compatible": "local-model",
    # more providers (issue 28)
    "mistral": "mistral-small-latest",
    "deepseek": "deepseek-v4-flash",
    "xai": "grok-4.7",
}

#: The delta field each dialect streams reasoning in (OpenAI never streams reasoning;
#: Mistral sends typed ``thinking`` chunks in ``content``, see ``ChatStream.reasoning``).
REASONING_FIELDS: Dict[str, str] = {
    "openai": "reasoning",
    "groq": "reasoning",
    "openrouter": "reasoning",
    "openai_compatible": "reasoning_content",
    "mistral": "content",
    "deepseek": "reasoning_content",
    "xai": "reasoning_content",
}

KEEP_ALIVE = ": OPENROUTER PROCESSING"

class ChatStream(FrameList):
    """Builds one stream, chunk by chunk, in ``dialect``'s shape. Methods chain."""

    def __init__(self, dialect: str = "openai", *, model: Optional[str] = None, chunk_id: str = "chatcmpl-fake",
                 crlf: bool = False, created: int = 1753357673) -> None:
        if dialect not in DIALECTS:
            raise ValueError(f"unknown dialect {dialect!r}; expected one of {DIALECTS}")
        self.dialect = dialect
        self.model = model or DEFAULT_MODELS[dialect]
        self.chunk_id = chunk_id
        self.crlf = crlf
        self.created = created
        super().__init__()
        self._started = False
        self._tools_sent = 0

    # -- raw pieces ---------------------------------------------------------------------

    def chunk_dict(self, delta: Optional[Dict[str, Any]] = None, finish_reason: Optional[str] = None,
                   **extra: Any) -> Dict[str, Any]:
        choice: Dict[str, Any] = {"index": 0, "delta": delta or {}, "logprobs": None, "finish_reason": finish_reason}
        chunk: Dict[str, Any] = {"id": self.chunk_id, "object": "chat.completion.chunk", "created": self.created,
                                 "model": self.model}
        if self.dialect == "openrouter":
            chunk["provider"] = "OpenAI"
            choice["native_finish_reason"] = finish_reason
        chunk["choices"] = [choice]
        if self.dialect in ("openai", "openai_compatible", "deepseek", "xai"):
            chunk["usage"] = None
        chunk.update(extra)
        return chunk

    def raw(self, data: Any, event: Optional[str] = None) -> ChatStream:
        """Append one frame as-is (a dict is JSON-encoded)."""
        self._events.append(sse_event(data, event=event, crlf=self.crlf))
        return self

    def _delta(self, delta: Dict[str, Any]) -> ChatStream:
        if not self._started:
            self._started = True
            delta = {"role": "assistant", **delta}
        return self.raw(self.chunk_dict(delta))

    def role(self) -> ChatStream:
        """The usual opening chunk: ``{"role": "assistant", "content": ""}``."""
        first: Dict[str, Any] = {"content": ""}
        if self.dialect == "openai":
            first["refusal"] = None
        return self._delta(first)

    def keep_alive(self) -> ChatStream:
        """An SSE comment line, as OpenRouter sends while the upstream is busy."""
        nl = "\r\n" if self.crlf else "\n"
        self._events.append(f"{KEEP_ALIVE}{nl}{nl}".encode())
        return self

    # -- content ------------------------------------------------------------------------

    def text(self, text: str, chunk: int = 8) -> ChatStream:
        for piece in pieces(text, chunk):
            self._delta({"content": piece})
        return self

    def refusal(self, text: str, chunk: int = 8) -> ChatStream:
        for piece in pieces(text, chunk):
            self._delta({"content": None, "refusal": piece})
        return self

    def reasoning(self, text: str, chunk: int = 16, field: Optional[str] = None,
                  signature: Optional[str] = None) -> ChatStream:
        """Reasoning deltas in the dialect's field; Mistral's as typed ``thinking`` chunks
        (``signature`` on the last one)."""
        name = field or REASONING_FIELDS[self.dialect]
        if name == "content":
            parts = pieces(text, chunk)
            for i, piece in enumerate(parts):
                thinking: Dict[str, Any] = {"type": "thinking", "thinking": [{"type": "text", "text": piece}]}
                if signature and i == len(parts) - 1:
                    thinking["signature"] = signature
                self._delta({"content": [thinking]})
            return self
        for piece in pieces(text, chunk):
            self._delta({"content": "" if self.dialect == "openrouter" else None, name: piece})
        return self

    def reasoning_details(self, details: Sequence[Dict[str, Any]], text: Optional[str] = None) -> ChatStream:
        """One OpenRouter delta with ``reasoning_details`` (and the matching ``reasoning``)."""
        delta: Dict[str, Any] = {"content": "", "reasoning_details": list(details)}
        if text is not None:
            delta["reasoning"] = text
        return self._delta(delta)

    def tool_calls(self, calls: Sequence[ToolCall], fragments: int = 3, interleave: bool = False,
                   whole: bool = False) -> ChatStream:
        """Tool-call deltas. Each call opens with ``id``, ``name`` and ``arguments: ""``,
        then its arguments in ``fragments`` pieces carrying only ``index``. With
        ``interleave`` the calls' fragments alternate (parallel calls); with ``whole``
        every call comes complete, all in one chunk (as Groq sends them)."""
        base = self._tools_sent
        if whole:
            whole_calls: List[Dict[str, Any]] = [
                {"id": cid, "type": "function", "index": base + i,
                 "function": {"name": name, "arguments": json.dumps(args)}}
                for i, (cid, name, args) in enumerate(calls)]
            if self.dialect == "mistral":  # Mistral's calls carry no index
                for call in whole_calls:
                    del call["index"]
            self._delta({"content": None, "tool_calls": whole_calls})
            self._tools_sent = base + len(calls)
            return self
        scripts: List[List[Dict[str, Any]]] = []
        for i, (cid, name, args) in enumerate(calls):
            raw = json.dumps(args)
            size = -(-len(raw) // max(1, fragments))
            frags = [{"index": base + i, "id": cid, "type": "function", "function": {"name": name, "arguments": ""}}]
            frags += [{"index": base + i, "function": {"arguments": p}} for p in pieces(raw, size)]
            scripts.append(frags)
        if interleave:
            order = [s[k] for k in range(max(map(len, scripts))) for s in scripts if k < len(s)]
        else:
            order = [f for s in scripts for f in s]
        for fragment in order:
            self._delta({"tool_calls": [fragment]} if self._started else {"content": None, "tool_calls": [fragment]})
        self._tools_sent = base + len(calls)
        return self

    def annotations(self, annotations: Sequence[Dict[str, Any]]) -> ChatStream:
        """One delta with ``annotations`` (``url_citation``s, as search models send them)."""
        return self._delta({"annotations": list(annotations)})

    # -- the end ------------------------------------------------------------------------

    def finish(self, reason: str = "stop", *, prompt_tokens: int = 9, completion_tokens: int = 12,
               cached_tokens: int = 0, reasoning_tokens: int = 0, cost: Optional[float] = None,
               usage: bool = True) -> ChatStream:
        """The finish chunk, and usage where the dialect puts it (``usage=False``: none,
        as OpenAI without ``include_usage``)."""
        numbers: Dict[str, Any] = {
            "prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
            "prompt_tokens_details": {"cached_tokens": cached_tokens},
            "completion_tokens_details": {"reasoning_tokens": reasoning_tokens},
        }
        if self.dialect == "deepseek":  # hits + misses = prompt_tokens
            numbers["prompt_cache_hit_tokens"] = cached_tokens
            numbers["prompt_cache_miss_tokens"] = prompt_tokens - cached_tokens
        if self.dialect == "mistral":  # usage on the finish chunk, no stream_options
            chunk = self.chunk_dict({"content": ""}, reason)
            if usage:
                chunk["usage"] = {"prompt_tokens": prompt_tokens, "total_tokens": prompt_tokens + completion_tokens,
                                  "completion_tokens": completion_tokens}
            return self.raw(chunk)
        if self.dialect == "groq":
            x_groq: Dict[str, Any] = {"id": "req_fake"}
            if usage:
                x_groq["usage"] = {"queue_time": 0.01, "prompt_time": 0.002, "completion_time": 0.004,
                                   "total_time": 0.006, **numbers}
            return self.raw(self.chunk_dict({}, reason, x_groq=x_groq))
        self.raw(self.chunk_dict({"content": ""} if self.dialect == "openrouter" else {}, reason))
        if usage:
            if self.dialect == "openrouter":
                numbers["cost"] = 0.00003 if cost is None else cost
            chunk = self.chunk_dict()
            chunk["choices"] = []
            chunk["usage"] = numbers
            self.raw(chunk)
        return self

    def error(self, message: str = "The server had an error while processing your request. Sorry about that!",
              error_type: str = "server_error", code: Any = None) -> ChatStream:
        """A mid-stream error in the dialect's shape."""
        if self.dialect == "openrouter":
            chunk = self.chunk_dict({"content": ""}, "error")
            chunk["error"] = {"code": code or error_type, "message": message}
            return self.raw(chunk)
        return self.raw({"error": {"message": message, "type": error_type, "param": None, "code": code}})

    def done(self) -> ChatStream:
        return self.raw("[DONE]")


# -- ready-made replies -------------------------------------------------------------------


def text_reply(text: str = "Hello!", *, dialect: str = "openai", chunk: int = 8, finish_reason: str = "stop",
               headers: Optional[Dict[str, str]] = None, framing: str = "chunked", **finish: Any) -> ScriptedReply:
    """A streamed text answer, terminated by ``[DONE]``."""
    stream = ChatStream(dialect)
    if dialect == "openrouter":
        stream.keep_alive()
    stream.role().text(text, chunk).finish(finish_reason, **finish).done()
    return stream.reply(headers=dict(headers or {}), framing=framing)


#: Dialects whose servers send each tool call whole, in one chunk.
WHOLE_TOOL_CALLS = ("groq", "mistral")


def tool_use_reply(name: str, input: Dict[str, Any], *, dialect: str = "openai", tool_id: Optional[str] = None,
                   text: Optional[str] = None, reasoning: Optional[str] = None, **finish: Any) -> ScriptedReply:
    """An answer that calls one tool (after some reasoning and text, if given); Groq and
    Mistral send the call whole. The default id is ``call_fake_1`` (Mistral: ``fakeCall1``,
    9 characters as its ids are)."""
    stream = ChatStream(dialect).role()
    if reasoning:
        stream.reasoning(reasoning, signature="sig_fake" if dialect == "mistral" else None)
    if text:
        stream.text(text)
    tool_id = tool_id or ("fakeCall1" if dialect == "mistral" else "call_fake_1")
    stream.tool_calls([(tool_id, name, input)], whole=dialect in WHOLE_TOOL_CALLS)
    return stream.finish("tool_calls", **finish).done().reply()


def tool_call_reply(name: str, arguments: Dict[str, Any], **kwargs: Any) -> ScriptedReply:
    """``tool_use_reply`` under its older name."""
    return tool_use_reply(name, arguments, **kwargs)


def reasoning_reply(reasoning: str, text: str, *, dialect: str = "groq", **finish: Any) -> ScriptedReply:
    """Reasoning deltas, then the answer."""
    return ChatStream(dialect).role().reasoning(reasoning).text(text).finish("stop", **finish).done().reply()


def stream_error_reply(message: str = DEFAULT_STREAM_ERROR, *, dialect: str = "openai",
                       error_type: Optional[str] = None, status: Optional[int] = None, code: Any = None,
                       text_before: Optional[str] = None) -> ScriptedReply:
    """A 200 stream that fails mid-way (after some text, if given); no ``[DONE]``.
    ``error_type`` (and ``code``) default to those of ``status`` (``server_error``)."""
    if error_type is None:
        error_type, default_code = error_type_for(status) if status is not None else ("server_error", None)
        code = code if code is not None else default_code
    stream = ChatStream(dialect).role()
    if text_before:
        stream.text(text_before)
    return stream.error(message, error_type, code).reply()


def truncated_reply(text: str = "Hello!", *, dialect: str = "openai", chunk: int = 8) -> ScriptedReply:
    """A stream whose body ends cleanly before its finish chunk and ``[DONE]``."""
    return ChatStream(dialect).role().text(text, chunk).reply()


# -- structured output ----------------------------------------------------------------------


def json_reply(obj: Any, *, dialect: str = "openai", cut_at: Optional[int] = None, chunk: int = 16,
               **finish: Any) -> ScriptedReply:
    """A structured-output answer (``response_format``): ``obj`` as JSON text. With
    ``cut_at`` the JSON stops after that many characters and ``finish_reason`` is
    ``"length"``, as when max_tokens runs out."""
    text = json.dumps(obj)
    reason = "stop"
    if cut_at is not None:
        text, reason = text[:cut_at], "length"
    return ChatStream(dialect).role().text(text, chunk).finish(reason, **finish).done().reply()


def output_tool_reply(name: str, obj: Dict[str, Any], *, dialect: str = "openai", **finish: Any) -> ScriptedReply:
    """A structured-output answer through the forced output tool; a forced
    ``tool_choice`` finishes with ``"stop"``, as OpenAI sends it."""
    stream = ChatStream(dialect).role().tool_calls([("call_output_1", name, obj)], whole=dialect in WHOLE_TOOL_CALLS)
    return stream.finish("stop", **finish).done().reply()


def refusal_reply(text: str = "I'm sorry, I can't help with that.", *, dialect: str = "openai",
                  **finish: Any) -> ScriptedReply:
    """A refusal: ``delta.refusal`` pieces instead of content, then ``finish_reason: "stop"``."""
    return ChatStream(dialect).role().refusal(text).finish("stop", **finish).done().reply()


# -- citations and web search ---------------------------------------------------------------


def url_citation(url: str, title: str, start: int, end: int) -> Dict[str, Any]:
    """A ``url_citation`` annotation over characters ``start:end`` of the answer."""
    return {"type": "url_citation", "url_citation": {"url": url, "title": title, "start_index": start,
                                                      "end_index": end}}


def web_search_reply(text: str = "Claude Shannon was born on April 30, 1916 (Wikipedia).",
                     citations: Sequence[Dict[str, Any]] = (), *, dialect: str = "openai",
                     **finish: Any) -> ScriptedReply:
    """A search model's answer (``gpt-5-search-api`` with ``web_search_options``): the text, then
    its ``url_citation`` annotations in one delta before the finish (by default one citation
    over the whole text)."""
    found = list(citations) or [url_citation("https://en.wikipedia.org/wiki/Claude_Shannon",
                                             "Claude Shannon - Wikipedia", 0, len(text))]
    stream = ChatStream(dialect).role().text(text).annotations(found)
    return stream.finish("stop", **finish).done().reply()
