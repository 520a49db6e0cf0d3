"""``MCPServer``: an MCP server's tools as llmsdk ``Tool``s, with no event loop.

>>> from llmsdk.mcp import MCPServer
>>> with MCPServer.stdio(["python", "server.py"]) as srv:
...     final, transcript = client.run_tools(request, srv.tools())
...     srv.call_tool("add", {"a": 1, "b": 2}).text
'3'

The protocol era is found once, on opening: the stateless 2026-07-28 protocol
(``server/discover``, ``_meta`` on every request) when the server speaks it, else the
``initialize`` session. Every call blocks its own thread only; many threads may share one
server.
"""

from __future__ import annotations

import base64
import dataclasses
import functools
import logging
import math
import re
import shlex
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Union
from urllib.parse import urlsplit

from llmsdk.errors import InvalidRequestError, MCPError
import llmsdk.mcp.wire as wire
from llmsdk.mcp.wire import RpcError, WireTool
from llmsdk.tools import ProviderTool, Tool
from llmsdk.types import ToolResultContent

__all__ = ["MCPProviderTool", "MCPServer", "MCPTool", "MCPToolResult"]

logger = logging.getLogger("llmsdk.mcp")

DEFAULT_TIMEOUT = 60.0
#: Tool names providers accept: ``^[a-zA-Z0-9_-]{1,64}$`` (OpenAI, Anthropic, Gemini).
_NAME_LIMIT = 64
_MAX_PAGES = 100


def _exclude_always(_: Any) -> bool:
    return True


_NOT_JSON = {"dataclasses_json": {"exclude": _exclude_always}}


@dataclass
class MCPToolResult(ToolResultContent):
    """What ``call_tool`` returns: a ``ToolResultContent`` (``content`` is a list of
    ``TextContent`` / ``ImageContent``; ``is_error`` is the server's ``isError``; ``.text``)
    plus ``structured``, the tool's structured content (any JSON value, or None)."""

    structured: Any = field(default=None, compare=False, metadata=_NOT_JSON)


@dataclass
class MCPTool(Tool):
    """A tool served by an MCP server: ``invoke(arguments)`` calls it there.
    ``server_name`` and ``remote_name`` say where; ``namespaced()`` is a copy named
    ``"<server>__<tool>"`` (``run_tools`` uses it when two tools share a name)."""

    server_name: str = field(default="", compare=False, repr=False, metadata=_NOT_JSON)
    remote_name: str = field(default="", compare=False, repr=False, metadata=_NOT_JSON)

    def invoke(self, arguments: Optional[Dict[str, Any]] = None) -> Any:
        if self.function is None:
            raise TypeError(f"tool {self.name!r} is not bound to a server")
        return self.function(arguments or {})

    def namespaced(self) -> "MCPTool":
        return dataclasses.replace(self, name=prefixed_name(self.server_name, self.remote_name))


@dataclass(repr=False)
class MCPProviderTool(ProviderTool):
    """The ``ProviderTool`` of ``MCPServer.as_provider_tool()``: its repr hides the
    credentials it carries for the provider."""

    def __repr__(self) -> str:
        shown = {k: ("***" if k in ("authorization", "headers") else v) for k, v in (self.config or {}).items()}
        return f"ProviderTool(type={self.type!r}, config={shown!r})"


def prefixed_name(server: str, tool: str) -> str:
    """``"<server>__<tool>"`` within the providers' 64-character limit."""
    return f"{server[: max(1, _NAME_LIMIT - len(tool) - 2)]}__{tool}"[:_NAME_LIMIT]


def _clean_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "_", text).strip("_")[:32] or "mcp"


def _encode_header_value(value: str) -> str:
    """``Mcp-Name`` values that are not plain printable ASCII travel base64-wrapped."""
    if re.fullmatch(r"[\x20-\x7e]*", value) and value == value.strip() and not value.startswith("=?base64?"):
        return value
    return f"=?base64?{base64.b64encode(value.encode('utf-8')).decode('ascii')}?="


class MCPServer:
    """One MCP server, over stdio (a child process) or streamable HTTP. Open it with
    ``MCPServer.stdio(...)`` or ``MCPServer.http(...)``; use it as a context manager or call
    ``close()``.

    ``name`` (default: the name the server reports) prefixes its tools' names when they
    clash with another tool's; ``allowed_tools`` keeps only the tools named.
    """

    def __init__(self, transport: Any, *, timeout: float, name: Optional[str], url: Optional[str] = None,
                 headers: Optional[Mapping[str, str]] = None, token_provider: Optional[Callable[[], str]] = None,
                 allowed_tools: Optional[Sequence[str]] = None, fallback_name: str = "mcp") -> None:
        self._transport = transport
        self.timeout = timeout
        self.url = url
        self._headers = dict(headers or {})
        self._token_provider = token_provider
        self.allowed_tools = list(allowed_tools) if allowed_tools is not None else None
        self.protocol_version: Optional[str] = None
        self.modern = False
        self._list_lock = threading.Lock()
        self._listing: Optional[List[WireTool]] = None
        self._listing_expires = 0.0
        self._list_generation = 0
        self._seen_generation = -1
        self.name = name or fallback_name
        self._named = name is not None
        transport.on_notification = self._on_notification
        try:
            self._negotiate()
        except BaseException:
            transport.close()
            raise

    # -- opening ---------------------------------------------------------------------------

    @classmethod
    def stdio(cls, command: Union[str, Sequence[str]], env: Optional[Mapping[str, str]] = None,
              cwd: Optional[str] = None, timeout: float = DEFAULT_TIMEOUT, *, name: Optional[str] = None,
              allowed_tools: Optional[Sequence[str]] = None) -> "MCPServer":
        """Start ``command`` (a list, or one string split like a shell would) and speak MCP
        on its stdin/stdout. The child inherits only ``PATH``, ``HOME``, ``USER``, ``SHELL``,
        ``TERM`` and ``LOGNAME`` (as with the official SDK: your API keys stay here), plus
        ``env``."""
        from llmsdk.mcp.stdio import StdioTransport

        argv = shlex.split(command) if isinstance(command, str) else [str(part) for part in command]
        if not argv:
            raise InvalidRequestError("MCPServer.stdio needs a command")
        _check_timeout(timeout)
        fallback = _name_from_command(argv)
        transport = StdioTransport(argv, env=env, cwd=cwd, name=name or fallback)
        return cls(transport, timeout=timeout, name=name, allowed_tools=allowed_tools, fallback_name=fallback)

    @classmethod
    def http(cls, url: str, headers: Optional[Mapping[str, str]] = None,
             token_provider: Optional[Callable[[], str]] = None, timeout: float = DEFAULT_TIMEOUT, *,
             name: Optional[str] = None, allowed_tools: Optional[Sequence[str]] = None) -> "MCPServer":
        """Speak MCP with the streamable-HTTP endpoint ``url`` (``https://host/mcp``).
        ``token_provider`` is called for a fresh bearer token before each POST."""
        from llmsdk.mcp.http import HttpTransport

        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise InvalidRequestError(f"MCPServer.http needs an http(s) URL, got {url!r}")
        _check_timeout(timeout)
        fallback = _clean_name(parts.hostname or "mcp")
        transport = HttpTransport(url, headers=headers, token_provider=token_provider, name=name or fallback)
        return cls(transport, timeout=timeout, name=name, url=url, headers=headers, token_provider=token_provider,
                   allowed_tools=allowed_tools, fallback_name=fallback)

    def _negotiate(self) -> None:
        """``server/discover`` first; on any JSON-RPC error but "unsupported version" with no
        version we know, or a result offering no stateless version: ``initialize``."""
        try:
            result = self._send("server/discover", {"_meta": wire.modern_meta()}, modern=True)
            if wire.discover_speaks_modern(result):
                self.modern = True
                self.protocol_version = wire.MODERN_VERSION
                self._adopt_name(result)
                return
        except RpcError as exc:
            if exc.code == wire.UNSUPPORTED_PROTOCOL_VERSION and not _offers_handshake(exc.data):
                raise MCPError(f"the server speaks none of our protocol versions ({exc.data})",
                               server=self.name) from exc
        self._initialize()

    def _initialize(self) -> None:
        if hasattr(self._transport, "session_id"):
            self._transport.session_id = None  # a failed probe's (or a forgotten) session names nothing
        self.protocol_version = None
        try:
            result = self._send("initialize", wire.initialize_params(), modern=False)
        except RpcError as exc:
            raise MCPError(f"initialize failed: {exc.message}", server=self.name, code=exc.code, data=exc.data,
                           stderr_tail=self._transport.stderr_tail()) from exc
        version = wire.get_field(result, "protocolVersion")
        if version not in wire.KNOWN_HANDSHAKE_VERSIONS:
            raise MCPError(f"the server answered initialize with protocol version {version!r}", server=self.name)
        self.protocol_version = version
        self.modern = False
        self._adopt_name(result)
        self._transport.notify({"jsonrpc": "2.0", "method": "notifications/initialized"}, self._headers_for(
            "notifications/initialized", {}))
        if hasattr(self._transport, "listen"):  # where an HTTP session announces list changes (as the SDK's client)
            self._transport.listen(self._headers_for("", {}))

    def _adopt_name(self, result: Mapping[str, Any]) -> None:
        reported = wire.server_name_of(result)
        if not self._named and reported:
            self.name = _clean_name(reported)
            self._transport.name = self.name

    # -- requests ----------------------------------------------------------------------------

    def _headers_for(self, method: str, params: Mapping[str, Any], modern: Optional[bool] = None) -> Dict[str, str]:
        modern = self.modern if modern is None else modern
        if modern:
            headers = {"MCP-Protocol-Version": wire.MODERN_VERSION, "Mcp-Method": method}
            if method == "tools/call" and isinstance(params.get("name"), str):
                headers["Mcp-Name"] = _encode_header_value(params["name"])
            return headers
        return {"MCP-Protocol-Version": self.protocol_version} if self.protocol_version else {}

    def _send(self, method: str, params: Dict[str, Any], *, modern: Optional[bool] = None,
              timeout: Optional[float] = None) -> Dict[str, Any]:
        """One request; its result, or ``RpcError`` for a JSON-RPC error answer."""
        modern = self.modern if modern is None else modern
        if modern and method != "server/discover":
            params = {**params, "_meta": {**wire.modern_meta(), **params.get("_meta", {})}}
        message = {"jsonrpc": "2.0", "id": self._transport.new_id(), "method": method, "params": params}
        answer = self._transport.exchange(message, timeout=timeout or self.timeout,
                                          headers=self._headers_for(method, params, modern))
        return wire.response_result(answer)

    def _request(self, method: str, params: Dict[str, Any], timeout: Optional[float] = None) -> Dict[str, Any]:
        """A request in the negotiated era; a JSON-RPC error is an ``MCPError`` with its code.
        An HTTP session the server forgot (404) is opened again once."""
        try:
            try:
                return self._send(method, params, timeout=timeout)
            except RpcError as exc:
                if exc.http_status != 404 or self.modern:
                    raise
                logger.info("MCP server %s lost the session; initializing a new one", self.name)
                self._initialize()
                return self._send(method, params, timeout=timeout)
        except RpcError as exc:
            raise MCPError(f"{method} failed: {exc.message}", server=self.name, code=exc.code, data=exc.data,
                           ) from exc

    def _on_notification(self, message: Dict[str, Any]) -> None:
        if message.get("method") == "notifications/tools/list_changed":
            logger.debug("MCP server %s: tool list changed", self.name)
            self._list_generation += 1

    # -- tools -------------------------------------------------------------------------------

    def list_tools(self) -> List[WireTool]:
        """The server's tools as listed (every page), cached for the ``ttlMs`` the server
        gives (an ``initialize`` session: until it says the list changed)."""
        with self._list_lock:
            generation = self._list_generation
            if self._listing is not None and time.monotonic() < self._listing_expires and \
                    generation == self._seen_generation:
                return self._listing
            tools: List[WireTool] = []
            cursor: Optional[str] = None
            ttls: List[int] = []
            for _ in range(_MAX_PAGES):
                page, cursor, ttl = wire.list_page(self._request("tools/list", {"cursor": cursor} if cursor else {}))
                tools.extend(page)
                if ttl is not None:
                    ttls.append(ttl)
                if not cursor:
                    break
            self._listing = tools
            self._seen_generation = generation
            self._listing_expires = time.monotonic() + min(ttls) / 1000.0 if ttls else math.inf
            return tools

    def tools(self) -> List[Tool]:
        """The server's tools (``allowed_tools`` only, when given) as ``Tool``s for
        ``client.run_tools``; each call goes to this server."""
        allowed = set(self.allowed_tools) if self.allowed_tools is not None else None
        return [MCPTool(name=t.name, description=t.description, input_schema=t.input_schema,
                        function=functools.partial(self._call_for_model, t.name),
                        server_name=self.name, remote_name=t.name)
                for t in self.list_tools() if allowed is None or t.name in allowed]

    def call_tool(self, name: str, arguments: Optional[Mapping[str, Any]] = None, *,
                  timeout: Optional[float] = None) -> MCPToolResult:
        """Call tool ``name``: an ``MCPToolResult`` (text and images in ``content``, JSON in
        ``structured``; ``is_error`` when the tool failed). A dead or hung server, or a
        JSON-RPC error (an unknown tool, bad arguments), raises ``MCPError``."""
        if arguments is not None and not isinstance(arguments, Mapping):
            raise InvalidRequestError(f"MCP tool arguments must be a mapping, got {type(arguments).__name__}")
        result = self._request("tools/call", {"name": name, "arguments": dict(arguments or {})}, timeout)
        blocks, is_error, structured = wire.call_result(result)
        return MCPToolResult(content=blocks, is_error=is_error, structured=structured)

    def _call_for_model(self, name: str, arguments: Optional[Mapping[str, Any]] = None, **kwargs: Any,
                        ) -> MCPToolResult:
        """A tool call made by ``run_tools``: a failure becomes an error result the model
        reads (the full error, with the server's stderr, is logged)."""
        try:
            return self.call_tool(name, {**(arguments or {}), **kwargs})
        except MCPError as exc:
            logger.warning("%s", exc)
            return MCPToolResult(content=f"Error: the MCP tool {name!r} failed: {exc.message}", is_error=True)

    # -- provider-side execution -------------------------------------------------------------

    def as_provider_tool(self, *, require_approval: str = "never") -> ProviderTool:
        """This server as a ``ProviderTool`` the provider connects to itself: OpenAI
        Responses ``{"type": "mcp", ...}``, Anthropic ``mcp_servers``. HTTP servers only
        (the provider must reach ``url``); a ``token_provider`` is called now."""
        if self.url is None:
            raise InvalidRequestError("as_provider_tool() needs an MCPServer.http server: a provider cannot reach "
                                      "a local stdio process")
        config: Dict[str, Any] = {"server_label": self.name, "server_url": self.url,
                                  "require_approval": require_approval}
        if self.allowed_tools is not None:
            config["allowed_tools"] = list(self.allowed_tools)
        if self._token_provider is not None:
            config["authorization"] = self._token_provider()
        if self._headers:
            config["headers"] = dict(self._headers)
        return MCPProviderTool("mcp", config)

    # -- lifecycle ---------------------------------------------------------------------------

    def close(self) -> None:
        """End the server (a stdio child is terminated and its threads joined; an HTTP
        session is deleted). Calls still waiting raise ``MCPError``. Idempotent."""
        self._transport.close()

    def __enter__(self) -> "MCPServer":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        where = self.url if self.url is not None else "stdio"
        return f"MCPServer(name={self.name!r}, {where}, protocol={self.protocol_version!r})"


def _name_from_command(argv: Sequence[str]) -> str:
    """``python weather_server.py`` -> ``weather_server``: the first argument that is not
    an option (the program itself when there is none), without folder or extension."""
    word = next((a for a in argv[1:] if not a.startswith("-")), argv[0])
    return _clean_name(word.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1].rsplit(".", 1)[0])


def _offers_handshake(data: Any) -> bool:
    supported = data.get("supported") if isinstance(data, dict) else None
    return not isinstance(supported, list) or any(v in wire.KNOWN_HANDSHAKE_VERSIONS for v in supported)


def _check_timeout(timeout: Any) -> None:
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout > 0:
        raise InvalidRequestError(f"timeout must be a positive number of seconds, got {timeout!r}")
