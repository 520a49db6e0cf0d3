"""Anthropic documents, cache breakpoints, citations and server tools: request bodies and
stream processing from realistic transcripts (every two-chunk split identical).

Key sets below are the official SDK's request types (anthropics/anthropic-sdk-python,
src/anthropic/types/*_param.py at 009b035), so a body never carries a field the API lacks.
"""

import json
from typing import List

import pytest

from llmsdk import (
    Citation, DocumentContent, ImageContent, LLMEvent, LLMMessage, LLMRequest, ProviderTool, ProviderToolContent,
    StopReason, TextContent, Tool, ToolResultContent, ToolUseContent, Usage,
)
from llmsdk._core.accumulate import accumulate
from llmsdk._engine.sse import feed
from llmsdk.errors import InvalidRequestError
from llmsdk.providers.anthropic.request import build_body
from llmsdk.providers.anthropic.stream import AnthropicStreamProcessor
from llmsdk.testing import anthropic as A

DOCUMENT_BLOCK_PARAM = {"source", "type", "cache_control", "citations", "context", "title"}
TEXT_BLOCK_PARAM = {"text", "type", "cache_control", "citations"}
WEB_SEARCH_TOOL_PARAM = {"name", "type", "allowed_callers", "allowed_domains", "blocked_domains", "cache_control",
                         "defer_loading", "max_uses", "strict", "user_location"}
CHAR_LOCATION_PARAM = {"cited_text", "document_index", "document_title", "end_char_index", "start_char_index", "type"}


def body_of(*messages: LLMMessage, **kwargs) -> dict:
    return build_body(LLMRequest(model="claude-sonnet-4-6", messages=list(messages), **kwargs))


def run(chunks: List[bytes]) -> list:
    return feed(AnthropicStreamProcessor(), chunks)


# -- requests ----------------------------------------------------------------------------


def test_documents_in_every_form():
    body = body_of(LLMMessage.user(
        DocumentContent.from_base64("JVBERi0=", title="Report", citations=True),
        DocumentContent.from_url("https://x.test/paper.pdf", citations=True, cache="5m"),
        DocumentContent.from_text("The grass is green.", title="Notes", citations=True),
        TextContent("What colour is the grass?")))
    blocks = body["messages"][0]["content"]
    assert blocks[:3] == [
        {"type": "document", "source": {"type": "base64", "media_type": "application/pdf", "data": "JVBERi0="},
         "title": "Report", "citations": {"enabled": True}},
        {"type": "document", "source": {"type": "url", "url": "https://x.test/paper.pdf"},
         "citations": {"enabled": True}, "cache_control": {"type": "ephemeral"}},
        {"type": "document", "source": {"type": "text", "media_type": "text/plain", "data": "The grass is green."},
         "title": "Notes", "citations": {"enabled": True}},
    ]
    assert all(set(b) <= DOCUMENT_BLOCK_PARAM for b in blocks[:3])


def test_markdown_goes_as_plain_text_and_text_urls_are_refused():
    body = body_of(LLMMessage.user("x", DocumentContent.from_text("# hi", media_type="text/markdown")))
    assert body["messages"][0]["content"][1]["source"] == {"type": "text", "media_type": "text/plain", "data": "# hi"}
    with pytest.raises(InvalidRequestError, match="only PDF documents by URL"):
        body_of(LLMMessage.user("x", DocumentContent.from_url("https://x.test/a.txt")))


def test_documents_must_all_cite_or_none():
    with pytest.raises(InvalidRequestError, match="all documents"):
        body_of(LLMMessage.user("x", DocumentContent.from_text("a", citations=True), DocumentContent.from_text("b")))


def test_cache_breakpoints_on_system_blocks_tools_and_content():
    body = body_of(
        LLMMessage.user(TextContent("context " * 3, cache="5m"), ImageContent.from_url("https://x.test/i.png")),
        LLMMessage.assistant(ToolUseContent("t1", "f", {})),
        LLMMessage(role="user", tool_results=[ToolResultContent("t1", "42")]),
        system=[TextContent("long rules", cache="1h"), TextContent("today's date")],
        tools=[Tool("f", "F"), Tool("g", "G", cache="1h")])
    assert body["system"] == [{"type": "text", "text": "long rules", "cache_control": {"type": "ephemeral", "ttl": "1h"}},
                              {"type": "text", "text": "today's date"}]
    assert "cache_control" not in body["tools"][0]
    assert body["tools"][1]["cache_control"] == {"type": "ephemeral", "ttl": "1h"}
    first = body["messages"][0]["content"]
    assert first[0] == {"type": "text", "text": "context " * 3, "cache_control": {"type": "ephemeral"}}
    assert all(set(b) <= TEXT_BLOCK_PARAM for b in body["system"])


def test_a_system_string_or_uncached_blocks_stay_a_string_and_a_cached_lone_text_stays_a_block():
    assert body_of(LLMMessage.user("x"), system="Be brief.")["system"] == "Be brief."
    assert body_of(LLMMessage.user("x"), system=[TextContent("a"), TextContent("b")])["system"] == "a\n\nb"
    body = body_of(LLMMessage.user(TextContent("big", cache="5m")))
    assert body["messages"][0]["content"] == [{"type": "text", "text": "big", "cache_control": {"type": "ephemeral"}}]
    result = body_of(LLMMessage.user("q"), LLMMessage.assistant(ToolUseContent("t", "f", {})),
                     LLMMessage(role="user", tool_results=[ToolResultContent("t", "r", cache="5m")]))
    assert result["messages"][2]["content"][0]["cache_control"] == {"type": "ephemeral"}


def test_a_fifth_breakpoint_or_one_hour_after_five_minutes_is_refused_before_sending():
    four = [TextContent(f"part {i}", cache="5m") for i in range(4)]
    body_of(LLMMessage.user(*four))
    with pytest.raises(InvalidRequestError, match="at most 4 cache breakpoints"):
        body_of(LLMMessage.user(*four), system=[TextContent("s", cache="5m")])
    with pytest.raises(InvalidRequestError, match="1-hour cache breakpoints before 5-minute"):
        body_of(LLMMessage.user(TextContent("late", cache="1h")), system=[TextContent("s", cache="5m")])


def test_server_tools_by_type_string():
    body = body_of(LLMMessage.user("news?"), tools=[
        ProviderTool("web_search_20250305", {"max_uses": 3, "allowed_domains": ["example.com"]}),
        ProviderTool("web_fetch_20250910"), ProviderTool("text_editor_20250728", {"name": "str_replace_based_edit_tool"}),
        Tool("f", "F")])
    assert body["tools"][:3] == [
        {"type": "web_search_20250305", "name": "web_search", "max_uses": 3, "allowed_domains": ["example.com"]},
        {"type": "web_fetch_20250910", "name": "web_fetch"},
        {"type": "text_editor_20250728", "name": "str_replace_based_edit_tool"},
    ]
    assert set(body["tools"][0]) <= WEB_SEARCH_TOOL_PARAM
    assert body["tools"][3]["name"] == "f"


def test_the_assistant_turn_goes_back_with_its_citations_and_server_tool_blocks():
    web = A.web_search_location("https://x.test", "X", "quoted")
    turn = LLMMessage.assistant(
        ProviderToolContent("server_tool_use", {"type": "server_tool_use", "id": "s1", "name": "web_search",
                                                "input": {"query": "q"}}, "anthropic"),
        ProviderToolContent("grounding_metadata", {"webSearchQueries": ["q"]}, "gemini"),
        TextContent("Answer.", citations=[Citation("quoted", raw=web), Citation("other", raw={"type": "url_citation"})]))
    body = body_of(LLMMessage.user("q"), turn)
    assert body["messages"][1]["content"] == [
        {"type": "server_tool_use", "id": "s1", "name": "web_search", "input": {"query": "q"}},
        {"type": "text", "text": "Answer.", "citations": [web]},
    ]


# -- streams -----------------------------------------------------------------------------

CHAR = A.char_location("The grass is green.", 0, 20, title="Notes")
PAGE = A.page_location("Revenue grew 12%.", 3, 4, title="Report")


def _cited_transcript() -> bytes:
    return b"".join(A.cited_reply([("According to the notes, ", []), ("the grass is green", [CHAR]),
                                   (" and revenue grew ✓", [PAGE])]).body)


def test_citations_stream_as_partial_events_and_finish_on_their_text_block():
    events = run([_cited_transcript()])
    partial = [e for e in events if isinstance(e, LLMEvent.PartialContent) and e.content.citations]
    assert [(e.index, e.content.text, e.content.citations[0].raw) for e in partial] == [(1, "", CHAR), (2, "", PAGE)]
    finished = [e.content for e in events if isinstance(e, LLMEvent.Content)]
    assert finished[1] == TextContent("the grass is green", citations=[
        Citation("The grass is green.", "Notes", None, 0, 0, 20, CHAR)])
    assert finished[2].citations == [Citation("Revenue grew 12%.", "Report", None, 0, None, None, PAGE)]
    assert set(CHAR) == CHAR_LOCATION_PARAM  # and goes back as the API takes it


def test_the_reducer_keeps_streamed_citations_even_without_the_finished_block():
    events = [e for e in run([_cited_transcript()]) if not isinstance(e, (LLMEvent.Content, LLMEvent.Stop))]
    response = accumulate(events)  # a stream cut before content_block_stop
    assert [c.raw for c in response.citations] == [CHAR, PAGE]
    assert response.text == "According to the notes, the grass is green and revenue grew ✓"


def _web_search_transcript() -> bytes:
    return b"".join(A.web_search_reply(answer="Shannon was born in 1916 — in Michigan.", output_tokens=510,
                                       input_tokens=2100, cache_writes=1800, cache_writes_1h=1800).body)


def test_web_search_blocks_come_back_whole_with_server_tool_usage():
    events = run([_web_search_transcript()])
    finished = [e.content for e in events if isinstance(e, LLMEvent.Content)]
    assert finished[0] == TextContent("I'll search for that.")
    assert finished[1] == ProviderToolContent("server_tool_use", {
        "type": "server_tool_use", "id": "srvtoolu_01Fake", "name": "web_search",
        "input": {"query": "claude shannon birth date"}}, "anthropic")
    assert finished[2].type == "web_search_tool_result" and finished[2].data["tool_use_id"] == "srvtoolu_01Fake"
    assert finished[3].citations[0].url == "https://en.wikipedia.org/wiki/Claude_Shannon"
    assert events[-1] == LLMEvent.Stop(StopReason.END_TURN, Usage(
        2100, 510, 0, 1800, cache_writes_1h=1800, server_tool_use={"web_search": 1}))


def test_the_received_turn_formats_back_to_the_blocks_the_api_sent():
    body = _web_search_transcript()
    response = accumulate(run([body]))
    sent = body_of(LLMMessage.user("q"), response.to_message())["messages"][1]["content"]
    received = [json.loads(line[len(b"data: "):])["content_block"] for line in body.split(b"\n")
                if line.startswith(b'data: {"type":"content_block_start"')]
    assert sent[1] == {**received[1], "input": {"query": "claude shannon birth date"}}
    assert sent[2] == received[2]
    assert sent[3]["citations"] == [response.content[3].citations[0].raw]


@pytest.mark.parametrize("transcript", [_cited_transcript, _web_search_transcript])
def test_every_two_chunk_split_gives_identical_events(transcript):
    body = transcript()
    expected = run([body])
    for cut in range(1, len(body)):
        assert run([body[:cut], body[cut:]]) == expected, cut


def test_a_paused_turn_reports_pause_turn():
    events = run([b"".join(A.web_search_reply(pause=True).body)])
    assert events[-1].reason is StopReason.PAUSE_TURN
    assert [type(e.content).__name__ for e in events if isinstance(e, LLMEvent.Content)] == [
        "TextContent", "ProviderToolContent", "ProviderToolContent"]
