"""The small interface a provider implements to embed text (``client.embed``).

An adapter that can embed sets ``ProviderAdapter.embeddings`` to an ``EmbeddingsApi``:
where to POST, the JSON body for one call, and how to read the reply. Both are pure;
batching, retries, usage and costs are the engine's (``llmsdk._engine.embeddings``).
"""

from __future__ import annotations

import base64
import struct
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence

from llmsdk.errors import MalformedEventError
from llmsdk.types import Usage

__all__ = ["EmbeddingBatch", "EmbeddingsApi", "decode_vector", "estimate_embedding_tokens"]

Vector = List[float]


@dataclass
class EmbeddingBatch:
    """What one embeddings call returned: one vector per input, in input order."""

    vectors: List[Vector]
    usage: Usage
    #: The model the provider says it used (None: not reported).
    model: Optional[str] = None
    #: USD, when the provider reports it (OpenRouter).
    cost: Optional[float] = None


def estimate_embedding_tokens(text: str) -> int:
    """A generous token estimate for batching: UTF-8 bytes / 3 (English runs ~4.5 bytes a
    token, CJK ~3), so a batch planned with it stays under a per-call token limit."""
    return len(text.encode("utf-8")) // 3 + 1


def decode_vector(value: Any, what: str) -> Vector:
    """A vector as floats: a JSON list, or base64 little-endian float32
    (``encoding_format: "base64"``, which some servers send by default)."""
    if isinstance(value, list) and all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in value):
        return [float(x) for x in value]
    if isinstance(value, str):
        try:
            raw = base64.b64decode(value, validate=True)
        except ValueError as exc:
            raise MalformedEventError(f"{what}: embedding is neither numbers nor base64") from exc
        if len(raw) % 4 == 0:
            return list(struct.unpack(f"<{len(raw) // 4}f", raw))
    raise MalformedEventError(f"{what}: embedding is not a list of numbers: {str(value)[:100]!r}")


class EmbeddingsApi(ABC):
    """One provider's embeddings endpoint."""

    #: Most inputs one call accepts.
    max_inputs: int = 2048
    #: Most (estimated) input tokens one call accepts; None for no limit.
    max_tokens_per_call: Optional[int] = None

    @abstractmethod
    def url(self, api_base: str, model: str) -> str:
        """Where to POST one call."""

    @abstractmethod
    def body(self, texts: Sequence[str], model: str, dimensions: Optional[int],
             input_type: Optional[str]) -> Dict[str, Any]:
        """The JSON body for one call. Pure; raises ``InvalidRequestError`` for options the
        provider cannot take, before anything is sent."""

    @abstractmethod
    def parse(self, data: Dict[str, Any], texts: Sequence[str]) -> EmbeddingBatch:
        """Read one reply; ``MalformedEventError`` when it does not hold one vector per input."""
