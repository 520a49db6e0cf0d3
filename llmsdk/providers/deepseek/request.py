"""DeepSeek request formatting: the Chat Completions body with DeepSeek's differences. Pure.

* ``max_tokens``; ``stream_options.include_usage`` is honoured;
* thinking is on by default on current models; ``ThinkingOptions(budget_tokens=0)`` sends
  ``thinking: {"type": "disabled"}``, any other ``ThinkingOptions`` ``{"type": "enabled"}``
  (plus ``reasoning_effort`` when one is given);
* earlier reasoning goes back as the assistant's ``reasoning_content``. V4 models
  (``deepseek-flash``, ``deepseek-v4-*``) require the field on every assistant turn
  (an empty string where there was none); the older reasoners refused reasoning from
  turns before the last user message, so for any other id it is sent only on the
  assistant turns of the current tool continuation (after the last user text);
* structured output as JSON mode (``json_object`` with the schema in the system
  prompt): DeepSeek has no ``json_schema``.

Sources: api-docs.deepseek.com (thinking mode, tool calls); the Vercel AI SDK's
``convert-to-deepseek-chat-messages.ts`` and ``deepseek-chat-options.ts``.
"""

from __future__ import annotations

from typing import Any, Dict, List

from llmsdk.providers.openai.request import ChatRequestFormatter
from llmsdk.providers.openai_compatible.request import reasoning_text
from llmsdk.types import LLMMessage, LLMRequest, ThinkingOptions, ToolResultContent

__all__ = ["DeepSeekRequestFormatter", "is_v4"]

Json = Dict[str, Any]


def is_v4(model_id: str) -> bool:
    """DeepSeek V4 ids (``deepseek-flash``, ``deepseek-v4-pro``, ``deepseek-v4-flash``...)."""
    name = model_id.rsplit("/", 1)[-1]
    return name.startswith(("deepseek-flash", "deepseek-v4"))


def _is_user_text(message: LLMMessage) -> bool:
    """A user turn that is more than tool results (a new question, not a continuation)."""
    return message.role == "user" and any(not isinstance(b, ToolResultContent) for b in message.blocks)


class DeepSeekRequestFormatter(ChatRequestFormatter):
    max_tokens_field = "max_tokens"
    include_usage = True
    default_structured_output = "json_object"

    def reasoning_params(self, model: Any, thinking: ThinkingOptions) -> Json:
        if thinking.budget_tokens == 0 and not thinking.effort:
            return {"thinking": {"type": "disabled"}}
        out: Json = {"thinking": {"type": "enabled"}}
        if thinking.effort:
            out["reasoning_effort"] = thinking.effort
        return out

    def messages(self, request: LLMRequest) -> List[Json]:
        """The shared messages, then ``reasoning_content`` on the assistant turns that take it
        (each assistant message makes exactly one ``role: "assistant"`` item, in order)."""
        out = super().messages(request)
        chat = request.chat_messages()
        last_user = max((i for i, m in enumerate(chat) if _is_user_text(m)), default=-1)
        every_turn = is_v4(request.model_id)
        turns = [(i, m) for i, m in enumerate(chat) if m.role == "assistant"]
        items = [item for item in out if item["role"] == "assistant"]
        for (i, message), item in zip(turns, items):
            if every_turn or i > last_user:
                text = reasoning_text(message.blocks)
                if text or every_turn:
                    item["reasoning_content"] = text
        return out
