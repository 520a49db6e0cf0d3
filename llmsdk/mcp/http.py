"""An MCP server over streamable HTTP: one POST per JSON-RPC message with ``requests``.

The answer is either a JSON body or a Server-Sent Events stream (read with sseclient-py,
llmsdk's SSE parser, over the raw chunks, so a reply without a charset is still UTF-8);
notifications met on the way go to ``on_notification``. An ``initialize`` session keeps the
``Mcp-Session-Id`` the server gave it and ends with a ``DELETE`` on ``close()``.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from typing import Any, Callable, Dict, Iterator, Mapping, Optional, Set

import requests
from sseclient import SSEClient

from llmsdk.errors import MCPError, make_status_error
from llmsdk.mcp.wire import RpcError, decode_message, encode_message

__all__ = ["HttpTransport"]

logger = logging.getLogger("llmsdk.mcp")

SESSION_HEADER = "Mcp-Session-Id"
_CONNECT_TIMEOUT = 10.0


class HttpTransport:
    """JSON-RPC over streamable HTTP. Thread-safe (``requests.Session`` per transport,
    the session id behind a lock). ``token_provider`` is called once per POST."""

    def __init__(self, url: str, *, headers: Optional[Mapping[str, str]] = None,
                 token_provider: Optional[Callable[[], str]] = None, name: str = "",
                 on_notification: Optional[Callable[[Dict[str, Any]], None]] = None) -> None:
        self.url = url
        self.name = name
        self.on_notification = on_notification
        self._headers = dict(headers or {})
        self._token_provider = token_provider
        self._session = requests.Session()
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self.session_id: Optional[str] = None
        self._closed = False
        self._listener: Optional[threading.Thread] = None
        self._listening: Optional[Any] = None  # the BodySocket of the GET stream
        self._reading: Set[Any] = set()  # the BodySockets of answers being read: close() wakes them

    def new_id(self) -> int:
        return next(self._ids)

    def stderr_tail(self) -> str:
        return ""

    # -- calls ---------------------------------------------------------------------------

    def exchange(self, message: Dict[str, Any], *, timeout: float, headers: Optional[Dict[str, str]] = None,
                 ) -> Dict[str, Any]:
        """POST a request; the response message with its id (from JSON or the SSE stream).
        A JSON-RPC error carried by an HTTP error status raises ``RpcError``."""
        from llmsdk._engine.body_socket import BodySocket

        deadline = time.monotonic() + timeout
        response = self._post(message, headers, timeout)
        body = BodySocket.of(response)
        with self._lock:
            self._reading.add(body)
            closed = self._closed
        try:
            if closed:
                raise MCPError("the server was closed", server=self.name)
            if message.get("method") == "initialize" and response.ok:
                self.session_id = response.headers.get(SESSION_HEADER) or None
            if not response.ok:
                raise self._status_error(response, message)
            kind = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
            if kind == "text/event-stream":
                return self._from_stream(response, message, deadline)
            answer = decode_message(response.content, self.name)
            if answer.get("id") != message["id"]:
                raise MCPError(f"the answer to {message.get('method')} carries id {answer.get('id')!r}, "
                               f"not {message['id']!r}", server=self.name)
            return answer
        except requests.RequestException as exc:
            if self._closed:
                raise MCPError("the server was closed", server=self.name) from exc
            raise self._transport_error(exc, message, timeout) from exc
        finally:
            with self._lock:
                self._reading.discard(body)
            response.close()

    def notify(self, message: Dict[str, Any], headers: Optional[Dict[str, str]] = None) -> None:
        response = self._post(message, headers, _CONNECT_TIMEOUT)
        response.close()
        if not response.ok:
            raise self._status_error(response, message)

    def _post(self, message: Dict[str, Any], headers: Optional[Dict[str, str]], timeout: float,
              ) -> requests.Response:
        if self._closed:
            raise MCPError("the server was closed", server=self.name)
        body = encode_message(message)
        for attempt in (1, 2):
            try:
                response = self._session.post(self.url, data=body, headers=self._request_headers(headers),
                                              timeout=(min(_CONNECT_TIMEOUT, timeout), timeout), stream=True)
            except requests.RequestException as exc:
                raise self._transport_error(exc, message, timeout) from exc
            if response.status_code == 401 and self._token_provider is not None and attempt == 1:
                response.close()  # a token that expired since it was fetched: one fresh one, one retry
                continue
            return response
        raise AssertionError("unreachable")  # pragma: no cover

    def _request_headers(self, extra: Optional[Dict[str, str]]) -> Dict[str, str]:
        headers = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}
        headers.update(self._headers)
        if self._token_provider is not None:
            headers["Authorization"] = f"Bearer {self._token_provider()}"
        if self.session_id:
            headers[SESSION_HEADER] = self.session_id
        if extra:
            headers.update(extra)
        return headers

    def _from_stream(self, response: requests.Response, message: Dict[str, Any], deadline: float,
                     ) -> Dict[str, Any]:
        for data in _sse_data(response):
            answer = decode_message(data, self.name)
            if "method" in answer:
                if "id" not in answer and self.on_notification is not None:
                    self.on_notification(answer)
            elif answer.get("id") == message["id"]:
                return answer
            if time.monotonic() > deadline:
                break
        if time.monotonic() > deadline:
            raise MCPError(f"no answer to {message.get('method')} within the timeout", server=self.name)
        raise MCPError(f"the server's event stream ended without answering {message.get('method')}",
                       server=self.name)

    # -- errors --------------------------------------------------------------------------

    def _status_error(self, response: requests.Response, message: Dict[str, Any]) -> Exception:
        """401/403 -> the status class (``AuthenticationError``...); a JSON-RPC error body ->
        ``RpcError``; anything else -> ``MCPError`` naming the status."""
        status = response.status_code
        text = response.text[:2000] if response.content else ""
        if status in (401, 403):
            detail = response.headers.get("WWW-Authenticate") or text[:200] or response.reason
            return make_status_error(status, f"the MCP server refused the credentials: {detail}",
                                     body=text, provider=f"mcp:{self.name}")
        try:
            answer = decode_message(text, self.name)
            error = answer.get("error")
        except MCPError:
            error = None
        if isinstance(error, dict):
            code = error.get("code")
            return RpcError(code if isinstance(code, int) else None, str(error.get("message") or ""),
                            error.get("data"), http_status=status)
        if 400 <= status < 500:
            return RpcError(None, f"HTTP {status}: {text[:200] or response.reason}", http_status=status)
        return MCPError(f"{message.get('method')} answered HTTP {status}: {text[:200] or response.reason}",
                        server=self.name)

    def _transport_error(self, exc: Exception, message: Dict[str, Any], timeout: float) -> MCPError:
        if isinstance(exc, requests.Timeout) or "timed out" in str(exc):
            return MCPError(f"no answer to {message.get('method')} within {timeout:g}s (the server hangs?)",
                            server=self.name)
        return MCPError(f"{message.get('method')} failed: {type(exc).__name__}: {exc}", server=self.name)

    # -- server-sent notifications ---------------------------------------------------------

    def listen(self, headers: Dict[str, str]) -> None:
        """Open the session's standalone ``GET`` event stream on a daemon thread, where an
        ``initialize``-session server sends what belongs to no request (``list_changed``).
        A server that offers none (405) is left alone; ``close()`` ends the thread."""
        if self._listener is not None or not self.session_id:
            return
        self._listener = threading.Thread(target=self._listen, args=(headers,), daemon=True,
                                          name=f"llmsdk-mcp-listen-{self.name}")
        self._listener.start()

    def _listen(self, headers: Dict[str, str]) -> None:
        from llmsdk._engine.body_socket import BodySocket

        wanted = self._request_headers(headers)
        wanted["Accept"] = "text/event-stream"
        wanted.pop("Content-Type", None)
        try:
            with self._session.get(self.url, headers=wanted, stream=True, timeout=(_CONNECT_TIMEOUT, None)) as response:
                if response.status_code != 200:
                    logger.debug("MCP server %s offers no event stream (HTTP %s)", self.name, response.status_code)
                    return
                with self._lock:
                    if self._closed:
                        return
                    self._listening = BodySocket.of(response)
                for data in _sse_data(response):
                    message = decode_message(data, self.name)
                    if "method" in message and "id" not in message and self.on_notification is not None:
                        self.on_notification(message)
        except Exception as exc:  # noqa: BLE001 - closed under us, or the server went away: stop listening
            if not self._closed:
                logger.debug("MCP server %s: event stream ended: %s", self.name, exc)

    # -- lifecycle -----------------------------------------------------------------------

    def close(self) -> None:
        """End an ``initialize`` session (``DELETE``, best effort), stop listening, release
        the pool."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            waking = [*self._reading, *([self._listening] if self._listening is not None else [])]
        for body in waking:
            body.shutdown()
        if self._listener is not None:
            self._listener.join(timeout=5.0)
        if self.session_id:
            try:
                self._session.delete(self.url, headers=self._request_headers(None),
                                     timeout=2.0).close()
            except requests.RequestException:
                pass
        self._session.close()


def _sse_data(response: requests.Response) -> Iterator[str]:
    """The ``data`` of each SSE event in the body (UTF-8 whatever the charset says)."""
    for event in SSEClient(response.iter_content(chunk_size=None)).events():
        if event.data:
            yield event.data
