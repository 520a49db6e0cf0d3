"""The HTTP layer: one pooled ``requests.Session`` per client, the single place where
``requests``/``urllib3``/socket exceptions become llmsdk errors, and error replies
turned into the ``InvalidResponseCodeError`` tree."""

from __future__ import annotations

import http.client
import json
import logging
import socket
import time
from typing import Any, Dict, Optional

import requests
import requests.adapters
import requests.structures
import urllib3.exceptions

from llmsdk._core.error_bodies import stream_error
from llmsdk._engine.auth import AttemptAuth
from llmsdk._engine.recording import Exchange, Recorder
from llmsdk._engine.retry import call_with_retries, parse_retry_after
from llmsdk.config import HttpClientOptions, headers_for
from llmsdk.errors import (
    ConnectionFailedError, ConnectTimeoutError, InvalidRequestError, InvalidResponseCodeError, LLMError,
    MalformedEventError, ReadTimeoutError, TotalTimeoutError, TransportError, make_status_error,
)
from llmsdk.providers.base import PreparedRequest, ProviderAdapter

logger = logging.getLogger("llmsdk.http")

REQUEST_ID_HEADERS = ("request-id", "x-request-id", "x-generation-id", "x-goog-request-id", "x-amzn-requestid")


def build_session(options: HttpClientOptions) -> requests.Session:
    """A session whose pool holds ``options.pool_maxsize`` connections per host, so many
    threads sharing one client reuse connections instead of discarding them."""
    session = requests.Session()
    adapter = requests.adapters.HTTPAdapter(
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


def map_transport_error(exc: BaseException) -> LLMError:
    """The one mapping from foreign exceptions to ``TransportError`` subclasses."""
    if isinstance(exc, LLMError):
        return exc
    if isinstance(exc, (requests.exceptions.ConnectTimeout, urllib3.exceptions.ConnectTimeoutError)):
        return ConnectTimeoutError(f"connection timed out: {_short(exc)}")
    if isinstance(exc, (requests.exceptions.ReadTimeout, urllib3.exceptions.ReadTimeoutError, socket.timeout, TimeoutError)):
        return ReadTimeoutError(f"read timed out: {_short(exc)}")
    if isinstance(exc, requests.exceptions.Timeout):
        return ReadTimeoutError(f"timed out: {_short(exc)}")
    if isinstance(exc, requests.exceptions.ConnectionError):
        inner = exc.args[0] if exc.args else None
        if isinstance(inner, urllib3.exceptions.ReadTimeoutError):
            return ReadTimeoutError(f"read timed out: {_short(exc)}")
        if isinstance(inner, urllib3.exceptions.ProtocolError) or isinstance(exc, requests.exceptions.ChunkedEncodingError):
            return ConnectionFailedError(f"connection broken: {_short(exc)}")
        return ConnectionFailedError(f"connection failed: {_short(exc)}")
    if isinstance(exc, (urllib3.exceptions.ProtocolError, http.client.HTTPException, ConnectionError, OSError)):
        return ConnectionFailedError(f"connection broken: {_short(exc)}")
    if isinstance(exc, (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema, requests.exceptions.InvalidSchema)):
        return TransportError(f"invalid URL: {_short(exc)}")
    if isinstance(exc, requests.exceptions.RequestException):
        return TransportError(f"HTTP request failed: {_short(exc)}")
    if isinstance(exc, urllib3.exceptions.HTTPError):
        return TransportError(f"HTTP failure: {_short(exc)}")
    return TransportError(f"unexpected transport failure: {exc!r}")


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
    return make_status_error(
        response.status_code,
        redact(info.message, options, auth),
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
        self._env: Dict[str, Dict[str, Any]] = {}
        self._urls: Dict[str, str] = {}
        self._session_headers: Dict[str, str] = {
            k: v.decode("latin-1") if isinstance(v, bytes) else v for k, v in self.session.headers.items()
        }
        #: Set when ``LLMSDK_RECORD_DIR`` is: every exchange is written there (``_record``).
        self.recorder = Recorder.from_env(options.api_key.expose_secret() if options.api_key else None)
        #: Per-attempt bearer tokens (``token_provider``, or the adapter's cloud credentials).
        self.auth = AttemptAuth(options.token_provider or adapter.token_provider())
        if self.recorder is not None:
            self.recorder.more_secrets = self.auth.recent

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
        """The per-attempt hook: ``options.signer`` (SigV4 for Bedrock), when set, signs
        the final headers of this attempt — its date and body — right before sending."""
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
            self._env[url] = settings
        return settings

    def _post(self, url: str, data: bytes, headers: Dict[str, str], timeout: Any) -> requests.Response:
        """POST through the session's mounted adapter, without ``Session.request``'s
        per-call work (settings merging, hooks, cookies: ~25% of a tiny call, per cProfile
        of benchmarks/bench_requests.py). It is still requests/urllib3 underneath: same
        pool, proxies, TLS verification. API endpoints do not redirect POSTs; if one does,
        the call is repeated through ``Session.request``, which follows it."""
        env = self._env_settings(url)
        prepared_url = self._urls.get(url)
        if prepared_url is None:
            probe = requests.PreparedRequest()
            probe.prepare_url(url, None)
            prepared_url = self._urls[url] = str(probe.url)
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
        if response.is_redirect:
            response.close()
            return self.session.post(url, data=data, headers=headers, stream=True, timeout=timeout, **env)
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
                    max_retries: Optional[int] = None, cancelled: Any = None,
                    read_cap: Optional[float] = None) -> requests.Response:
        """POST and return the response once its headers say 2xx (retrying as allowed,
        never past ``deadline``). ``read_cap`` shortens the socket read timeout (a reply
        read on the caller's thread bounds content idleness that way)."""
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
                raise map_transport_error(exc) from exc
            if logger.isEnabledFor(logging.DEBUG):
                logger.debug("POST %s -> %d in %.1f ms (request id %s)", prepared.url, response.status_code,
                             (time.monotonic() - started) * 1000, request_id_of(response.headers))
            if response.status_code >= 300:
                try:
                    raise error_from_response(response, self.adapter, self.options, self.auth)
                finally:
                    self._recorded_whole(exchange, response)
            if is_whole_json(response.headers.get("content-type", "")):
                try:
                    raise error_from_json_body(response, self.adapter, self.options, self.auth)
                finally:
                    self._recorded_whole(exchange, response)
            if exchange is not None:  # the worker records the body as it reads it
                exchange.response(response.status_code, response.headers)
                response.llmsdk_exchange = exchange  # type: ignore[attr-defined]
            return response

        return call_with_retries(attempt, self.options.retry, max_retries=max_retries,
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
                    url, data=data, headers=h, timeout=timeout, **self._env_settings(url)), sent)
            except requests.RequestException as exc:
                raise map_transport_error(exc) from exc
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
            try:
                response = self.auth.send(lambda h: self.session.request(
                    method, url, data=data, headers=h, params=params, stream=stream, timeout=self._timeout(None),
                    **self._env_settings(url)), sent)
            except requests.RequestException as exc:
                raise map_transport_error(exc) from exc
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
