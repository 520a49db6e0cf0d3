"""Anthropic's MCP connector: a ``ProviderTool("mcp", config)`` (OpenAI Responses' shape:
``server_label``, ``server_url``, ``authorization``, ``headers``, ``allowed_tools``, what
``MCPServer.as_provider_tool()`` builds) becomes an ``mcp_servers`` entry plus an
``mcp_toolset`` tool, sent with the ``mcp-client-2025-11-20`` beta header. Pure."""

from __future__ import annotations

from typing import Any, Dict, List, Tuple

from llmsdk.errors import InvalidRequestError
from llmsdk.tools import ProviderTool

__all__ = ["MCP_BETA", "is_mcp_tool", "mcp_server_entries"]

MCP_BETA = "mcp-client-2025-11-20"


def is_mcp_tool(tool: Any) -> bool:
    return isinstance(tool, ProviderTool) and tool.type == "mcp"


def mcp_server_entries(tool: ProviderTool) -> Tuple[Dict[str, Any], Dict[str, Any]]:
    """``(mcp_servers entry, mcp_toolset tool)`` for one MCP ``ProviderTool``."""
    config = dict(tool.config or {})
    name, url = config.get("server_label"), config.get("server_url")
    if not name or not url:
        raise InvalidRequestError("an MCP ProviderTool needs config server_label and server_url")
    server: Dict[str, Any] = {"type": "url", "url": url, "name": name}
    token = config.get("authorization")
    headers = {k.lower(): v for k, v in (config.get("headers") or {}).items()}
    auth = headers.pop("authorization", None)
    if token is None and isinstance(auth, str) and auth.lower().startswith("bearer "):
        token = auth[7:]
    if headers:
        raise InvalidRequestError(f"Anthropic's MCP connector sends only a bearer token to {name!r}, not the "
                                  f"headers {sorted(headers)}")
    if token:
        server["authorization_token"] = token
    toolset: Dict[str, Any] = {"type": "mcp_toolset", "mcp_server_name": name}
    allowed: List[str] = list(config.get("allowed_tools") or [])
    if config.get("allowed_tools") is not None:
        toolset["default_config"] = {"enabled": False}
        toolset["configs"] = {tool_name: {"enabled": True} for tool_name in allowed}
    return server, toolset
