"""The Mistral provider: Chat Completions at ``https://api.mistral.ai/v1/chat/completions``
with a bearer key; OpenAI-style error bodies (``{"object": "error", "message", "type",
"code"}`` at the top level, which the shared reader takes as the error object)."""

from __future__ import annotations

from typing import Optional, Type

from llmsdk.providers.embedding_api import EmbeddingsApi
from llmsdk.providers.mistral.request import MistralRequestFormatter
from llmsdk.providers.mistral.stream import MistralStreamProcessor
from llmsdk.providers.openai.client import ChatCompletionsAdapter
from llmsdk.providers.openai.embeddings import OpenAIEmbeddings
from llmsdk.providers.openai.request import ChatRequestFormatter
from llmsdk.providers.openai.stream import ChatStreamProcessor

__all__ = ["MistralAdapter"]


class MistralAdapter(ChatCompletionsAdapter):
    name = "mistral"
    #: ``POST /v1/embeddings`` takes OpenAI's body (``mistral-embed``).
    embeddings: Optional[EmbeddingsApi] = OpenAIEmbeddings()
    formatter: ChatRequestFormatter = MistralRequestFormatter()
    processor_class: Type[ChatStreamProcessor] = MistralStreamProcessor
