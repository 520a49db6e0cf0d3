"""Core types: JSON round-trips, helpers, and request validation before any HTTP."""

import pytest

from llmsdk import (
    ImageContent, LLMMessage, LLMRequest, LLMResponse, RedactedThinkingContent, StopReason,
    TextContent, ThinkingContent, ThinkingOptions, Tool, ToolResultContent, ToolUseContent, Usage,
)
from llmsdk.errors import InvalidRequestError

WEATHER = Tool("get_weather", "Weather", {"type": "object", "properties": {"city": {"type": "string"}}})


def full_request() -> LLMRequest:
    return LLMRequest(
        model="claude-sonnet-4-6",
        system="Be terse.",
        messages=[
            LLMMessage.user("What is this?", ImageContent.from_base64("aGVsbG8=", "image/png"),
                            ImageContent.from_url("https://example.com/cat.jpg")),
            LLMMessage(role="assistant", content=[
                ThinkingContent("hmm", signature="sig=="), RedactedThinkingContent("opaque"),
                TextContent("Checking."), ToolUseContent("toolu_1", "get_weather", {"city": "Paris"}),
            ]),
            LLMMessage.tool_result("toolu_1", [TextContent("18C")], is_error=False),
        ],
        max_tokens=100, temperature=0.5, top_p=0.9, stop=["END"], tools=[WEATHER],
        tool_choice={"name": "get_weather"}, thinking=ThinkingOptions(budget_tokens=2048),
    )


def test_request_json_round_trip_with_mixed_blocks():
    req = full_request()
    again = LLMRequest.from_json(req.to_json())
    assert again == req
    blocks = again.messages[1].content
    assert [type(b) for b in blocks] == [ThinkingContent, RedactedThinkingContent, TextContent, ToolUseContent]
    assert again.messages[0].content[1].url is None and again.messages[0].content[2].url.endswith("cat.jpg")
    assert isinstance(again.messages[2].tool_results[0].content[0], TextContent)


def test_block_dicts_carry_a_type_discriminator():
    assert TextContent("hi").to_dict() == {"type": "text", "text": "hi"}
    assert ToolUseContent("t", "f", {"a": 1}).to_dict()["type"] == "tool_use"


def test_response_round_trip_and_helpers():
    resp = LLMResponse(id="msg_1", model="m", content=[
        ThinkingContent("think", "sig"), TextContent("Hello "), TextContent("world"),
        ToolUseContent("t1", "f", {"x": 1})], stop_reason=StopReason.TOOL_USE, usage=Usage(10, 5, 2, 1), cost=0.25)
    again = LLMResponse.from_json(resp.to_json())
    assert again == resp
    assert again.stop_reason is StopReason.TOOL_USE
    assert resp.text == "Hello world" and resp.thinking == "think"
    assert [t.id for t in resp.tool_uses] == ["t1"]
    message = resp.to_message()
    assert message.role == "assistant" and message.content == resp.content
    assert resp._repr_markdown_() == "Hello world"


def test_usage_addition_and_totals():
    total = Usage(1, 2, 3, 4) + Usage(10, 20, 30, 40)
    assert total == Usage(11, 22, 33, 44)
    assert total.total_input_tokens == 11 + 33 + 44
    assert Usage.from_json(total.to_json()) == total


def test_message_blocks_order_and_constructors():
    msg = LLMMessage(role="user", text="hi", content=[TextContent("more")],
                     tool_results=[ToolResultContent("t1", "ok")])
    assert [type(b) for b in msg.blocks] == [ToolResultContent, TextContent, TextContent]
    assert LLMMessage.user("x") == LLMMessage(role="user", text="x")
    assert LLMMessage.assistant("y").role == "assistant"
    assert LLMMessage.system("s").role == "system"


def test_image_constructors():
    img = ImageContent.from_bytes(b"\x89PNG", "image/png")
    assert img.data == "iVBORw==" and img.url is None
    assert ImageContent.from_url("https://x.test/a.png?size=2").media_type == "image/png"


def test_system_messages_fold_into_system_prompt():
    req = LLMRequest(model="m", system="A", messages=[LLMMessage.system("B"), LLMMessage.user("hi")])
    assert req.system_prompt() == "A\n\nB"
    assert [m.role for m in req.chat_messages()] == ["user"]


@pytest.mark.parametrize("change, message", [
    ({"messages": []}, "non-empty"),
    ({"messages": [LLMMessage(role="robot", text="x")]}, "unknown role"),
    ({"messages": [LLMMessage(role="user")]}, "no content"),
    ({"messages": [LLMMessage.tool_result("nope", "x")]}, "no matching tool call"),
    ({"max_tokens": -1}, "negative"),
    ({"max_tokens": 1.5}, "int"),
    ({"temperature": 2.5}, "temperature"),
    ({"temperature": -0.1}, "temperature"),
    ({"top_p": 1.5}, "top_p"),
    ({"stop": [1]}, "stop"),
    ({"tool_choice": "sometimes"}, "tool_choice"),
    ({"tool_choice": {"name": "missing"}, "tools": [WEATHER]}, "not among the tools"),
    ({"tool_choice": "any"}, "needs tools"),
    ({"tools": [WEATHER, WEATHER]}, "duplicate"),
    ({"model": ""}, "model"),
    ({"model": None}, "model"),
    ({"messages": [LLMMessage.user(ImageContent(media_type="image/png"))]}, "exactly one"),
    ({"thinking": ThinkingOptions(budget_tokens=-5)}, "budget_tokens"),
    ({"messages": [LLMMessage(role="user", text=123)]}, "must be a string"),
    ({"messages": [LLMMessage(role="user", content=42)]}, "must be a list"),  # a str is one text block
    ({"messages": [LLMMessage(role="user", content=[{"type": "text", "text": "hi"}])]}, "not a content block"),
    ({"messages": "hello"}, "non-empty list"),
])
def test_invalid_requests_raise_before_http(change, message):
    base = {"model": "m", "messages": [LLMMessage.user("hi")]}
    base.update(change)
    with pytest.raises(InvalidRequestError, match=message):
        LLMRequest(**base).validate()


def test_valid_request_passes():
    req = full_request()
    assert req.validate() is req  # returns the request itself, for chaining


def test_tool_result_must_follow_its_call_in_an_earlier_turn():
    req = LLMRequest(model="m", messages=[
        LLMMessage.user("hi"),
        LLMMessage(role="assistant", tool_calls=[ToolUseContent("t1", "f", {})]),
        LLMMessage.tool_result("t1", "done"),
    ])
    req.validate()
    with pytest.raises(InvalidRequestError):
        LLMRequest(model="m", messages=[LLMMessage.user(ToolUseContent("t1", "f", {}))]).validate()
