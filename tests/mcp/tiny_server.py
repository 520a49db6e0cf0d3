"""A hand-written stdio MCP server (no ``mcp`` package: it starts in milliseconds) for
lifecycle tests and wire corners the official servers do not show.

    python tiny_server.py [snake] [modern] [garbage]
snake: results in snake_case; modern: answers server/discover (else -32601);
garbage: answers every request with a line that is not JSON.
"""

import json
import sys

MODES = set(sys.argv[1:])


def key(camel: str) -> str:
    if "snake" not in MODES:
        return camel
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in camel)


def answer(message):
    method = message.get("method")
    if method == "server/discover":
        if "modern" not in MODES:
            return None, {"code": -32601, "message": "Method not found"}
        return {key("supportedVersions"): ["2026-07-28"], "capabilities": {"tools": {}},
                "_meta": {"io.modelcontextprotocol/serverInfo": {"name": "tiny", "version": "1"}}}, None
    if method == "initialize":
        return {key("protocolVersion"): "2025-06-18", "capabilities": {"tools": {}},
                key("serverInfo"): {"name": "tiny", "version": "1"}}, None
    if method == "tools/list":
        cursor = (message.get("params") or {}).get("cursor")
        if cursor is None:
            return {"tools": [{"name": "shout", "description": "Upper-case the text",
                               key("inputSchema"): {"type": "object", "properties": {"text": {"type": "string"}}}}],
                    key("nextCursor"): "page2"}, None
        return {"tools": [{"name": "data", key("inputSchema"): {"type": "object"}}]}, None
    if method == "tools/call":
        params = message["params"]
        if params["name"] == "shout":
            return {"content": [{"type": "text", "text": params["arguments"]["text"].upper()}]}, None
        if params["name"] == "data":
            return {"content": [], key("structuredContent"): {"rows": [1, 2]},
                    key("isError"): False}, None
        return None, {"code": -32602, "message": f"Unknown tool: {params['name']}"}
    return None, {"code": -32601, "message": "Method not found"}


for line in sys.stdin:
    message = json.loads(line)
    if "id" not in message:
        continue
    if "garbage" in MODES:
        print("Traceback? no: this is not JSON-RPC", flush=True)
        continue
    result, error = answer(message)
    reply = {"jsonrpc": "2.0", "id": message["id"]}
    reply.update({"error": error} if error else {"result": result})
    print(json.dumps(reply), flush=True)
