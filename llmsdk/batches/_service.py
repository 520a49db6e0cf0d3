"""``client.batches``: submit, find and list provider batch jobs.

The requests of a job are formatted by the provider's own adapter, exactly as
``complete()`` would send them, without the streaming switches; which batch API speaks
for a provider is chosen by its config key (``_BACKENDS``).
"""

from __future__ import annotations

import importlib
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Tuple, Type, Union

from llmsdk._engine.http import HttpEngine, encode_body
from llmsdk.batches._backend import BatchBackend, BatchItem, Transport, strip_streaming
from llmsdk.batches._idempotent import create_once, find_created, new_token
from llmsdk.batches.job import BatchJob, Recorder
from llmsdk.errors import InvalidRequestError, UnsupportedFeatureError
from llmsdk.providers.base import Endpoint, ProviderAdapter
from llmsdk.types import LLMRequest

__all__ = ["Batches", "BatchRequests", "supports_batches"]

#: Provider config key -> its batch API (imported on first use).
_BACKENDS: Dict[str, str] = {
    "openai": "llmsdk.batches._openai:OpenAIBatches",
    "groq": "llmsdk.batches._openai:GroqBatches",
    "anthropic": "llmsdk.batches._anthropic:AnthropicBatches",
    "gemini": "llmsdk.batches._gemini:GeminiBatches",
    "azure_openai": "llmsdk.batches._openai:AzureBatches",  # issue 23
}

#: Providers whose batch API llmsdk deliberately does not speak, and why.
_UNSUPPORTED: Dict[str, str] = {
    "bedrock": "Bedrock batch inference reads its input from and writes its output to S3 buckets through "
               "IAM service roles (CreateModelInvocationJob), not over the runtime API llmsdk speaks; "
               "use boto3's bedrock client for it",
}

#: ``{key: request}``, or an iterable of ``(key, request)`` pairs (bare requests are
#: named ``request-0``, ``request-1``... by position).
BatchRequests = Union[Mapping[str, LLMRequest], Iterable[Union[Tuple[str, LLMRequest], LLMRequest]]]


def supports_batches(provider_key: str) -> bool:
    """Whether llmsdk speaks ``provider_key``'s batch API."""
    return provider_key in _BACKENDS


def _backend_class(provider_key: str) -> Type[BatchBackend]:
    ref = _BACKENDS.get(provider_key)
    if provider_key in _UNSUPPORTED:
        raise UnsupportedFeatureError(f"{provider_key} batches are not supported: {_UNSUPPORTED[provider_key]}")
    if ref is None:
        known = ", ".join(sorted(_BACKENDS))
        raise UnsupportedFeatureError(f"provider {provider_key!r} has no batch API in llmsdk (batches run on {known})")
    module, _, name = ref.partition(":")
    cls: Type[BatchBackend] = getattr(importlib.import_module(module), name)
    return cls


def _pairs(requests: BatchRequests) -> List[Tuple[Any, LLMRequest]]:
    if isinstance(requests, Mapping):
        pairs = list(requests.items())
    elif isinstance(requests, (str, bytes)) or not isinstance(requests, Iterable):
        raise InvalidRequestError(f"submit() takes a dict of requests or (key, request) pairs, got {type(requests).__name__}")
    else:
        pairs = []
        for position, entry in enumerate(requests):
            if isinstance(entry, LLMRequest):
                pairs.append((f"request-{position}", entry))
            elif isinstance(entry, (tuple, list)) and len(entry) == 2:
                pairs.append((entry[0], entry[1]))
            else:
                raise InvalidRequestError(f"batch entry {position} is not a (key, LLMRequest) pair: {entry!r}"[:300])
    for key, request in pairs:
        if not isinstance(request, LLMRequest):
            raise InvalidRequestError(f"batch key {key!r}: expected an LLMRequest, got {type(request).__name__}")
    return pairs


def _naming(exc: InvalidRequestError, key: Any) -> InvalidRequestError:
    """``exc`` again, its message prefixed with the batch key it is about."""
    message = f"batch key {key!r}: {exc.message}"
    try:
        return type(exc)(message)
    except TypeError:  # a subclass with other constructor arguments
        return InvalidRequestError(message)


class Batches:
    """Provider batch jobs: about half price, results within 24 hours (usually far sooner).

    >>> job = client.batches.submit({"row-1": req1, "row-2": req2})
    >>> job.wait()
    >>> for key, result in job.results(): ...
    >>> client.batches.get(job.id); client.batches.list()

    OpenAI, Groq, Anthropic and Gemini; other providers raise ``UnsupportedFeatureError``
    before anything is sent.
    """

    def __init__(self, *, provider_key: str, adapter: ProviderAdapter, endpoint: Endpoint, engine: HttpEngine,
                 prepare: Callable[[LLMRequest], LLMRequest], record: Recorder) -> None:
        self._provider_key = provider_key
        self._adapter = adapter
        self._endpoint = endpoint
        self._engine = engine
        self._prepare = prepare
        self._record = record

    def _backend(self) -> BatchBackend:
        cls = _backend_class(self._provider_key)
        return cls(Transport(self._engine, self._adapter, self._endpoint))

    def submit(self, requests: BatchRequests, *, idempotency_key: Optional[str] = None) -> BatchJob:
        """Start a batch job. Every request is validated and formatted first, and the
        provider's limits (request count, size, custom ids) are checked: a bad one raises
        ``InvalidRequestError`` naming its key before anything is uploaded.

        The job is marked with ``idempotency_key`` (a fresh one when not given): a create
        whose reply was lost is never sent again blindly, the job it may have started is
        looked for and adopted. Give the same key again (after a crash, say) and the job
        it started, if any, is returned instead of a second one."""
        if idempotency_key is not None and (not isinstance(idempotency_key, str) or not idempotency_key.strip()):
            raise InvalidRequestError(f"idempotency_key must be a non-empty string, got {idempotency_key!r}")
        token = idempotency_key or new_token()
        backend = self._backend()
        pairs = _pairs(requests)
        backend.limits.check_keys(backend.provider, [key for key, _ in pairs])
        items: List[BatchItem] = []
        models: Dict[str, Any] = {}
        structured: Dict[str, Any] = {}
        for key, request in pairs:
            try:
                prepared = self._prepare(request)
                body = strip_streaming(self._adapter.prepare_request(prepared, self._endpoint).body)
                encode_body(body)  # a body that is not JSON fails here, named by its key
            except InvalidRequestError as exc:
                raise _naming(exc, key) from exc
            items.append(BatchItem(key, prepared.model_id, body))
            models[key] = prepared.model
            if prepared.output_schema is not None:
                structured[key] = prepared
        backend.limits.check_models(backend.provider, items)
        raw = find_created(backend, token, len(items), 0.0) if idempotency_key is not None else None
        if raw is None:
            raw = create_once(backend, items, token, self._engine.options.retry)
        return BatchJob(backend, raw, record=self._record, keys=[item.key for item in items], models=models,
                        structured=structured)

    def get(self, job_id: str) -> BatchJob:
        """A job by id (one this or another process submitted)."""
        if not isinstance(job_id, str) or not job_id.strip():
            raise InvalidRequestError(f"a batch id is a non-empty string, got {job_id!r}")
        backend = self._backend()
        return BatchJob(backend, backend.retrieve(job_id.strip()), record=self._record)

    def list(self, limit: int = 20) -> List[BatchJob]:
        """The most recent jobs, newest first (one page of up to ``limit``)."""
        if not isinstance(limit, int) or limit < 1:
            raise InvalidRequestError(f"limit must be a positive int, got {limit!r}")
        backend = self._backend()
        return [BatchJob(backend, raw, record=self._record) for raw in backend.list(limit)]

    def __repr__(self) -> str:
        return f"Batches(provider={self._provider_key!r})"
