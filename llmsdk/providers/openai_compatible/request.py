"""Request formatting for any OpenAI-compatible server (vLLM, Ollama, LM Studio,
llama.cpp, Together, DeepSeek, gateways). Pure.

Differences from OpenAI: ``max_tokens``, which every such server takes (few know
``max_completion_tokens``), and ``system`` as the system role. ``stream_options``
is kept: vLLM, Ollama and llama.cpp send usage only when asked.
"""

from __future__ import annotations

from llmsdk.providers.openai.request import ChatRequestFormatter

__all__ = ["OpenAICompatibleRequestFormatter"]


class OpenAICompatibleRequestFormatter(ChatRequestFormatter):
    max_tokens_field = "max_tokens"
    include_usage = True
