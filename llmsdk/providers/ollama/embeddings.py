"""Ollama embeddings: ``POST /api/embed`` ``{"model", "input": [...], "dimensions"?}`` ->
``{"model", "embeddings": [[...], ...], "prompt_eval_count"}`` (ollama-python 0.6.3
``EmbedRequest`` / ``EmbedResponse``)."""

from __future__ import annotations

from typing import Any, Dict, Sequence

from llmsdk.errors import MalformedEventError
from llmsdk.providers.embedding_api import EmbeddingBatch, decode_vector
from llmsdk.providers.openai.embeddings import OpenAIEmbeddings
from llmsdk.types import Usage

__all__ = ["OllamaEmbeddings"]


class OllamaEmbeddings(OpenAIEmbeddings):
    """OpenAI's request body at another path; its own reply. ``input_type`` is not sent:
    Ollama's embed API has no such hint."""

    max_inputs = 512
    max_tokens_per_call = None  # no published limit
    path = "/api/embed"

    def parse(self, data: Dict[str, Any], texts: Sequence[str]) -> EmbeddingBatch:
        rows = data.get("embeddings")
        if not isinstance(rows, list) or len(rows) != len(texts):
            count = len(rows) if isinstance(rows, list) else 0
            raise MalformedEventError(f"ollama embed reply holds {count} vectors for {len(texts)} inputs")
        prompt = data.get("prompt_eval_count")
        model = data.get("model")
        return EmbeddingBatch(
            vectors=[decode_vector(row, f"ollama embed reply, input {i}") for i, row in enumerate(rows)],
            usage=Usage(input_tokens=prompt if isinstance(prompt, int) and not isinstance(prompt, bool) else 0),
            model=model if isinstance(model, str) and model else None,
        )
