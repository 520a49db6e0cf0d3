"""Tools from an MCP server, in a plain script: no asyncio, no event loop.

    python examples/mcp_tools.py                                 # offline: a fake model answers
    ANTHROPIC_API_KEY=sk-ant-... python examples/mcp_tools.py    # a real model

This one file is both sides. Run as ``python examples/mcp_tools.py serve``, it is a tiny
MCP server written with the official ``mcp`` package (``pip install mcp``: the server needs
it, llmsdk does not). Run plainly, it starts that server as a child process with
``MCPServer.stdio``, hands its tools to the model with ``client.run_tools`` and prints the
answer.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

MODEL = "claude-haiku-4-5"


def serve() -> None:
    """The MCP server: two tools, as the official SDK's docs write them."""
    try:  # mcp 2.x
        from mcp.server import MCPServer as Server
    except ImportError:  # mcp 1.x
        from mcp.server.fastmcp import FastMCP as Server

    mcp = Server("inventory")

    @mcp.tool()
    def stock(item: str) -> int:
        """How many of an item are in stock."""
        return {"tea": 12, "coffee": 0}.get(item.lower(), 0)

    @mcp.tool()
    def reorder(item: str, quantity: int) -> str:
        """Order more of an item."""
        return f"ordered {quantity} x {item}"

    mcp.run()


def main() -> None:
    try:
        import llmsdk  # noqa: F401
    except ImportError:  # run from a source checkout without installing: use the checkout
        sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

    from llmsdk import HttpClientOptions, LLMClient, LLMMessage, LLMRequest
    from llmsdk.mcp import MCPServer
    from llmsdk.testing import FakeProviderServer
    from llmsdk.testing import anthropic as A

    with MCPServer.stdio([sys.executable, __file__, "serve"]) as inventory:
        tools = inventory.tools()
        print("tools:", ", ".join(t.name for t in tools))
        print("direct call: stock(tea) =", inventory.call_tool("stock", {"item": "tea"}).text)

        fake = None
        if os.environ.get("ANTHROPIC_API_KEY"):
            client = LLMClient.from_env("anthropic")
        else:  # offline: a local server plays the model, asking for both tools in turn
            fake = FakeProviderServer().start()
            fake.add_reply(A.tool_use_reply("stock", {"item": "coffee"}, tool_id="toolu_1"),
                           A.tool_use_reply("reorder", {"item": "coffee", "quantity": 20}, tool_id="toolu_2"),
                           A.text_reply("Coffee was out of stock, so I ordered 20 more."))
            client = LLMClient.new(HttpClientOptions.new_anthropic("offline-key", api_base=fake.url))
        try:
            request = LLMRequest(model=MODEL, max_tokens=500, messages=[
                LLMMessage.user("Check the coffee stock and reorder 20 if we are out.")])
            final, transcript = client.run_tools(request, tools)
            for message in transcript:
                for block in message.blocks:
                    if block.type == "tool_use":
                        print(f"model called {block.name}({block.input})")
                    elif block.type == "tool_result":
                        print(f"  -> {block.text}")
            print("answer:", final.text)
        finally:
            client.close()
            if fake is not None:
                fake.stop()


if __name__ == "__main__":
    serve() if sys.argv[1:] == ["serve"] else main()
