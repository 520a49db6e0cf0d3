"""xAI: the Responses API by default (``store: false``, encrypted reasoning through
``include``, effort without summaries), Chat Completions selectable."""

from __future__ import annotations

from llmsdk.config import HttpClientOptions
from llmsdk.models import get_model
from llmsdk.providers import LLMProvider
from llmsdk.providers.xai import XAIChatAdapter, XAIResponsesAdapter
from llmsdk.testing import openai as builders
from llmsdk.types import LLMMessage, LLMRequest, ThinkingContent, ThinkingOptions, ToolResultContent, ToolUseContent

from ._support import assert_every_split_identical, response_of


def test_default_api_is_responses_and_chat_is_selectable() -> None:
    assert LLMProvider.XAI.default_api() == "responses"
    assert isinstance(LLMProvider.XAI.adapter(), XAIResponsesAdapter)
    assert isinstance(LLMProvider.XAI.adapter("chat"), XAIChatAdapter)
    assert HttpClientOptions.new_xai("k").api == "responses"
    assert HttpClientOptions.new_xai("k", api="chat").api == "chat"


def test_responses_body_is_stateless_with_encrypted_reasoning() -> None:
    adapter = XAIResponsesAdapter()
    model = get_model("grok-4.7", provider="xai")
    body = adapter.request_body(LLMRequest(model=model, messages=[LLMMessage.user("Hi")],
                                           thinking=ThinkingOptions(effort="xhigh")))
    assert body["store"] is False and body["include"] == ["reasoning.encrypted_content"]
    assert body["reasoning"] == {"effort": "xhigh"}  # xAI takes no summary option
    plain = adapter.request_body(LLMRequest(model="grok-4.7", messages=[LLMMessage.user("Hi")]))
    assert plain["include"] == ["reasoning.encrypted_content"] and "reasoning" not in plain
    assert adapter.endpoint("https://api.x.ai", LLMRequest(model="m", messages=[])) == "https://api.x.ai/v1/responses"


def test_encrypted_reasoning_goes_back_as_a_reasoning_item() -> None:
    stream = builders.responses.tool_use_reply("get_weather", {"city": "Paris"}, reasoning="Check it.",
                                               encrypted_content="enc-123")
    response = response_of(XAIResponsesAdapter().stream_processor(LLMRequest(model="grok-4.7", messages=[])),
                           stream.body_bytes())
    thinking = next(b for b in response.content if isinstance(b, ThinkingContent))
    assert thinking.signature == "enc-123" and thinking.id
    call = next(b for b in response.content if isinstance(b, ToolUseContent))
    body = XAIResponsesAdapter().request_body(LLMRequest(model="grok-4.7", messages=[
        LLMMessage.user("Weather?"), response.to_message(),
        LLMMessage(role="user", tool_results=[ToolResultContent(call.id, "18C")])]))
    item = next(i for i in body["input"] if i.get("type") == "reasoning")
    assert item["encrypted_content"] == "enc-123" and item["id"] == thinking.id


def test_chat_stream_reads_reasoning_content() -> None:
    body = builders.reasoning_reply("Thinking.", "Hi!", dialect="xai").body_bytes()
    processor = XAIChatAdapter().stream_processor(LLMRequest(model="grok-4.7", messages=[]))
    assert response_of(processor, body).content[0] == ThinkingContent("Thinking.")
    assert_every_split_identical(lambda: XAIChatAdapter().stream_processor(LLMRequest(model="m", messages=[])), body)
