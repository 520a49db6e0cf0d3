"""Ray Data: ``LLMPredictor`` runs each batch of a dataset through ``client.map`` on the
Ray workers, for jobs larger than one machine (``pip install 'llmsdk[ray]'``).

>>> import ray
>>> from llmsdk import RedisRateLimiter
>>> from llmsdk.ray import LLMPredictor
>>> ds = ray.data.read_json("questions.jsonl")                   # a "question" column
>>> ds = ds.map_batches(
...     LLMPredictor,
...     fn_constructor_kwargs=dict(provider="anthropic", model="claude-haiku-4-5",
...                                prompt_column="question", concurrency=8,
...                                limiter=RedisRateLimiter("redis://head:6379/0", key="anthropic",
...                                                         requests_per_minute=4000)),
...     concurrency=4, batch_size=64)
>>> ds.write_json("answers/")

Each Ray worker builds its own client from its environment (``ANTHROPIC_API_KEY`` ...), so
keys never travel in pickles; only the constructor arguments do. Every row gets the columns
``response_text``, ``input_tokens``, ``output_tokens``, ``cost`` and ``error``: a failed
call is a row with ``error`` set, not a failed Ray task. With a ``RedisRateLimiter`` every
worker of the cluster shares one quota (a ``RateLimiter`` cannot be pickled: it is for one
process).

What it does not promise: exactly-once calls. If a worker dies, Ray runs its batch again
and those calls are made (and billed) again; nothing is checkpointed between runs. Keep a
key column, and filter out the rows already answered before rerunning a large job.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional

from llmsdk._many.map import MapResult
from llmsdk._many.rate_limiter import BaseRateLimiter
from llmsdk.client import LLMClient
from llmsdk.errors import InvalidConfigError, InvalidRequestError, LLMError
from llmsdk.types import LLMMessage, LLMRequest, LLMResponse

__all__ = ["LLMPredictor", "OUTPUT_COLUMNS"]

OUTPUT_COLUMNS = ("response_text", "input_tokens", "output_tokens", "cost", "error")


class LLMPredictor:
    """A callable class for ``Dataset.map_batches``: one client per Ray worker, one
    ``client.map`` per batch.

    Requests come from ``prompt_column`` (a user message, with ``system`` and
    ``max_tokens``) or from ``request_fn(row) -> LLMRequest`` (``row`` is a dict of the
    row's columns). ``client_options`` are passed to ``LLMClient.from_env`` (``api_base``,
    ``timeouts``, ``max_retries`` ...).
    """

    def __init__(self, provider: str, model: Optional[str] = None, *, prompt_column: Optional[str] = None,
                 request_fn: Optional[Callable[[Dict[str, Any]], LLMRequest]] = None, system: Optional[str] = None,
                 max_tokens: Optional[int] = None, concurrency: int = 8,
                 limiter: Optional[BaseRateLimiter] = None, client_options: Optional[Dict[str, Any]] = None) -> None:
        if (prompt_column is None) == (request_fn is None):
            raise InvalidConfigError("LLMPredictor needs exactly one of prompt_column or request_fn")
        self.client = LLMClient.from_env(provider, **(client_options or {}))
        self.model = model or self.client.provider.default_model_id()
        if prompt_column is not None and not self.model:
            raise InvalidConfigError(f"{provider} has no default model: pass model=")
        self.prompt_column = prompt_column
        self.request_fn = request_fn
        self.system = system
        self.max_tokens = max_tokens
        self.concurrency = concurrency
        self.limiter = limiter

    def __call__(self, batch: Any) -> Any:
        columns = _columns(batch)
        rows = len(next(iter(columns.values()))) if columns else 0
        items = [(i, self._request({name: values[i] for name, values in columns.items()})) for i in range(rows)]
        results = self.client.map(items, concurrency=self.concurrency, limiter=self.limiter, progress=False)
        return _with_outputs(batch, columns, _outputs(results))

    def _request(self, row: Dict[str, Any]) -> Any:
        """The row's request, or the ``LLMError`` that becomes its row's error."""
        try:
            if self.request_fn is not None:
                return self.request_fn(row)
            prompt = row.get(self.prompt_column)  # type: ignore[arg-type]
            if not isinstance(prompt, str):
                raise InvalidRequestError(f"column {self.prompt_column!r} holds {type(prompt).__name__}, not text")
            return LLMRequest(model=self.model, messages=[LLMMessage.user(prompt)], system=self.system,
                              max_tokens=self.max_tokens)
        except LLMError as exc:
            return exc
        except Exception as exc:  # noqa: BLE001 - the user's request_fn failed on this row
            return InvalidRequestError(f"request_fn failed: {type(exc).__name__}: {exc}")


def _columns(batch: Any) -> Dict[str, List[Any]]:
    """Column name -> plain Python values, for a dict of arrays, a pandas DataFrame or a
    pyarrow Table."""
    if hasattr(batch, "to_pydict"):  # pyarrow.Table
        return {name: list(values) for name, values in batch.to_pydict().items()}
    if hasattr(batch, "to_dict") and hasattr(batch, "columns"):  # pandas.DataFrame
        return {str(name): list(values) for name, values in batch.to_dict(orient="list").items()}
    return {str(name): values.tolist() if hasattr(values, "tolist") else list(values) for name, values in batch.items()}


def _outputs(results: List[MapResult]) -> Dict[str, List[Any]]:
    out: Dict[str, List[Any]] = {name: [] for name in OUTPUT_COLUMNS}
    for result in results:
        billed = result.response if result.response is not None else getattr(result.error, "partial_response", None)
        usage = billed.usage if isinstance(billed, LLMResponse) else None
        out["response_text"].append(result.response.text if result.response is not None else None)
        out["input_tokens"].append(usage.input_tokens if usage else 0)
        out["output_tokens"].append(usage.output_tokens if usage else 0)
        cost = billed.cost if isinstance(billed, LLMResponse) else None
        out["cost"].append(float("nan") if cost is None else cost)
        out["error"].append(None if result.error is None else f"{type(result.error).__name__}: {result.error}")
    return out


def _with_outputs(batch: Any, columns: Dict[str, List[Any]], outputs: Dict[str, List[Any]]) -> Any:
    """The batch with the output columns added, as pandas if it came as pandas, else as a
    dict of numpy arrays."""
    import numpy as np

    if hasattr(batch, "to_dict") and hasattr(batch, "columns") and hasattr(batch, "assign"):
        return batch.assign(**outputs)
    arrays: Dict[str, Any] = {name: np.asarray(values) if not isinstance(batch, dict) else batch[name]
                              for name, values in columns.items()}
    arrays["response_text"] = np.array(outputs["response_text"], dtype=object)
    arrays["input_tokens"] = np.array(outputs["input_tokens"], dtype=np.int64)
    arrays["output_tokens"] = np.array(outputs["output_tokens"], dtype=np.int64)
    arrays["cost"] = np.array(outputs["cost"], dtype=np.float64)
    arrays["error"] = np.array(outputs["error"], dtype=object)
    return arrays
