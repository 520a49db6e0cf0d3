"""``LLMClient``: the facade a program holds — one per provider, safe to share across
threads.

>>> client = LLMClient.from_env("anthropic")
>>> for text in client.send(request).text_stream():
...     print(text, end="", flush=True)
>>> client.complete(request).text
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import threading
import time
from typing import (
    TYPE_CHECKING, Any, Callable, Dict, Iterable, Iterator, List, Mapping, Optional, Sequence, Tuple, Type, TypeVar,
    Union,
)

from llmsdk._engine.http import HttpEngine, request_id_of
from llmsdk._cache.codec import decode_entry, encode_entry
from llmsdk._cache.flight import Flights
from llmsdk._cache.key import cache_key
from llmsdk._cache.stores import ResponseCache
from llmsdk._engine.retry import RetryBudget
from llmsdk._engine.channel import END, StreamChannel
from llmsdk._engine.stream import EventStream
from llmsdk._engine.worker import StreamJob, run_worker
from llmsdk.config import HttpClientOptions, Timeouts
from llmsdk.errors import InvalidConfigError, InvalidRequestError, LLMError, TransportError
from llmsdk.models import LLMModel, check_capabilities, cost_of, find_model, registry_generation, warn_if_retired
from llmsdk.providers import LLMProvider
from llmsdk._many.budget import Budget
from llmsdk._telemetry.settings import capture_content, instruments
from llmsdk.types import LLMMessage, LLMRequest, LLMResponse, StopReason, Timing, Usage
from llmsdk._core.message_dicts import as_message
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

#: Looks in the cache before giving up on single flight (a leader that failed or stored
#: nothing leaves the next caller to lead).
_FLIGHT_TRIES = 3


def _checked(value: Any, name: str, methods: Sequence[str]) -> Any:
    """``value`` if it is None or has ``methods``; else ``InvalidConfigError`` naming it."""
    if value is not None and not all(callable(getattr(value, m, None)) for m in methods):
        raise InvalidConfigError(f"{name}= takes an object with {', '.join(methods)} (e.g. llmsdk.{'MemoryCache' if name == 'cache' else 'Budget'}), "
                                 f"got {type(value).__name__}")
    return value


class LLMClient:
    """Send requests to one provider; keeps running usage/cost totals and a history.

    >>> client = LLMClient.new_anthropic(HttpClientOptions.new_anthropic("sk-ant-..."))
    >>> resp = client.complete(LLMRequest(model="claude-haiku-4-5",
    ...                                   messages=[LLMMessage.user("Hello")]))
    """

    def __init__(self, options: HttpClientOptions, *, cache: Optional[ResponseCache] = None,
                 budget: Optional[Budget] = None) -> None:
        if not isinstance(options, HttpClientOptions):
            raise InvalidConfigError(f"LLMClient needs HttpClientOptions, got {type(options).__name__}")
        self._options = options
        #: A response cache and a spending cap (``llmsdk.cache``, ``Budget``); the options' by default.
        self._cache = _checked(cache if cache is not None else options.cache, "cache", ("get", "set"))
        self._budget = _checked(budget if budget is not None else options.budget, "budget", ("reserve", "settle"))
        self._flights = Flights()
        self._provider = options.provider
        #: The provider's one name: in errors, logs and responses.
        self._provider_key = options.provider.config_key()
        self._endpoint = options.endpoint
        adapter = self._provider.adapter(options.api)
        adapter.check_settings(options.provider_settings)
        self._adapter = adapter.bind(self._endpoint)
        self._engine = HttpEngine(options, self._adapter)
        #: Usage and cost so far, shared with the clients ``with_options`` makes.
        self._totals = _Totals()
        self._lock = self._totals.lock
        self._messages: List[LLMMessage] = []
        #: model id -> registry entry (or None), filled on first use of each id.
        self._entries: Dict[str, Tuple[int, Optional[LLMModel]]] = {}

    # -- construction ----------------------------------------------------------------------

    @classmethod
    def new(cls, options: HttpClientOptions, *, cache: Optional[ResponseCache] = None,
            budget: Optional[Budget] = None) -> "LLMClient":
        """A client for ``options.provider`` (``cache``/``budget`` as in ``from_env``)."""
        return cls(options, cache=cache, budget=budget)

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
    def from_env(cls, provider: Union[str, LLMProvider], *, cache: Optional[ResponseCache] = None,
                 budget: Optional[Budget] = None, **kwargs: Any) -> "LLMClient":
        """Key from the provider's environment variable (``ANTHROPIC_API_KEY`` ...).
        ``cache`` (``MemoryCache``, ``DiskCache``, ``RedisCache``) serves repeated requests
        for free; ``budget`` (``Budget``) caps what this client's calls may spend."""
        return cls(HttpClientOptions.from_env(provider, **kwargs), cache=cache, budget=budget)

    def with_options(self, *, timeouts: Optional[Timeouts] = None, max_retries: Optional[int] = None,
                     extra_headers: Optional[Mapping[str, str]] = None) -> "LLMClient":
        """A client for the same provider with some options overridden for the calls made
        through it, as the official SDKs' ``with_options``. It shares this client's
        connection pool, usage and cost totals and history; ``extra_headers`` are added to
        (and override) this client's.

        >>> client.with_options(timeouts=Timeouts(read=30), max_retries=0).complete(request)
        """
        changes: Dict[str, Any] = {}
        if timeouts is not None:
            if not isinstance(timeouts, Timeouts):
                raise InvalidConfigError(f"timeouts must be a Timeouts, got {type(timeouts).__name__}")
            changes["timeouts"] = timeouts
        if max_retries is not None:
            changes["max_retries"] = max_retries
        if extra_headers is not None:
            changes["extra_headers"] = {**self._options.extra_headers, **dict(extra_headers)}
        options = self._options.with_changes(**changes) if changes else self._options
        other = copy.copy(self)
        other._options = options
        other._engine = self._engine.with_options(options)
        return other

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
        """Start a streaming call and return its ``EventStream`` once the response headers
        are in. HTTP errors (after the retries ``max_retries`` allows) raise here; errors
        mid-stream raise while iterating, right after the events before them.

        >>> with client.send(request) as stream:
        ...     for text in stream.text_stream():
        ...         print(text, end="")
        >>> stream.final_response().usage

        From async code use ``await client.asend(request)``, which never blocks the loop.
        """
        return self._start(request, inline=False)

    async def asend(self, request: LLMRequest) -> EventStream:
        """``send()`` for async code: ``stream = await client.asend(request)`` opens the
        stream (the POST, the wait for headers, retry backoffs) off the event loop, then
        ``async for event in stream`` reads it the same way.

        >>> async for text in (await client.asend(request)).atext_stream():
        ...     await websocket.send_text(text)
        """
        from llmsdk._engine.aio import aopen

        return await aopen(functools.partial(self.send, request))

    def _start(self, request: LLMRequest, *, inline: bool, max_retries: Optional[int] = None,
               on_open: Optional[Callable[[EventStream], None]] = None,
               budget: Optional[Budget] = None) -> EventStream:
        """``send()``; with ``inline`` the reply is read to its end on this thread before
        returning (no worker thread, the largest per-request cost), for callers that only
        want the whole reply. ``max_retries`` overrides the options' for this call
        (``client.map`` retries rate-limited calls itself, through its shared limiter).
        ``on_open(stream)`` runs once the headers are in, before the body is read: another
        thread may then ``close()`` the stream, even an inline one (``client.map`` stops
        its calls in flight so). ``budget`` caps this call (else the client's)."""
        request = self._prepare(request)
        budget = budget if budget is not None else self._budget
        prepared = self._adapter.prepare_request(request, self._endpoint)
        cache = self._cache if request.cache is not False else None
        if cache is None:
            return self._start_live(request, prepared, inline=inline, max_retries=max_retries, on_open=on_open,
                                    budget=budget)
        key = cache_key(self._provider_key, prepared.url, prepared.headers, prepared.body,
                        repr(dataclasses.replace(request, cache=None)))
        release = None
        for _ in range(_FLIGHT_TRIES):  # a hit, or lead the one upstream call (or wait for its leader)
            hit = self._replay(cache, key, request, on_open)
            if hit is not None:
                return hit
            release = self._flights.lead(key, timeout=self._options.timeouts.total)
            if release is not None:
                break
        try:
            return self._start_live(request, prepared, inline=inline, max_retries=max_retries, on_open=on_open,
                                    budget=budget, store=(cache, key, release))
        except BaseException:
            if release is not None:
                release()
            raise

    def _replay(self, cache: ResponseCache, key: str, request: LLMRequest,
                on_open: Optional[Callable[[EventStream], None]]) -> Optional[EventStream]:
        """A finished stream of the stored reply for ``key``, or None on a miss. The stored
        batches go through the engine's reducer, as a live reply's do."""
        raw = cache.get(key)
        entry = decode_entry(raw) if raw is not None else None
        if entry is None:
            return None
        batches, fields = entry
        channel = StreamChannel(self._provider_key)
        for batch in batches:
            channel.deliver(batch)
        now = time.time()
        saved_cost = fields.get("cost")
        response = channel.accumulator.response(response_id=fields.get("id"), model=fields.get("model"),
                                                provider=fields.get("provider") or self._provider_key, cost=0.0)
        response.cached, response.saved_cost, response.timing = True, saved_cost, Timing(now, now, now)
        response.provider_details = dict(fields.get("details") or {})
        if request.output_schema is not None:  # resp.parsed / resp.refusal
            from llmsdk._structured.replies import attach_output
            attach_output(response, request)
        telemetry = instruments()
        if telemetry is not None:  # a call answered from the cache is still a call (llmsdk.cached)
            telemetry.start_call("chat", self._provider_key, request.model_id, request=request,
                                 capture=capture_content()).finish(response)
        channel.final = response
        channel.done.set()
        channel.put(END)
        stream = EventStream(channel, response_headers={}, request_id=None, rate_limit=None)
        if on_open is not None:
            on_open(stream)
        return stream

    def _worst_case(self, request: LLMRequest) -> Tuple[Optional[float], int]:
        """A call's most: its input estimate plus ``max_tokens`` (else the model's output
        limit, else 4,096), priced at the model's rates (None when it has none)."""
        from llmsdk._core.token_estimate import estimate_tokens

        input_tokens = estimate_tokens(request)
        limit = getattr(request.model, "max_output_tokens", None)
        output_tokens = request.max_tokens or limit or 4096
        cost = cost_of(request.model, self._provider_key, Usage(input_tokens=input_tokens, output_tokens=output_tokens))
        return cost, input_tokens + output_tokens

    def _start_live(self, request: LLMRequest, prepared: Any, *, inline: bool, max_retries: Optional[int],
                    on_open: Optional[Callable[[EventStream], None]], budget: Optional[Budget],
                    store: Optional[Tuple[ResponseCache, str, Any]] = None) -> EventStream:
        """One call on the wire (``_start`` after the cache): reserve the budget, open the
        stream, read it; settle the budget and fill the cache once it has ended."""
        started = time.time()
        telemetry = instruments()
        span = telemetry.start_call("chat", self._provider_key, request.model_id, url=prepared.url, request=request,
                                    capture=capture_content()) if telemetry is not None else None
        reservation = None
        if budget is not None:
            cost, tokens = self._worst_case(request)
            try:
                reservation = budget.reserve(cost, tokens, what=f"a call to {request.model_id}")
            except BaseException as exc:
                if span is not None:
                    span.finish(None, exc)
                raise
        timeouts = self._options.timeouts
        deadline = time.monotonic() + timeouts.total if timeouts.total else None
        engine = self._engine
        adapter = self._adapter
        policy = self._options.retry
        retries = policy.max_retries if max_retries is None else max_retries
        # Read inline, nobody else watches content idleness: a silent socket must time out by then.
        read_cap = timeouts.content_idle if inline else None
        retry_budget = RetryBudget(retries)  # one budget: HTTP-level and stream-level retries together
        first_processor = [adapter.stream_processor(request)]  # its framing checks the reply's type
        framing = first_processor[0].framing
        try:
            if span is not None:
                with span.activate():
                    response = engine.open_stream(prepared, deadline=deadline, budget=retry_budget, read_cap=read_cap,
                                                  framing=framing)
            else:
                response = engine.open_stream(prepared, deadline=deadline, budget=retry_budget, read_cap=read_cap,
                                              framing=framing)
        except BaseException as exc:
            if budget is not None and reservation is not None:
                budget.release(reservation)
            if span is not None:
                span.finish(None, exc)
            raise
        channel = StreamChannel(self._provider_key)
        rate_limit = adapter.rate_limit(response.headers)
        model_ref = request.model
        recorded: List[List[Any]] = []
        channel.tap = _tap(recorded.append if store is not None else None,
                           span.chunk if span is not None and span.recording else None)

        request_ids = [request_id_of(response.headers)]  # the latest attempt's

        def reopen() -> Any:
            reopened = engine.open_stream(prepared, deadline=deadline, budget=retry_budget,
                                          cancelled=channel.cancelled, read_cap=read_cap, framing=framing)
            request_ids[0] = request_id_of(reopened.headers)
            return reopened

        def on_finish(result: LLMResponse) -> None:  # usage is billed, finished or not
            result.rate_limit = rate_limit
            result.request_id = request_ids[0]
            result.timing = Timing(started, channel.first_event_at, time.time())
            if result.model is None:
                result.model = request.model_id
            self._record(model_ref, result)
            if budget is not None and reservation is not None:
                usage = result.usage
                budget.settle(reservation, result.cost,
                              usage.input_tokens + usage.output_tokens + usage.cache_reads + usage.cache_writes)
            if request.output_schema is not None:  # resp.parsed / resp.refusal
                from llmsdk._structured.replies import attach_output
                attach_output(result, request)

        def read() -> None:
            try:
                if span is not None:  # the call's span is current where its stream retries
                    with span.activate():
                        run_worker(job, channel, response)
                else:
                    run_worker(job, channel, response)
            finally:
                if span is not None:
                    final = channel.final
                    span.finish(final if final is not None else channel.partial_response(), channel.failure)
                if store is not None:
                    self._store(store, channel, recorded)

        job = StreamJob(
            provider=self._provider_key,
            new_processor=lambda: first_processor.pop() if first_processor else adapter.stream_processor(request),
            reopen=reopen,
            budget=retry_budget,
            retry_policy=policy,
            on_finish=on_finish,
            deadline=deadline,
            content_idle=timeouts.content_idle,
            watch_clock=inline,
        )
        kwargs: Dict[str, Any] = dict(
            response_headers=response.headers,
            request_id=request_ids[0],
            rate_limit=rate_limit,
            content_idle=timeouts.content_idle,
            deadline=deadline,
        )
        if inline:
            stream = EventStream(channel, **kwargs)
            if on_open is not None:
                on_open(stream)
            read()
            return stream
        stream = EventStream.start(channel, read, **kwargs)
        if on_open is not None:
            on_open(stream)
        return stream

    @staticmethod
    def _store(store: Tuple[ResponseCache, str, Any], channel: StreamChannel, recorded: List[List[Any]]) -> None:
        """Keep a reply that ended cleanly (never an error, a cut or a closed stream), then
        let the callers waiting on the same request look in the cache."""
        cache, key, release = store
        try:
            final = channel.final
            if final is not None and not channel.cancelled.is_set() and final.stop_reason is not StopReason.ERROR:
                cache.set(key, encode_entry(recorded, {"id": final.id, "model": final.model, "provider": final.provider,
                                                       "cost": final.cost, "details": final.provider_details}))
        finally:
            if release is not None:
                release()

    def complete(self, request: LLMRequest) -> LLMResponse:
        """Send ``request`` and return the whole reply: ``resp.text``, ``resp.tool_uses``,
        ``resp.usage``, ``resp.cost``, ``resp.parsed`` (with ``output_schema``). Retries
        transient failures (429, 5xx, overloaded, connection errors) up to ``max_retries``;
        raises a typed ``LLMError`` otherwise.

        >>> resp = client.complete(LLMRequest(model="claude-haiku-4-5",
        ...                                   messages=[LLMMessage.user("Hello")]))
        >>> resp.text, resp.usage.output_tokens, resp.cost
        """
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
            on_error: str = "return", budget: Optional[Budget] = None) -> List[MapResult]:
        """Send many requests, ``concurrency`` at a time; a ``MapResult`` per item, in input
        order. ``requests`` (read lazily) holds ``LLMRequest``s or ``(key, LLMRequest)``
        pairs. A failed item is a result with ``.error`` (``on_error="raise"`` stops at the
        first one instead). ``limiter`` (``RateLimiter``/``RedisRateLimiter``) paces the
        calls and pauses them all after a 429; ``checkpoint="run.jsonl"`` saves each result
        as it finishes, and a rerun with the same file skips the keys already answered.
        ``budget`` caps this run (else the client's budget applies): a row whose call could
        pass it becomes a ``BudgetExceededError`` row, with nothing sent for it.

        >>> results = client.map([("q1", req1), ("q2", req2)], limiter=RateLimiter(500))
        """
        from llmsdk._many.map import map_requests

        return map_requests(self._capped(budget), requests, concurrency=concurrency, limiter=limiter, progress=progress,
                            checkpoint=checkpoint, on_error=on_error)

    def imap(self, requests: Iterable[Any], concurrency: int = 16, limiter: Optional[BaseRateLimiter] = None,
             progress: bool = True, checkpoint: Optional[Union[str, "os.PathLike[str]"]] = None,
             on_error: str = "return", budget: Optional[Budget] = None) -> Iterator[MapResult]:
        """``map()``, yielding each result as it finishes (completion order, bounded memory).

        >>> for result in client.imap(requests_from_a_huge_file(), progress=False):
        ...     save(result)
        """
        from llmsdk._many.map import imap_requests

        return imap_requests(self._capped(budget), requests, concurrency=concurrency, limiter=limiter, progress=progress,
                             checkpoint=checkpoint, on_error=on_error)

    def _capped(self, budget: Optional[Budget]) -> Any:
        """This client, or a view of it whose calls draw on ``budget`` (one ``map`` run)."""
        if budget is None:
            return self
        _checked(budget, "budget", ("reserve", "settle"))
        return _CappedClient(self, budget)

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

        return self._traced("embeddings", str(getattr(model, "model_name", model)), functools.partial(
            embed, self._adapter, self._endpoint, self._engine.post_json, self._provider_key, texts,
            model=model, dimensions=dimensions, input_type=input_type, record=record), reply=lambda result: result)

    def count_tokens(self, request: LLMRequest) -> int:
        """The input tokens ``request`` would use: the provider's counting endpoint where it
        has one (Anthropic, Gemini, Vertex, Bedrock), else a local estimate.

        >>> client.count_tokens(LLMRequest(model="claude-haiku-4-5", messages=[LLMMessage.user("Hi")]))
        """
        request = self._prepare(request)
        return self._traced("count_tokens", request.model_id, functools.partial(self._count_tokens, request))

    def _traced(self, operation: str, model: str, call: Callable[[], T],
                reply: Callable[[T], Any] = lambda result: None) -> T:
        """``call()`` inside a call span (when telemetry is on) that ends with ``reply(result)``
        or the error: the non-streaming operations' one span."""
        telemetry = instruments()
        if telemetry is None:
            return call()
        span = telemetry.start_call(operation, self._provider_key, model, url=self._options.api_base)
        try:
            with span.activate():
                result = call()
        except BaseException as exc:
            span.finish(None, exc)
            raise
        span.finish(reply(result))
        return result

    def _count_tokens(self, request: LLMRequest) -> int:
        """The adapter's count; a reply without a count it can read (a proxy's ``{}``) is a
        ``TransportError`` that says so, not the ``KeyError`` of the adapter's lookup."""
        try:
            return int(self._adapter.count_tokens(request, self._endpoint, self._engine.post_json))
        except LLMError:
            raise
        except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
            raise TransportError(f"{self._provider_key}: the token count reply holds no count llmsdk can read "
                                 f"({type(exc).__name__}: {exc})") from exc

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
        totals = self._totals
        with totals.lock:
            totals.usage = totals.usage + response.usage
            totals.usage_by_model[model_id] = totals.usage_by_model.get(model_id, Usage()) + response.usage
            if cost is not None:
                totals.cost += cost
                totals.cost_by_model[model_id] = totals.cost_by_model.get(model_id, 0.0) + cost

    def get_usage(self, model: Any = None) -> Usage:
        """Total usage over this client's requests (or one model's: an id or ``LLMModel``)."""
        model = getattr(model, "model_name", model)
        totals = self._totals
        with totals.lock:
            if model is not None:
                return totals.usage_by_model.get(model, Usage())
            return Usage(**vars(totals.usage))

    def get_usage_by_model(self) -> Dict[str, Usage]:
        with self._totals.lock:
            return dict(self._totals.usage_by_model)

    def get_cost(self, model: Any = None) -> float:
        """Total USD cost of this client's priced requests (or one model's)."""
        model = getattr(model, "model_name", model)
        totals = self._totals
        with totals.lock:
            if model is not None:
                return totals.cost_by_model.get(model, 0.0)
            return totals.cost

    def get_messages(self) -> List[LLMMessage]:
        """The history kept with ``client += message``."""
        with self._lock:
            return list(self._messages)

    def add_message(self, message: Union[LLMMessage, Dict[str, Any]]) -> None:
        """Append to the history kept with ``client += message`` (an ``LLMMessage`` or an
        OpenAI-style dict)."""
        message = as_message(message)
        if not isinstance(message, LLMMessage):
            raise InvalidRequestError(f"expected an LLMMessage, got {type(message).__name__}")
        with self._lock:
            self._messages.append(message)

    def __iadd__(self, message: Union[LLMMessage, LLMResponse, Dict[str, Any]]) -> "LLMClient":
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


class _Totals:
    """Usage and cost over a client's requests, behind one lock (shared by ``with_options``)."""

    __slots__ = ("lock", "usage", "cost", "usage_by_model", "cost_by_model")

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.usage = Usage()
        self.cost = 0.0
        self.usage_by_model: Dict[str, Usage] = {}
        self.cost_by_model: Dict[str, float] = {}


def _tap(*taps: Optional[Callable[[List[Any]], None]]) -> Optional[Callable[[List[Any]], None]]:
    """One channel tap calling each of ``taps`` that is set (None when none is)."""
    present = [t for t in taps if t is not None]
    if len(present) <= 1:
        return present[0] if present else None

    def both(batch: List[Any]) -> None:
        for tap in present:
            tap(batch)
    return both


class _CappedClient:
    """What ``map`` needs of a client (``get_config``, ``_start``), every call drawing on one
    ``Budget``: a ``map(..., budget=...)`` run."""

    def __init__(self, client: LLMClient, budget: Budget) -> None:
        self._client = client
        self._budget = budget

    def get_config(self) -> HttpClientOptions:
        return self._client.get_config()

    def _start(self, request: LLMRequest, **kwargs: Any) -> EventStream:
        return self._client._start(request, budget=self._budget, **kwargs)


present_as_public(globals(), "LLMClient")
