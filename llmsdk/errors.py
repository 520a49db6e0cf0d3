"""The llmsdk exception hierarchy: one tree for every provider.

::

    LLMError
    ├── CreateClientError
    ├── InvalidConfigError              (also ValueError) no key, bad URL
    ├── InvalidRequestError             (also ValueError) caught before any HTTP call
    │   └── UnsupportedFeatureError     the provider has no such API (batches, embeddings)
    ├── TransportError
    │   ├── ConnectTimeoutError         (also TimeoutError)
    │   ├── ReadTimeoutError            (also TimeoutError)
    │   │   ├── ContentIdleTimeoutError no content for Timeouts.content_idle seconds
    │   │   └── TotalTimeoutError       Timeouts.total deadline passed
    │   └── ConnectionFailedError       (also ConnectionError)
    ├── InvalidResponseCodeError(status, body, provider, request_id, retry_after)
    │   ├── BadRequestError
    │   │   └── ContextWindowExceededError
    │   ├── AuthenticationError
    │   ├── PermissionDeniedError
    │   ├── NotFoundError
    │   ├── RateLimitError
    │   ├── OverloadedError
    │   └── ServerError
    ├── BatchRequestNotRunError         a batch item cancelled or expired before it ran
    ├── MCPError                        an MCP server died, hung past its timeout or spoke
    │                                   garbage (.stderr_tail for a stdio server; .code for
    │                                   a JSON-RPC error)
    ├── AllDeploymentsFailedError       every deployment a Router could ask failed (.errors)
    ├── StreamError
    │   ├── ProviderStreamError         an error event inside a 200 stream; each
    │   │                               instance is also the status class of its type
    │   ├── IncompleteStreamError       the body ended before the provider's terminator
    │   │   └── BrokenStreamError       ... because the connection broke mid-body
    │   │                               (also a ConnectionFailedError)
    │   ├── MalformedEventError         an event that is not valid JSON / not the format
    │   └── StreamCancelledError        close() was called while the stream was open
    └── StructuredOutputError           the reply is not the object output_schema asked for
        ├── OutputParseError            not JSON, or not the type (.raw_text); cut by max_tokens too
        └── RefusalError                the model refused (.refusal), or a content filter stopped it

Every error raised after the stream started carries ``partial_response``: the
``LLMResponse`` built from the events delivered before it, so nothing is lost (for a
``StructuredOutputError``, the whole reply).
"""

from __future__ import annotations

from typing import Any, Dict, Optional, Type

__all__ = [
    "AllDeploymentsFailedError",
    "AuthenticationError",
    "BadRequestError",
    "BatchRequestNotRunError",
    "BrokenStreamError",
    "ConnectTimeoutError",
    "ConnectionFailedError",
    "ContentIdleTimeoutError",
    "ContextWindowExceededError",
    "CreateClientError",
    "IncompleteStreamError",
    "InvalidConfigError",
    "InvalidRequestError",
    "InvalidResponseCodeError",
    "LLMError",
    "MCPError",
    "MalformedEventError",
    "NotFoundError",
    "OutputParseError",
    "OverloadedError",
    "PermissionDeniedError",
    "ProviderStreamError",
    "RateLimitError",
    "ReadTimeoutError",
    "RefusalError",
    "ServerError",
    "StreamCancelledError",
    "StreamError",
    "StructuredOutputError",
    "TotalTimeoutError",
    "TransportError",
    "UnsupportedFeatureError",
    "error_class_for_status",
    "error_class_for_type",
    "make_body_error",
    "make_status_error",
    "make_stream_error",
]


class LLMError(Exception):
    """Base of every error llmsdk raises."""

    partial_response: Any = None

    def __init__(self, message: str = "", *, partial_response: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.partial_response = partial_response

    def __str__(self) -> str:
        return self.message


class CreateClientError(LLMError):
    """The client could not be constructed."""


class InvalidConfigError(LLMError, ValueError):
    """Options are unusable: a missing key, a malformed URL, an unknown provider."""


class InvalidRequestError(LLMError, ValueError):
    """The request is invalid; raised before anything is sent."""


class UnsupportedFeatureError(InvalidRequestError):
    """The provider has no API for what was asked (a batch job, embeddings); raised
    before anything is sent."""


class BatchRequestNotRunError(LLMError):
    """One request of a provider batch job never ran: the job was cancelled, expired or
    failed first (``reason``: ``"cancelled"``, ``"expired"``, ``"failed"``; ``"missing"``
    when a finished job simply has no result for it). Nothing was billed for it."""

    def __init__(self, message: str = "", *, reason: str = "cancelled") -> None:
        super().__init__(message)
        self.reason = reason


class MCPError(LLMError):
    """An MCP server failed: its process died, it hung past the timeout, it answered
    something that is not JSON-RPC, or it refused a request with a JSON-RPC error
    (``code``, ``data``). ``stderr_tail`` holds the last lines a stdio server wrote to
    stderr (empty for HTTP). A tool's own failure (``isError``) is not an ``MCPError``: it
    goes back to the model as an error result."""

    def __init__(self, message: str = "", *, server: Optional[str] = None, code: Optional[int] = None,
                 data: Any = None, stderr_tail: str = "") -> None:
        super().__init__(message)
        self.server = server
        self.code = code
        self.data = data
        self.stderr_tail = stderr_tail

    def __str__(self) -> str:
        text = f"MCP server {self.server!r}: {self.message}" if self.server else self.message
        if self.stderr_tail:
            text += "\n--- server stderr (last lines) ---\n" + self.stderr_tail
        return text


class AllDeploymentsFailedError(LLMError):
    """Every deployment a ``Router`` could send the request to failed before any content
    arrived, or was cooling down (its circuit breaker open). ``errors`` maps each
    deployment tried to its error, in the order they were tried; ``retry_after`` is the
    seconds until the first cooling deployment reopens (None when none was cooling).

    >>> try:
    ...     router.complete(request)
    ... except AllDeploymentsFailedError as exc:
    ...     for deployment, error in exc.errors.items():
    ...         log.warning("%s: %s", deployment, error)
    """

    def __init__(self, message: str = "", *, errors: Optional[Dict[str, "LLMError"]] = None,
                 retry_after: Optional[float] = None, partial_response: Any = None) -> None:
        super().__init__(message, partial_response=partial_response)
        self.errors: Dict[str, LLMError] = dict(errors or {})
        self.retry_after = retry_after


class TransportError(LLMError):
    """The HTTP exchange itself failed (network, timeouts)."""


class ConnectTimeoutError(TransportError, TimeoutError):
    """No connection within ``Timeouts.connect``."""


class ReadTimeoutError(TransportError, TimeoutError):
    """The server sent nothing within ``Timeouts.read``."""


class ContentIdleTimeoutError(ReadTimeoutError):
    """Only keep-alives (or nothing) arrived for ``Timeouts.content_idle`` seconds."""


class TotalTimeoutError(ReadTimeoutError):
    """The whole exchange passed ``Timeouts.total``."""


class ConnectionFailedError(TransportError, ConnectionError):
    """The connection could not be made or broke."""


class InvalidResponseCodeError(LLMError):
    """The provider answered with an error status (or an error event in a stream)."""

    def __init__(
        self,
        message: str = "",
        *,
        status: Optional[int] = None,
        body: Optional[str] = None,
        provider: Optional[str] = None,
        request_id: Optional[str] = None,
        retry_after: Optional[float] = None,
        error_type: Optional[str] = None,
        should_retry: Optional[bool] = None,
        partial_response: Any = None,
        error_code: Optional[str] = None,
    ) -> None:
        super().__init__(message, partial_response=partial_response)
        self.status = status
        self.body = body
        self.provider = provider
        self.request_id = request_id
        self.retry_after = retry_after
        self.error_type = error_type
        #: The server's own verdict on retrying (``x-should-retry``, or a daily quota
        #: spent: False); None leaves it to the status.
        self.should_retry = should_retry
        #: The provider's machine-readable code, finer than ``error_type`` (Anthropic's
        #: ``error.details.error_code``, e.g. "compaction_block_misplaced"); None when the
        #: body has none. Branch on it, treating an unknown code as ``error_type``.
        self.error_code = error_code

    def __str__(self) -> str:
        parts = [f"{self.provider or 'provider'} returned"]
        if self.status is not None:
            parts.append(f"HTTP {self.status}")
        if self.error_type:
            parts.append(f"({self.error_type})")
        text = " ".join(parts)
        if self.message:
            text += f": {self.message}"
        if self.request_id:
            text += f" [request_id={self.request_id}]"
        return text


class BadRequestError(InvalidResponseCodeError):
    """HTTP 400/413/422: the provider rejected the request."""


class ContextWindowExceededError(BadRequestError):
    """The prompt does not fit the model's context window."""


class AuthenticationError(InvalidResponseCodeError):
    """HTTP 401: the key is missing, wrong or expired."""


class PermissionDeniedError(InvalidResponseCodeError):
    """HTTP 403: the key may not use this model or feature."""


class NotFoundError(InvalidResponseCodeError):
    """HTTP 404: unknown model or endpoint."""


class RateLimitError(InvalidResponseCodeError):
    """HTTP 429: slow down (see ``retry_after``)."""


class OverloadedError(InvalidResponseCodeError):
    """HTTP 529/503 (and Groq 498): the provider has no capacity right now."""


class ServerError(InvalidResponseCodeError):
    """HTTP 5xx: the provider failed."""


class StreamError(LLMError):
    """Something went wrong after the response headers arrived."""


class ProviderStreamError(StreamError):
    """The provider sent an error event inside a 200 stream."""


class IncompleteStreamError(StreamError):
    """The body ended (connection dropped) before the provider's terminator."""


class BrokenStreamError(IncompleteStreamError, ConnectionFailedError):
    """The connection broke (reset, a broken chunked body) after the stream started:
    incomplete, and a connection failure, so ``except`` either way catches it."""


class MalformedEventError(StreamError):
    """An event could not be parsed."""


class StreamCancelledError(StreamError):
    """The stream was closed while a consumer was waiting on it."""


class StructuredOutputError(LLMError):
    """The reply is not the object ``LLMRequest.output_schema`` asked for.
    ``partial_response`` is the whole reply (usage and cost included)."""


class OutputParseError(StructuredOutputError):
    """The reply is not JSON, or does not fit the requested type, or ``max_tokens`` cut it
    off. ``raw_text`` is the JSON text as received.

    >>> try:
    ...     invoice = client.parse(request, Invoice)
    ... except OutputParseError as exc:
    ...     log.warning("unparseable reply: %s", exc.raw_text)
    """

    def __init__(self, message: str = "", *, raw_text: str = "", partial_response: Any = None) -> None:
        super().__init__(message, partial_response=partial_response)
        self.raw_text = raw_text


class RefusalError(StructuredOutputError):
    """The model refused (``refusal`` is its text), or a content filter stopped the reply."""

    def __init__(self, message: str = "", *, refusal: str = "", partial_response: Any = None) -> None:
        super().__init__(message, partial_response=partial_response)
        self.refusal = refusal


# -- status and error-type tables -------------------------------------------------

_STATUS_CLASSES: Dict[int, Type[InvalidResponseCodeError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    413: BadRequestError,
    422: BadRequestError,
    429: RateLimitError,
    498: OverloadedError,
    503: OverloadedError,
    529: OverloadedError,
}

# Error `type`/`status`/`code` strings of every provider, lower-cased.
_TYPE_CLASSES: Dict[str, Type[InvalidResponseCodeError]] = {
    # Anthropic
    "invalid_request_error": BadRequestError,
    "request_too_large": BadRequestError,
    "authentication_error": AuthenticationError,
    "permission_error": PermissionDeniedError,
    "not_found_error": NotFoundError,
    "rate_limit_error": RateLimitError,
    "api_error": ServerError,
    "timeout_error": ServerError,
    "overloaded_error": OverloadedError,
    # OpenAI / Groq / OpenRouter
    "server_error": ServerError,
    "rate_limit_exceeded": RateLimitError,
    "insufficient_quota": RateLimitError,
    "context_length_exceeded": ContextWindowExceededError,
    "invalid_api_key": AuthenticationError,
    "api_key_invalid": AuthenticationError,
    "capacity_exceeded": OverloadedError,
    # Gemini (google.rpc status names)
    "invalid_argument": BadRequestError,
    "failed_precondition": BadRequestError,
    "unauthenticated": AuthenticationError,
    "permission_denied": PermissionDeniedError,
    "not_found": NotFoundError,
    "resource_exhausted": RateLimitError,
    "unavailable": OverloadedError,
    "internal": ServerError,
    "deadline_exceeded": ServerError,
    # AWS (Bedrock): x-amzn-ErrorType of HTTP errors, :exception-type of in-stream exceptions
    "throttlingexception": RateLimitError,
    "servicequotaexceededexception": RateLimitError,
    "serviceunavailableexception": OverloadedError,
    "modelnotreadyexception": OverloadedError,
    "validationexception": BadRequestError,
    "internalserverexception": ServerError,
    "modelstreamerrorexception": ServerError,
    "modelerrorexception": ServerError,
    "modeltimeoutexception": ServerError,
    "accessdeniedexception": PermissionDeniedError,
    "resourcenotfoundexception": NotFoundError,
    "unrecognizedclientexception": AuthenticationError,
    "invalidsignatureexception": AuthenticationError,
    "expiredtokenexception": AuthenticationError,
    "incompletesignatureexception": AuthenticationError,
}

_CONTEXT_WINDOW_HINTS = (
    "prompt is too long",
    "context length",
    "context_length_exceeded",
    "context window",
    "maximum context",
    "too many tokens",
    "input token count",
)


def error_class_for_status(status: int) -> Type[InvalidResponseCodeError]:
    """The exception class for an HTTP status."""
    cls = _STATUS_CLASSES.get(status)
    if cls is not None:
        return cls
    if status >= 500:
        return ServerError
    return InvalidResponseCodeError


def error_class_for_type(error_type: Optional[str]) -> Optional[Type[InvalidResponseCodeError]]:
    """The exception class for a provider error type string, if known."""
    if not error_type:
        return None
    return _TYPE_CLASSES.get(str(error_type).lower())


def _refine(cls: Type[InvalidResponseCodeError], message: str) -> Type[InvalidResponseCodeError]:
    if cls is BadRequestError and any(hint in message.lower() for hint in _CONTEXT_WINDOW_HINTS):
        return ContextWindowExceededError
    return cls


def make_status_error(
    status: int,
    message: str,
    *,
    error_type: Optional[str] = None,
    body: Optional[str] = None,
    provider: Optional[str] = None,
    request_id: Optional[str] = None,
    retry_after: Optional[float] = None,
    should_retry: Optional[bool] = None,
    error_code: Optional[str] = None,
) -> InvalidResponseCodeError:
    """Build the right ``InvalidResponseCodeError`` subclass for an HTTP error reply."""
    cls = error_class_for_status(status)
    if cls is InvalidResponseCodeError or cls is BadRequestError:
        cls = error_class_for_type(error_type) or cls
    cls = _refine(cls, message)
    return cls(
        message,
        status=status,
        body=body,
        provider=provider,
        request_id=request_id,
        retry_after=retry_after,
        error_type=error_type,
        should_retry=should_retry,
        error_code=error_code,
    )


_STREAM_CLASSES: Dict[Type[InvalidResponseCodeError], Type[InvalidResponseCodeError]] = {}


def _stream_class(cls: Type[InvalidResponseCodeError]) -> Type[InvalidResponseCodeError]:
    """A class that is both ``ProviderStreamError`` and ``cls`` (cached, so types compare)."""
    combined = _STREAM_CLASSES.get(cls)
    if combined is None:
        name = "ProviderStream" + cls.__name__
        combined = type(name, (ProviderStreamError, cls), {"__module__": __name__})
        _STREAM_CLASSES[cls] = combined
    return combined


# Typical HTTP status of each error class, for errors that arrive inside a stream.
_CLASS_STATUS: Dict[Type[InvalidResponseCodeError], int] = {
    BadRequestError: 400,
    ContextWindowExceededError: 400,
    AuthenticationError: 401,
    PermissionDeniedError: 403,
    NotFoundError: 404,
    RateLimitError: 429,
    OverloadedError: 529,
    ServerError: 500,
}


def make_stream_error(
    message: str,
    *,
    error_type: Optional[str] = None,
    status: Optional[int] = None,
    provider: Optional[str] = None,
    body: Optional[str] = None,
    request_id: Optional[str] = None,
    retry_after: Optional[float] = None,
    should_retry: Optional[bool] = None,
    error_code: Optional[str] = None,
) -> InvalidResponseCodeError:
    """An error event inside a 200 stream: a ``ProviderStreamError`` that is also the
    status class its type (or numeric code) maps to."""
    cls = error_class_for_type(error_type)
    if cls is None and status is not None:
        cls = error_class_for_status(status)
    cls = _refine(cls or ServerError, message)
    return _stream_class(cls)(
        message,
        status=status if status is not None else _CLASS_STATUS.get(cls),
        body=body,
        provider=provider,
        request_id=request_id,
        error_type=error_type,
        retry_after=retry_after,
        should_retry=should_retry,
        error_code=error_code,
    )



def make_body_error(
    message: str,
    *,
    status: Optional[int] = None,
    error_type: Optional[str] = None,
    provider: Optional[str] = None,
    body: Optional[str] = None,
    request_id: Optional[str] = None,
) -> InvalidResponseCodeError:
    """A failed request reported inside a successful body (a line of a batch result
    file): the class its status maps to, else the class of its error type; ``status``
    is filled in from the class when the body names only a type."""
    if status is not None:
        return make_status_error(status, message, error_type=error_type, body=body, provider=provider,
                                 request_id=request_id)
    cls = _refine(error_class_for_type(error_type) or ServerError, message)
    return cls(message, status=_CLASS_STATUS.get(cls), body=body, provider=provider, request_id=request_id,
               error_type=error_type)


# Exported from ``llmsdk`` too: name that module (as ``llmsdk._core.public_name`` does for the
# value classes; this module sits below it and its classes have no string annotations to resolve).
LLMError.__module__ = "llmsdk"
MCPError.__module__ = "llmsdk"
AllDeploymentsFailedError.__module__ = "llmsdk"
