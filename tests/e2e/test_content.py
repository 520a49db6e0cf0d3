"""End to end over real HTTP (FakeProviderServer): a PDF with citations, a cached system prompt
whose second call reads the cache and costs less, a web search turn that pauses and is
resumed by run_tools, and bad input refused before anything is sent."""

from __future__ import annotations

import base64

import pytest

from llmsdk import (
    DocumentContent, HttpClientOptions, LLMClient, LLMEvent, LLMMessage, LLMRequest, ProviderTool,
    ProviderToolContent, StopReason, TextContent, Timeouts, Usage,
)
from llmsdk.errors import InvalidRequestError
from llmsdk.testing import anthropic as A
from llmsdk.testing import gemini as G
from llmsdk.testing import openai as O

from ..conftest import TEST_KEY

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
MODEL = "claude-haiku-4-5"  # $1 in, $5 out, $0.10 cache read, $2 1-hour cache write (per Mtok)


def test_a_pdf_with_citations(server, anthropic_client, tmp_path):
    path = tmp_path / "annual-report.pdf"
    path.write_bytes(PDF)
    page = A.page_location("Revenue grew 12% to $4.2B.", 3, 4, title="Annual report")
    server.add_reply(A.cited_reply([("The report says ", []), ("revenue grew 12%", [page]), (".", [])]))
    request = LLMRequest(model=MODEL, messages=[LLMMessage.user(
        DocumentContent.from_file(path, title="Annual report", citations=True), "How did revenue change?")])
    client = anthropic_client()
    with client.send(request) as stream:
        events = list(stream)
        response = stream.final_response()
    document = server.requests[0].json["messages"][0]["content"][0]
    assert document == {"type": "document", "title": "Annual report", "citations": {"enabled": True},
                        "source": {"type": "base64", "media_type": "application/pdf",
                                   "data": base64.b64encode(PDF).decode("ascii")}}
    assert any(isinstance(e, LLMEvent.PartialContent) and e.content.citations for e in events)
    assert response.text == "The report says revenue grew 12%."
    assert [(c.cited_text, c.title, c.raw) for c in response.citations] == [
        ("Revenue grew 12% to $4.2B.", "Annual report", page)]


def test_a_cached_system_prompt_is_read_back_cheaper_on_the_second_call(server, anthropic_client):
    rules = "You are a contracts lawyer. " * 200
    server.add_reply(A.text_reply("First.", input_tokens=30, cache_writes=1400, cache_writes_1h=1400))
    server.add_reply(A.text_reply("Second.", input_tokens=30, cache_reads=1400))
    client = anthropic_client()
    request = LLMRequest(model=MODEL, system=[TextContent(rules, cache="1h")], messages=[LLMMessage.user("Clause 1?")])
    first = client.complete(request)
    second = client.complete(request)
    for recorded in server.requests:
        assert recorded.json["system"] == [{"type": "text", "text": rules,
                                            "cache_control": {"type": "ephemeral", "ttl": "1h"}}]
    assert first.usage == Usage(30, 15, 0, 1400, cache_writes_1h=1400)
    assert second.usage == Usage(30, 15, 1400, 0)
    assert first.cost == pytest.approx((30 * 1 + 15 * 5 + 1400 * 2) / 1e6)
    assert second.cost == pytest.approx((30 * 1 + 15 * 5 + 1400 * 0.1) / 1e6)
    assert client.get_usage() == Usage(60, 30, 1400, 1400, cache_writes_1h=1400)


def test_a_web_search_turn_that_pauses_is_resumed_by_run_tools(server, anthropic_client):
    server.add_reply(A.web_search_reply(pause=True))
    server.add_reply(A.cited_reply(
        [("Claude Shannon was born on April 30, 1916.",
          [A.web_search_location("https://en.wikipedia.org/wiki/Claude_Shannon", "Claude Shannon - Wikipedia",
                                 "Claude Elwood Shannon (April 30, 1916 – February 24, 2001)")])],
        web_search_requests=1))
    request = LLMRequest(model=MODEL, messages=[LLMMessage.user("When was Claude Shannon born?")],
                         tools=[ProviderTool("web_search_20250305", {"max_uses": 2})])
    result = anthropic_client().run_tools(request, [])
    assert result.finished and result.rounds == 2
    assert [r.stop_reason for r in result.responses] == [StopReason.PAUSE_TURN, StopReason.END_TURN]
    first, second = (r.json for r in server.requests)
    assert first["tools"] == [{"type": "web_search_20250305", "name": "web_search", "max_uses": 2}]
    paused_turn = second["messages"][1]
    assert paused_turn["role"] == "assistant" and len(second["messages"]) == 2
    assert [b["type"] for b in paused_turn["content"]] == ["text", "server_tool_use", "web_search_tool_result"]
    assert paused_turn["content"][1]["input"] == {"query": "claude shannon birth date"}
    paused = result.responses[0].content
    assert isinstance(paused[2], ProviderToolContent) and paused_turn["content"][2] == paused[2].data
    assert result.text == "Claude Shannon was born on April 30, 1916."
    assert result.usage.server_tool_use == {"web_search": 2}
    assert result.usage.server_tool_requests == 2  # the total, every tool
    assert [m.role for m in result.new_messages] == ["assistant", "assistant"]


@pytest.mark.parametrize("make_request, message", [
    (lambda path: LLMRequest(model=MODEL, messages=[LLMMessage.user(DocumentContent("application/zip", data="UEs="))]),
     "unsupported document media type"),
    (lambda path: LLMRequest(model=MODEL, messages=[LLMMessage.user(
        *[TextContent(f"part {i}", cache="5m") for i in range(5)])]), "at most 4 cache breakpoints"),
    (lambda path: LLMRequest(model=MODEL, messages=[LLMMessage.user(DocumentContent.from_file(path))]),
     "cannot read document"),
])
def test_bad_input_is_refused_before_any_http(server, anthropic_client, tmp_path, make_request, message):
    client = anthropic_client()
    with pytest.raises(InvalidRequestError, match=message):
        client.complete(make_request(tmp_path / "missing.pdf"))
    assert server.requests == []


def _client(provider: str, server) -> LLMClient:
    options = getattr(HttpClientOptions, f"new_{provider}")(TEST_KEY, api_base=server.url,
                                                           timeouts=Timeouts(connect=5, read=10))
    return LLMClient(options)


def test_openai_search_model_citations_and_a_pdf(server):
    server.add_reply(O.web_search_reply("Shannon was born in 1916."))
    request = LLMRequest(model="gpt-4o", tools=[ProviderTool("web_search")],
                         messages=[LLMMessage.user("Born when?", DocumentContent.from_bytes(PDF))])
    with _client("openai", server) as client:
        response = client.complete(request)
    sent = server.requests[0].json
    assert sent["web_search_options"] == {} and sent["messages"][0]["content"][1]["type"] == "file"
    assert response.citations[0].cited_text == "Shannon was born in 1916."


def test_gemini_grounding_through_the_client(server):
    server.add_reply(G.grounded_reply("Shannon was born in 1916."))
    request = LLMRequest(model="gemini-2.5-flash", tools=[ProviderTool("google_search")],
                         messages=[LLMMessage.user("Born when?")])
    with _client("gemini", server) as client:
        response = client.complete(request)
    assert server.requests[0].json["tools"] == [{"googleSearch": {}}]
    assert response.text == "Shannon was born in 1916." and response.citations[0].title == "wikipedia.org"
    assert response.usage.server_tool_use == {"google_search": 1}
    assert response.content[-1].type == "grounding_metadata"
