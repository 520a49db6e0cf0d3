"""Tools from MCP (Model Context Protocol) servers, with no event loop.

>>> from llmsdk.mcp import MCPServer
>>> with MCPServer.stdio("python server.py") as srv:         # or MCPServer.http(url)
...     final, transcript = client.run_tools(request, srv.tools())

llmsdk speaks JSON-RPC itself (a child process and a reader thread, or HTTP POSTs with
``requests``): neither asyncio nor the ``mcp`` package is needed. ``import llmsdk`` does not
import this package.
"""

from __future__ import annotations

from llmsdk.errors import MCPError
from llmsdk.mcp.server import MCPProviderTool, MCPServer, MCPTool, MCPToolResult

__all__ = ["MCPError", "MCPProviderTool", "MCPServer", "MCPTool", "MCPToolResult"]
