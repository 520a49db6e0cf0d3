"""OpenAI-style embeddings: ``POST /v1/embeddings`` (OpenAI, compatible servers, and
OpenRouter with two additions, see ``providers/openrouter/embeddings.py``).

Request ``{"model", "input": [...], "dimensions"?}``; reply ``{"data": [{"index",
"embedding"}], "model", "usage": {"prompt_tokens", "total_tokens"}}``. Limits from the
SDK's ``EmbeddingCreateParams``: at most 2,048 inputs and 300,000 tokens summed over the
inputs of one call (8,192 tokens an input, which the API itself enforces).
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence

from llmsdk._core.urls import join_url
from llmsdk.errors import MalformedEventError
from llmsdk.providers.embedding_api import EmbeddingBatch, EmbeddingsApi, Vector, decode_vector
from llmsdk.types import Usage

__all__ = ["OpenAIEmbeddings"]


class OpenAIEmbeddings(EmbeddingsApi):
    """``input_type`` is not sent: OpenAI's embeddings do not tell queries from documents."""

    max_inputs = 2048
    max_tokens_per_call: Optional[int] = 300_000
    path = "/v1/embeddings"

    def url(self, api_base: str, model: str) -> str:
        return join_url(api_base, self.path)

    def body(self, texts: Sequence[str], model: str, dimensions: Optional[int],
             input_type: Optional[str]) -> Dict[str, Any]:
        body: Dict[str, Any] = {"model": model, "input": list(texts)}
        if dimensions is not None:
            body["dimensions"] = dimensions
        return body

    def parse(self, data: Dict[str, Any], texts: Sequence[str]) -> EmbeddingBatch:
        rows = data.get("data")
        if not isinstance(rows, list) or len(rows) != len(texts):
            count = len(rows) if isinstance(rows, list) else 0
            raise MalformedEventError(f"embeddings reply holds {count} vectors for {len(texts)} inputs")
        vectors: List[Optional[Vector]] = [None] * len(texts)
        for position, row in enumerate(rows):
            index = row.get("index", position) if isinstance(row, dict) else None
            if not isinstance(index, int) or not 0 <= index < len(texts) or vectors[index] is not None:
                raise MalformedEventError(f"embeddings reply has a bad or repeated index: {str(row)[:100]!r}")
            vectors[index] = decode_vector(row.get("embedding"), f"embeddings reply, input {index}")
        raw_usage = data.get("usage")
        usage: Dict[str, Any] = raw_usage if isinstance(raw_usage, dict) else {}
        prompt = usage.get("prompt_tokens")
        model = data.get("model")
        return EmbeddingBatch(
            vectors=[v for v in vectors if v is not None],
            usage=Usage(input_tokens=prompt if isinstance(prompt, int) else 0),
            model=model if isinstance(model, str) and model else None,
            cost=self.reported_cost(usage),
        )

    def reported_cost(self, usage: Dict[str, Any]) -> Optional[float]:
        """The USD cost the reply states, if the provider states one (OpenAI does not)."""
        return None
