"""Stream processing for OpenAI-compatible servers: OpenAI chunks, with reasoning read
from ``delta.reasoning_content`` (DeepSeek, vLLM, llama.cpp) or ``delta.reasoning``
(Ollama, LM Studio). Pure."""

from __future__ import annotations

from typing import Tuple

from llmsdk.providers.openai.stream import ChatStreamProcessor

__all__ = ["OpenAICompatibleStreamProcessor"]


class OpenAICompatibleStreamProcessor(ChatStreamProcessor):
    provider = "openai_compatible"
    reasoning_keys: Tuple[str, ...] = ("reasoning_content", "reasoning")
