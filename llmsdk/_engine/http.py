"""The HTTP layer: one pooled ``requests.Session`` per client, the single place where
``requests``/``urllib3``/socket exceptions become llmsdk errors, and error replies
turned into the ``InvalidResponseCodeError`` tree."""

from __future__ import annotations

import copy
import http.client
import json
import logging
import re
import socket
import ssl
import threading
import time
from collections import OrderedDict
from typing import Any, Dict, Generic, Iterator, List, Optional, Set, TypeVar

import requests
import requests.adapters
import requests.structures
import urllib3.exceptions

from llmsdk._core.error_bodies import stream_error
from llmsdk._core.secrets import is_credential_header
from llmsdk._engine.auth import AttemptAuth
from llmsdk._engine.body_socket import tracked_pool_classes
from llmsdk._engine.recording import Exchange, Recorder
from llmsdk._engine.sse import CONTENT_TYPES, expects_content_type
from llmsdk._engine.retry import RetryBudget, call_with_retries, parse_retry_after
from llmsdk.config import HttpClientOptions, headers_for
from llmsdk.errors import (
    ConnectionFailedError, ConnectTimeoutError, InvalidRequestError, InvalidResponseCodeError, LLMError,
    MalformedEventError, ReadTimeoutError, TotalTimeoutError, TransportError, make_status_error,
)
from llmsdk.providers.base import PreparedRequest, ProviderAdapter

logger = logging.getLogger("llmsdk.http")

REQUEST_ID_HEADERS = ("request-id", "x-request-id", "x-generation-id", "x-goog-request-id", "x-amzn-requestid")


def error_from_other_body(response: requests.Response, url: str, framing: str,
                          options: HttpClientOptions, auth: Optional[AttemptAuth] = None) -> LLMError:
    """A 2xx reply that is neither the stream ``framing`` reads nor JSON — an HTML page
    from a wrong base URL, a proxy's login page: say what came back and from where."""
    try:
        head = next(response.iter_content(4096), b"")
    except TRANSPORT_EXCEPTIONS:
        head = b""
    response._content = head  # what the recording keeps
    response.close()
    text = redact(head.decode("utf-8", "replace"), options, auth)
    title = re.search(r"<title[^>]*>(.*?)</title>", text, re.IGNORECASE | re.DOTALL)
    shown = " ".join((title.group(1) if title else text).split())[:200]
    media = response.headers.get("content-type", "").split(";", 1)[0].strip()
    expected = " or ".join(CONTENT_TYPES.get(framing, ()))
    return MalformedEventError(
        f"{options.provider.config_key()}: POST {_without_query(url)} answered HTTP {response.status_code} with "
        f"{media} ({shown!r}), not {expected or 'a stream'}; is api_base ({options.api_base}) right?")


#: Entries of each per-URL cache of an ``HttpEngine`` (URLs prepared, environment settings).
URL_CACHE_SIZE = 64

V = TypeVar("V")


class BoundedCache(Generic[V]):
    """A small least-recently-used map: ``get`` refreshes, ``put`` evicts the oldest past
    ``size``. Thread-safe enough for a cache (a lost entry is recomputed)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._data: "OrderedDict[str, V]" = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> Optional[V]:
        with self._lock:
            value = self._data.get(key)
            if value is not None:
                self._data.move_to_end(key)
            return value

    def put(self, key: str, value: V) -> None:
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.size:
                self._data.popitem(last=False)

    def __len__(self) -> int:
        return len(self._data)


class _Session(requests.Session):
    """A session that sends no credential to another host: requests drops only
    ``Authorization`` on a cross-host redirect; ``x-api-key``, ``x-goog-api-key`` and
    custom auth headers (``_core.secrets.is_credential_header``) go too."""

    def rebuild_auth(self, prepared_request: requests.PreparedRequest, response: requests.Response) -> None:
        super().rebuild_auth(prepared_request, response)
        old = response.request.url if response.request is not None else None
        if old and prepared_request.url and self.should_strip_auth(old, prepared_request.url):
            for name in [n for n in prepared_request.headers if is_credential_header(n)]:
                del prepared_request.headers[name]


class _Adapter(requests.adapters.HTTPAdapter):
    """requests' adapter, with pools whose in-flight requests ``close()`` can interrupt
    (``body_socket.interrupt_request_of``)."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = tracked_pool_classes()


def build_session(options: HttpClientOptions) -> requests.Session:
    """A session whose pool holds ``options.pool_maxsize`` connections per host, so many
    threads sharing one client reuse connections instead of discarding them."""
    session = _Session()
    adapter = _Adapter(
        pool_connections=4, pool_maxsize=options.pool_maxsize, max_retries=0
    )
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


#: What the HTTP stack raises for network trouble; anything else is a bug, never a
#: network problem, and must surface as itself.
TRANSPORT_EXCEPTIONS = (
    requests.exceptions.RequestException, urllib3.exceptions.HTTPError, http.client.HTTPException, OSError,
)


def encode_body(body: Any) -> bytes:
    """The JSON bytes of a request body; ``InvalidRequestError`` (before any HTTP) for a
    body that is not JSON (a set in a tool schema, NaN, an object)."""
    try:
        return json.dumps(body, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")
    except (TypeError, ValueError) as exc:
        raise InvalidRequestError(f"the request cannot be sent as JSON: {exc}") from exc


def map_transport_error(exc: BaseException, url: Optional[str] = None, timeout: Any = None) -> LLMError:
    """The one mapping from foreign exceptions to ``TransportError`` subclasses, said in
    our words: what failed, where (``url``), and why (refused, DNS, TLS, a timeout after
    ``timeout`` seconds) — not urllib3's ``HTTPConnectionPool(...): Max retries exceeded``."""
    if isinstance(exc, LLMError):
        return exc
    where = f" to {_without_query(url)}" if url else ""
    connect_s, read_s = timeout if isinstance(timeout, tuple) else (timeout, timeout)
    causes = list(_causes(exc))
    reason = _connect_failure(causes)
    if reason is not None:
        return ConnectionFailedError(f"could not connect{where}: {reason}")
    if any(isinstance(c, (requests.exceptions.ConnectTimeout, urllib3.exceptions.ConnectTimeoutError))
           and not isinstance(c, urllib3.exceptions.NewConnectionError) for c in causes):
        return ConnectTimeoutError(f"could not connect{where}: no connection{_after(connect_s)}")
    if any(isinstance(c, (requests.exceptions.ReadTimeout, urllib3.exceptions.ReadTimeoutError, socket.timeout,
                          TimeoutError)) for c in causes) or isinstance(exc, requests.exceptions.Timeout):
        return ReadTimeoutError(f"the request{where} timed out: no data{_after(read_s)}")
    if isinstance(exc, (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema,
                        requests.exceptions.InvalidSchema, urllib3.exceptions.LocationParseError)):
        return TransportError(f"invalid URL{where}: {_short(exc)}")
    if isinstance(exc, (requests.exceptions.ConnectionError, urllib3.exceptions.ProtocolError,
                        http.client.HTTPException, ConnectionError, OSError)):
        return ConnectionFailedError(f"the connection{where} broke: {_innermost(causes)}")
    if isinstance(exc, (requests.exceptions.RequestException, urllib3.exceptions.HTTPError)):
        return TransportError(f"the HTTP request{where} failed: {_innermost(causes)}")
    return TransportError(f"unexpected transport failure{where}: {exc!r}")


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and what it wraps (urllib3's ``reason``, exception args, ``__cause__``,
    ``__context__``), outermost first, each once."""
    seen: Set[int] = set()
    todo = [exc]
    while todo and len(seen) < 32:
        current = todo.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        inner = [getattr(current, "reason", None), *current.args, current.__cause__, current.__context__]
        todo.extend(i for i in inner if isinstance(i, BaseException))


def _connect_failure(causes: List[BaseException]) -> Optional[str]:
    """Why a connection could not be made, if that is what happened."""
    for cause in causes:
        if isinstance(cause, (requests.exceptions.SSLError, ssl.SSLError, urllib3.exceptions.SSLError)):
            detail = next((getattr(c, "reason", None) or c.strerror or str(c)
                           for c in reversed(causes) if isinstance(c, ssl.SSLError)), None)
            return f"the TLS handshake failed ({detail or _short(cause)})"
    if any(isinstance(c, socket.gaierror) or type(c).__name__ == "NameResolutionError" for c in causes):
        return "the host name could not be resolved (DNS)"
    if any(isinstance(c, ConnectionRefusedError) for c in causes):
        return "connection refused (is anything listening on that port?)"
    if any(isinstance(c, urllib3.exceptions.NewConnectionError) for c in causes):
        return f"no connection could be made ({_innermost(causes)})"
    if any(isinstance(c, requests.exceptions.ProxyError) for c in causes):
        return "the proxy refused or failed"
    return None


def _innermost(causes: List[BaseException]) -> str:
    """The deepest cause's own text (``Connection reset by peer``), briefly."""
    for cause in reversed(causes):
        if isinstance(cause, OSError) and cause.strerror:
            return cause.strerror
    return _short(causes[-1]) if causes else "unknown failure"


def _after(seconds: Any) -> str:
    return f" within {round(float(seconds), 1):g} s" if isinstance(seconds, (int, float)) else ""


def _without_query(url: str) -> str:
    """A URL as errors show it: no query string (Gemini's ``?key=`` would be a secret)."""
    return url.split("?", 1)[0]


def _short(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) <= 300 else text[:300] + "..."


def request_id_of(headers: Any) -> Optional[str]:
    for name in REQUEST_ID_HEADERS:
        value = headers.get(name)
        if value:
            return str(value)
    return None


def redact(text: str, options: HttpClientOptions, auth: Optional[AttemptAuth] = None) -> str:
    """Remove the API key (and the bearer tokens ``auth`` handed out) from text that
    came back from the server."""
    if options.api_key is not None:
        secret = options.api_key.expose_secret()
        if secret and secret in text:
            text = text.replace(secret, "**********")
    return auth.mask(text) if auth is not None else text


def error_from_response(response: requests.Response, adapter: ProviderAdapter, options: HttpClientOptions,
                        auth: Optional[AttemptAuth] = None) -> InvalidResponseCodeError:
    """Read an error reply (whole body) and build the matching exception."""
    try:
        body = response.content.decode("utf-8", "replace")
    except Exception as exc:  # noqa: BLE001 - a broken error body must not hide the status
        body = f"<unreadable body: {exc!r}>"
    finally:
        response.close()
    body = redact(body, options, auth)
    headers = response.headers
    info = adapter.parse_error_reply(response.status_code, body, headers)
    retry_after = parse_retry_after(headers)
    if retry_after is None:
        retry_after = info.retry_after
    should = headers.get("x-should-retry")
    message = info.message
    if 300 <= response.status_code < 400:
        message = (f"redirected to {headers.get('location') or '(no Location)'}: llmsdk does not follow a "
                   f"redirect of a POST (it would send the request twice, and its key elsewhere); "
                   f"point api_base at the final URL")
    return make_status_error(
        response.status_code,
        redact(message, options, auth),
        error_type=info.type,
        body=body,
        provider=options.provider.config_key(),
        request_id=request_id_of(headers),
        retry_after=retry_after,
        should_retry=should == "true" if should in ("true", "false") else info.should_retry,
        error_code=info.error_code,
    )


#: JSON-lines content types: a stream of documents (Ollama's ``application/x-ndjson``), not one.
_JSON_LINES = ("ndjson", "jsonl", "json-seq", "jsonlines")


def is_whole_json(content_type: str) -> bool:
    """A 2xx reply of this type is one JSON document (so not the stream asked for);
    JSON-lines streams are streams."""
    kind = content_type.lower()
    return "json" in kind and not any(lines in kind for lines in _JSON_LINES)


def error_from_json_body(response: requests.Response, adapter: ProviderAdapter, options: HttpClientOptions,
                         auth: Optional[AttemptAuth] = None) -> LLMError:
    """A 2xx reply that is JSON rather than an event stream (an error or a non-SSE server)."""
    body = redact(response.content.decode("utf-8", "replace"), options, auth)
    response.close()
    try:
        data = json.loads(body)
    except ValueError:
        data = None
    if not (isinstance(data, dict) and "error" in data) and not (
            isinstance(data, list) and data and isinstance(data[0], dict) and "error" in data[0]):
        return MalformedEventError(
            f"{options.provider.config_key()} answered with JSON, not an event stream: {body[:200]!r}")
    info = adapter.parse_error(response.status_code, body)
    return stream_error(info, provider=options.provider.config_key(), body=body,
                        request_id=request_id_of(response.headers))


class HttpEngine:
    """Sends prepared requests through one session, with retries and error mapping."""

    def __init__(self, options: HttpClientOptions, adapter: ProviderAdapter) -> None:
        self.options = options
        self.adapter = adapter
        #: The provider's config key: the one name errors and logs use.
        self.provider = options.provider.config_key()
        self.session = build_session(options)
        # requests re-reads the environment (proxies, NO_PROXY, CA bundle, .netrc) on every
        # call, scanning all of os.environ: ~17% of a tiny request. Read it once per URL
        # instead (as httpx and the official SDKs do at client construction).
        self._trust_env = self.session.trust_env
        self.session.trust_env = False
        # Bounded: a client that touches a URL per batch id must not grow for its life.
        self._env: "BoundedCache[Dict[str, Any]]" = BoundedCache(URL_CACHE_SIZE)
        self._urls: "BoundedCache[str]" = BoundedCache(URL_CACHE_SIZE)
        self._session_headers: Dict[str, str] = {
            k: v.decode("latin-1") if isinstance(v, bytes) else v for k, v in self.session.headers.items()
        }
        #: Set when ``LLMSDK_RECORD_DIR`` is: every exchange is written there (``_record``).
        self.recorder = Recorder.from_env(options.api_key.expose_secret() if options.api_key else None)
        #: Per-attempt bearer tokens (``token_provider``, or the adapter's cloud credentials).
        self.auth = AttemptAuth(options.token_provider or adapter.token_provider())
        if self.recorder is not None:
            self.recorder.more_secrets = self.auth.recent

    def with_options(self, options: HttpClientOptions) -> "HttpEngine":
        """An engine sending with ``options`` (timeouts, retries, extra headers) through
        this one's session, pool and caches (``LLMClient.with_options``)."""
        other = copy.copy(self)
        other.options = options
        return other

    def _record(self, method: str, url: str, headers: Dict[str, str], data: Optional[bytes]) -> Optional[Exchange]:
        return self.recorder.start(self.provider, method, url, headers, data or b"") if self.recorder else None

    @staticmethod
    def _recorded_whole(exchange: Optional[Exchange], response: requests.Response) -> None:
        """Record a reply whose body is read whole (an error, a JSON answer)."""
        if exchange is not None:
            exchange.response(response.status_code, response.headers)
            exchange.piece(response.content or b"")
            exchange.close()

    def _signed(self, method: str, url: str, headers: Dict[str, str], data: Optional[bytes]) -> Dict[str, str]:
        """The per-attempt hook, and the ONE place where the headers of one HTTP attempt
        are built: called inside each attempt of every retry loop (streams, JSON POSTs,
        other calls). ``options.signer`` (SigV4 for Bedrock), when set, signs the final
        headers of this attempt — its date and body — right before sending; whatever else
        must be fresh per attempt (a ``token_provider``'s bearer token) belongs here too."""
        signer = self.options.signer
        return headers if signer is None else signer(method, url, headers, data or b"")

    def _env_settings(self, url: str) -> Dict[str, Any]:
        """The ``proxies``/``verify``/``cert``/``auth`` requests would take from the
        environment for ``url``, computed on first use of that URL."""
        settings = self._env.get(url)
        if settings is None:
            settings = {}
            if self._trust_env:
                with requests.Session() as env_session:  # trust_env=True: reads the environment
                    merged = env_session.merge_environment_settings(url, {}, None, None, None)
                settings = {"proxies": merged["proxies"], "verify": merged["verify"], "cert": merged["cert"]}
                auth = requests.utils.get_netrc_auth(url)
                if auth:
                    settings["auth"] = auth
            self._env.put(url, settings)
        return settings

    def _post(self, url: str, data: bytes, headers: Dict[str, str], timeout: Any) -> requests.Response:
        """POST through the session's mounted adapter, without ``Session.request``'s
        per-call work (settings merging, hooks, cookies: ~25% of a tiny call, per cProfile
        of benchmarks/bench_requests.py). It is still requests/urllib3 underneath: same
        pool, proxies, TLS verification. A redirect is not followed: a POST is never sent
        twice, nor its key to another host (the 3xx becomes an error naming where it led)."""
        env = self._env_settings(url)
        prepared_url = self._urls.get(url)
        if prepared_url is None:
            probe = requests.PreparedRequest()
            probe.prepare_url(url, None)
            prepared_url = str(probe.url)
            self._urls.put(url, prepared_url)
        request = requests.PreparedRequest()
        request.method = "POST"
        request.url = prepared_url
        request.headers = requests.structures.CaseInsensitiveDict(self._session_headers)
        request.headers.update(headers)
        request.headers["Content-Length"] = str(len(data))
        request.body = data
        request.hooks = {"response": []}
        if env.get("auth") is not None:
            request.prepare_auth(env["auth"], prepared_url)
        response = self.session.get_adapter(prepared_url).send(
            request, stream=True, timeout=timeout, verify=env.get("verify", True), cert=env.get("cert"),
            proxies=env.get("proxies") or {},
        )
        return response

    def _timeout(self, deadline: Optional[float], read_cap: Optional[float] = None) -> Any:
        """``(connect, read)`` seconds: the configured ones, trimmed to the time left before
        ``deadline`` (and ``read`` to ``read_cap``)."""
        t = self.options.timeouts
        connect, read = t.connect, t.read
        if read_cap is not None:
            read = min(read, read_cap)
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TotalTimeoutError("the total timeout for this exchange passed")
            connect, read = min(connect, left), min(read, left)
        return (connect, read)

    def open_stream(self, prepared: PreparedRequest, *, deadline: Optional[float] = None,
                    max_retries: Optional[int] = None, budget: Optional[RetryBudget] = None,
                    cancelled: Any = None, read_cap: Optional[float] = None,
                    framing: str = "sse") -> requests.Response:
        """POST and return the response once its headers say 2xx and its content type is
        what ``framing`` reads (retrying as ``budget`` allows — the exchange's one budget,
        shared with the worker's stream-level retries — never past ``deadline``).
        ``read_cap`` shortens the socket read timeout (a reply read on the caller's thread
        bounds content idleness that way)."""
        data = encode_body(prepared.body)
        headers = headers_for(self.options, prepared.headers)

        def attempt() -> requests.Response:
            started = time.monotonic()
            sent = self._signed("POST", prepared.url, headers, data)
            exchange = self._record("POST", prepared.url, sent, data)
            timeout = self._timeout(deadline, read_cap)
            try:
                response = self.auth.send(lambda h: self._post(prepared.url, data, h, timeout), sent)
            except requests.RequestException as exc:
                if exchange is not None:
                    exchange.close()
                raise map_transport_error(exc, prepared.url, timeout) from exc
            if logger.isEnabledFor(logging.DEBUG):
                logger.debug("POST %s -> %d in %.1f ms (request id %s)", prepared.url, response.status_code,
                             (time.monotonic() - started) * 1000, request_id_of(response.headers))
            if response.status_code >= 300:
                try:
                    raise error_from_response(response, self.adapter, self.options, self.auth)
                finally:
                    self._recorded_whole(exchange, response)
            content_type = response.headers.get("content-type", "")
            if not expects_content_type(framing, content_type):
                try:
                    if is_whole_json(content_type):
                        raise error_from_json_body(response, self.adapter, self.options, self.auth)
                    raise error_from_other_body(response, prepared.url, framing, self.options, self.auth)
                finally:
                    self._recorded_whole(exchange, response)
            if exchange is not None:  # the worker records the body as it reads it
                exchange.response(response.status_code, response.headers)
                response.llmsdk_exchange = exchange  # type: ignore[attr-defined]
            return response

        return call_with_retries(attempt, self.options.retry, max_retries=max_retries, budget=budget,
                                 cancelled=cancelled, deadline=deadline, what=f"{self.provider} request")

    def post_json(self, url: str, headers: Dict[str, str], body: Dict[str, Any]) -> Dict[str, Any]:
        """A retried, non-streaming JSON POST (token counting and the like)."""
        all_headers = headers_for(self.options, headers)
        all_headers["Accept"] = "application/json"
        data = encode_body(body)
        deadline = time.monotonic() + self.options.timeouts.total if self.options.timeouts.total else None

        def attempt() -> Dict[str, Any]:
            sent = self._signed("POST", url, all_headers, data)
            exchange = self._record("POST", url, sent, data)
            timeout = self._timeout(deadline)
            try:
                response = self.auth.send(lambda h: self.session.post(
                    url, data=data, headers=h, timeout=timeout, allow_redirects=False, **self._env_settings(url)), sent)
            except requests.RequestException as exc:
                raise map_transport_error(exc, url, timeout) from exc
            self._recorded_whole(exchange, response)
            if response.status_code >= 300:
                raise error_from_response(response, self.adapter, self.options, self.auth)
            try:
                result = response.json()
            except ValueError as exc:
                raise TransportError(f"{self.provider} returned a non-JSON body") from exc
            return result if isinstance(result, dict) else {"result": result}

        return call_with_retries(attempt, self.options.retry, deadline=deadline, what=f"{self.provider} request")

    def request(self, method: str, url: str, headers: Dict[str, str], *, json_body: Any = None,
                data: Optional[bytes] = None, content_type: Optional[str] = None,
                params: Optional[Dict[str, Any]] = None, stream: bool = False,
                max_retries: Optional[int] = None) -> requests.Response:
        """Any other call (batch jobs: uploads, status, cancel, result files), retried and
        error-mapped like the rest. Returns the 2xx response; with ``stream`` its body
        is still unread (iterate it, then close it), else it has been read whole.
        ``max_retries=0`` for a call that must not be repeated blindly (a batch create)."""
        all_headers = headers_for(self.options, {"Accept": "application/json", **headers})
        if json_body is not None:
            data = encode_body(json_body)
        elif content_type is not None:
            all_headers["Content-Type"] = content_type
        elif data is None:
            all_headers.pop("Content-Type", None)

        if params and self.options.signer is not None:  # the signature covers the query string
            url, params = str(requests.Request(method, url, params=params).prepare().url), None

        def attempt() -> requests.Response:
            sent = self._signed(method, url, all_headers, data)
            exchange = self._record(method, url, sent, data)
            timeout = self._timeout(None)
            try:
                response = self.auth.send(lambda h: self.session.request(
                    method, url, data=data, headers=h, params=params, stream=stream, timeout=timeout,
                    allow_redirects=method in ("GET", "HEAD"), **self._env_settings(url)), sent)
            except requests.RequestException as exc:
                raise map_transport_error(exc, url, timeout) from exc
            logger.debug("%s %s -> %d", method, url, response.status_code)
            if not stream or response.status_code >= 300:  # a streamed download is not kept
                self._recorded_whole(exchange, response)
            elif exchange is not None:
                exchange.response(response.status_code, response.headers)
                exchange.close()
            if response.status_code >= 300:
                raise error_from_response(response, self.adapter, self.options, self.auth)
            return response

        return call_with_retries(attempt, self.options.retry, max_retries=max_retries,
                                 what=f"{self.provider} {method} {url}")

    def request_json(self, method: str, url: str, headers: Dict[str, str], **kwargs: Any) -> Dict[str, Any]:
        """``request()`` whose reply is a JSON object."""
        response = self.request(method, url, headers, **kwargs)
        try:
            result = response.json()
        except ValueError as exc:
            raise TransportError(f"{self.provider} returned a non-JSON body for {method} {url}") from exc
        if not isinstance(result, dict):
            raise TransportError(f"{self.provider} returned JSON that is not an object for {method} {url}")
        return result

    def close(self) -> None:
        self.session.close()
