"""Mistral request formatting: the Chat Completions body with Mistral's differences. Pure.

* ``max_tokens`` (no ``max_completion_tokens``) and no ``stream_options``: usage comes on
  the finish chunk anyway, and the field is refused;
* a seed is ``random_seed`` (``extra_body={"seed": 7}`` is renamed; ``random_seed`` and
  ``safe_prompt`` pass through ``extra_body`` as they are);
* tool-call ids must be 9 letters or digits (``^[a-zA-Z0-9]{9}$``). Mistral's own ids
  are; any other (made by another provider, or by us) is rewritten to a 9-character id
  derived from it, the same in the call and in its result, so a history from any
  provider can continue on Mistral;
* reasoning is asked for with ``reasoning_effort`` (``none`` for a zero budget); earlier
  reasoning goes back as typed ``thinking`` chunks in the assistant's content
  (``{"type": "thinking", "thinking": [{"type": "text", "text"}], "signature"?,
  "closed": true}``), which Mistral uses "to replay reasoning blocks across turns";
* structured output is OpenAI's ``response_format`` ``json_schema``.

Sources: mistralai 3.7.0 ``ChatCompletionRequest``, ``ThinkChunk``, ``ToolCall``
(PROVIDERS.md §9.7); the Vercel AI SDK's ``convert-to-mistral-chat-messages.ts``.
"""

from __future__ import annotations

import hashlib
import re
import string
from typing import Any, Dict, List

from llmsdk.providers.openai.request import ChatRequestFormatter, requested_effort
from llmsdk.types import (
    ContentBlock,
    LLMMessage,
    LLMRequest,
    TextContent,
    ThinkingContent,
    ThinkingOptions,
    ToolUseContent,
)

__all__ = ["MistralRequestFormatter", "mistral_tool_id"]

Json = Dict[str, Any]

_VALID_ID = re.compile(r"^[a-zA-Z0-9]{9}$")
_ALPHABET = string.ascii_letters + string.digits


def mistral_tool_id(call_id: str) -> str:
    """``call_id`` if Mistral accepts it (9 letters/digits), else 9 characters derived
    from it by hashing: the same id always maps to the same replacement."""
    if _VALID_ID.match(call_id):
        return call_id
    number = int.from_bytes(hashlib.sha256(call_id.encode("utf-8")).digest()[:8], "big")
    chars = []
    for _ in range(9):
        number, digit = divmod(number, len(_ALPHABET))
        chars.append(_ALPHABET[digit])
    return "".join(chars)


def thinking_chunk(block: ThinkingContent) -> Json:
    chunk: Json = {"type": "thinking", "thinking": [{"type": "text", "text": block.thinking}]}
    if block.signature:
        chunk["signature"] = block.signature
    chunk["closed"] = True
    return chunk


class MistralRequestFormatter(ChatRequestFormatter):
    max_tokens_field = "max_tokens"
    include_usage = False

    def body(self, request: LLMRequest) -> Json:
        body = super().body(request)
        if "seed" in body and "random_seed" not in body:
            body["random_seed"] = body.pop("seed")
        return body

    def reasoning_params(self, model: Any, thinking: ThinkingOptions) -> Json:
        if thinking.budget_tokens == 0 and not thinking.effort:
            return {"reasoning_effort": "none"}
        effort = requested_effort(thinking)
        return {"reasoning_effort": effort} if effort else {"reasoning_effort": "high"}

    def tool_call(self, call: ToolUseContent) -> Json:
        out = super().tool_call(call)
        out["id"] = mistral_tool_id(call.id)
        return out

    def user_messages(self, message: LLMMessage) -> List[Json]:
        out = super().user_messages(message)
        for item in out:
            if item.get("role") == "tool":
                item["tool_call_id"] = mistral_tool_id(item["tool_call_id"])
        return out

    def assistant_message(self, message: LLMMessage) -> Json:
        """Text only: a string, as usual. With thinking: the content as typed chunks in
        their original order (thinking, then text), so the reasoning is replayed."""
        out = super().assistant_message(message)
        thinking = [b for b in message.blocks if isinstance(b, ThinkingContent)]
        if not thinking:
            return out
        chunks: List[Json] = []
        for block in message.blocks:
            if isinstance(block, ThinkingContent):
                chunks.append(thinking_chunk(block))
            elif isinstance(block, TextContent) and block.text:
                chunks.append({"type": "text", "text": block.text})
        out["content"] = chunks
        return out

    def assistant_reasoning(self, blocks: List[ContentBlock]) -> Json:
        return {}  # carried in the content chunks (assistant_message)
