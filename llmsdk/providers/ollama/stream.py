"""Ollama ``/api/chat`` stream processing: NDJSON, one object per line (``framing =
"ndjson"``; the engine's line reader cuts the body). Pure.

::

    {"model": "qwen3", "created_at": "...", "message": {"role": "assistant", "content": "",
     "thinking": "Let me"}, "done": false}
    {"model": "qwen3", "created_at": "...", "message": {"role": "assistant", "content": "",
     "tool_calls": [{"function": {"name": "get_weather", "arguments": {"city": "Paris"}}}]},
     "done": false}
    {"model": "qwen3", "created_at": "...", "message": {"role": "assistant", "content": ""},
     "done": true, "done_reason": "stop", "prompt_eval_count": 26, "eval_count": 298, ...}
    {"error": "model 'x' not found"}                      # an error, also mid-stream

``message.thinking`` and ``message.content`` are deltas; tool calls arrive whole (their
arguments an object), without ids, so each gets one made from the response's
``created_at`` and its position (stable for the same bytes). The last object
(``done: true``) carries usage: ``prompt_eval_count`` input, ``eval_count`` output
(Ollama reports no cache).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Dict, List, Optional, Sequence

from llmsdk._core.error_bodies import generic_error_info, stream_error
from llmsdk.errors import MalformedEventError
from llmsdk.events import Content, PartialContent, Stop, _Event
from llmsdk.providers.base import StreamProcessor, parse_json_event
from llmsdk._core.content import text_delta
from llmsdk.types import ContentBlock, StopReason, TextContent, ThinkingContent, ToolUseContent, Usage

__all__ = ["DONE_REASONS", "OllamaStreamProcessor", "tool_call_id"]

Json = Dict[str, Any]

DONE_REASONS = {"stop": StopReason.END_TURN, "length": StopReason.MAX_TOKENS, "load": StopReason.OTHER,
                "unload": StopReason.OTHER}


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def tool_call_id(created_at: str, position: int, name: str) -> str:
    """An id for a call Ollama sent without one: derived from the reply's timestamp, the
    call's position and name, so the same transcript always gives the same ids."""
    digest = hashlib.sha256(f"{created_at}|{position}|{name}".encode()).hexdigest()
    return f"call_{digest[:16]}"


class OllamaStreamProcessor(StreamProcessor):
    provider = "ollama"
    framing = "ndjson"

    def __init__(self, provider: Optional[str] = None) -> None:
        super().__init__(provider)
        self._next_index = 0
        self._thinking: Optional[int] = None
        self._text: Optional[int] = None
        self._parts: Dict[int, List[str]] = {}
        self._calls: List[ToolUseContent] = []
        self._created_at = ""

    def _index(self, kind: str) -> int:
        current = self._thinking if kind == "thinking" else self._text
        if current is None:
            current = self._next_index
            self._next_index += 1
            self._parts[current] = []
            if kind == "thinking":
                self._thinking = current
            else:
                self._text = current
        return current

    def process(self, event: str, data: str) -> Sequence[_Event]:
        if self.done:
            return ()
        obj = parse_json_event(data)
        if not isinstance(obj, dict):
            raise MalformedEventError(f"ollama line is not a JSON object: {data[:200]!r}")
        if obj.get("error"):
            raise stream_error(generic_error_info(None, obj), provider=self.provider, body=data)
        if isinstance(obj.get("model"), str) and obj["model"]:
            self.model = obj["model"]
        if isinstance(obj.get("created_at"), str) and not self._created_at:
            self._created_at = obj["created_at"]
        events: List[_Event] = []
        message = obj.get("message")
        if isinstance(message, dict):
            self._message(message, events)
        if obj.get("done") is True:
            events.extend(self._finish(obj))
        return events

    def _message(self, message: Json, events: List[_Event]) -> None:
        thinking = message.get("thinking")
        if isinstance(thinking, str) and thinking:
            index = self._index("thinking")
            self._parts[index].append(thinking)
            events.append(PartialContent(index, ThinkingContent(thinking)))
        text = message.get("content")
        if isinstance(text, str) and text:
            index = self._index("text")
            self._parts[index].append(text)
            events.append(PartialContent(index, text_delta(text)))
        for call in message.get("tool_calls") or ():
            function = call.get("function") if isinstance(call, dict) else None
            if not isinstance(function, dict):
                continue
            name = str(function.get("name") or "")
            arguments = function.get("arguments")
            if isinstance(arguments, str):  # some models' calls carry a JSON string
                try:
                    arguments = json.loads(arguments) if arguments.strip() else {}
                except ValueError as exc:
                    raise MalformedEventError(f"ollama tool call {name!r}: arguments are not JSON") from exc
            call_id = call.get("id") if isinstance(call.get("id"), str) and call.get("id") else None
            position = len(self._calls)
            self._calls.append(ToolUseContent(id=call_id or tool_call_id(self._created_at, position, name),
                                              name=name, input=arguments if isinstance(arguments, dict) else {}))

    def _finish(self, obj: Json) -> List[_Event]:
        self.usage = Usage(input_tokens=_int(obj.get("prompt_eval_count")), output_tokens=_int(obj.get("eval_count")))
        events: List[_Event] = []
        for index in sorted(self._parts):
            text = "".join(self._parts[index])
            block: ContentBlock = ThinkingContent(text) if index == self._thinking else TextContent(text)
            events.append(Content(index, block))
        for call in self._calls:
            events.append(Content(self._next_index, call))
            self._next_index += 1
        reason = obj.get("done_reason")
        stop = StopReason.TOOL_USE if self._calls else DONE_REASONS.get(str(reason), StopReason.END_TURN
                                                                         if reason is None else StopReason.OTHER)
        self.done = True
        self._parts = {}
        events.append(Stop(stop, self.usage))
        return events

    def open_blocks(self) -> Dict[int, ContentBlock]:
        out: Dict[int, ContentBlock] = {}
        for index, parts in list(self._parts.items()):
            if parts:
                text = "".join(parts)
                out[index] = ThinkingContent(text) if index == self._thinking else TextContent(text)
        return out
