"""Gemini embeddings: ``POST /v1beta/models/{model}:batchEmbedContents``.

Request ``{"requests": [{"model": "models/...", "content": {"parts": [{"text"}]},
"taskType"?, "outputDimensionality"?}]}`` (python-genai ``_EmbedContentConfig_to_mldev``
/ ``_EmbedContentParametersPrivate_to_mldev``); reply ``{"embeddings": [{"values"}]}`` in
request order. At most 100 requests a call. The Gemini API reports no token counts for
embeddings (only Vertex does), so usage is read from ``usageMetadata.promptTokenCount``
when present and otherwise estimated at ~4 characters a token: costs are approximate.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence

from llmsdk._core.urls import join_url
from llmsdk.errors import InvalidRequestError, MalformedEventError
from llmsdk.providers.embedding_api import EmbeddingBatch, EmbeddingsApi, Vector, decode_vector
from llmsdk.providers.gemini.paths import API_VERSION, model_path
from llmsdk.types import Usage

__all__ = ["GeminiEmbeddings", "TASK_TYPES", "task_type"]

#: The API's ``TaskType`` values.
TASK_TYPES = ("RETRIEVAL_QUERY", "RETRIEVAL_DOCUMENT", "SEMANTIC_SIMILARITY", "CLASSIFICATION", "CLUSTERING",
              "QUESTION_ANSWERING", "FACT_VERIFICATION", "CODE_RETRIEVAL_QUERY")
_ALIASES = {"query": "RETRIEVAL_QUERY", "search_query": "RETRIEVAL_QUERY",
            "document": "RETRIEVAL_DOCUMENT", "search_document": "RETRIEVAL_DOCUMENT"}


def task_type(input_type: str) -> str:
    """``"query"`` / ``"document"`` (the words other providers use) or a ``TaskType`` in
    any case -> the ``taskType`` value; anything else is an ``InvalidRequestError``."""
    wire = _ALIASES.get(input_type.lower(), input_type.upper())
    if wire not in TASK_TYPES:
        choices = ", ".join(["query", "document", *(t.lower() for t in TASK_TYPES)])
        raise InvalidRequestError(f"Gemini has no input_type {input_type!r}; use one of: {choices}")
    return wire


class GeminiEmbeddings(EmbeddingsApi):
    max_inputs = 100

    def url(self, api_base: str, model: str) -> str:
        return join_url(api_base, f"{API_VERSION}/{model_path(model)}:batchEmbedContents")

    def body(self, texts: Sequence[str], model: str, dimensions: Optional[int],
             input_type: Optional[str]) -> Dict[str, Any]:
        name = model if "/" in model else f"models/{model}"
        extra: Dict[str, Any] = {}
        if input_type is not None:
            extra["taskType"] = task_type(input_type)
        if dimensions is not None:
            extra["outputDimensionality"] = dimensions
        return {"requests": [{"model": name, "content": {"parts": [{"text": text}]}, **extra} for text in texts]}

    def parse(self, data: Dict[str, Any], texts: Sequence[str]) -> EmbeddingBatch:
        rows = data.get("embeddings")
        if not isinstance(rows, list) or len(rows) != len(texts):
            count = len(rows) if isinstance(rows, list) else 0
            raise MalformedEventError(f"batchEmbedContents reply holds {count} embeddings for {len(texts)} inputs")
        vectors: List[Vector] = [
            decode_vector(row.get("values") if isinstance(row, dict) else None, f"batchEmbedContents, input {i}")
            for i, row in enumerate(rows)
        ]
        metadata = data.get("usageMetadata")
        tokens = metadata.get("promptTokenCount") if isinstance(metadata, dict) else None
        if not isinstance(tokens, int) or isinstance(tokens, bool):
            tokens = sum((len(text) + 3) // 4 for text in texts)
        return EmbeddingBatch(vectors=vectors, usage=Usage(input_tokens=tokens))
