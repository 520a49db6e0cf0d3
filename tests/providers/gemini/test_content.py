"""Gemini documents (``inlineData`` / ``fileData``), Google Search grounding as a provider
tool, and ``groundingMetadata`` turned into citations on the text it supports.

Shapes checked against googleapis/python-genai (66807187): ``Part.inline_data`` (``Blob``:
``data``, ``mime_type``), ``Part.file_data`` (``file_uri``, ``mime_type``), ``Tool.google_search``
(sent as ``googleSearch``), ``GroundingMetadata`` (``grounding_chunks[].web {uri, title}``,
``grounding_supports[] {segment {start_index, end_index (bytes), text}, grounding_chunk_indices}``,
``web_search_queries``).
"""

from __future__ import annotations

import base64
from typing import Iterable, List

from llmsdk import DocumentContent, LLMMessage, LLMRequest, ProviderTool, ProviderToolContent, TextContent, Tool
from llmsdk._core.accumulate import accumulate
from llmsdk._engine.sse import feed
from llmsdk.events import Content, PartialContent, Stop, _Event
from llmsdk.providers.gemini.client import GeminiAdapter
from llmsdk.providers.gemini.stream import GeminiStreamProcessor
from llmsdk.testing import gemini


def body(*messages: LLMMessage, **kwargs: object) -> dict:
    return GeminiAdapter().request_body(LLMRequest(model="gemini-2.5-flash", messages=list(messages), **kwargs))


def run(pieces: Iterable[bytes]) -> List[_Event]:
    return feed(GeminiStreamProcessor(), list(pieces))


def test_documents_as_inline_data_or_file_data():
    sent = body(LLMMessage.user(
        "Summarise", DocumentContent.from_base64("JVBERi0=", title="ignored by Gemini"),
        DocumentContent.from_url("https://generativelanguage.googleapis.com/v1beta/files/abc"),
        DocumentContent.from_text("Café notes", media_type="text/markdown")))
    parts = sent["contents"][0]["parts"]
    assert parts[1:3] == [
        {"inlineData": {"mimeType": "application/pdf", "data": "JVBERi0="}},
        {"fileData": {"mimeType": "application/pdf", "fileUri": "https://generativelanguage.googleapis.com/v1beta/files/abc"}},
    ]
    assert parts[3]["inlineData"]["mimeType"] == "text/markdown"
    assert base64.b64decode(parts[3]["inlineData"]["data"]).decode("utf-8") == "Café notes"


def test_provider_tools_sit_beside_function_declarations():
    weather = Tool("get_weather", "Weather", {"type": "object", "properties": {"city": {"type": "string"}}})
    sent = body(LLMMessage.user("x"), tools=[weather, ProviderTool("google_search"), ProviderTool("url_context")])
    assert sent["tools"] == [{"functionDeclarations": [{"name": "get_weather", "description": "Weather",
                                                         "parameters": {"type": "object",
                                                                        "properties": {"city": {"type": "string"}}}}]},
                             {"googleSearch": {}}, {"urlContext": {}}]
    assert body(LLMMessage.user("x"), tools=[ProviderTool("google_search")])["tools"] == [{"googleSearch": {}}]


def test_grounding_metadata_is_not_sent_back():
    turn = LLMMessage.assistant(TextContent("Answer"), ProviderToolContent("grounding_metadata", {"x": 1}, "gemini"))
    assert body(LLMMessage.user("q"), turn)["contents"][1] == {"role": "model", "parts": [{"text": "Answer"}]}


ANSWER = "Claude Shannon — né en 1916 — grew up in Gaylord, Michigan. He died in 2001."
SOURCES = [("https://vertexaisearch.cloud.google.com/grounding-api-redirect/A1", "wikipedia.org"),
           ("https://vertexaisearch.cloud.google.com/grounding-api-redirect/B2", "britannica.com")]
SUPPORTS = [("Claude Shannon — né en 1916 — grew up in Gaylord, Michigan.", [0, 1]), ("He died in 2001.", [1])]


def test_grounding_becomes_citations_with_character_offsets():
    raw = gemini.grounded_reply(ANSWER, SOURCES, SUPPORTS, chunk_size=7).body_bytes()
    events = run([raw])
    finished = [e.content for e in events if isinstance(e, Content)]
    text = finished[0]
    assert text.text == ANSWER and len(text.citations) == 3
    for citation in text.citations:
        assert ANSWER[citation.start:citation.end] == citation.cited_text
    assert [(c.url, c.title) for c in text.citations] == [SOURCES[0], SOURCES[1], SOURCES[1]]
    assert text.citations[2].cited_text == "He died in 2001." and text.citations[2].start == ANSWER.index("He died")
    grounding = finished[1]
    assert isinstance(grounding, ProviderToolContent) and grounding.type == "grounding_metadata"
    assert grounding.data["webSearchQueries"] == ["claude shannon birth date"]
    assert events[-1].usage.server_tool_use == {"google_search": 1}
    for cut in range(1, len(raw)):
        assert run([raw[:cut], raw[cut:]]) == events, cut


def test_citations_for_a_block_finished_earlier_arrive_as_a_partial_event_and_are_kept():
    meta = gemini.grounding_metadata("Shannon was born in 1916.", SOURCES[:1], [("born in 1916", [0])])
    frames = gemini.stream([[{"text": "Shannon was born in 1916."}],
                            [gemini.function_call_part("lookup", {"q": "x"}, "call_1")]], finish_reason=None)
    last = gemini.chunk([{"text": ""}], finish_reason="STOP")
    last["candidates"][0]["groundingMetadata"] = meta
    events = run(frames + [gemini.frame(last)])
    late = [e for e in events if isinstance(e, PartialContent) and e.content.citations]
    assert len(late) == 1 and late[0].index == 0 and late[0].content.citations[0].start == 12
    assert isinstance(events[-1], Stop)
    response = accumulate(events)
    assert response.content[0].citations[0].cited_text == "born in 1916"
    assert response.citations == response.content[0].citations
