"""Vertex text embeddings: ``POST .../publishers/google/models/{model}:predict``.

Request ``{"instances": [{"content", "task_type"?}], "parameters": {"outputDimensionality"?}}``
(what google-genai sends with ``vertexai=True``); reply ``{"predictions": [{"embeddings":
{"values", "statistics": {"token_count"}}}]}`` in input order. Vertex counts the tokens.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional, Sequence

from llmsdk.errors import MalformedEventError
from llmsdk.providers.embedding_api import EmbeddingBatch, EmbeddingsApi, Vector, decode_vector
from llmsdk.providers.gemini.embeddings import task_type
from llmsdk.types import Usage

__all__ = ["VertexEmbeddings"]


class VertexEmbeddings(EmbeddingsApi):
    """``url_for(model, method)`` is the bound adapter's model URL builder."""

    max_inputs = 250

    def __init__(self, url_for: Callable[[str, str], str]) -> None:
        self._url_for = url_for

    def url(self, api_base: str, model: str) -> str:
        return self._url_for(model, "predict")

    def body(self, texts: Sequence[str], model: str, dimensions: Optional[int],
             input_type: Optional[str]) -> Dict[str, Any]:
        kind = task_type(input_type) if input_type is not None else None
        instances = [{"content": text, **({"task_type": kind} if kind else {})} for text in texts]
        body: Dict[str, Any] = {"instances": instances}
        if dimensions is not None:
            body["parameters"] = {"outputDimensionality": dimensions}
        return body

    def parse(self, data: Dict[str, Any], texts: Sequence[str]) -> EmbeddingBatch:
        rows = data.get("predictions")
        if not isinstance(rows, list) or len(rows) != len(texts):
            count = len(rows) if isinstance(rows, list) else 0
            raise MalformedEventError(f"Vertex :predict reply holds {count} embeddings for {len(texts)} inputs")
        vectors: List[Vector] = []
        tokens = 0
        for i, row in enumerate(rows):
            emb = row.get("embeddings") if isinstance(row, dict) else None
            emb = emb if isinstance(emb, dict) else {}
            vectors.append(decode_vector(emb.get("values"), f"Vertex :predict, input {i}"))
            stats = emb.get("statistics")
            counted = stats.get("token_count") if isinstance(stats, dict) else None
            tokens += int(counted) if isinstance(counted, (int, float)) and not isinstance(counted, bool) else 0
        return EmbeddingBatch(vectors=vectors, usage=Usage(input_tokens=tokens))
