"""The MCP wire, pure: JSON-RPC messages, the two protocol eras' envelopes, and reading
results (tool listings, call results) into llmsdk's vocabulary. No I/O, no threads.

Results are read in camelCase (the wire: ``inputSchema``, ``isError``, ``structuredContent``)
and in snake_case (what some servers built on the typed 2.x models send).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional, Tuple

from llmsdk.errors import MCPError
from llmsdk.types import ImageContent, TextContent

__all__ = [
    "CLIENT_INFO",
    "HANDSHAKE_VERSION",
    "KNOWN_HANDSHAKE_VERSIONS",
    "MODERN_VERSION",
    "RpcError",
    "WireTool",
    "call_result",
    "decode_message",
    "discover_speaks_modern",
    "encode_message",
    "get_field",
    "initialize_params",
    "list_page",
    "modern_meta",
    "response_result",
    "server_name_of",
    "wire_tool",
]

#: The stateless protocol (no ``initialize``; ``_meta`` on every request).
MODERN_VERSION = "2026-07-28"
#: What ``initialize`` offers; the server may answer with an older one it speaks.
HANDSHAKE_VERSION = "2025-11-25"
KNOWN_HANDSHAKE_VERSIONS = ("2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25")
CLIENT_INFO = {"name": "llmsdk", "version": "0.1.0"}

#: JSON-RPC codes this client acts on.
METHOD_NOT_FOUND = -32601
UNSUPPORTED_PROTOCOL_VERSION = -32022

_META_VERSION = "io.modelcontextprotocol/protocolVersion"
_META_CAPABILITIES = "io.modelcontextprotocol/clientCapabilities"
_META_CLIENT_INFO = "io.modelcontextprotocol/clientInfo"
_META_SERVER_INFO = "io.modelcontextprotocol/serverInfo"


class RpcError(Exception):
    """A JSON-RPC error answer (``code``, ``message``, ``data``; over HTTP also the
    ``http_status`` it came with): the server is alive and refused one request. Turned into
    ``MCPError`` where it reaches the caller."""

    def __init__(self, code: Optional[int], message: str, data: Any = None, http_status: Optional[int] = None,
                 ) -> None:
        super().__init__(f"{message} (JSON-RPC error {code})")
        self.code = code
        self.message = message
        self.data = data
        self.http_status = http_status


def encode_message(message: Dict[str, Any]) -> bytes:
    """One JSON-RPC message as compact UTF-8 JSON (no newline)."""
    return json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def decode_message(text: Any, server: str = "") -> Dict[str, Any]:
    """A JSON-RPC message from text or bytes; anything else is an ``MCPError``."""
    try:
        message = json.loads(text)
    except (TypeError, ValueError) as exc:
        shown = text if isinstance(text, str) else bytes(text).decode("utf-8", "replace")
        raise MCPError(f"the server sent something that is not JSON-RPC: {shown[:200]!r}",
                       server=server) from exc
    if not isinstance(message, dict) or message.get("jsonrpc") != "2.0":
        raise MCPError(f"the server sent something that is not a JSON-RPC 2.0 message: {str(message)[:200]!r}",
                       server=server)
    return message


def response_result(message: Mapping[str, Any]) -> Dict[str, Any]:
    """The ``result`` of a response, or ``RpcError`` for an error response."""
    error = message.get("error")
    if error is not None:
        if not isinstance(error, dict):
            raise RpcError(None, str(error))
        return _raise_rpc(error)
    result = message.get("result")
    return result if isinstance(result, dict) else {}


def _raise_rpc(error: Dict[str, Any]) -> Dict[str, Any]:
    code = error.get("code")
    raise RpcError(code if isinstance(code, int) else None, str(error.get("message") or "error"), error.get("data"))


def modern_meta() -> Dict[str, Any]:
    """The per-request envelope of the 2026-07-28 protocol (``params._meta``)."""
    return {_META_VERSION: MODERN_VERSION, _META_CAPABILITIES: {}, _META_CLIENT_INFO: CLIENT_INFO}


def initialize_params() -> Dict[str, Any]:
    return {"protocolVersion": HANDSHAKE_VERSION, "capabilities": {}, "clientInfo": CLIENT_INFO}


def get_field(obj: Mapping[str, Any], camel: str, default: Any = None) -> Any:
    """``obj[camel]``, else its snake_case spelling (``inputSchema`` / ``input_schema``)."""
    if camel in obj:
        return obj[camel]
    snake = "".join(f"_{c.lower()}" if c.isupper() else c for c in camel)
    return obj.get(snake, default)


def discover_speaks_modern(result: Mapping[str, Any]) -> bool:
    """Whether a ``server/discover`` result offers the stateless protocol."""
    versions = get_field(result, "supportedVersions") or ()
    return isinstance(versions, list) and MODERN_VERSION in versions


def server_name_of(result: Mapping[str, Any]) -> Optional[str]:
    """The server's self-reported name: ``serverInfo`` (initialize) or the result's
    ``_meta`` stamp (discover). Display only."""
    info = get_field(result, "serverInfo")
    if not isinstance(info, dict):
        meta = result.get("_meta")
        info = meta.get(_META_SERVER_INFO) if isinstance(meta, dict) else None
    name = info.get("name") if isinstance(info, dict) else None
    return name if isinstance(name, str) and name else None


@dataclass(frozen=True)
class WireTool:
    """One entry of a ``tools/list`` result."""

    name: str
    description: str
    input_schema: Dict[str, Any]


def wire_tool(entry: Mapping[str, Any]) -> WireTool:
    name = entry.get("name")
    if not isinstance(name, str) or not name:
        raise MCPError(f"tools/list returned a tool without a name: {str(entry)[:200]}")
    schema = get_field(entry, "inputSchema")
    schema = dict(schema) if isinstance(schema, dict) else {"type": "object", "properties": {}}
    schema.setdefault("type", "object")
    if schema.get("type") == "object":
        schema.setdefault("properties", {})
    description = entry.get("description") or get_field(entry, "title") or ""
    return WireTool(name, str(description), schema)


def list_page(result: Mapping[str, Any]) -> Tuple[List[WireTool], Optional[str], Optional[int]]:
    """A ``tools/list`` page: its tools, the next cursor, and ``ttlMs`` (None if absent)."""
    tools = result.get("tools")
    if not isinstance(tools, list):
        raise MCPError(f"tools/list returned no tool list: {str(result)[:200]}")
    cursor = get_field(result, "nextCursor")
    ttl = get_field(result, "ttlMs")
    ttl_ms = int(ttl) if isinstance(ttl, (int, float)) and not isinstance(ttl, bool) else None
    return [wire_tool(t) for t in tools if isinstance(t, dict)], cursor if isinstance(cursor, str) else None, ttl_ms


def call_result(result: Mapping[str, Any]) -> Tuple[List[Any], bool, Any]:
    """A ``tools/call`` result as ``(blocks, is_error, structured)``: text and images as
    ``TextContent`` / ``ImageContent``, other blocks as a line of text the model can read;
    structured content (any JSON) is added as JSON text when no text block carries it."""
    raw = result.get("content")
    blocks = [_block(b) for b in raw if isinstance(b, dict)] if isinstance(raw, list) else []
    structured = get_field(result, "structuredContent")
    if structured is not None and not any(isinstance(b, TextContent) for b in blocks):
        blocks.append(TextContent(json.dumps(structured, ensure_ascii=False)))
    return blocks, bool(get_field(result, "isError", False)), structured


def _block(block: Mapping[str, Any]) -> Any:
    kind = block.get("type")
    if kind == "text":
        return TextContent(str(block.get("text", "")))
    mime = get_field(block, "mimeType") or "application/octet-stream"
    if kind == "image" and isinstance(block.get("data"), str):
        return ImageContent.from_base64(block["data"], mime)
    if kind == "resource" and isinstance(block.get("resource"), dict):
        resource = block["resource"]
        if isinstance(resource.get("text"), str):
            return TextContent(resource["text"])
        return TextContent(f"[resource {resource.get('uri', '')} ({get_field(resource, 'mimeType') or mime}), "
                           f"{_size(resource.get('blob'))}]")
    if kind == "resource_link":
        return TextContent(f"[resource link: {block.get('name', '')} {block.get('uri', '')}]".replace("  ", " "))
    if kind == "audio":
        return TextContent(f"[audio ({mime}), {_size(block.get('data'))}]")
    return TextContent(json.dumps(dict(block), ensure_ascii=False))


def _size(data: Any) -> str:
    """The decoded size of base64 ``data``, for a placeholder line."""
    if not isinstance(data, str):
        return "no data"
    return f"{len(data) * 3 // 4} bytes"
