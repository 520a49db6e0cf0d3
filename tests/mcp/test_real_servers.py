"""llmsdk against real MCP servers built with the official ``mcp`` package, 1.x and 2.x,
over stdio and streamable HTTP: the same listing and the same call results as the
official client, and ``run_tools`` end to end through ``FakeProviderServer``."""

from __future__ import annotations

import time
from typing import Any, Callable, Dict, List

import pytest

from llmsdk import HttpClientOptions, ImageContent, LLMClient, LLMMessage, LLMRequest, TextContent, Timeouts
from llmsdk.mcp import MCPServer, MCPToolResult
from llmsdk.testing import FakeProviderServer
from llmsdk.testing import anthropic as A
from llmsdk.testing import gemini as G
from llmsdk.testing import openai as O
from llmsdk.testing import openai_responses as R

from ._servers import official, stdio_command

ERAS = {"1": "2025-11-25", "2": "2026-07-28"}
CALLS = [["add", {"a": 2, "b": 3}], ["echo", {"text": "héllo ✓ 🌍"}], ["weather", {"city": "Paris", "unit": "F"}],
         ["pixel", {}], ["fail", {"reason": "no such city"}],
         ["place_order", {"order": {"item": "tea", "quantity": 2, "ship_to": {"street": "1 Rue", "city": "Lyon"}}}]]
BOTH = [(line, transport) for line in ("1", "2") for transport in ("stdio", "http")]


def _target(line: str, transport: str, http_demo: Callable[[str], str]) -> Any:
    return stdio_command(line) if transport == "stdio" else http_demo(line)


def _expected_blocks(result: Dict[str, Any]) -> List[Any]:
    blocks: List[Any] = []
    for block in result["content"]:
        if block["type"] == "text":
            blocks.append(TextContent(block["text"]))
        elif block["type"] == "image":
            blocks.append(ImageContent.from_base64(block["data"], block["mimeType"]))
    return blocks


@pytest.mark.parametrize("line,transport", BOTH)
def test_listing_and_calls_equal_the_official_clients(line: str, transport: str, open_demo, http_demo) -> None:
    srv = open_demo(line, transport)
    assert srv.protocol_version == ERAS[line]  # 2.x servers speak the stateless protocol, 1.x the session
    assert srv.name == "demo"
    theirs = official(line, _target(line, transport, http_demo), CALLS)

    ours = srv.tools()
    assert [(t.name, t.description, t.input_schema) for t in ours] == \
           [(t["name"], t.get("description", ""), t["inputSchema"]) for t in theirs["tools"]]

    for (name, arguments), expected in zip(CALLS, theirs["calls"]):
        got = srv.call_tool(name, arguments)
        assert isinstance(got, MCPToolResult)
        assert got.content == _expected_blocks(expected), name
        assert got.is_error == expected.get("isError", False), name
        assert got.structured == expected.get("structuredContent"), name


@pytest.mark.parametrize("line,transport", BOTH)
def test_run_tools_end_to_end_through_the_fake_provider(line: str, transport: str, open_demo) -> None:
    srv = open_demo(line, transport)
    with FakeProviderServer() as fake:
        fake.add_reply(A.tool_use_reply("add", {"a": 2, "b": 40}, tool_id="toolu_add"),
                       A.tool_use_reply("fail", {"reason": "bad city"}, tool_id="toolu_fail"),
                       A.text_reply("The sum is 42."))
        with LLMClient.new(HttpClientOptions.new_anthropic("sk-test", api_base=fake.url,
                                                           timeouts=Timeouts(connect=5, read=10))) as client:
            final, transcript = client.run_tools(
                LLMRequest(model="claude-haiku-4-5", messages=[LLMMessage.user("2 + 40?")]), srv.tools())
        assert final.text == "The sum is 42."
        first, second, third = (r.json for r in fake.requests)
    assert {"add", "place_order"} <= {t["name"] for t in first["tools"]}
    [result] = second["messages"][-1]["content"]
    assert result["tool_use_id"] == "toolu_add" and not result.get("is_error")
    assert result["content"] in ("42", [{"type": "text", "text": "42"}])
    [failed] = third["messages"][-1]["content"]
    assert failed["tool_use_id"] == "toolu_fail" and failed["is_error"] is True  # isError -> an error result
    assert "bad city" in str(failed["content"]) or "fail" in str(failed["content"])
    assert transcript[-1].role == "assistant"


def _dialects() -> List[Any]:
    def chat(url: str) -> HttpClientOptions:
        return HttpClientOptions.new_openai("sk-test", api_base=url, timeouts=Timeouts(connect=5, read=10))

    def responses(url: str) -> HttpClientOptions:
        return HttpClientOptions.new_openai("sk-test", api_base=url, api="responses",
                                            timeouts=Timeouts(connect=5, read=10))

    def gemini(url: str) -> HttpClientOptions:
        return HttpClientOptions.new_gemini("sk-test", api_base=url, timeouts=Timeouts(connect=5, read=10))

    def anthropic(url: str) -> HttpClientOptions:
        return HttpClientOptions.new_anthropic("sk-test", api_base=url, timeouts=Timeouts(connect=5, read=10))

    order = {"order": {"item": "tea", "ship_to": {"street": "1 Rue", "city": "Lyon"}}}
    return [
        ("anthropic", "claude-haiku-4-5", anthropic, lambda: A.tool_use_reply("place_order", order),
         lambda: A.text_reply("Ordered.")),
        ("openai", "gpt-4.1", chat, lambda: O.tool_call_reply("place_order", order), lambda: O.text_reply("Ordered.")),
        ("openai_responses", "gpt-4.1", responses, lambda: R.tool_use_reply("place_order", order),
         lambda: R.text_reply("Ordered.")),
        ("gemini", "gemini-2.5-flash", gemini, lambda: G.function_call_reply([("place_order", order)]),
         lambda: G.text_reply("Ordered.")),
    ]


@pytest.mark.parametrize("dialect,model,options,call,answer", _dialects(), ids=lambda v: v if isinstance(v, str) else "")
def test_mcp_tools_work_with_every_provider(dialect: str, model: str, options, call, answer, open_demo) -> None:
    """A nested pydantic schema ($defs, $ref, titles, defaults) goes through each provider's
    own schema handling, and the call's result comes back to the model."""
    srv = open_demo("1", "stdio")
    with FakeProviderServer() as fake:
        fake.add_reply(call(), answer())
        with LLMClient.new(options(fake.url)) as client:
            final, _ = client.run_tools(LLMRequest(model=model, messages=[LLMMessage.user("order tea")]),
                                        srv.tools())
        assert final.text == "Ordered."
        assert "1 x tea to Lyon" in fake.requests[1].body.decode("utf-8")


def test_allowed_tools_and_a_clash_between_two_servers(open_demo) -> None:
    one = open_demo("1", "stdio", name="alpha", allowed_tools=["add", "echo"])
    two = open_demo("1", "stdio", name="beta", allowed_tools=["add"])
    assert [t.name for t in one.tools()] == ["add", "echo"]
    with FakeProviderServer() as fake:
        fake.add_reply(A.tool_use_reply("beta__add", {"a": 1, "b": 1}), A.text_reply("2"))
        with LLMClient.new(HttpClientOptions.new_anthropic("sk-test", api_base=fake.url)) as client:
            final, transcript = client.run_tools(
                LLMRequest(model="claude-haiku-4-5", messages=[LLMMessage.user("1+1")]), one.tools() + two.tools())
        names = [t["name"] for t in fake.requests[0].json["tools"]]
    assert names == ["alpha__add", "echo", "beta__add"]  # only the clashing names are prefixed
    assert transcript[2].tool_results[0].text == "2"


def test_the_tool_list_is_refreshed_when_the_server_says_it_changed(open_demo) -> None:
    srv = open_demo("1", "stdio")  # an initialize session: cached until list_changed
    before = [t.name for t in srv.tools()]
    assert srv.tools()[0] is not None and "late" not in before
    srv.call_tool("grow")
    assert [t.name for t in srv.tools()] == before + ["late"]
    assert srv.call_tool("late").text == "late"


def test_a_stateless_listing_is_cached_for_its_ttl(open_demo, monkeypatch) -> None:
    srv = open_demo("2", "stdio")
    calls: List[str] = []
    send = srv._send

    def counting(method: str, params: Dict[str, Any], **kwargs: Any) -> Dict[str, Any]:
        calls.append(method)
        result = send(method, params, **kwargs)
        return {**result, "ttlMs": 60_000} if method == "tools/list" else result

    monkeypatch.setattr(srv, "_send", counting)
    srv.tools()
    srv.tools()
    assert calls == ["tools/list"]


def test_a_server_opened_in_the_2x_era_over_http_keeps_no_session(open_demo) -> None:
    srv = open_demo("2", "http")
    assert srv._transport.session_id is None
    assert MCPServer.__name__ == "MCPServer"


@pytest.mark.parametrize("line,transport", [("1", "stdio"), ("1", "http"), ("2", "http")])
def test_a_grown_tool_list_is_seen(line: str, transport: str, open_demo) -> None:
    """1.x over HTTP announces the change on the session's GET stream, 2.x's stateless
    listing has a zero ttlMs: either way the next tools() has the new tool."""
    srv = open_demo(line, transport)
    before = [t.name for t in srv.tools()]
    srv.call_tool("grow")
    deadline = time.monotonic() + 10
    while "late" not in [t.name for t in srv.tools()] and time.monotonic() < deadline:
        time.sleep(0.05)  # the notification arrives on another connection than the call's answer
    assert [t.name for t in srv.tools()] == before + ["late"]
