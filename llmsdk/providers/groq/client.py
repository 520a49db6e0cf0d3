"""The Groq provider: OpenAI's Chat Completions at ``https://api.groq.com/openai``.

Groq's error bodies are OpenAI's ``{"error": {"message", "type", "code"}}``; its
498 (flex-tier capacity) is retried by the engine like 503.
"""

from __future__ import annotations

from typing import Type

from llmsdk.providers.groq.request import GroqRequestFormatter
from llmsdk.providers.groq.stream import GroqStreamProcessor
from llmsdk.providers.openai.client import ChatCompletionsAdapter
from llmsdk.providers.openai.request import ChatRequestFormatter
from llmsdk.providers.openai.stream import ChatStreamProcessor

__all__ = ["GroqAdapter"]


class GroqAdapter(ChatCompletionsAdapter):
    name = "groq"
    formatter: ChatRequestFormatter = GroqRequestFormatter()
    processor_class: Type[ChatStreamProcessor] = GroqStreamProcessor
