"""The OpenRouter provider: Chat Completions at ``https://openrouter.ai/api``.

Attribution headers are optional and go through the client options::

    HttpClientOptions.new_openrouter(key, extra_headers=attribution_headers(
        "https://myapp.example", "My App"))     # HTTP-Referer / X-Title

Routing preferences travel in ``LLMRequest.extra_body`` (``{"provider": {...}}``).
"""

from __future__ import annotations

from typing import Dict, Optional, Type

from llmsdk.providers.embedding_api import EmbeddingsApi
from llmsdk.providers.openai.client import ChatCompletionsAdapter
from llmsdk.providers.openai.request import ChatRequestFormatter
from llmsdk.providers.openai.stream import ChatStreamProcessor
from llmsdk.providers.openrouter.embeddings import OpenRouterEmbeddings
from llmsdk.providers.openrouter.request import OpenRouterRequestFormatter
from llmsdk.providers.openrouter.stream import OpenRouterStreamProcessor

__all__ = ["OpenRouterAdapter", "attribution_headers"]


def attribution_headers(app_url: Optional[str] = None, app_name: Optional[str] = None) -> Dict[str, str]:
    """``HTTP-Referer`` / ``X-Title`` for ``HttpClientOptions(extra_headers=...)``, so the
    app shows up in OpenRouter's rankings."""
    headers: Dict[str, str] = {}
    if app_url:
        headers["HTTP-Referer"] = app_url
    if app_name:
        headers["X-Title"] = app_name
    return headers


class OpenRouterAdapter(ChatCompletionsAdapter):
    name = "openrouter"
    embeddings: Optional[EmbeddingsApi] = OpenRouterEmbeddings()
    formatter: ChatRequestFormatter = OpenRouterRequestFormatter()
    processor_class: Type[ChatStreamProcessor] = OpenRouterStreamProcessor
