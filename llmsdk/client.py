"""``LLMClient``: the facade a program holds — one per provider, safe to share across
threads.

>>> client = LLMClient.from_env("anthropic")
>>> for text in client.send(request).text_stream():
...     print(text, end="", flush=True)
>>> client.complete(request).text
"""

from __future__ import annotations

import dataclasses
import functools
import threading
import time
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple, Type, TypeVar, Union

from llmsdk._engine.http import HttpEngine, request_id_of
from llmsdk._engine.channel import StreamChannel
from llmsdk._engine.stream import EventStream
from llmsdk._engine.worker import StreamJob, run_worker
from llmsdk.config import HttpClientOptions
from llmsdk.errors import InvalidConfigError, InvalidRequestError
from llmsdk.models import LLMModel, check_capabilities, cost_of, find_model, registry_generation, warn_if_retired
from llmsdk.providers import LLMProvider
from llmsdk.types import LLMMessage, LLMRequest, LLMResponse, Usage
from llmsdk._core.public_name import present_as_public

if TYPE_CHECKING:  # pragma: no cover
    from llmsdk._engine.embeddings import EmbeddingResponse
    import os

    from llmsdk._many.map import MapResult
    from llmsdk._many.rate_limiter import BaseRateLimiter
    from llmsdk._many.tool_loop import ToolRunResult
    from llmsdk.batches import Batches

__all__ = ["LLMClient"]

T = TypeVar("T")


class LLMClient:
    """Send requests to one provider; keeps running usage/cost totals and a history.

    >>> client = LLMClient.new_anthropic(HttpClientOptions.new_anthropic("sk-ant-..."))
    >>> resp = client.complete(LLMRequest(model="claude-haiku-4-5",
    ...                                   messages=[LLMMessage.user("Hello")]))
    """

    def __init__(self, options: HttpClientOptions) -> None:
        if not isinstance(options, HttpClientOptions):
            raise InvalidConfigError(f"LLMClient needs HttpClientOptions, got {type(options).__name__}")
        self._options = options
        self._provider = options.provider
        #: The provider's one name: in errors, logs and responses.
        self._provider_key = options.provider.config_key()
        self._endpoint = options.endpoint
        adapter = self._provider.adapter(options.api)
        adapter.check_settings(options.provider_settings)
        self._adapter = adapter.bind(self._endpoint)
        self._engine = HttpEngine(options, self._adapter)
        self._lock = threading.Lock()
        self._usage = Usage()
        self._cost = 0.0
        self._usage_by_model: Dict[str, Usage] = {}
        self._cost_by_model: Dict[str, float] = {}
        self._messages: List[LLMMessage] = []
        #: model id -> registry entry (or None), filled on first use of each id.
        self._entries: Dict[str, Tuple[int, Optional[LLMModel]]] = {}

    # -- construction ----------------------------------------------------------------------

    @classmethod
    def new(cls, options: HttpClientOptions) -> "LLMClient":
        """A client for ``options.provider``."""
        return cls(options)

    @classmethod
    def _new_for(cls, key: str, options: Union[HttpClientOptions, str]) -> "LLMClient":
        if isinstance(options, str):
            options = HttpClientOptions.for_provider(key, options)
        if options.provider != key:
            raise InvalidConfigError(f"options are for {options.provider.config_key()!r}, not {key!r}")
        return cls(options)

    @classmethod
    def new_anthropic(cls, options: Union[HttpClientOptions, str]) -> "LLMClient":
        return cls._new_for("anthropic", options)

    @classmethod
    def new_openai(cls, options: Union[HttpClientOptions, str]) -> "LLMClient":
        return cls._new_for("openai", options)

    @classmethod
    def new_gemini(cls, options: Union[HttpClientOptions, str]) -> "LLMClient":
        return cls._new_for("gemini", options)

    @classmethod
    def new_groq(cls, options: Union[HttpClientOptions, str]) -> "LLMClient":
        return cls._new_for("groq", options)

    @classmethod
    def new_openrouter(cls, options: Union[HttpClientOptions, str]) -> "LLMClient":
        return cls._new_for("openrouter", options)

    @classmethod
    def new_bedrock(cls, options: HttpClientOptions) -> "LLMClient":
        """Amazon Bedrock, from ``HttpClientOptions.new_bedrock(...)``."""
        return cls._new_for("bedrock", options)

    @classmethod
    def new_openai_compatible(cls, options: Union[HttpClientOptions, str]) -> "LLMClient":
        if isinstance(options, str):
            options = HttpClientOptions.new_openai_compatible(options)
        return cls._new_for("openai_compatible", options)

    @classmethod
    def from_env(cls, provider: Union[str, LLMProvider], **kwargs: Any) -> "LLMClient":
        """Key from the provider's environment variable (``ANTHROPIC_API_KEY`` ...)."""
        return cls(HttpClientOptions.from_env(provider, **kwargs))

    # -- requests ----------------------------------------------------------------------------

    def _prepare(self, request: LLMRequest) -> LLMRequest:
        """Validate ``request`` and hand the provider its registry entry: formatters choose
        behaviour from ``request.model``'s capabilities, whatever the caller passed."""
        if not isinstance(request, LLMRequest):
            raise InvalidRequestError(f"expected an LLMRequest, got {type(request).__name__}")
        request.validate()
        if isinstance(request.model, str):
            entry = self._registry_entry(request.model)
            if entry is not None:
                request = dataclasses.replace(request, model=entry)
        check_capabilities(request, self._provider_key, self._options.strict_capabilities)
        warn_if_retired(request, self._provider_key)
        return request

    def _registry_entry(self, model_id: str) -> Optional[LLMModel]:
        """The registry's ``LLMModel`` for ``model_id`` at this provider, spelled as the caller
        spelled it (an alias stays an alias on the wire); None for ids it does not know."""
        generation = registry_generation()
        cached = self._entries.get(model_id)
        if cached is not None and cached[0] == generation:
            return cached[1]
        catalog_id, catalog_provider = self._adapter.catalog_model(model_id)
        entry = find_model(catalog_id, catalog_provider or self._provider_key)
        if entry is not None and entry.model_name != model_id:
            entry = dataclasses.replace(entry, model_name=model_id, aliases=())
        self._entries[model_id] = (generation, entry)
        return entry

    def send(self, request: LLMRequest) -> EventStream:
        """Start a streaming call. Returns once the response headers are in; HTTP errors
        (after retries) raise here, later ones while iterating the stream."""
        return self._start(request, inline=False)

    def _start(self, request: LLMRequest, *, inline: bool, max_retries: Optional[int] = None,
               on_open: Optional[Callable[[EventStream], None]] = None) -> EventStream:
        """``send()``; with ``inline`` the reply is read to its end on this thread before
        returning (no worker thread, the largest per-request cost), for callers that only
        want the whole reply. ``max_retries`` overrides the options' for this call
        (``client.map`` retries rate-limited calls itself, through its shared limiter).
        ``on_open(stream)`` runs once the headers are in, before the body is read: another
        thread may then ``close()`` the stream, even an inline one (``client.map`` stops
        its calls in flight so)."""
        request = self._prepare(request)
        prepared = self._adapter.prepare_request(request, self._endpoint)
        timeouts = self._options.timeouts
        deadline = time.monotonic() + timeouts.total if timeouts.total else None
        engine = self._engine
        policy = self._options.retry
        retries = policy.max_retries if max_retries is None else max_retries
        # Read inline, nobody else watches content idleness: a silent socket must time out by then.
        read_cap = timeouts.content_idle if inline else None
        response = engine.open_stream(prepared, deadline=deadline, max_retries=retries, read_cap=read_cap)
        channel = StreamChannel(self._provider_key)
        adapter = self._adapter
        rate_limit = adapter.rate_limit(response.headers)
        model_ref = request.model

        def reopen(retries_left: int) -> Any:
            return engine.open_stream(prepared, deadline=deadline, max_retries=retries_left,
                                      cancelled=channel.cancelled, read_cap=read_cap)

        def on_finish(result: LLMResponse) -> None:  # usage is billed, finished or not
            result.rate_limit = rate_limit
            if result.model is None:
                result.model = request.model_id
            self._record(model_ref, result)
            if request.output_schema is not None:  # resp.parsed / resp.refusal
                from llmsdk._structured.replies import attach_output
                attach_output(result, request)

        job = StreamJob(
            provider=self._provider_key,
            new_processor=functools.partial(adapter.stream_processor, request),
            reopen=reopen,
            max_retries=retries,
            retry_policy=policy,
            on_finish=on_finish,
            deadline=deadline,
            content_idle=timeouts.content_idle,
            watch_clock=inline,
        )
        kwargs: Dict[str, Any] = dict(
            response_headers=response.headers,
            request_id=request_id_of(response.headers),
            rate_limit=rate_limit,
            content_idle=timeouts.content_idle,
            deadline=deadline,
        )
        if inline:
            stream = EventStream(channel, **kwargs)
            if on_open is not None:
                on_open(stream)
            run_worker(job, channel, response)
            return stream
        stream = EventStream.start(channel, functools.partial(run_worker, job, channel, response), **kwargs)
        if on_open is not None:
            on_open(stream)
        return stream

    def complete(self, request: LLMRequest) -> LLMResponse:
        """Send and wait for the whole reply."""
        return self._complete(request)

    def _complete(self, request: LLMRequest, *, max_retries: Optional[int] = None) -> LLMResponse:
        """``complete()``, with this call's own retry count. Nobody needs the events before
        the end, so the reply is read on the calling thread (no worker thread; Ctrl-C
        interrupts the read directly) and the timeouts are watched there."""
        return self._start(request, inline=True, max_retries=max_retries).final_response()

    def parse(self, request: LLMRequest, output_type: Type[T]) -> T:
        """Send ``request`` asking for an ``output_type`` (a dataclass, pydantic model,
        ``TypedDict`` or JSON Schema dict) and return it. Raises ``RefusalError`` when the
        model refuses and ``OutputParseError`` when the reply is not that object (both
        carry the reply in ``partial_response``).

        >>> invoice = client.parse(request, Invoice)
        """
        from llmsdk._structured.replies import parse_response

        response = self.complete(dataclasses.replace(request, output_schema=output_type))
        return parse_response(response, output_type)

    def map(self, requests: Iterable[Any], concurrency: int = 16, limiter: Optional[BaseRateLimiter] = None,
            progress: bool = True, checkpoint: Optional[Union[str, "os.PathLike[str]"]] = None,
            on_error: str = "return") -> List[MapResult]:
        """Send many requests, ``concurrency`` at a time; a ``MapResult`` per item, in input
        order. ``requests`` (read lazily) holds ``LLMRequest``s or ``(key, LLMRequest)``
        pairs. A failed item is a result with ``.error`` (``on_error="raise"`` stops at the
        first one instead). ``limiter`` (``RateLimiter``/``RedisRateLimiter``) paces the
        calls and pauses them all after a 429; ``checkpoint="run.jsonl"`` saves each result
        as it finishes, and a rerun with the same file skips the keys already answered.

        >>> results = client.map([("q1", req1), ("q2", req2)], limiter=RateLimiter(500))
        """
        from llmsdk._many.map import map_requests

        return map_requests(self, requests, concurrency=concurrency, limiter=limiter, progress=progress,
                            checkpoint=checkpoint, on_error=on_error)

    def imap(self, requests: Iterable[Any], concurrency: int = 16, limiter: Optional[BaseRateLimiter] = None,
             progress: bool = True, checkpoint: Optional[Union[str, "os.PathLike[str]"]] = None,
             on_error: str = "return") -> Iterator[MapResult]:
        """``map()``, yielding each result as it finishes (completion order, bounded memory).

        >>> for result in client.imap(requests_from_a_huge_file(), progress=False):
        ...     save(result)
        """
        from llmsdk._many.map import imap_requests

        return imap_requests(self, requests, concurrency=concurrency, limiter=limiter, progress=progress,
                             checkpoint=checkpoint, on_error=on_error)

    def run_tools(self, request: LLMRequest, tools: Sequence[Any], max_rounds: int = 10) -> ToolRunResult:
        """Call the model, run the tools it asks for (plain functions or ``Tool``s built
        with ``Tool.from_function``), feed the results back, and repeat up to
        ``max_rounds`` calls. Tool exceptions go back to the model as ``is_error`` results.

        >>> final, transcript = client.run_tools(request, [get_weather])
        """
        from llmsdk._many.tool_loop import run_tools

        return run_tools(self.complete, request, tools, max_rounds=max_rounds)

    def embed(self, texts: Union[str, Sequence[str]], model: Any, dimensions: Optional[int] = None,
              input_type: Optional[str] = None) -> EmbeddingResponse:
        """Vectors for ``texts`` (one per text, in order), batched to the provider's limits;
        usage and cost count in ``get_usage()`` / ``get_cost()``. ``dimensions`` shortens
        the vectors where the model allows it; ``input_type`` (``"query"``,
        ``"document"``, or a Gemini task type) is a hint where the provider takes one.

        >>> client.embed(["hello", "world"], model="text-embedding-3-small").vectors
        """
        from llmsdk._engine.embeddings import embed

        def record(model_ref: Any, usage: Usage, cost: Optional[float]) -> None:
            self._record(model_ref, LLMResponse(id=None, model=None, usage=usage, cost=cost))

        return embed(self._adapter, self._endpoint, self._engine.post_json, self._provider_key, texts,
                     model=model, dimensions=dimensions, input_type=input_type, record=record)

    def count_tokens(self, request: LLMRequest) -> int:
        """Input tokens: the provider's counting endpoint where one exists, else an estimate."""
        request = self._prepare(request)
        return int(self._adapter.count_tokens(request, self._endpoint, self._engine.post_json))

    @property
    def batches(self) -> "Batches":
        """Provider batch jobs (about half price, asynchronous): ``submit``, ``get``, ``list``.

        >>> job = client.batches.submit({"row-1": request}); job.wait()
        """
        from llmsdk.batches import Batches

        return Batches(provider_key=self._provider.config_key(), adapter=self._adapter, endpoint=self._endpoint,
                       engine=self._engine, prepare=self._prepare, record=self._record)

    # -- usage, cost, history ------------------------------------------------------------------

    def _record(self, model_ref: Any, response: LLMResponse) -> None:
        key = self._provider_key
        cost = response.cost  # reported by the provider itself
        if cost is None:
            cost = cost_of(model_ref, key, response.usage)
        if cost is None and response.model and response.model != getattr(model_ref, "model_name", model_ref):
            cost = cost_of(response.model, key, response.usage)
        response.cost = cost
        model_id = model_ref if isinstance(model_ref, str) else getattr(model_ref, "model_name", str(model_ref))
        with self._lock:
            self._usage = self._usage + response.usage
            self._usage_by_model[model_id] = self._usage_by_model.get(model_id, Usage()) + response.usage
            if cost is not None:
                self._cost += cost
                self._cost_by_model[model_id] = self._cost_by_model.get(model_id, 0.0) + cost

    def get_usage(self, model: Any = None) -> Usage:
        """Total usage over this client's requests (or one model's: an id or ``LLMModel``)."""
        model = getattr(model, "model_name", model)
        with self._lock:
            if model is not None:
                return self._usage_by_model.get(model, Usage())
            return Usage(**vars(self._usage))

    def get_usage_by_model(self) -> Dict[str, Usage]:
        with self._lock:
            return dict(self._usage_by_model)

    def get_cost(self, model: Any = None) -> float:
        """Total USD cost of this client's priced requests (or one model's)."""
        model = getattr(model, "model_name", model)
        with self._lock:
            if model is not None:
                return self._cost_by_model.get(model, 0.0)
            return self._cost

    def get_messages(self) -> List[LLMMessage]:
        """The history kept with ``client += message``."""
        with self._lock:
            return list(self._messages)

    def add_message(self, message: LLMMessage) -> None:
        if not isinstance(message, LLMMessage):
            raise InvalidRequestError(f"expected an LLMMessage, got {type(message).__name__}")
        with self._lock:
            self._messages.append(message)

    def __iadd__(self, message: Union[LLMMessage, LLMResponse]) -> "LLMClient":
        self.add_message(message.to_message() if isinstance(message, LLMResponse) else message)
        return self

    def clear_messages(self) -> None:
        with self._lock:
            self._messages.clear()

    def get_config(self) -> HttpClientOptions:
        return self._options

    @property
    def provider(self) -> LLMProvider:
        return self._provider

    # -- lifecycle ---------------------------------------------------------------------------

    def close(self) -> None:
        """Release pooled connections."""
        self._engine.close()

    def __enter__(self) -> "LLMClient":
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"LLMClient(provider={self._provider_key!r}, api_base={self._options.api_base!r})"


present_as_public(globals(), "LLMClient")
