"""A whole Chat Completions reply (``"object": "chat.completion"``) -> ``LLMResponse``. Pure.

The reply is restated as the one chunk that would have carried it (the message as a
``delta``, tool calls numbered by ``index``, the ``finish_reason`` and ``usage``) plus
``[DONE]``, and read by the dialect's own stream processor (see ``providers/_replay.py``).
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Type

from llmsdk.errors import MalformedEventError
from llmsdk.providers._replay import Frame, frame, replay
from llmsdk.providers.openai.stream import ChatStreamProcessor, OpenAIStreamProcessor
from llmsdk.types import LLMResponse

__all__ = ["chat_completion_frames", "parse_chat_completion", "parse_response"]

Json = Dict[str, Any]


def chat_completion_frames(body: Json) -> List[Frame]:
    """The SSE events of the stream that would have carried ``body``."""
    if not isinstance(body, dict):
        raise MalformedEventError(f"a chat completion must be a JSON object, got {type(body).__name__}")
    choice: Optional[Json] = next(
        (c for c in body.get("choices") or () if isinstance(c, dict) and c.get("index", 0) == 0), None)
    chunk: Json = {k: v for k, v in body.items() if k not in ("choices", "object")}
    chunk["object"] = "chat.completion.chunk"
    choices: List[Json] = []
    if choice is not None:
        message = choice.get("message")
        if not isinstance(message, dict):
            message = {}
        delta: Json = {k: v for k, v in message.items() if k != "tool_calls"}
        calls = message.get("tool_calls")
        if isinstance(calls, list) and calls:
            delta["tool_calls"] = [dict(call, index=i) for i, call in enumerate(calls) if isinstance(call, dict)]
        choices.append({"index": 0, "delta": delta, "finish_reason": choice.get("finish_reason") or "stop"})
    chunk["choices"] = choices
    return [frame("message", chunk), ("message", "[DONE]")]


def parse_chat_completion(body: Json, processor_class: Type[ChatStreamProcessor]) -> LLMResponse:
    """``body`` read by a fresh ``processor_class`` (each Chat Completions dialect has one)."""
    return replay(processor_class(), chat_completion_frames(body))


def parse_response(body: Json) -> LLMResponse:
    """An OpenAI chat completion as an ``LLMResponse``."""
    return parse_chat_completion(body, OpenAIStreamProcessor)
