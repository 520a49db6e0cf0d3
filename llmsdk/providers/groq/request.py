"""Groq request formatting: OpenAI's body with Groq's reasoning controls. Pure.

Differences from OpenAI: no ``stream_options`` (usage comes in ``x_groq.usage``), the
system prompt always uses role ``system``, reasoning is asked for with
``reasoning_format`` (or ``include_reasoning`` where the model takes no format), and
earlier reasoning goes back as the assistant's ``reasoning`` string
(``reasoning_content`` gets a 400).

Which reasoning controls a model takes comes from its registry entry
(``ModelCapabilities.include_reasoning`` and ``reasoning_effort``, set for gpt-oss in
``_catalog.DIALECT_FACTS``). Fallback for an id the registry does not know (a plain
string): ``reasoning_format``, and ``reasoning_effort`` only as ``"none"`` for a zero
budget (what Qwen3 takes); register such a model with
``ModelCapabilitiesBuilder().with_include_reasoning().with_reasoning_effort()`` for the
gpt-oss controls.
``output_schema`` for a model the registry does not know goes as JSON mode
(``json_object`` + the schema in the system prompt): strict ``json_schema`` works only
on some Groq models.
"""

from __future__ import annotations

from typing import Any, Dict, List

from llmsdk.providers.openai.request import ChatRequestFormatter, effort_for_budget, model_has
from llmsdk.types import ContentBlock, ThinkingContent, ThinkingOptions

__all__ = ["GroqRequestFormatter"]


class GroqRequestFormatter(ChatRequestFormatter):
    include_usage = False
    #: JSON mode is what every Groq chat model takes; strict ``json_schema`` only some.
    default_structured_output = "json_object"
    #: Groq refuses JSON mode together with tool calling: with tools, the output is a tool.
    output_tool_with_tools = True

    def reasoning_params(self, model: Any, thinking: ThinkingOptions) -> Dict[str, Any]:
        out: Dict[str, Any] = {}
        if thinking.effort:
            out["reasoning_effort"] = thinking.effort
        elif thinking.budget_tokens is not None:
            # gpt-oss takes low/medium/high; Qwen3 only none/default.
            if model_has(model, "reasoning_effort"):
                out["reasoning_effort"] = effort_for_budget(thinking.budget_tokens)
            elif thinking.budget_tokens == 0:
                out["reasoning_effort"] = "none"
        if model_has(model, "include_reasoning"):
            out["include_reasoning"] = thinking.include_thoughts
        else:
            out["reasoning_format"] = "parsed" if thinking.include_thoughts else "hidden"
        return out

    def assistant_reasoning(self, blocks: List[ContentBlock]) -> Dict[str, Any]:
        text = "".join(b.thinking for b in blocks if isinstance(b, ThinkingContent))
        return {"reasoning": text} if text else {}
