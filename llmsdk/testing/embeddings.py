"""Embeddings replies for ``FakeProviderServer`` (``client.embed``), one per call.

>>> server.add_reply(embeddings.openai_reply(embeddings.vectors(0, 2)))   # OpenAI, compatible, OpenRouter
>>> server.add_reply(embeddings.gemini_reply(embeddings.vectors(0, 100)))  # Gemini batchEmbedContents

``vectors(start, count)`` numbers each vector after its input's position, so a test can
check that batched replies come back in input order.
"""

from __future__ import annotations

import base64
import struct
from typing import Any, Dict, List, Optional, Sequence

from llmsdk.testing.server import ScriptedReply

__all__ = ["gemini_reply", "openai_reply", "vectors"]


def vectors(start: int, count: int, dimensions: int = 3) -> List[List[float]]:
    """``count`` vectors for inputs ``start..start+count-1``: ``[i, i + 0.5, i + 0.25, ...]``."""
    return [[float(i) + (0.5 ** d if d else 0.0) for d in range(dimensions)] for i in range(start, start + count)]


def openai_reply(vecs: Sequence[Sequence[float]], *, model: str = "text-embedding-3-small",
                 prompt_tokens: Optional[int] = None, cost: Optional[float] = None, as_base64: bool = False,
                 reverse: bool = False, headers: Optional[Dict[str, str]] = None) -> ScriptedReply:
    """``POST /v1/embeddings``'s reply. ``prompt_tokens`` defaults to 5 an input; ``cost``
    adds OpenRouter's ``usage.cost``; ``as_base64`` sends float32 base64 as
    ``encoding_format: "base64"`` does; ``reverse`` lists the rows backwards (their
    ``index`` still says where each belongs)."""
    rows: List[Dict[str, Any]] = []
    for i, vec in enumerate(vecs):
        value: Any = base64.b64encode(struct.pack(f"<{len(vec)}f", *vec)).decode() if as_base64 else list(vec)
        rows.append({"object": "embedding", "index": i, "embedding": value})
    if reverse:
        rows.reverse()
    tokens = 5 * len(vecs) if prompt_tokens is None else prompt_tokens
    usage: Dict[str, Any] = {"prompt_tokens": tokens, "total_tokens": tokens}
    if cost is not None:
        usage["cost"] = cost
    return ScriptedReply.json(200, {"object": "list", "data": rows, "model": model, "usage": usage},
                              headers={"x-request-id": "req_fake", **(headers or {})})


def gemini_reply(vecs: Sequence[Sequence[float]], *, prompt_tokens: Optional[int] = None) -> ScriptedReply:
    """``:batchEmbedContents``'s reply (``prompt_tokens`` adds a ``usageMetadata``, which the
    Gemini API itself does not send)."""
    body: Dict[str, Any] = {"embeddings": [{"values": list(vec)} for vec in vecs]}
    if prompt_tokens is not None:
        body["usageMetadata"] = {"promptTokenCount": prompt_tokens}
    return ScriptedReply.json(200, body)
