"""OpenRouter embeddings: ``POST https://openrouter.ai/api/v1/embeddings``, OpenAI's shape
plus an ``input_type`` hint (``"search_query"`` / ``"search_document"`` in its docs;
``"query"`` / ``"document"`` are translated) and ``usage.cost`` in the reply (USD
credits). Source: openrouter.ai/docs/api/api-reference/embeddings/create-embeddings and
its SDK's ``CreateEmbeddingsRequestBody`` / ``CreateEmbeddingsUsage``.
"""

from __future__ import annotations

from typing import Any, Dict, Optional, Sequence

from llmsdk.providers.openai.embeddings import OpenAIEmbeddings

__all__ = ["OpenRouterEmbeddings"]

_INPUT_TYPES = {"query": "search_query", "document": "search_document"}


class OpenRouterEmbeddings(OpenAIEmbeddings):
    def body(self, texts: Sequence[str], model: str, dimensions: Optional[int],
             input_type: Optional[str]) -> Dict[str, Any]:
        body = super().body(texts, model, dimensions, input_type)
        if input_type is not None:
            body["input_type"] = _INPUT_TYPES.get(input_type, input_type)
        return body

    def reported_cost(self, usage: Dict[str, Any]) -> Optional[float]:
        cost = usage.get("cost")
        return float(cost) if isinstance(cost, (int, float)) and not isinstance(cost, bool) else None
