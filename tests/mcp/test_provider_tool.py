"""``srv.as_provider_tool()``: the provider connects to the MCP server itself — OpenAI
Responses ``{"type": "mcp", ...}``, Anthropic ``mcp_servers`` with its beta header."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from llmsdk import HttpClientOptions, LLMClient, LLMMessage, LLMRequest, ProviderTool
from llmsdk.errors import InvalidRequestError
from llmsdk.mcp import MCPServer
from llmsdk.testing import FakeProviderServer
from llmsdk.testing import anthropic as A
from llmsdk.testing import openai_responses as R

TINY = str(Path(__file__).parent / "tiny_server.py")


@pytest.fixture
def remote(open_demo) -> MCPServer:
    return open_demo("1", "http", name="docs", allowed_tools=["add", "echo"], token_provider=lambda: "tok-SECRET")


def test_openai_responses_gets_an_mcp_tool(remote: MCPServer) -> None:
    tool = remote.as_provider_tool()
    assert isinstance(tool, ProviderTool) and "tok-SECRET" not in repr(tool)
    with FakeProviderServer() as fake:
        fake.add_reply(R.text_reply("done"))
        options = HttpClientOptions.new_openai("sk-test", api_base=fake.url, api="responses")
        with LLMClient.new(options) as client:
            client.complete(LLMRequest(model="gpt-4.1", messages=[LLMMessage.user("hi")], tools=[tool]))
        [sent] = fake.requests[0].json["tools"]
    assert sent == {"type": "mcp", "server_label": "docs", "server_url": remote.url, "require_approval": "never",
                    "allowed_tools": ["add", "echo"], "authorization": "tok-SECRET"}


def test_anthropic_gets_mcp_servers_and_a_toolset(remote: MCPServer) -> None:
    with FakeProviderServer() as fake:
        fake.add_reply(A.text_reply("done"))
        with LLMClient.new(HttpClientOptions.new_anthropic("sk-test", api_base=fake.url)) as client:
            client.complete(LLMRequest(model="claude-sonnet-4-5", messages=[LLMMessage.user("hi")],
                                       tools=[remote.as_provider_tool()]))
        request = fake.requests[0]
    assert request.json["mcp_servers"] == [{"type": "url", "url": remote.url, "name": "docs",
                                            "authorization_token": "tok-SECRET"}]
    assert request.json["tools"] == [{"type": "mcp_toolset", "mcp_server_name": "docs",
                                      "default_config": {"enabled": False},
                                      "configs": {"add": {"enabled": True}, "echo": {"enabled": True}}}]
    assert request.headers["anthropic-beta"] == "mcp-client-2025-11-20"


def test_a_stdio_server_cannot_be_a_provider_tool() -> None:
    with MCPServer.stdio([sys.executable, TINY]) as srv:
        with pytest.raises(InvalidRequestError, match="http"):
            srv.as_provider_tool()


def test_anthropic_refuses_headers_it_cannot_send() -> None:
    from llmsdk.providers.anthropic.mcp_servers import mcp_server_entries

    server, toolset = mcp_server_entries(ProviderTool("mcp", {"server_label": "x", "server_url": "https://x/mcp",
                                                              "headers": {"Authorization": "Bearer t"}}))
    assert server["authorization_token"] == "t" and toolset == {"type": "mcp_toolset", "mcp_server_name": "x"}
    with pytest.raises(InvalidRequestError, match="x-api-key"):
        mcp_server_entries(ProviderTool("mcp", {"server_label": "x", "server_url": "https://x/mcp",
                                                "headers": {"X-Api-Key": "k"}}))
