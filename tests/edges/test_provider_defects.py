"""Provider defects: Responses reasoning items without encrypted content are not sent
back by id under ``store: false``; Anthropic compaction blocks keep their streamed text
and a second ``message_start`` inside an open message is a malformed stream; Gemini's
``responseJsonSchema`` gets no ``$ref`` with siblings."""

from __future__ import annotations

from typing import Any, Iterator

import pytest

from llmsdk import LLMMessage, LLMRequest, TextContent, ThinkingContent
from llmsdk._core.accumulate import accumulate
from llmsdk._engine.sse import feed
from llmsdk.errors import MalformedEventError
from llmsdk.providers.anthropic.request import build_body
from llmsdk.providers.anthropic.stream import AnthropicStreamProcessor
from llmsdk.providers.gemini.request import build_request_body
from llmsdk.providers.openai.responses_request import ResponsesRequestFormatter
from llmsdk.testing import anthropic as A


def responses_items(thinking: ThinkingContent) -> Any:
    request = LLMRequest(model="gpt-5", messages=[
        LLMMessage.user("Plan it"), LLMMessage(role="assistant", content=[thinking, TextContent("Done.")]),
        LLMMessage.user("Go on")])
    return ResponsesRequestFormatter().body(request)["input"]


def test_a_reasoning_item_without_encrypted_content_is_not_sent_back_by_id() -> None:
    items = responses_items(ThinkingContent("my plan", id="rs_0abc"))
    assert not [i for i in items if i.get("type") == "reasoning"]
    assert items[1] == {"type": "message", "role": "assistant", "content": "Done."}


def test_a_reasoning_item_with_encrypted_content_still_goes_back() -> None:
    items = responses_items(ThinkingContent("my plan", signature="gAAAA-opaque", id="rs_0abc"))
    assert items[1]["type"] == "reasoning" and items[1]["encrypted_content"] == "gAAAA-opaque"


def compaction_transcript() -> list:
    return A.stream([
        A.event("content_block_start", index=0, content_block={"type": "compaction", "content": None,
                                                                "encrypted_content": None}),
        A.event("content_block_delta", index=0, delta={"type": "compaction_delta", "content": "Summary ",
                                                        "encrypted_content": "old"}),
        A.event("content_block_delta", index=0, delta={"type": "compaction_delta", "content": "complete",
                                                        "encrypted_content": "opaque-final"}),
        A.event("content_block_stop", index=0),
        A.text_block(1, "The reply"),
    ])


def test_a_compaction_block_keeps_its_streamed_text_and_goes_back_with_it() -> None:
    response = accumulate(feed(AnthropicStreamProcessor(), compaction_transcript()))
    compaction, text = response.content
    assert compaction.type == "compaction"
    assert {k: v for k, v in compaction.data.items() if k != "type"} == {
        "content": "Summary complete", "encrypted_content": "opaque-final"}
    assert text == TextContent("The reply")
    body = build_body(LLMRequest(model="claude-opus-4-6", messages=[
        LLMMessage.user("Hi"), response.to_message(), LLMMessage.user("More")]))
    assert body["messages"][1]["content"][0] == {
        "type": "compaction", "content": "Summary complete", "encrypted_content": "opaque-final"}


def test_a_second_message_start_inside_an_open_message_is_malformed() -> None:
    transcript = [A.message_start(), *A.text_block(0, "Hello")[:-1], A.message_start(msg_id="msg_02")]
    with pytest.raises(MalformedEventError, match="second message_start"):
        feed(AnthropicStreamProcessor(), transcript)


def walk(node: Any) -> Iterator[dict]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk(value)


def test_gemini_response_json_schema_has_no_ref_with_siblings() -> None:
    schema = {
        "type": "object",
        "properties": {
            "home": {"$ref": "#/$defs/Address", "description": "Where they live"},
            "work": {"$ref": "#/$defs/Address"},
        },
        "required": ["home", "work"],
        "$defs": {"Address": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}},
    }
    body = build_request_body(LLMRequest(model="gemini-2.5-flash", messages=[LLMMessage.user("Hi")],
                                         output_schema=schema))
    sent = body["generationConfig"]["responseJsonSchema"]
    assert not [n for n in walk(sent) if "$ref" in n and len(n) > 1]
    assert sent["properties"]["home"]["description"] == "Where they live"
    assert sent["properties"]["home"]["properties"]["city"] == {"type": "string"}
    assert sent["properties"]["work"] == {"$ref": "#/$defs/Address"}
