"""``client.embed``: text -> vectors through the provider's embeddings API, in batches
that respect its per-call limits, in input order, with usage and cost.

>>> resp = client.embed(["first text", "second text"], model="text-embedding-3-small")
>>> len(resp.vectors), len(resp.vectors[0])
(2, 1536)
>>> resp.usage.input_tokens, resp.cost

Everything a provider cannot take is refused before the first call (no embeddings API:
``UnsupportedFeatureError``; an empty text, a bad ``dimensions`` or ``input_type``:
``InvalidRequestError``). Batches run one after another; if one fails, the error carries
the vectors of the batches before it as ``partial_response``, and their usage is billed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Union

from llmsdk._core.json_codec import JsonMixin
from llmsdk.errors import InvalidRequestError, LLMError, UnsupportedFeatureError
from llmsdk.models import cost_of
from llmsdk.providers.base import Endpoint, PostJson, ProviderAdapter
from llmsdk.providers.embedding_api import EmbeddingsApi, estimate_embedding_tokens
from llmsdk.types import Usage
from llmsdk._core.public_name import present_as_public

__all__ = ["EmbeddingResponse", "embed", "plan_batches"]

#: ``record(model_ref, usage, cost)``: the client's usage and cost totals.
Recorder = Callable[[Any, Usage, Optional[float]], None]


@dataclass
class EmbeddingResponse(JsonMixin):
    """One vector per input text, in input order; ``usage.input_tokens`` is what was billed
    and ``cost`` its USD price (None when the model has no price).

    >>> resp = client.embed(["a", "b"], model="text-embedding-3-small", dimensions=256)
    >>> resp.vectors[1][:3], resp.model, resp.cost
    """

    vectors: List[List[float]] = field(default_factory=list)
    model: str = ""
    usage: Usage = field(default_factory=Usage)
    cost: Optional[float] = None


def plan_batches(texts: Sequence[str], max_inputs: int, max_tokens: Optional[int]) -> List[Tuple[int, int]]:
    """``[start, end)`` ranges covering ``texts`` in order, each within ``max_inputs`` texts
    and (estimated) ``max_tokens`` tokens. A text alone over the token limit gets its own
    batch: the provider then says what it thinks of it."""
    batches: List[Tuple[int, int]] = []
    start, tokens = 0, 0
    for i, text in enumerate(texts):
        cost = estimate_embedding_tokens(text)
        full = i - start >= max_inputs or (max_tokens is not None and i > start and tokens + cost > max_tokens)
        if full:
            batches.append((start, i))
            start, tokens = i, 0
        tokens += cost
    if start < len(texts):
        batches.append((start, len(texts)))
    return batches


def _check(texts: Union[str, Sequence[str]], model: Any, dimensions: Optional[int]) -> Tuple[List[str], str]:
    if isinstance(texts, str):
        texts = [texts]
    if not isinstance(texts, (list, tuple)):
        raise InvalidRequestError(f"texts must be a list of strings, got {type(texts).__name__}")
    for i, text in enumerate(texts):
        if not isinstance(text, str):
            raise InvalidRequestError(f"texts[{i}] must be a string, got {type(text).__name__}")
        if not text:
            raise InvalidRequestError(f"texts[{i}] is empty; embeddings APIs refuse empty inputs")
    model_id = model if isinstance(model, str) else getattr(model, "model_name", None)
    if not isinstance(model_id, str) or not model_id.strip():
        raise InvalidRequestError(f"model must be a model id string or an LLMModel, got {model!r}")
    if dimensions is not None and (isinstance(dimensions, bool) or not isinstance(dimensions, int) or dimensions < 1):
        raise InvalidRequestError(f"dimensions must be a positive int, got {dimensions!r}")
    return list(texts), model_id


def embed(
    adapter: ProviderAdapter,
    endpoint: Endpoint,
    post_json: PostJson,
    provider_key: str,
    texts: Union[str, Sequence[str]],
    *,
    model: Any,
    dimensions: Optional[int] = None,
    input_type: Optional[str] = None,
    record: Optional[Recorder] = None,
) -> EmbeddingResponse:
    """Embed ``texts`` with ``adapter``'s embeddings API (see the module docstring)."""
    api: Optional[EmbeddingsApi] = adapter.embeddings
    if api is None:
        raise UnsupportedFeatureError(f"{provider_key} has no embeddings API")
    if input_type is not None and not isinstance(input_type, str):
        raise InvalidRequestError(f"input_type must be a string, got {input_type!r}")
    items, model_id = _check(texts, model, dimensions)
    calls = [(start, end, api.body(items[start:end], model_id, dimensions, input_type))
             for start, end in plan_batches(items, api.max_inputs, api.max_tokens_per_call)]
    url = api.url(endpoint.api_base, model_id)
    headers: Dict[str, str] = adapter.auth_headers(endpoint.key)
    result = EmbeddingResponse(model=model_id, cost=0.0 if not calls else None)
    costs: List[Optional[float]] = []
    for start, end, body in calls:
        try:
            batch = api.parse(post_json(url, headers, body), items[start:end])
        except LLMError as exc:
            exc.partial_response = result
            raise
        cost = batch.cost if batch.cost is not None else cost_of(model, provider_key, batch.usage)
        if record is not None:
            record(model, batch.usage, cost)
        result.vectors.extend(batch.vectors)
        result.usage = result.usage + batch.usage
        result.model = batch.model or result.model
        costs.append(cost)
        result.cost = None if any(c is None for c in costs) else sum(c for c in costs if c is not None)
    return result


present_as_public(globals(), "EmbeddingResponse")
