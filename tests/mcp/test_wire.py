"""The MCP wire without I/O: results in camelCase and snake_case, content blocks, names,
and how the tool loop treats MCP tools (error results, clashing names)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from llmsdk import ImageContent, TextContent, Tool, ToolUseContent
from llmsdk._many.tool_loop import _as_tools, execute_tool_call
from llmsdk.errors import InvalidRequestError, MCPError
from llmsdk.mcp import MCPServer, MCPTool, MCPToolResult
from llmsdk.mcp import wire
from llmsdk.mcp.server import _encode_header_value, _name_from_command, prefixed_name

TINY = str(Path(__file__).parent / "tiny_server.py")


@pytest.mark.parametrize("case", ["camel", "snake"])
def test_results_are_read_in_both_spellings(case: str) -> None:
    def k(camel: str) -> str:
        return camel if case == "camel" else "".join(f"_{c.lower()}" if c.isupper() else c for c in camel)

    tools, cursor, ttl = wire.list_page({"tools": [{"name": "t", k("inputSchema"): {"type": "object"}}],
                                         k("nextCursor"): "c2", k("ttlMs"): 5000})
    assert (tools[0].input_schema, cursor, ttl) == ({"type": "object", "properties": {}}, "c2", 5000)
    blocks, is_error, structured = wire.call_result({"content": [], k("structuredContent"): [1, 2], k("isError"): True})
    assert (blocks, is_error, structured) == ([TextContent("[1, 2]")], True, [1, 2])
    assert wire.discover_speaks_modern({k("supportedVersions"): ["2026-07-28"]})
    assert wire.server_name_of({k("serverInfo"): {"name": "files"}}) == "files"


def test_every_content_block_becomes_something_a_model_reads() -> None:
    blocks, _, _ = wire.call_result({"content": [
        {"type": "text", "text": "hi"},
        {"type": "image", "data": "iVBORw0KGgo=", "mimeType": "image/png"},
        {"type": "audio", "data": "AAAA", "mimeType": "audio/wav"},
        {"type": "resource", "resource": {"uri": "file:///a.txt", "text": "file text"}},
        {"type": "resource", "resource": {"uri": "file:///b.bin", "blob": "AAAAAAAA", "mimeType": "x/y"}},
        {"type": "resource_link", "uri": "file:///c", "name": "c"},
    ], "structuredContent": {"ignored": "a text block is there already"}})
    assert blocks == [TextContent("hi"), ImageContent.from_base64("iVBORw0KGgo=", "image/png"),
                      TextContent("[audio (audio/wav), 3 bytes]"), TextContent("file text"),
                      TextContent("[resource file:///b.bin (x/y), 6 bytes]"), TextContent("[resource link: c file:///c]")]


@pytest.mark.parametrize("text", ["not json", "[1, 2]", '{"jsonrpc": "1.0"}', b"\xff\xfe"])
def test_garbage_is_an_mcp_error(text: object) -> None:
    with pytest.raises(MCPError, match="not"):
        wire.decode_message(text)


def test_json_rpc_errors_raise_rpc_error() -> None:
    with pytest.raises(wire.RpcError) as caught:
        wire.response_result({"jsonrpc": "2.0", "id": 1, "error": {"code": -32601, "message": "nope", "data": 1}})
    assert (caught.value.code, caught.value.message, caught.value.data) == (-32601, "nope", 1)


def test_names() -> None:
    assert prefixed_name("files", "read") == "files__read"
    assert len(prefixed_name("s" * 60, "t" * 30)) == 64
    assert _encode_header_value("add") == "add"
    assert _encode_header_value("añadir") == "=?base64?YcOxYWRpcg==?="
    assert _name_from_command(["python", "-u", "servers/weather.py"]) == "weather"
    assert _name_from_command(["npx", "-y", "@modelcontextprotocol/server-filesystem", "/tmp"]) == "server-filesystem"


def test_bad_arguments_are_refused_before_anything_starts() -> None:
    with pytest.raises(InvalidRequestError):
        MCPServer.stdio([])
    with pytest.raises(InvalidRequestError):
        MCPServer.http("ftp://host/mcp")
    with pytest.raises(InvalidRequestError):
        MCPServer.stdio(["python", "server.py"], timeout=0)


def test_pages_are_followed_and_calls_read() -> None:
    with MCPServer.stdio([sys.executable, TINY, "snake"]) as srv:
        assert [t.name for t in srv.tools()] == ["shout", "data"]  # two pages
        assert srv.call_tool("data").structured == {"rows": [1, 2]}
        with pytest.raises(InvalidRequestError):
            srv.call_tool("shout", ["not", "a", "mapping"])  # type: ignore[arg-type]


def _mcp_tool(server: str, name: str, result: MCPToolResult) -> MCPTool:
    return MCPTool(name=name, function=lambda arguments: result, server_name=server, remote_name=name)


def test_the_tool_loop_keeps_an_mcp_error_result_an_error() -> None:
    failing = _mcp_tool("s", "t", MCPToolResult(content=[TextContent("no such city")], is_error=True))
    result = execute_tool_call(ToolUseContent("call_1", "t", {}), {"t": failing})
    assert (result.tool_use_id, result.content, result.is_error) == ("call_1", [TextContent("no such city")], True)


def test_only_clashing_mcp_tools_are_prefixed_and_a_clash_left_is_an_error() -> None:
    ok = MCPToolResult(content="ok")
    table = _as_tools([_mcp_tool("a", "search", ok), _mcp_tool("b", "search", ok), _mcp_tool("a", "read", ok)])
    assert list(table) == ["a__search", "b__search", "read"]
    assert table["b__search"].remote_name == "search"  # type: ignore[attr-defined]
    with pytest.raises(InvalidRequestError, match="duplicate"):
        _as_tools([Tool("search"), Tool("search")])
