"""The small interface every provider implements; the engine does everything else.

A provider is three pure pieces plus a little glue:

* ``request_body(request)``: ``LLMRequest`` -> JSON body (no I/O);
* ``stream_processor(request)``: a ``StreamProcessor`` fed ``(event_name, data)`` SSE
  events that returns ``LLMEvent``s;
* ``endpoint`` / ``auth_headers`` / ``parse_error``: where to send, how to authenticate,
  how to read an error body.

Adapters see only an ``Endpoint`` (the service root and the key), never the client's
whole configuration. Threads, retries, timeouts, the error hierarchy, usage and history
come from the shared engine, for built-in and user-registered providers alike.

The helpers a provider author needs are importable from here too (``join_url``,
``parse_json_event``, ``parse_partial_json``, ``generic_error_info``, ``stream_error``...);
each lives in a module named after what it does.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
import logging
from typing import Any, Callable, Dict, Mapping, Optional, Sequence, Set, Tuple

from llmsdk._core.error_bodies import ErrorInfo, generic_error_info, stream_error
from llmsdk._core.partial_json import parse_partial_json
from llmsdk._core.rate_limit_headers import rate_limit_from_headers
from llmsdk._core.secrets import SecretString
from llmsdk._core.sse_json import parse_json_event
from llmsdk._core.token_estimate import estimate_tokens
from llmsdk._core.urls import join_url, validate_api_base
from llmsdk.providers.embedding_api import EmbeddingsApi
from llmsdk.errors import IncompleteStreamError
from llmsdk.events import _Event
from llmsdk.types import ContentBlock, LLMRequest, RateLimitInfo, Usage

__all__ = [
    "EmbeddingsApi",
    "Endpoint",
    "ErrorInfo",
    "PostJson",
    "PreparedRequest",
    "ProviderAdapter",
    "StreamProcessor",
    # helpers for provider authors, defined in their own modules
    "estimate_tokens",
    "generic_error_info",
    "join_url",
    "parse_json_event",
    "parse_partial_json",
    "rate_limit_from_headers",
    "stream_error",
    "validate_api_base",
]

#: ``post_json(url, headers, body) -> dict``: a retried JSON POST the engine lends to
#: ``count_tokens`` implementations.
PostJson = Callable[[str, Dict[str, str], Dict[str, Any]], Dict[str, Any]]


@dataclass(frozen=True)
class Endpoint:
    """Where one provider is reached: its service root and key. All an adapter sees of
    the client's configuration (``api_key`` is a ``SecretString``: it never prints)."""

    api_base: str
    api_key: Optional[SecretString] = field(default=None)
    #: The client's ``provider_settings`` (the API version to speak; a cloud's project,
    #: credentials...), for the adapter (``ProviderAdapter.bind``, ``headers``).
    settings: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)
    #: What this client was already warned about (``warn_once``): one warning per client.
    _warned: Set[str] = field(default_factory=set, repr=False, compare=False)

    @property
    def key(self) -> Optional[str]:
        """The key in clear, for auth headers."""
        return self.api_key.expose_secret() if self.api_key is not None else None

    def warn_once(self, logger: logging.Logger, key: str, message: str, *args: Any) -> None:
        """Log ``message`` at WARNING the first time ``key`` comes up for this client (an
        adapter adjusting requests the same way every call should say so once)."""
        if key in self._warned:
            return
        self._warned.add(key)
        logger.warning(message, *args)


@dataclass(frozen=True)
class PreparedRequest:
    """What to send: data only, nothing sent yet."""

    url: str
    headers: Dict[str, str]
    body: Dict[str, Any]


class StreamProcessor(ABC):
    """Turns one provider's SSE events into ``LLMEvent``s. Pure: no HTTP, no threads.

    ``process`` returns the events one SSE event produced (often none). ``done`` is set
    once the provider's terminator arrived; ``finish()`` runs at end of body and raises
    ``IncompleteStreamError`` if it never did. ``usage``, ``response_id`` and ``model``
    hold what is known so far (for partial responses). ``provider`` is the config key
    errors name; adapters pass theirs in.
    """

    provider: str = "provider"
    #: How the engine cuts the body into ``(event, data)`` pairs for ``process``: ``"sse"``
    #: (Server-Sent Events), ``"ndjson"`` (one JSON document per line, event ``"message"``),
    #: or another name in ``llmsdk._engine.sse.FRAMINGS``.
    framing: str = "sse"

    def __init__(self, provider: Optional[str] = None) -> None:
        if provider is not None:
            self.provider = provider
        self.done = False
        self.response_id: Optional[str] = None
        self.model: Optional[str] = None
        self.usage = Usage()
        #: USD cost when the provider reports it (OpenRouter); else priced from the registry.
        self.cost: Optional[float] = None
        #: What the provider reports beside the reply (``LLMResponse.provider_details``).
        self.provider_details: Dict[str, Any] = {}

    @abstractmethod
    def process(self, event: str, data: str) -> Sequence[_Event]:
        """Handle one SSE event (``event`` is ``"message"`` when the frame has no name)."""

    def open_blocks(self) -> Optional[Dict[int, ContentBlock]]:
        """The blocks begun but not yet finished (by index, as their deltas add up: text
        and thinking that had deltas), for a partial response; ``None`` (the default)
        when the processor does not keep them, and the engine folds the deltas itself.
        Called from another thread than ``process``: build the answer from copies."""
        return None

    def finish(self) -> Sequence[_Event]:
        """End of body: any last events, or ``IncompleteStreamError`` if truncated."""
        if not self.done:
            raise IncompleteStreamError(
                f"the {self.provider} stream ended before its terminator (connection dropped?)"
            )
        return ()


class ProviderAdapter(ABC):
    """One provider's wire format. Subclass it to add a provider (see docs)."""

    #: Provider config key, for error messages and logs.
    name: str = "provider"
    #: How this provider embeds text (``client.embed``); None: it has no embeddings API.
    embeddings: Optional[EmbeddingsApi] = None

    def bind(self, endpoint: Endpoint) -> "ProviderAdapter":
        """The adapter one client uses with ``endpoint``: ``self`` unless the provider
        reads per-client settings (a cloud's API version, project, credentials), when it
        returns a configured copy. Called once per client; no I/O."""
        return self

    def token_provider(self) -> Optional[Callable[[], str]]:
        """A zero-argument callable giving a bearer token for each HTTP attempt (a cloud's
        default credentials), or None: the static key of ``auth_headers`` is enough.
        Built lazily: nothing is imported or fetched until the first call."""
        return None

    def catalog_model(self, model_id: str) -> Tuple[str, Optional[str]]:
        """Which catalog entry prices and describes ``model_id``: ``(catalog id,
        catalog provider key)``; None as provider means the client's own. A cloud maps
        its deployment names and model ids to the first-party catalog here."""
        return model_id, None

    def prepare_request(self, request: LLMRequest, endpoint: Endpoint) -> PreparedRequest:
        """URL, headers and body for a streaming call (pure)."""
        return PreparedRequest(
            url=self.endpoint(endpoint.api_base, request),
            headers=self.headers(endpoint),
            body=self.request_body(request),
        )

    def check_settings(self, settings: Mapping[str, Any]) -> None:
        """Refuse, at client construction, ``provider_settings`` this adapter cannot use
        (``InvalidConfigError``). The default takes any (most adapters read none)."""
        return None

    def headers(self, endpoint: Endpoint) -> Dict[str, str]:
        """The headers for this client's calls (``auth_headers`` unless the client's
        ``settings`` change them, e.g. a pinned API version)."""
        return self.auth_headers(endpoint.key)

    @abstractmethod
    def endpoint(self, api_base: str, request: LLMRequest) -> str:
        """The streaming URL for ``request``."""

    @abstractmethod
    def auth_headers(self, api_key: Optional[str]) -> Dict[str, str]:
        """Authentication and version headers."""

    @abstractmethod
    def request_body(self, request: LLMRequest) -> Dict[str, Any]:
        """The JSON body, with streaming switched on. Pure."""

    @abstractmethod
    def stream_processor(self, request: LLMRequest) -> StreamProcessor:
        """A fresh processor for one response, built with ``provider=self.name`` so that
        its errors name the same provider as the adapter's."""

    def parse_error(self, status: int, body: Any) -> ErrorInfo:
        """Read an error body (the text of an HTTP error reply, or the parsed error event of
        a stream): ``{"error": {"message", "type"|"status"|"code"}}``-style by default."""
        return generic_error_info(status, body)

    def parse_error_reply(self, status: int, body: Any, headers: Mapping[str, str]) -> ErrorInfo:
        """Read an HTTP error reply whose headers matter too (AWS names the error type in
        ``x-amzn-ErrorType``); by default ``parse_error(status, body)``."""
        return self.parse_error(status, body)

    def count_tokens(self, request: LLMRequest, endpoint: Endpoint, post_json: PostJson) -> int:
        """Input tokens of ``request``; the default is a local estimate."""
        return estimate_tokens(request)

    def rate_limit(self, headers: Mapping[str, str]) -> Optional[RateLimitInfo]:
        return rate_limit_from_headers(headers)
