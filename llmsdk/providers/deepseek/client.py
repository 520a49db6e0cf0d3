"""The DeepSeek provider: Chat Completions at ``https://api.deepseek.com/chat/completions``
(bearer key, OpenAI-style error bodies). The ``/v1`` prefix is optional at DeepSeek; the
adapter uses the documented path without it."""

from __future__ import annotations

from typing import Type

from llmsdk.providers.deepseek.request import DeepSeekRequestFormatter
from llmsdk.providers.deepseek.stream import DeepSeekStreamProcessor
from llmsdk.providers.openai.client import ChatCompletionsAdapter
from llmsdk.providers.openai.request import ChatRequestFormatter
from llmsdk.providers.openai.stream import ChatStreamProcessor

__all__ = ["DeepSeekAdapter"]


class DeepSeekAdapter(ChatCompletionsAdapter):
    name = "deepseek"
    path = "/chat/completions"
    formatter: ChatRequestFormatter = DeepSeekRequestFormatter()
    processor_class: Type[ChatStreamProcessor] = DeepSeekStreamProcessor
