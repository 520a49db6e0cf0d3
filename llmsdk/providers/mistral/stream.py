"""Mistral stream processing: Chat Completions chunks whose ``delta.content`` is either a
string or a list of typed chunks — ``{"type": "text", "text"}`` and ``{"type": "thinking",
"thinking": [{"type": "text", "text"}], "signature"?}`` (reasoning models). Thinking
becomes ``ThinkingContent`` (its signature kept for the next turn); usage comes on the
finish chunk; tool calls arrive whole, without ``index``. Pure."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

from llmsdk.events import _Event
from llmsdk.providers.openai.stream import ChatStreamProcessor

__all__ = ["MistralStreamProcessor", "split_content"]

Json = Dict[str, Any]

#: The private delta key the thinking text of typed chunks is moved to.
_THINKING = "_mistral_thinking"


def _texts(parts: Any) -> str:
    """The text of a list of ``{"type": "text", "text"}`` parts (or a plain string)."""
    if isinstance(parts, str):
        return parts
    if not isinstance(parts, list):
        return ""
    return "".join(p["text"] for p in parts if isinstance(p, dict) and isinstance(p.get("text"), str))


def split_content(content: Any) -> Tuple[str, str, Optional[str]]:
    """``(text, thinking, signature)`` of a delta's ``content``: a string is all text; a
    list of typed chunks is split by type (unknown chunk types are skipped)."""
    if isinstance(content, str):
        return content, "", None
    text: List[str] = []
    thinking: List[str] = []
    signature: Optional[str] = None
    for chunk in content if isinstance(content, list) else ():
        if not isinstance(chunk, dict):
            continue
        if chunk.get("type") == "thinking":
            thinking.append(_texts(chunk.get("thinking")))
            if isinstance(chunk.get("signature"), str) and chunk["signature"]:
                signature = chunk["signature"]
        elif chunk.get("type") == "text" and isinstance(chunk.get("text"), str):
            text.append(chunk["text"])
    return "".join(text), "".join(thinking), signature


class MistralStreamProcessor(ChatStreamProcessor):
    provider = "mistral"
    reasoning_keys: Tuple[str, ...] = (_THINKING,)
    #: A plain string ``content`` delta finds nothing in the hooks: the fast path holds.
    plain_text_fast_path = True

    def __init__(self, provider: Optional[str] = None) -> None:
        super().__init__(provider)
        self._signature: Optional[str] = None

    def _delta(self, delta: Json, events: List[_Event]) -> None:
        content = delta.get("content")
        if isinstance(content, list):
            text, thinking, signature = split_content(content)
            if signature:
                self._signature = signature
            delta = {**delta, "content": text, _THINKING: thinking}
        super()._delta(delta, events)

    def thinking_signature(self) -> Optional[str]:
        return self._signature
