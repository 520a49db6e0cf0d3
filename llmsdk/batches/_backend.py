"""What every provider's batch API implements, and the pieces they share: the transport
(the client's HTTP engine plus the provider's URL and auth), custom-id and size checks
that run before anything is uploaded, and reading result files line by line.

A backend turns prepared request bodies into the provider's batch submission, reads the
provider's job object into (id, status, counts), and turns its result lines into
``(key, LLMResponse | LLMError)`` pairs. The wire building and reading are pure methods
(``build_*``, ``read_state``, ``read_line``), tested without HTTP.
"""

from __future__ import annotations

import json
import re
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple, Union

import requests

from llmsdk._engine.http import HttpEngine, map_transport_error
from llmsdk._core.urls import join_url
from llmsdk.batches.status import BatchCounts, BatchStatus
from llmsdk.errors import InvalidRequestError, LLMError, MalformedEventError
from llmsdk.providers.base import Endpoint, ProviderAdapter
from llmsdk.types import LLMResponse

__all__ = [
    "TOKEN_FIELD", "BatchBackend", "BatchItem", "BatchLimits", "BatchResult", "Transport", "iter_jsonl", "strip_streaming",
    "token_of",
]

Json = Dict[str, Any]
BatchResult = Tuple[str, Union[LLMResponse, LLMError]]

#: Body fields that switch streaming on; a batch request is the same call without them.
STREAMING_FIELDS = ("stream", "stream_options")


def strip_streaming(body: Json) -> Json:
    """``body`` as a non-streamed call: the streaming switches removed, nothing else."""
    return {k: v for k, v in body.items() if k not in STREAMING_FIELDS}


@dataclass(frozen=True)
class BatchItem:
    """One request of a batch: its key, model id and the body ``complete()`` would send
    (without the streaming switches)."""

    key: str
    model: str
    body: Json


@dataclass(frozen=True)
class BatchLimits:
    """What one provider accepts in one batch (checked before upload)."""

    max_requests: Optional[int]
    max_bytes: int
    #: Allowed custom ids; None: any non-empty string.
    key_pattern: Optional["re.Pattern[str]"] = None
    key_rule: str = "a non-empty string"
    #: All requests must name the same model.
    one_model: bool = False

    def check_keys(self, provider: str, keys: Sequence[str]) -> None:
        """``InvalidRequestError`` naming the first key that is malformed or repeated."""
        if not keys:
            raise InvalidRequestError("a batch needs at least one request")
        if self.max_requests is not None and len(keys) > self.max_requests:
            raise InvalidRequestError(
                f"{provider} batches take at most {self.max_requests:,} requests, got {len(keys):,}; "
                "split them into several jobs")
        seen = set()
        for key in keys:
            if not isinstance(key, str) or not key:
                raise InvalidRequestError(f"batch key {key!r} is not {self.key_rule}")
            if self.key_pattern is not None and not self.key_pattern.fullmatch(key):
                raise InvalidRequestError(f"batch key {key!r} is not allowed by {provider}: keys must be {self.key_rule}")
            if key in seen:
                raise InvalidRequestError(f"batch key {key!r} appears more than once; keys must be unique")
            seen.add(key)

    def check_models(self, provider: str, items: Sequence[BatchItem]) -> None:
        if not self.one_model:
            return
        first = items[0].model
        for item in items:
            if item.model != first:
                raise InvalidRequestError(
                    f"{provider} batches run one model: request {item.key!r} asks for {item.model!r}, "
                    f"the first for {first!r}")

    def check_size(self, provider: str, size: int, what: str = "batch") -> None:
        if size > self.max_bytes:
            raise InvalidRequestError(
                f"the {provider} {what} is {size:,} bytes, over the {self.max_bytes:,}-byte limit; "
                "split the requests into several jobs")


class Transport:
    """The client's HTTP engine aimed at one provider: URLs under its service root, its
    auth headers, JSON calls and streamed downloads, all retried and error-mapped."""

    def __init__(self, engine: HttpEngine, adapter: ProviderAdapter, endpoint: Endpoint) -> None:
        self.engine = engine
        self.adapter = adapter
        self.endpoint = endpoint

    def url(self, path: str) -> str:
        if path.startswith(("http://", "https://")):
            return path
        return join_url(self.endpoint.api_base, path)

    def headers(self, extra: Optional[Mapping[str, str]] = None) -> Dict[str, str]:
        headers = dict(self.adapter.headers(self.endpoint))
        headers.update(extra or {})
        return headers

    def json(self, method: str, path: str, body: Any = None, *, params: Optional[Dict[str, Any]] = None,
             headers: Optional[Mapping[str, str]] = None, max_retries: Optional[int] = None) -> Json:
        return self.engine.request_json(method, self.url(path), self.headers(headers), json_body=body, params=params,
                                        max_retries=max_retries)

    def send(self, method: str, path: str, *, data: bytes, content_type: str,
             headers: Optional[Mapping[str, str]] = None, max_retries: Optional[int] = None) -> requests.Response:
        return self.engine.request(method, self.url(path), self.headers(headers), data=data, content_type=content_type,
                                   max_retries=max_retries)

    def lines(self, path: str, *, params: Optional[Dict[str, Any]] = None,
              headers: Optional[Mapping[str, str]] = None) -> Iterator[Any]:
        """The JSON values of a JSONL download, one per line, read as the body arrives."""
        response = self.engine.request("GET", self.url(path), self.headers(headers), params=params, stream=True)
        return iter_jsonl(response, what=f"{self.adapter.name} result file")


def iter_jsonl(response: Any, what: str = "result file", chunk_size: int = 65536) -> Iterator[Any]:
    """Decode a streamed JSONL body line by line (never holding more than one line and
    one chunk); blank lines are skipped. The response is closed at the end, on error, or
    when the consumer stops early."""
    pending: List[bytes] = []
    try:
        try:
            for chunk in response.iter_content(chunk_size=chunk_size):
                start = 0
                while True:
                    newline = chunk.find(b"\n", start)
                    if newline < 0:
                        if start < len(chunk):
                            pending.append(chunk[start:])
                        break
                    pending.append(chunk[start:newline])
                    line = b"".join(pending)
                    pending.clear()
                    start = newline + 1
                    if line.strip():
                        yield _decode(line, what)
        except requests.RequestException as exc:
            raise map_transport_error(exc) from exc
        tail = b"".join(pending)
        if tail.strip():
            yield _decode(tail, what)
    finally:
        response.close()


def _decode(line: bytes, what: str) -> Any:
    try:
        return json.loads(line)
    except ValueError as exc:
        raise MalformedEventError(f"a line of the {what} is not JSON: {line[:200]!r}") from exc


class BatchBackend(ABC):
    """One provider's batch API. Subclasses set ``limits`` and implement the calls."""

    provider: str = "provider"
    limits: BatchLimits

    def __init__(self, transport: Transport) -> None:
        self.transport = transport

    # -- calls ------------------------------------------------------------------------------

    @abstractmethod
    def create(self, items: Sequence[BatchItem], token: str) -> Json:
        """Upload ``items`` (already checked) and start the job, marked with ``token`` (our
        idempotency token, where the provider keeps one: ``owns`` finds it again); the
        provider's job object. The create call itself is sent once (``max_retries=0``):
        ``Batches.submit`` decides whether a failed one may be repeated."""

    def owns(self, raw: Json, token: str, count: int, since: float) -> bool:
        """Whether the listed job ``raw`` is the one a create marked with ``token`` (of
        ``count`` requests, sent at ``since``, epoch seconds) started."""
        return token_of(raw) == token

    @abstractmethod
    def retrieve(self, job_id: str) -> Json:
        """The provider's job object for ``job_id``."""

    @abstractmethod
    def list(self, limit: int) -> List[Json]:
        """The most recent jobs, newest first (one page)."""

    @abstractmethod
    def cancel(self, job_id: str) -> Json:
        """Ask the provider to stop the job; its job object afterwards."""

    @abstractmethod
    def results(self, raw: Json, keys: Optional[Sequence[str]]) -> Iterator[BatchResult]:
        """The results of a finished job, streamed; ``keys`` (when this process submitted
        the job) name results the provider reports by position only."""

    # -- pure readers -------------------------------------------------------------------------

    @abstractmethod
    def read_state(self, raw: Json) -> Tuple[str, BatchStatus, BatchCounts]:
        """(id, status, counts) of a job object."""

    def model_of(self, raw: Json) -> Optional[str]:
        """The model the job runs, when the job object says (for pricing)."""
        model = raw.get("model")
        return model if isinstance(model, str) and model else None


#: Where our idempotency token travels in a job's ``metadata`` (OpenAI, Groq).
TOKEN_FIELD = "llmsdk_idempotency_key"


def token_of(raw: Json) -> Optional[str]:
    """The idempotency token a job carries in its ``metadata``, if any."""
    value = as_object(raw.get("metadata")).get(TOKEN_FIELD)
    return value if isinstance(value, str) else None


def parse_or_error(parse: Callable[[Json], LLMResponse], body: Any) -> Union[LLMResponse, LLMError]:
    """A whole reply through the provider's parser; a reply the parser rejects (a blocked
    prompt, a malformed body) becomes that request's error instead of ending the results."""
    try:
        return parse(body)
    except LLMError as exc:
        return exc


def as_object(value: Any) -> Json:
    """``value`` if it is a JSON object, else an empty one (for optional fields)."""
    return value if isinstance(value, dict) else {}


def int_field(value: Any) -> int:
    """An int64 count, which JSON may carry as a string (Gemini) or omit."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0
