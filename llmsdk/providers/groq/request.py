"""Groq request formatting: OpenAI's body with Groq's reasoning controls. Pure.

Differences from OpenAI: no ``stream_options`` (usage comes in ``x_groq.usage``), the
system prompt always uses role ``system``, reasoning is asked for with
``reasoning_format`` (or ``include_reasoning`` on gpt-oss, which does not take a
format), and earlier reasoning goes back as the assistant's ``reasoning`` string
(``reasoning_content`` gets a 400). ``output_schema`` for a model the registry does not
know goes as JSON mode (``json_object`` + the schema in the system prompt): strict
``json_schema`` works only on some Groq models.
"""

from __future__ import annotations

from typing import Any, Dict, List

from llmsdk.providers.openai.request import ChatRequestFormatter, effort_for_budget
from llmsdk.types import ContentBlock, ThinkingContent, ThinkingOptions

__all__ = ["GroqRequestFormatter"]


class GroqRequestFormatter(ChatRequestFormatter):
    include_usage = False
    #: JSON mode is what every Groq chat model takes; strict ``json_schema`` only some.
    default_structured_output = "json_object"
    #: Groq refuses JSON mode together with tool calling: with tools, the output is a tool.
    output_tool_with_tools = True

    def reasoning_params(self, model_id: str, thinking: ThinkingOptions) -> Dict[str, Any]:
        gpt_oss = "gpt-oss" in model_id
        out: Dict[str, Any] = {}
        if thinking.effort:
            out["reasoning_effort"] = thinking.effort
        elif thinking.budget_tokens is not None:
            # gpt-oss takes low/medium/high; Qwen3 only none/default.
            if gpt_oss:
                out["reasoning_effort"] = effort_for_budget(thinking.budget_tokens)
            elif thinking.budget_tokens == 0:
                out["reasoning_effort"] = "none"
        if gpt_oss:
            out["include_reasoning"] = thinking.include_thoughts
        else:
            out["reasoning_format"] = "parsed" if thinking.include_thoughts else "hidden"
        return out

    def assistant_reasoning(self, blocks: List[ContentBlock]) -> Dict[str, Any]:
        text = "".join(b.thinking for b in blocks if isinstance(b, ThinkingContent))
        return {"reasoning": text} if text else {}
