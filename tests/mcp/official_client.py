"""What the official ``mcp`` client (1.x or 2.x, whichever the interpreter has) lists and
answers, as JSON on stdout, for the tests to compare llmsdk's answers with.

    python official_client.py TARGET CALLS_JSON
TARGET: a URL, or a JSON list (the stdio command). CALLS_JSON: [[tool, arguments], ...]
"""

from __future__ import annotations

import asyncio
import json
import sys

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client


def _dump(model) -> dict:
    return model.model_dump(by_alias=True, mode="json", exclude_none=True)


async def _exchange(session, calls) -> dict:
    listing = await session.list_tools()
    results = [_dump(await session.call_tool(name, args)) for name, args in calls]
    return {"tools": [_dump(t) for t in listing.tools], "calls": results}


async def main(target: str, calls) -> dict:
    try:  # the 2.x line: one Client for every transport
        from mcp import Client
    except ImportError:
        Client = None
    if Client is not None:
        server = target if target.startswith("http") else StdioServerParameters(
            command=json.loads(target)[0], args=json.loads(target)[1:])
        async with Client(server) as client:
            listing = await client.list_tools()
            results = [_dump(await client.call_tool(name, args)) for name, args in calls]
            return {"tools": [_dump(t) for t in listing.tools], "calls": results}
    if target.startswith("http"):
        from mcp.client.streamable_http import streamablehttp_client

        async with streamablehttp_client(target) as (read, write, _):
            async with ClientSession(read, write) as session:
                await session.initialize()
                return await _exchange(session, calls)
    command = json.loads(target)
    async with stdio_client(StdioServerParameters(command=command[0], args=command[1:])) as (read, write):
        async with ClientSession(read, write) as session:
            await session.initialize()
            return await _exchange(session, calls)


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main(sys.argv[1], json.loads(sys.argv[2])))))
