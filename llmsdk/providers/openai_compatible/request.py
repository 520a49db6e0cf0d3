"""Request formatting for any OpenAI-compatible server (vLLM, Ollama, LM Studio,
llama.cpp, Together, DeepSeek, gateways). Pure.

Differences from OpenAI: ``max_tokens``, which every such server takes (few know
``max_completion_tokens``), and ``system`` as the system role. ``stream_options``
is kept: vLLM, Ollama and llama.cpp send usage only when asked.

Reasoning survives the next turn: the reasoning text a vLLM-style server streamed in
``reasoning_content`` goes back on the assistant message as ``reasoning_content``, and
Gemini's thought signatures (``extra_content.google.thought_signature`` on a tool call of
its OpenAI-compatible endpoint) go back on the call, as Google requires for tool loops.
"""

from __future__ import annotations

from typing import Any, Dict, List

from llmsdk.providers.openai.request import ChatRequestFormatter
from llmsdk.types import ContentBlock, ThinkingContent

__all__ = ["OpenAICompatibleRequestFormatter", "reasoning_text"]


def reasoning_text(blocks: List[ContentBlock]) -> str:
    """The text of the thinking blocks among ``blocks``, joined."""
    return "".join(b.thinking for b in blocks if isinstance(b, ThinkingContent))


class OpenAICompatibleRequestFormatter(ChatRequestFormatter):
    max_tokens_field = "max_tokens"
    include_usage = True
    thought_signatures = True

    def assistant_reasoning(self, blocks: List[ContentBlock]) -> Dict[str, Any]:
        text = reasoning_text(blocks)
        return {"reasoning_content": text} if text else {}
