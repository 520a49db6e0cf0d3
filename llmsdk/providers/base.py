"""The small interface every provider implements; the engine does everything else.

A provider is three pure pieces plus a little glue:

* ``request_body(request)``: ``LLMRequest`` -> JSON body (no I/O);
* ``stream_processor(request)``: a ``StreamProcessor`` fed ``(event_name, data)`` SSE
  events that returns ``LLMEvent``s;
* ``endpoint`` / ``auth_headers`` / ``parse_error``: where to send, how to authenticate,
  how to read an error body.

Threads, retries, timeouts, the error hierarchy, usage and history come from the shared
engine, for built-in and user-registered providers alike.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple
from urllib.parse import urlsplit

from llmsdk.errors import IncompleteStreamError, InvalidConfigError, MalformedEventError
from llmsdk.events import _Event
from llmsdk.types import (
    ImageContent, LLMRequest, RateLimitInfo, TextContent, ThinkingContent, ToolResultContent,
    ToolUseContent, Usage,
)

if TYPE_CHECKING:  # config sits above providers; only the type is needed here
    from llmsdk.config import HttpClientOptions

__all__ = [
    "ErrorInfo",
    "PostJson",
    "PreparedRequest",
    "ProviderAdapter",
    "StreamProcessor",
    "estimate_tokens",
    "join_url",
    "parse_json_event",
    "parse_partial_json",
]

#: ``post_json(url, headers, body) -> dict``: a retried JSON POST the engine lends to
#: ``count_tokens`` implementations.
PostJson = Callable[[str, Dict[str, str], Dict[str, Any]], Dict[str, Any]]


@dataclass(frozen=True)
class PreparedRequest:
    """What to send: data only, nothing sent yet."""

    url: str
    headers: Dict[str, str]
    body: Dict[str, Any]


@dataclass(frozen=True)
class ErrorInfo:
    """The useful part of a provider error body."""

    message: str
    type: Optional[str] = None
    retry_after: Optional[float] = None
    #: The body's own verdict on retrying (e.g. a daily quota is spent: False); the
    #: ``x-should-retry`` header still wins.
    should_retry: Optional[bool] = None


def join_url(api_base: str, path: str) -> str:
    """Join a service root and a versioned path without doubling the version segment.

    >>> join_url("https://api.openai.com", "/v1/chat/completions")
    'https://api.openai.com/v1/chat/completions'
    >>> join_url("http://localhost:8000/v1/", "/v1/chat/completions")
    'http://localhost:8000/v1/chat/completions'
    """
    base = api_base.rstrip("/")
    if not path.startswith("/"):
        path = "/" + path
    version = "/" + path.split("/", 2)[1]
    if base.endswith(version):
        base = base[: -len(version)]
    return base + path


def validate_api_base(api_base: str) -> str:
    parts = urlsplit(api_base)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InvalidConfigError(f"api_base must be an http(s) URL, got {api_base!r}")
    return api_base


def parse_json_event(data: str) -> Any:
    """``json.loads`` that raises ``MalformedEventError`` instead of ``ValueError``."""
    try:
        return json.loads(data)
    except ValueError as exc:
        raise MalformedEventError(f"event data is not JSON: {data[:200]!r}") from exc


def parse_partial_json(text: str) -> Any:
    """JSON that may have been cut off (tool arguments stopped by ``max_tokens``).

    Whole JSON parses as usual. Otherwise the longest prefix that ends after a complete
    string, object or array (or before a comma) is closed and parsed: finished members
    are kept, an unfinished trailing one is dropped — what the official SDKs' partial
    parsers give. Raises ``ValueError`` if nothing parses.
    """
    try:
        return json.loads(text)
    except ValueError:
        pass
    for end in range(len(text), 0, -1):
        if not (text[end - 1] in '"}]{[' or (end < len(text) and text[end] == ",")):
            continue
        candidate = _closed(text[:end])
        if candidate is not None:
            try:
                return json.loads(candidate)
            except ValueError:
                continue
    raise ValueError(f"no JSON prefix in {text[:100]!r}")


def _closed(prefix: str) -> Optional[str]:
    """``prefix`` with its open strings refused and its open containers closed."""
    stack: List[str] = []
    in_string = escaped = False
    for ch in prefix:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "{[":
            stack.append("}" if ch == "{" else "]")
        elif ch in "}]" and stack:
            stack.pop()
    if in_string:
        return None
    body = prefix.rstrip().rstrip(",").rstrip()
    if body.endswith(":"):
        return None
    return body + "".join(reversed(stack))


class StreamProcessor(ABC):
    """Turns one provider's SSE events into ``LLMEvent``s. Pure: no HTTP, no threads.

    ``process`` returns the events one SSE event produced (often none). ``done`` is set
    once the provider's terminator arrived; ``finish()`` runs at end of body and raises
    ``IncompleteStreamError`` if it never did. ``usage``, ``response_id`` and ``model``
    hold what is known so far (for partial responses).
    """

    provider: str = "provider"

    def __init__(self) -> None:
        self.done = False
        self.response_id: Optional[str] = None
        self.model: Optional[str] = None
        self.usage = Usage()
        #: USD cost when the provider reports it (OpenRouter); else priced from the registry.
        self.cost: Optional[float] = None

    @abstractmethod
    def process(self, event: str, data: str) -> Sequence[_Event]:
        """Handle one SSE event (``event`` is ``"message"`` when the frame has no name)."""

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

    def prepare_request(self, request: LLMRequest, options: "HttpClientOptions") -> PreparedRequest:
        """URL, headers and body for a streaming call (pure)."""
        api_key = options.api_key.expose_secret() if options.api_key is not None else None
        return PreparedRequest(
            url=self.endpoint(options.api_base, request),
            headers=self.auth_headers(api_key),
            body=self.request_body(request),
        )

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
        """A fresh processor for one response."""

    def parse_error(self, status: int, body: str) -> ErrorInfo:
        """Read ``{"error": {"message", "type"|"status"|"code"}}``-style bodies."""
        return generic_error_info(status, body)

    def count_tokens(self, request: LLMRequest, options: "HttpClientOptions", post_json: PostJson) -> int:
        """Input tokens of ``request``; the default is a local estimate."""
        return estimate_tokens(request)

    def rate_limit(self, headers: Mapping[str, str]) -> Optional[RateLimitInfo]:
        return rate_limit_from_headers(headers)


def generic_error_info(status: int, body: str) -> ErrorInfo:
    try:
        data = json.loads(body) if body else None
    except ValueError:
        data = None
    if isinstance(data, list) and data:  # Gemini without alt=sse wraps errors in [...]
        data = data[0]
    err = data.get("error") if isinstance(data, dict) else None
    if isinstance(err, dict):
        message = str(err.get("message") or "")
        etype = err.get("type") or err.get("status") or err.get("code")
        return ErrorInfo(message or body[:500], str(etype) if etype is not None else None)
    if isinstance(err, str):
        return ErrorInfo(err)
    if isinstance(data, dict) and isinstance(data.get("message"), str):
        return ErrorInfo(data["message"], data.get("type"))
    return ErrorInfo(body.strip()[:500] or f"HTTP {status}")


_RATE_LIMIT_PREFIXES: Tuple[str, ...] = ("anthropic-ratelimit-", "x-ratelimit-")


def _int_or_none(value: Optional[str]) -> Optional[int]:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def rate_limit_from_headers(headers: Mapping[str, str]) -> Optional[RateLimitInfo]:
    """Parse ``anthropic-ratelimit-*`` or OpenAI/Groq ``x-ratelimit-*`` headers."""
    raw = {k.lower(): v for k, v in headers.items() if k.lower().startswith(_RATE_LIMIT_PREFIXES)}
    if not raw:
        return None

    def pick(kind: str, what: str) -> Optional[str]:
        return raw.get(f"anthropic-ratelimit-{kind}-{what}") or raw.get(f"x-ratelimit-{what}-{kind}")

    return RateLimitInfo(
        requests_limit=_int_or_none(pick("requests", "limit")),
        requests_remaining=_int_or_none(pick("requests", "remaining")),
        requests_reset=pick("requests", "reset"),
        tokens_limit=_int_or_none(pick("tokens", "limit")),
        tokens_remaining=_int_or_none(pick("tokens", "remaining")),
        tokens_reset=pick("tokens", "reset"),
        raw=raw,
    )


def estimate_tokens(request: LLMRequest) -> int:
    """A provider-free estimate: ~4 characters a token, ~1,600 tokens an image."""
    chars = len(request.system_prompt() or "")
    images = 0
    pieces: List[str] = []
    for message in request.chat_messages():
        for block in message.blocks:
            if isinstance(block, TextContent):
                pieces.append(block.text)
            elif isinstance(block, ThinkingContent):
                pieces.append(block.thinking)
            elif isinstance(block, ToolUseContent):
                pieces.append(block.name)
                pieces.append(json.dumps(block.input))
            elif isinstance(block, ToolResultContent):
                pieces.append(block.text)
            elif isinstance(block, ImageContent):
                images += 1
    for tool in request.tools or []:
        pieces.append(json.dumps({"name": tool.name, "d": tool.description, "s": tool.input_schema}))
    chars += sum(len(p) for p in pieces)
    return max(1, (chars + 3) // 4 + 4 * len(request.messages) + 1600 * images)


__all__ += ["generic_error_info", "rate_limit_from_headers", "validate_api_base"]
