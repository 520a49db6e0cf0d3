"""A provider for any OpenAI-compatible endpoint (``new_openai_compatible(api_base)``).

No API key is required (no ``Authorization`` header is sent without one), and any
model id is accepted; models missing from the registry simply have no price, so
``LLMResponse.cost`` is ``None``. A base URL ending in ``/v1`` is not doubled.
"""

from __future__ import annotations

import re
from typing import Optional, Type
from urllib.parse import urlsplit

from llmsdk.providers.embedding_api import EmbeddingsApi
from llmsdk.providers.openai.client import ChatCompletionsAdapter
from llmsdk.providers.openai.embeddings import OpenAIEmbeddings
from llmsdk.providers.openai.request import ChatRequestFormatter
from llmsdk.providers.openai.stream import ChatStreamProcessor
from llmsdk.providers.openai_compatible.request import OpenAICompatibleRequestFormatter
from llmsdk.providers.openai_compatible.stream import OpenAICompatibleStreamProcessor
from llmsdk.types import LLMRequest

__all__ = ["OpenAICompatibleAdapter"]

_VERSION = re.compile(r"^v\d+[a-z0-9]*$")


class OpenAICompatibleAdapter(ChatCompletionsAdapter):
    """``name`` is the provider key its errors and responses carry:
    ``register_openai_compatible("vllm", ...)`` builds ``OpenAICompatibleAdapter("vllm")``."""

    name = "openai_compatible"
    embeddings: Optional[EmbeddingsApi] = OpenAIEmbeddings()
    formatter: ChatRequestFormatter = OpenAICompatibleRequestFormatter()
    processor_class: Type[ChatStreamProcessor] = OpenAICompatibleStreamProcessor

    def __init__(self, name: str = "openai_compatible") -> None:
        self.name = name

    def endpoint(self, api_base: str, request: LLMRequest) -> str:
        """``{api_base}/v1/chat/completions``, unless the base's path already names a
        versioned API root (Gemini's ``.../v1beta/openai``, a gateway's
        ``.../v1/{account}/openai``): then ``{api_base}/chat/completions``, as those
        servers document."""
        segments = [s for s in urlsplit(api_base).path.split("/") if s]
        if segments and segments[-1] != "v1" and any(_VERSION.match(s) for s in segments):
            return api_base.rstrip("/") + "/chat/completions"
        return super().endpoint(api_base, request)
