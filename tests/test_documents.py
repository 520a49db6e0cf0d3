"""Documents, citations, provider tools and cache breakpoints in the content model: constructors,
JSON round-trips, checks before any HTTP, the documents capability, and their costs."""

import base64
import dataclasses
import logging

import pytest

from llmsdk import (
    Citation, DocumentContent, ImageContent, LLMMessage, LLMRequest, LLMResponse, ProviderTool,
    ProviderToolContent, TextContent, Tool, ToolResultContent, ToolUseContent, Usage, get_model,
)
from llmsdk.errors import InvalidRequestError
from llmsdk.models import LLMModelBuilder, ModelCapabilitiesBuilder, check_capabilities
from llmsdk.types import block_from_dict

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def test_from_file_reads_a_pdf_once_and_text_as_text(tmp_path):
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(PDF)
    doc = DocumentContent.from_file(pdf, title="Q3", citations=True, cache="1h")
    assert (doc.media_type, doc.title, doc.citations, doc.cache, doc.filename) == (
        "application/pdf", "Q3", True, "1h", "report.pdf")
    assert base64.b64decode(doc.data) == PDF and doc.text is None and doc.is_pdf
    notes = tmp_path / "notes.md"
    notes.write_text("# Notes\nThe grass is green. ✓", encoding="utf-8")
    text_doc = DocumentContent.from_file(str(notes))
    assert text_doc.media_type == "text/markdown" and text_doc.text.endswith("green. ✓") and text_doc.data is None
    assert base64.b64decode(text_doc.as_base64()).decode("utf-8") == text_doc.text


def test_other_constructors():
    assert DocumentContent.from_url("https://x.test/a.pdf?dl=1").media_type == "application/pdf"
    assert DocumentContent.from_url("https://x.test/a.txt").media_type == "text/plain"
    assert DocumentContent.from_text("abc").as_text() == "abc"
    assert DocumentContent.from_bytes(b"hi", "text/plain").as_text() == "hi"
    assert DocumentContent("application/pdf", data="AAAA") == DocumentContent.from_base64("AAAA")


def test_a_missing_file_or_an_unknown_media_type_is_refused_before_any_request(tmp_path):
    with pytest.raises(InvalidRequestError, match="cannot read document"):
        DocumentContent.from_file(tmp_path / "missing.pdf")
    odd = tmp_path / "deck.pptx"
    odd.write_bytes(b"PK")
    with pytest.raises(InvalidRequestError, match="unsupported document media type"):
        DocumentContent.from_file(odd)
    blob = tmp_path / "blob"
    blob.write_bytes(b"x")
    with pytest.raises(InvalidRequestError, match="cannot tell the media type"):
        DocumentContent.from_file(blob)
    latin = tmp_path / "latin.txt"
    latin.write_bytes("café".encode("latin-1"))
    with pytest.raises(InvalidRequestError, match="not UTF-8"):
        DocumentContent.from_file(latin)


@pytest.mark.parametrize("block", [
    DocumentContent("application/pdf", data="JVBERi0=", title="t", citations=True, cache="5m"),
    DocumentContent.from_text("abc", title="notes"),
    TextContent("cited", citations=[Citation("quote", "Doc", None, 0, 3, 8, {"type": "char_location"})], cache="1h"),
    ImageContent.from_url("https://x.test/a.png"),
    ToolResultContent("t1", [TextContent("r"), DocumentContent.from_text("d")], cache="5m"),
    ProviderToolContent("web_search_tool_result", {"type": "web_search_tool_result", "tool_use_id": "s",
                                                   "content": [{"type": "web_search_result", "url": "u"}]}, "anthropic"),
])
def test_every_new_block_round_trips_through_block_from_dict(block):
    data = block.to_dict()
    assert block_from_dict(data) == block
    assert type(block).from_json(block.to_json()) == block


def test_provider_tool_blocks_keep_the_block_discriminator():
    data = ProviderToolContent("server_tool_use", {"id": "s"}, "anthropic").to_dict()
    assert data == {"type": "provider_tool", "provider_type": "server_tool_use", "data": {"id": "s"},
                    "provider": "anthropic"}
    assert TextContent("plain").to_dict() == {"type": "text", "text": "plain"}  # no empty extras


def test_request_and_response_round_trip_with_everything():
    req = LLMRequest(
        model="claude-sonnet-4-6", system=[TextContent("long rules", cache="1h"), TextContent("be brief")],
        messages=[
            LLMMessage.user("Summarise", DocumentContent.from_text("doc", citations=True, cache="5m")),
            LLMMessage.assistant(TextContent("ok", citations=[Citation("doc", url="u", raw={"k": 1})]),
                                 ProviderToolContent("server_tool_use", {"id": "s", "input": {}}, "anthropic")),
        ],
        tools=[ProviderTool("web_search_20250305", {"max_uses": 2}), Tool("f", "F", cache="5m")])
    again = LLMRequest.from_json(req.to_json())
    assert again == req and isinstance(again.tools[0], ProviderTool) and isinstance(again.system[0], TextContent)
    assert req.system_prompt() == "long rules\n\nbe brief"
    resp = LLMResponse("m", "x", content=req.messages[1].content,
                       usage=Usage(1, 2, 3, 4, cache_writes_1h=4, server_tool_use={"web_search": 1}))
    assert LLMResponse.from_json(resp.to_json()) == resp
    assert resp.citations == [Citation("doc", url="u", raw={"k": 1})]


def test_usage_keeps_positional_construction_and_adds_the_new_counts():
    assert Usage(10, 5, 2, 1) == Usage(input_tokens=10, output_tokens=5, cache_reads=2, cache_writes=1)
    total = Usage(1, 1, 0, 4, 3, {"web_search": 1}) + Usage(1, 1, 0, 2, 0, {"web_search": 2, "web_fetch": 1})
    assert total == Usage(2, 2, 0, 6, 3, {"web_search": 3, "web_fetch": 1})
    assert Usage(1, 2).to_dict() == {"input_tokens": 1, "output_tokens": 2, "cache_reads": 0, "cache_writes": 0}


@pytest.mark.parametrize("request_kwargs, message", [
    ({"messages": [LLMMessage.user("x", DocumentContent("application/pdf"))]}, "exactly one of data, url or text"),
    ({"messages": [LLMMessage.user("x", DocumentContent("application/pdf", text="t"))]}, "PDF document needs"),
    ({"messages": [LLMMessage.user("x", DocumentContent("application/msword", data="AA"))]}, "unsupported document"),
    ({"messages": [LLMMessage.user(TextContent("x", cache="10m"))]}, "cache must be"),
    ({"messages": [LLMMessage.user("x")], "system": [TextContent("s", cache="2h")]}, "cache must be"),
    ({"messages": [LLMMessage.user("x")], "system": ["plain"]}, "system must be"),
    ({"messages": [LLMMessage.user("x")], "tools": [Tool("f", cache="forever")]}, "cache must be"),
    ({"messages": [LLMMessage.user("x")], "tools": [ProviderTool("")]}, "provider tool"),
    ({"messages": [LLMMessage.user(ProviderToolContent("server_tool_use", {}))]}, "assistant turns"),
])
def test_bad_new_input_is_an_invalid_request(request_kwargs, message):
    with pytest.raises(InvalidRequestError, match=message):
        LLMRequest(model="m", **request_kwargs).validate()


def test_provider_tools_count_as_tools_for_a_forced_choice():
    LLMRequest(model="m", messages=[LLMMessage.user("x")], tools=[ProviderTool("web_search")],
               tool_choice="any").validate()


# -- the documents capability ------------------------------------------------------------


def test_documents_capability_comes_from_the_documented_table():
    assert get_model("anthropic/claude-haiku-4-5").capabilities.documents
    assert get_model("gemini/gemini-2.5-flash").capabilities.documents
    assert get_model("openai/gpt-4.1").capabilities.documents  # vision models read PDFs
    assert not get_model("groq/llama-3.3-70b-versatile").capabilities.documents
    assert ModelCapabilitiesBuilder().with_documents().build().documents


def _pdf_request(model: str) -> LLMRequest:
    return LLMRequest(model=model, messages=[LLMMessage.user("x", DocumentContent.from_base64("JVBERi0="))])


def test_a_pdf_to_a_model_without_documents_warns_or_is_refused_in_strict_mode(caplog):
    with caplog.at_level(logging.WARNING, logger="llmsdk.models"):
        check_capabilities(_pdf_request("llama-3.3-70b-versatile"), "groq", strict=False)
    assert "documents (PDF input)" in caplog.text
    with pytest.raises(InvalidRequestError, match="documents"):
        check_capabilities(_pdf_request("llama-3.3-70b-versatile"), "groq", strict=True)
    check_capabilities(_pdf_request("claude-haiku-4-5"), "anthropic", strict=True)
    text_only = LLMRequest(model="llama-3.3-70b-versatile",
                           messages=[LLMMessage.user("x", DocumentContent.from_text("plain text reaches any model"))])
    check_capabilities(text_only, "groq", strict=True)


# -- costs -------------------------------------------------------------------------------


def test_one_hour_cache_writes_are_priced_at_the_one_hour_rate():
    haiku = get_model("anthropic/claude-haiku-4-5")  # $1 in, $1.25 5-minute write, $2 1-hour write, $0.10 read
    five_minutes = haiku.calculate_cost(Usage(0, 0, 0, 1_000_000))
    one_hour = haiku.calculate_cost(Usage(0, 0, 0, 1_000_000, cache_writes_1h=1_000_000))
    mixed = haiku.calculate_cost(Usage(0, 0, 0, 1_000_000, cache_writes_1h=400_000))
    assert (five_minutes, one_hour) == (pytest.approx(1.25), pytest.approx(2.0))
    assert mixed == pytest.approx(0.6 * 1.25 + 0.4 * 2.0)
    assert haiku.calculate_cost(Usage(0, 0, 1_000_000, 0)) == pytest.approx(0.10)


def test_one_hour_writes_above_a_long_context_tier():
    sonnet45 = get_model("anthropic/claude-sonnet-4-5-20250929")  # catalog: 1-hour write $12 above 200k
    usage = Usage(200_000, 0, 0, 1_000_000, cache_writes_1h=1_000_000)
    assert sonnet45.calculate_cost(usage) == pytest.approx((200_000 * 6 + 1_000_000 * 12) / 1e6)
    sonnet4 = get_model("anthropic/claude-sonnet-4-20250514")  # no tiered 1-hour price: 7.5 * 6 / 3.75
    assert sonnet4.calculate_cost(usage) == pytest.approx((200_000 * 6 + 1_000_000 * 12) / 1e6)


def test_server_tool_calls_are_priced_only_where_the_model_has_a_price():
    usage = Usage(1000, 100, server_tool_use={"web_search": 3})
    haiku = get_model("anthropic/claude-haiku-4-5")
    assert haiku.calculate_cost(usage) == haiku.calculate_cost(Usage(1000, 100))  # the catalog has no such price
    priced = LLMModelBuilder().model_name("m").provider("anthropic").prices(1.0, 5.0).build()
    priced = dataclasses.replace(priced, extra_pricing={"web_search_per_request": 0.01})
    assert priced.calculate_cost(usage) == pytest.approx((1000 * 1 + 100 * 5) / 1e6 + 0.03)


def test_tool_result_and_tool_blocks_in_a_transcript_stay_valid():
    LLMRequest(model="m", messages=[
        LLMMessage.user("q"),
        LLMMessage.assistant(ToolUseContent("t1", "f", {})),
        LLMMessage(role="user", tool_results=[ToolResultContent("t1", [DocumentContent.from_text("r")], cache="5m")]),
    ]).validate()
