"""Chat Completions documents (``file`` parts), web search (``web_search_options``, provider
tools of OpenAI-compatible servers) and ``url_citation`` annotations.

Shapes checked against openai/openai-python (e43b422): ``ChatCompletionContentPartParam.File``
(``{"type": "file", "file": {"file_data", "file_id", "filename"}}``), ``WebSearchOptions``
(``search_context_size``, ``user_location``) and ``ChatCompletionMessage.annotations``
(``{"type": "url_citation", "url_citation": {"end_index", "start_index", "title", "url"}}``).
"""

from __future__ import annotations

import json
from typing import Any, Dict

import pytest

from llmsdk import (
    Citation, DocumentContent, LLMMessage, LLMRequest, ProviderTool, ProviderToolContent, TextContent, Tool,
)
from llmsdk.errors import InvalidRequestError
from llmsdk.events import Content
from llmsdk.providers.groq.client import GroqAdapter
from llmsdk.providers.openai.client import OpenAIAdapter
from llmsdk.providers.openai.stream import OpenAIStreamProcessor
from llmsdk.providers.openrouter.client import OpenRouterAdapter
from llmsdk.providers.openrouter.stream import OpenRouterStreamProcessor
from llmsdk.testing import openai as O

from ._support import assert_every_split_identical, run

FILE_KEYS = {"file_data", "file_id", "filename"}
URL_CITATION_KEYS = {"end_index", "start_index", "title", "url"}


def body(adapter: Any, *messages: LLMMessage, **kwargs: Any) -> Dict[str, Any]:
    return adapter.request_body(LLMRequest(model=kwargs.pop("model", "gpt-4.1"), messages=list(messages), **kwargs))


def test_a_pdf_is_a_file_part_with_a_data_url_and_text_a_text_part():
    pdf = DocumentContent.from_base64("JVBERi0=", title="Report")
    pdf.filename = "report.pdf"
    sent = body(OpenAIAdapter(), LLMMessage.user("Summarise", pdf, DocumentContent.from_text("Notes: green.")))
    assert sent["messages"][0]["content"] == [
        {"type": "text", "text": "Summarise"},
        {"type": "file", "file": {"filename": "report.pdf", "file_data": "data:application/pdf;base64,JVBERi0="}},
        {"type": "text", "text": "Notes: green."},
    ]
    assert set(sent["messages"][0]["content"][1]["file"]) <= FILE_KEYS
    untitled = body(OpenAIAdapter(), LLMMessage.user(DocumentContent.from_base64("JVBERi0=")))
    assert untitled["messages"][0]["content"][0]["file"]["filename"] == "document.pdf"


def test_pdf_urls_are_refused_by_openai_and_passed_on_by_openrouter():
    url_doc = DocumentContent.from_url("https://x.test/a.pdf")
    with pytest.raises(InvalidRequestError, match="inline only"):
        body(OpenAIAdapter(), LLMMessage.user("x", url_doc))
    sent = body(OpenRouterAdapter(), LLMMessage.user("x", url_doc), model="openai/gpt-4o")
    assert sent["messages"][0]["content"][1] == {"type": "file", "file": {"filename": "document.pdf",
                                                                          "file_data": "https://x.test/a.pdf"}}


def test_openai_web_search_is_web_search_options_and_other_provider_tools_are_refused():
    sent = body(OpenAIAdapter(), LLMMessage.user("news?"), model="gpt-5-search-api",
                tools=[ProviderTool("web_search", {"search_context_size": "low"})])
    assert sent["web_search_options"] == {"search_context_size": "low"} and "tools" not in sent
    with pytest.raises(InvalidRequestError, match="Responses API"):
        body(OpenAIAdapter(), LLMMessage.user("x"), tools=[ProviderTool("code_interpreter")])


def test_compatible_servers_get_provider_tools_in_tools_by_type():
    weather = Tool("get_weather", "Weather", {"type": "object", "properties": {}})
    groq = body(GroqAdapter(), LLMMessage.user("x"), model="openai/gpt-oss-120b",
                tools=[ProviderTool("browser_search"), weather])
    assert groq["tools"][0]["function"]["name"] == "get_weather" and groq["tools"][1] == {"type": "browser_search"}
    router = body(OpenRouterAdapter(), LLMMessage.user("x"), model="openai/gpt-4o",
                  tools=[ProviderTool("openrouter:web_search", {"max_results": 3})])
    assert router["tools"] == [{"type": "openrouter:web_search", "max_results": 3}]


def test_blocks_from_other_providers_are_not_sent():
    turn = LLMMessage.assistant(TextContent("Answer", citations=[Citation("x", raw={"type": "char_location"})]),
                                ProviderToolContent("server_tool_use", {"id": "s"}, "anthropic"))
    sent = body(OpenAIAdapter(), LLMMessage.user("q"), turn)
    assert sent["messages"][1] == {"role": "assistant", "content": "Answer"}


# A gpt-4o-mini-search-preview stream as recorded: the annotation rides on the finish chunk.
SEARCH_PREVIEW = "\n\n".join("data: " + json.dumps(chunk, ensure_ascii=False) for chunk in [
    {"id": "chatcmpl-18037d13", "object": "chat.completion.chunk", "created": 1748351805,
     "model": "gpt-4o-mini-search-preview-2025-03-11",
     "choices": [{"index": 0, "delta": {"role": "assistant", "content": "", "refusal": None, "annotations": []},
                  "finish_reason": None}], "usage": None},
    {"id": "chatcmpl-18037d13", "object": "chat.completion.chunk", "created": 1748351805,
     "model": "gpt-4o-mini-search-preview-2025-03-11",
     "choices": [{"index": 0, "delta": {"content": "上海乐高乐园将于2025年7月5日开园。"}, "finish_reason": None}],
     "usage": None},
    {"id": "chatcmpl-18037d13", "object": "chat.completion.chunk", "created": 1748351805,
     "model": "gpt-4o-mini-search-preview-2025-03-11",
     "choices": [{"index": 0, "delta": {"annotations": [{"type": "url_citation", "url_citation": {
         "url": "https://zh.wikipedia.org/wiki/LEGOLAND?utm_source=openai", "title": "上海乐高乐园",
         "start_index": 0, "end_index": 6}}]}, "finish_reason": "stop"}], "usage": None},
    {"id": "chatcmpl-18037d13", "object": "chat.completion.chunk", "created": 1748351805,
     "model": "gpt-4o-mini-search-preview-2025-03-11", "choices": [],
     "usage": {"prompt_tokens": 9, "completion_tokens": 20, "total_tokens": 29}},
]) + "\n\ndata: [DONE]\n\n"


def test_url_citations_land_on_the_text_they_annotate():
    events = run(OpenAIStreamProcessor(), [SEARCH_PREVIEW.encode("utf-8")])
    finished = [e.content for e in events if isinstance(e, Content)]
    assert finished == [TextContent("上海乐高乐园将于2025年7月5日开园。", citations=[Citation(
        "上海乐高乐园", "上海乐高乐园", "https://zh.wikipedia.org/wiki/LEGOLAND?utm_source=openai", None, 0, 6,
        {"type": "url_citation", "url_citation": {"url": "https://zh.wikipedia.org/wiki/LEGOLAND?utm_source=openai",
                                                  "title": "上海乐高乐园", "start_index": 0, "end_index": 6}})])]
    assert set(finished[0].citations[0].raw["url_citation"]) == URL_CITATION_KEYS


@pytest.mark.parametrize("raw", [SEARCH_PREVIEW.encode("utf-8"), O.web_search_reply().body_bytes()])
def test_every_two_chunk_split_gives_identical_events(raw: bytes):
    events, error = assert_every_split_identical(OpenAIStreamProcessor, raw)
    assert error is None and any(isinstance(e, Content) and e.content.citations for e in events)


def test_flattened_annotations_from_gateways():
    stream = O.ChatStream("openrouter").role().text("See the docs.").annotations(
        [{"type": "url_citation", "url": "https://openrouter.ai/docs", "title": "Docs", "content": "OpenRouter docs"}])
    events = run(OpenRouterStreamProcessor(), [stream.finish().done().body()])
    citation = [e.content for e in events if isinstance(e, Content)][0].citations[0]
    assert (citation.url, citation.title, citation.cited_text, citation.start) == (
        "https://openrouter.ai/docs", "Docs", "OpenRouter docs", None)


def test_a_document_a_tool_returned_follows_in_a_user_message():
    from llmsdk import ToolResultContent, ToolUseContent
    from llmsdk._many.tool_loop import result_content

    pdf = DocumentContent.from_base64("JVBERi0=")
    assert result_content(pdf) == [pdf]
    sent = body(OpenAIAdapter(), LLMMessage.user("read it"), LLMMessage.assistant(ToolUseContent("c1", "fetch", {})),
                LLMMessage(role="user", tool_results=[ToolResultContent("c1", [TextContent("fetched"), pdf])]))
    assert sent["messages"][2] == {"role": "tool", "tool_call_id": "c1", "content": "fetched"}
    assert sent["messages"][3]["content"][0]["type"] == "file"
