"""``Router``: one call surface over groups of deployments — the same model (or an
equivalent one) served by several providers, regions or keys — with fallbacks, a circuit
breaker per deployment and load balancing.

>>> router = Router({"smart": [Deployment(anthropic, "claude-sonnet-4-5"),
...                            Deployment(bedrock, "us.anthropic.claude-sonnet-4-5-20250929-v1:0")],
...                  "fast": [Deployment(groq, "llama-3.1-8b-instant")]},
...                 fallbacks={"smart": ["fast"]})
>>> router.complete(LLMRequest(model="smart", messages=[LLMMessage.user("Hi")])).text

The rule is the client's own retry rule applied across deployments: a request moves to
another deployment only **before its first content event**. After content, the typed
stream error is raised with its partial response and no other deployment is asked, so
an answer is never duplicated (nor billed twice).
"""

from __future__ import annotations

import dataclasses
import logging
import random
import time
from collections import deque
from typing import (
    TYPE_CHECKING, Any, Callable, Deque, Dict, Iterable, Iterator, List, Mapping, Optional, Sequence, Set, Tuple,
    Type, TypeVar, Union,
)
from urllib.parse import urlsplit

from llmsdk._routing.state import BreakerRules, Lease, LocalState
from llmsdk._routing.strategy import STRATEGIES, LatencyTracker, order
from llmsdk._routing.ledger import Ledger
from llmsdk._routing.map_view import CallHandle, MapView
from llmsdk._routing.stream import RoutedStream
from llmsdk._routing.verdict import CONTEXT, DEPLOYMENT, REQUEST, content_reached, judge
from llmsdk.client import LLMClient
from llmsdk.errors import AllDeploymentsFailedError, InvalidConfigError, InvalidRequestError, LLMError, StreamCancelledError
from llmsdk.models import cost_of
from llmsdk.types import LLMRequest, LLMResponse, Usage
from llmsdk._core.public_name import present_as_public

if TYPE_CHECKING:  # pragma: no cover
    import os

    from llmsdk._engine.embeddings import EmbeddingResponse
    from llmsdk._many.map import MapResult
    from llmsdk._many.rate_limiter import BaseRateLimiter
    from llmsdk._many.tool_loop import ToolRunResult

__all__ = ["Deployment", "Router"]

logger = logging.getLogger("llmsdk.router")

T = TypeVar("T")


@dataclasses.dataclass(frozen=True, eq=False)
class Deployment:
    """One place a group's requests can go: a client and the model id to ask it for.
    ``weight`` counts for the ``weighted`` strategy. ``name`` (default
    ``"<provider>:<model>@<host>"``) names it in logs, usage, errors and the shared state
    (processes sharing breakers through Redis must name a deployment alike).

    >>> Deployment(LLMClient.from_env("anthropic"), "claude-sonnet-4-5")
    """

    client: LLMClient
    model: Any
    weight: float = 1
    name: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.client, LLMClient):
            raise InvalidConfigError(f"Deployment needs an LLMClient, got {type(self.client).__name__}")
        model_id = self.model if isinstance(self.model, str) else getattr(self.model, "model_name", None)
        if not model_id:
            raise InvalidConfigError(f"Deployment needs a model id or LLMModel, got {self.model!r}")
        weight = self.weight
        if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not weight > 0:
            raise InvalidConfigError(f"Deployment weight must be a positive number, got {weight!r}")
        if not isinstance(self.name, str):
            raise InvalidConfigError(f"Deployment name must be a string, got {type(self.name).__name__}")
        if not self.name:
            options = self.client.get_config()
            host = urlsplit(options.api_base).netloc or options.api_base if options.api_base else ""
            name = f"{self.client.provider.config_key()}:{model_id}"
            object.__setattr__(self, "name", f"{name}@{host}" if host else name)

    @property
    def provider_key(self) -> str:
        return self.client.provider.config_key()

    def route(self, request: LLMRequest) -> LLMRequest:
        """``request`` as this deployment is asked it: its model in place of the group."""
        return dataclasses.replace(request, model=self.model)

    def __repr__(self) -> str:
        return f"Deployment({self.name!r}, weight={self.weight!r})"


Groups = Mapping[str, Union[Deployment, Sequence[Deployment]]]
FallbackMap = Optional[Mapping[str, Sequence[str]]]


class Router:
    """Send requests to groups of deployments with fallbacks, circuit breakers and load
    balancing. ``LLMRequest.model`` names a group; ``resp.model`` / ``resp.provider`` say
    who answered.

    - ``fallbacks={"smart": ["fast"]}``: groups asked, in order, once every deployment of
      a group failed (or is cooling down).
    - ``strategy``: the order a group's deployments are asked in: ``"ordered"``,
      ``"weighted"``, ``"least_busy"`` (fewest calls in flight) or ``"latency"`` (lowest
      moving average of time to first event).
    - A breaker per deployment: ``allowed_fails`` failures within a minute open it for
      ``cooldown`` seconds; a ``Retry-After`` (or a rejected key) opens it at once for
      that long; then one probe call at a time until one succeeds.
    - ``shared_state="redis://host:6379/0"`` keeps the breakers and in-flight counts in
      Redis, shared by every process naming the same deployments.
    - ``context_window_fallbacks={"smart": ["long"]}``: where a prompt too long for a
      group goes (default: its ``fallbacks``); the group's other deployments are skipped.
    - ``refusal_fallbacks={"smart": ["other"]}`` (opt-in): groups asked when a group's
      model refuses (or a content filter stops it) in ``complete``/``parse``/``run_tools``/
      ``map``; if none answers, the first refusal is returned.

    What moves on: 429, 5xx, overloaded, timeouts, connection errors, 401/403/404 from a
    deployment, errors inside a stream before content. What does not: invalid requests
    and 400s (raised as they are). The router never retries a deployment itself: each
    call asks each deployment at most once, and each deployment's client retries by its
    own ``RetryPolicy``; so a call makes at most the sum of ``1 + max_retries`` over the
    deployments of its group and of its fallback groups HTTP attempts.
    """

    def __init__(self, groups: Groups, fallbacks: FallbackMap = None, strategy: str = "ordered",
                 cooldown: float = 30.0, allowed_fails: int = 3, shared_state: Optional[str] = None, *,
                 context_window_fallbacks: FallbackMap = None, refusal_fallbacks: FallbackMap = None,
                 seed: Optional[int] = None, clock: Optional[Callable[[], float]] = None) -> None:
        self._groups = _check_groups(groups)
        self._by_name: Dict[str, Deployment] = {}
        for deployments in self._groups.values():
            for d in deployments:
                known = self._by_name.setdefault(d.name, d)
                if known is not d and (known.client is not d.client or known.model != d.model):
                    raise InvalidConfigError(f"two different deployments are named {d.name!r}; give them names")
        self._fallbacks = _check_fallbacks("fallbacks", fallbacks, self._groups)
        self._context_fallbacks = _check_fallbacks("context_window_fallbacks", context_window_fallbacks, self._groups)
        self._refusal_fallbacks = _check_fallbacks("refusal_fallbacks", refusal_fallbacks, self._groups)
        if strategy not in STRATEGIES:
            raise InvalidConfigError(f"strategy must be one of {', '.join(STRATEGIES)}; got {strategy!r}")
        if isinstance(cooldown, bool) or not isinstance(cooldown, (int, float)) or not cooldown > 0:
            raise InvalidConfigError(f"cooldown must be a positive number of seconds, got {cooldown!r}")
        if isinstance(allowed_fails, bool) or not isinstance(allowed_fails, int) or allowed_fails < 1:
            raise InvalidConfigError(f"allowed_fails must be a positive int, got {allowed_fails!r}")
        self.strategy = strategy
        self.cooldown = float(cooldown)
        self.allowed_fails = allowed_fails
        rules = BreakerRules(float(cooldown), allowed_fails)
        self._state: Any
        if shared_state is None:
            self._state = LocalState(rules, clock or time.monotonic)
        else:
            if not isinstance(shared_state, str) or not shared_state.startswith(("redis://", "rediss://", "unix://")):
                raise InvalidConfigError(f"shared_state must be a redis:// URL, got {shared_state!r}")
            from llmsdk._routing.redis_state import RedisState

            self._state = RedisState(shared_state, rules, clock)
        self._shared = shared_state
        self._rng = random.Random(seed)
        self._latency = LatencyTracker()
        self._ledger = Ledger()
        self._weights = {g: tuple(d.weight for d in ds) for g, ds in self._groups.items()}
        self._names = {g: tuple(d.name for d in ds) for g, ds in self._groups.items()}

    # -- the calls ---------------------------------------------------------------------------

    def send(self, request: LLMRequest) -> RoutedStream:
        """Start a streaming call. Returns once the first event is in (not at the headers,
        as ``LLMClient.send`` does): until then a failure moves on to the next deployment.
        Iterate it like an ``EventStream``; a failure after that raises as it is."""
        return self._route(request.model, lambda d, lease: self._send_on(d, d.route(request), lease), streams=True)

    def complete(self, request: LLMRequest) -> LLMResponse:
        """Send and wait for the whole reply."""
        return self._complete(request)

    def parse(self, request: LLMRequest, output_type: Type[T]) -> T:
        """``LLMClient.parse`` through the router (a refusal may fall back: ``refusal_fallbacks``)."""
        from llmsdk._structured.replies import parse_response

        response = self.complete(dataclasses.replace(request, output_schema=output_type))
        return parse_response(response, output_type)

    def run_tools(self, request: LLMRequest, tools: Sequence[Any], max_rounds: int = 10) -> "ToolRunResult":
        """``LLMClient.run_tools`` through the router: each round is routed on its own."""
        from llmsdk._many.tool_loop import run_tools

        return run_tools(self.complete, request, tools, max_rounds=max_rounds)

    def map(self, requests: Iterable[Any], concurrency: int = 16, limiter: Optional["BaseRateLimiter"] = None,
            progress: bool = True, checkpoint: Optional[Union[str, "os.PathLike[str]"]] = None,
            on_error: str = "return") -> List["MapResult"]:
        """``LLMClient.map`` through the router: each item routed on its own."""
        from llmsdk._many.map import map_requests

        return map_requests(self._map_view(), requests, concurrency=concurrency, limiter=limiter, progress=progress,
                            checkpoint=checkpoint, on_error=on_error)

    def imap(self, requests: Iterable[Any], concurrency: int = 16, limiter: Optional["BaseRateLimiter"] = None,
             progress: bool = True, checkpoint: Optional[Union[str, "os.PathLike[str]"]] = None,
             on_error: str = "return") -> Iterator["MapResult"]:
        """``LLMClient.imap`` through the router (completion order, bounded memory)."""
        from llmsdk._many.map import imap_requests

        return imap_requests(self._map_view(), requests, concurrency=concurrency, limiter=limiter, progress=progress,
                             checkpoint=checkpoint, on_error=on_error)

    def count_tokens(self, request: LLMRequest) -> int:
        """Input tokens, counted by the first deployment of the group that answers."""
        return self._route(request.model, lambda d, lease: d.client.count_tokens(d.route(request)))

    def embed(self, texts: Union[str, Sequence[str]], model: str, dimensions: Optional[int] = None,
              input_type: Optional[str] = None) -> "EmbeddingResponse":
        """``LLMClient.embed`` with ``model`` naming a group of embedding deployments."""
        def attempt(d: Deployment, lease: Lease) -> "EmbeddingResponse":
            result = d.client.embed(texts, model=d.model, dimensions=dimensions, input_type=input_type)
            self._ledger.add(d.name, result.usage, result.cost)
            return result

        return self._route(model, attempt)

    # -- usage, cost, health ---------------------------------------------------------------------

    def get_usage(self, deployment: Union[None, str, Deployment] = None) -> Usage:
        """Usage over this router's calls, in total or of one deployment (or its name);
        failed attempts that were billed included."""
        return self._ledger.usage(_name_of(deployment))

    def get_cost(self, deployment: Union[None, str, Deployment] = None) -> float:
        """USD over this router's priced calls, in total or of one deployment."""
        return self._ledger.cost(_name_of(deployment))

    def get_usage_by_deployment(self) -> Dict[str, Usage]:
        return self._ledger.usage_by_deployment()

    def get_cost_by_deployment(self) -> Dict[str, float]:
        return self._ledger.cost_by_deployment()

    def status(self) -> Dict[str, Dict[str, Any]]:
        """Each deployment's breaker (``"closed"``, ``"open"``, ``"half_open"``), seconds
        until it reopens, calls in flight, and latency (EWMA of time to first event, s)."""
        names = list(self._by_name)
        return {name: {"state": s.state, "reopens_in": s.reopens_in, "in_flight": s.in_flight,
                       "latency": self._latency.get(name)}
                for name, s in self._state.status(names).items()}

    def reset(self) -> None:
        """Close every breaker and forget the in-flight counts (the shared ones too)."""
        self._state.reset(list(self._by_name))

    @property
    def deployments(self) -> Dict[str, Deployment]:
        return dict(self._by_name)

    def close(self) -> None:
        """Close every deployment's client (release pooled connections)."""
        for client in {id(d.client): d.client for d in self._by_name.values()}.values():
            client.close()

    def __enter__(self) -> "Router":
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        groups = ", ".join(f"{g}: {len(ds)}" for g, ds in self._groups.items())
        return f"Router({{{groups}}}, strategy={self.strategy!r})"

    # -- routing -----------------------------------------------------------------------------

    def _map_view(self) -> MapView:
        """The router as ``client.map`` sees a client; its retry policy (for ``map``'s own
        retries under a limiter) is the first deployment's."""
        first = next(iter(self._by_name.values()))
        return MapView(self._complete, first.client.get_config)

    def _complete(self, request: LLMRequest, *, max_retries: Optional[int] = None,
                  handle: Optional[CallHandle] = None) -> LLMResponse:
        """``complete()``; ``client.map`` passes its retry count and a handle that sees
        each deployment's stream open (so a stop closes it) and stops further fallback."""
        def attempt(d: Deployment, lease: Lease) -> LLMResponse:
            routed = d.route(request)
            start = time.monotonic()
            if handle is None:
                response = d.client.complete(routed)
            else:
                response = d.client._start(routed, inline=True, max_retries=max_retries,
                                           on_open=handle.attach).final_response()
            if self.strategy == "latency":
                self._latency.observe(d.name, _first_event_after(response, start))
            self._bill(d, response)
            return response

        cancelled = handle.is_closed if handle is not None else None
        return self._route(request.model, attempt, refusals=True, cancelled=cancelled)

    def _send_on(self, d: Deployment, routed: LLMRequest, lease: Lease) -> RoutedStream:
        start = time.monotonic()
        inner = d.client.send(routed)
        try:
            first = inner.recv()
            if first is None:  # closed before any event: the caller's doing
                inner.final_response()
        except BaseException:
            inner.close()
            raise
        assert first is not None
        if self.strategy == "latency":
            self._latency.observe(d.name, time.monotonic() - start)

        def ended(response: Optional[LLMResponse], error: Optional[LLMError]) -> None:
            self._bill(d, response)
            outcome: Optional[bool] = None
            open_for = None
            if error is not None:
                verdict = judge(error, self.cooldown)
                if verdict.kind == DEPLOYMENT:
                    outcome, open_for = False, verdict.open_for
            self._state.release(lease, outcome, open_for, done=True)

        return RoutedStream(inner, first, d.name, ended)

    def _route(self, group: Any, attempt: Callable[[Deployment, Lease], T], *, streams: bool = False,
               refusals: bool = False, cancelled: Optional[Callable[[], bool]] = None) -> T:
        """Ask the deployments of ``group``, then of its fallback groups, one at a time in
        strategy order, skipping open breakers, until one answers. ``streams``: the answer
        is a ``RoutedStream``, which releases its deployment when it ends."""
        names = self._names.get(group) if isinstance(group, str) else None
        if names is None:
            raise InvalidRequestError(
                f"LLMRequest.model must name a router group ({', '.join(map(repr, self._groups))}); got {group!r}")
        state = self._state
        queue: Deque[str] = deque(self._fallbacks.get(group, ()))
        current = group
        tried: Set[str] = set()
        errors: Dict[str, LLMError] = {}
        wait: Optional[float] = None
        refused: Optional[Any] = None
        last: Optional[LLMError] = None
        while True:
            candidates = [n for n in self._order(current) if n not in tried]
            lease = None
            if candidates:
                if cancelled is not None and cancelled():
                    raise StreamCancelledError("the call was stopped before it was answered")
                lease, left = state.acquire(candidates, self.strategy == "least_busy")
                if lease is None and left is not None:
                    wait = left if wait is None else min(wait, left)
            if lease is None:  # this group has nobody left to ask: the next one
                if not queue:
                    break
                current = queue.popleft()
                continue
            d = self._by_name[lease.name]
            tried.add(d.name)
            try:
                result = attempt(d, lease)
            except LLMError as exc:
                verdict = judge(exc, self.cooldown)
                self._bill(d, exc.partial_response)  # a failed attempt may still have been billed
                if verdict.kind == DEPLOYMENT:
                    state.release(lease, False, verdict.open_for)
                else:
                    state.release(lease, None)
                if verdict.kind == REQUEST or content_reached(exc):
                    raise
                errors[d.name] = last = exc
                if verdict.kind == CONTEXT:
                    if current == group:
                        queue = deque(self._context_fallbacks.get(group, self._fallbacks.get(group, ())))
                    if not queue:
                        raise
                    current = queue.popleft()
                    logger.warning("router: %s: the prompt does not fit %s; trying group %r", group, d.name, current)
                    continue
                logger.warning("router: %s: %s failed (%s: %s); moving on",
                               group, d.name, type(exc).__name__, exc)
                continue
            except BaseException:
                state.release(lease, None)
                raise
            state.release(lease, True, done=not streams)
            if refusals and group in self._refusal_fallbacks and isinstance(result, LLMResponse) \
                    and result.refusal is not None:
                if refused is None:
                    refused = result
                    queue = deque(self._refusal_fallbacks[group])
                    current = queue.popleft()
                    logger.warning("router: %s: %s refused; asking group %r", group, d.name, current)
                elif queue:
                    current = queue.popleft()
                continue
            return result
        if refused is not None:
            return refused  # type: ignore[no-any-return]
        if errors:
            message = f"every deployment of {group!r} failed: " + "; ".join(
                f"{name}: {type(e).__name__}" for name, e in errors.items())
        else:
            message = f"every deployment of {group!r} is cooling down (circuit breaker open)"
        if wait is not None:
            message += f"; the first reopens in {wait:.1f}s"
        error = AllDeploymentsFailedError(message, errors=errors, retry_after=wait,
                                          partial_response=last.partial_response if last else None)
        raise error from last

    def _order(self, group: str) -> List[str]:
        return order(self.strategy, self._names[group], self._weights[group], self._rng, self._latency)

    def _bill(self, d: Deployment, response: Any) -> None:
        if not isinstance(response, LLMResponse):
            return
        cost = response.cost
        if cost is None:
            cost = cost_of(d.model, d.provider_key, response.usage)
        self._ledger.add(d.name, response.usage, cost)


def _first_event_after(response: LLMResponse, start: float) -> float:
    """Time to first event: the response's own ``timing`` where it has one, else the
    whole call (a read that was not watched event by event)."""
    timing = getattr(response, "timing", None)
    first, started = getattr(timing, "first_event", None), getattr(timing, "started", None)
    if isinstance(first, (int, float)) and isinstance(started, (int, float)) and first >= started:
        return float(first - started)
    return time.monotonic() - start


def _name_of(deployment: Union[None, str, Deployment]) -> Optional[str]:
    return deployment.name if isinstance(deployment, Deployment) else deployment


def _check_groups(groups: Groups) -> Dict[str, Tuple[Deployment, ...]]:
    if not isinstance(groups, Mapping) or not groups:
        raise InvalidConfigError("Router needs groups: {'name': [Deployment(client, model), ...]}")
    out: Dict[str, Tuple[Deployment, ...]] = {}
    for name, deployments in groups.items():
        if not isinstance(name, str) or not name:
            raise InvalidConfigError(f"a group name must be a non-empty string, got {name!r}")
        listed = (deployments,) if isinstance(deployments, Deployment) else tuple(deployments or ())
        if not listed or not all(isinstance(d, Deployment) for d in listed):
            raise InvalidConfigError(f"group {name!r} needs a list of Deployment(client, model)")
        if len({d.name for d in listed}) != len(listed):
            raise InvalidConfigError(f"group {name!r} lists a deployment twice")
        out[name] = listed
    return out


def _check_fallbacks(what: str, fallbacks: FallbackMap, groups: Mapping[str, Any]) -> Dict[str, Tuple[str, ...]]:
    if fallbacks is None:
        return {}
    if not isinstance(fallbacks, Mapping):
        raise InvalidConfigError(f"{what} must map a group to a list of groups, got {type(fallbacks).__name__}")
    out: Dict[str, Tuple[str, ...]] = {}
    for group, targets in fallbacks.items():
        listed = (targets,) if isinstance(targets, str) else tuple(targets or ())
        for name in (group, *listed):
            if name not in groups:
                raise InvalidConfigError(f"{what}: no group named {name!r} (groups: {', '.join(map(repr, groups))})")
        if group in listed:
            raise InvalidConfigError(f"{what}: group {group!r} falls back to itself")
        out[group] = listed
    return out


present_as_public(globals(), "Deployment", "Router")
