"""A small MCP server written with the official ``mcp`` package, on the 1.x line
(``FastMCP``) or the 2.x line (``MCPServer``), whichever the running interpreter has.

    python demo_server.py            # stdio
    python demo_server.py http       # streamable HTTP on 127.0.0.1, a free port (printed first)

Test-only: llmsdk never imports it.
"""

from __future__ import annotations

import base64
import os
import socket
import sys
import time
from typing import List, Literal

import anyio
from pydantic import BaseModel

try:  # the 2.x line
    from mcp.server import MCPServer as Server
    from mcp.server.mcpserver import Context, Image

    V2 = True
except ImportError:  # the 1.x line
    from mcp.server.fastmcp import Context, FastMCP as Server, Image

    V2 = False

mcp = Server("demo")

#: A 1x1 transparent PNG.
PIXEL = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==")


class Address(BaseModel):
    street: str
    city: str


class Order(BaseModel):
    item: str
    quantity: int = 1
    ship_to: Address


@mcp.tool()
def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


@mcp.tool()
def echo(text: str) -> str:
    """Say the text back."""
    return text


@mcp.tool()
def weather(city: str, unit: Literal["C", "F"] = "C") -> dict:
    """Current weather for a city, as structured data."""
    return {"city": city, "temperature": 18 if unit == "C" else 64, "unit": unit}


@mcp.tool()
def pixel() -> Image:
    """A tiny PNG image."""
    return Image(data=PIXEL, format="png")


@mcp.tool()
def place_order(order: Order, notes: List[str] = []) -> str:  # noqa: B006 - a schema default
    """Place an order (a nested schema with $defs)."""
    return f"{order.quantity} x {order.item} to {order.ship_to.city}"


@mcp.tool()
def fail(reason: str) -> str:
    """Always fails with the reason given."""
    raise ValueError(reason)


@mcp.tool()
def crash() -> str:
    """Kills the server process mid-call."""
    sys.stderr.write("demo server: about to crash\n")
    sys.stderr.flush()
    os._exit(3)


@mcp.tool()
def hang(seconds: float = 3600.0) -> str:
    """Blocks the whole server for a long time."""
    time.sleep(seconds)
    return "woke up"


@mcp.tool()
async def slow_echo(text: str, delay: float = 0.0) -> str:
    """Say the text back after a delay (requests overlap)."""
    await anyio.sleep(delay)
    return text


@mcp.tool()
async def grow(ctx: Context) -> str:
    """Adds a tool named 'late' and announces the change."""
    def late() -> str:
        """A tool added while the server runs."""
        return "late"

    mcp.add_tool(late, name="late")
    if V2:
        await ctx.notify_tools_changed()
    else:
        await ctx.session.send_tool_list_changed()
    return "grown"


def serve_http() -> None:
    import uvicorn

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    print(sock.getsockname()[1], flush=True)
    app = mcp.streamable_http_app()
    uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on")).run(sockets=[sock])


if __name__ == "__main__":
    if sys.argv[1:] == ["http"]:
        serve_http()
    else:
        mcp.run()
