"""A provider for any OpenAI-compatible endpoint (``new_openai_compatible(api_base)``).

No API key is required (no ``Authorization`` header is sent without one), and any
model id is accepted; models missing from the registry simply have no price, so
``LLMResponse.cost`` is ``None``. A base URL ending in ``/v1`` is not doubled.
"""

from __future__ import annotations

from typing import Optional, Type

from llmsdk.providers.embedding_api import EmbeddingsApi
from llmsdk.providers.openai.client import ChatCompletionsAdapter
from llmsdk.providers.openai.embeddings import OpenAIEmbeddings
from llmsdk.providers.openai.request import ChatRequestFormatter
from llmsdk.providers.openai.stream import ChatStreamProcessor
from llmsdk.providers.openai_compatible.request import OpenAICompatibleRequestFormatter
from llmsdk.providers.openai_compatible.stream import OpenAICompatibleStreamProcessor

__all__ = ["OpenAICompatibleAdapter"]


class OpenAICompatibleAdapter(ChatCompletionsAdapter):
    """``name`` is the provider key its errors and responses carry:
    ``register_openai_compatible("vllm", ...)`` builds ``OpenAICompatibleAdapter("vllm")``."""

    name = "openai_compatible"
    embeddings: Optional[EmbeddingsApi] = OpenAIEmbeddings()
    formatter: ChatRequestFormatter = OpenAICompatibleRequestFormatter()
    processor_class: Type[ChatStreamProcessor] = OpenAICompatibleStreamProcessor

    def __init__(self, name: str = "openai_compatible") -> None:
        self.name = name
