"""Anthropic request formatting: the exact JSON for each feature."""

import pytest

from llmsdk import (
    ImageContent, LLMMessage, LLMRequest, RedactedThinkingContent, TextContent, ThinkingContent,
    ThinkingOptions, Tool, ToolResultContent, ToolUseContent,
)
from llmsdk.errors import InvalidRequestError
from llmsdk.providers.anthropic.request import build_body, build_count_tokens_body
from llmsdk.providers.anthropic.versions import LEGACY_VERSION

WEATHER = Tool("get_weather", "Current weather", {"type": "object", "properties": {"city": {"type": "string"}},
                                                  "required": ["city"]})


def test_minimal_body_defaults_max_tokens():
    body = build_body(LLMRequest(model="claude-haiku-4-5", messages=[LLMMessage.user("Hi")]))
    assert body == {"model": "claude-haiku-4-5", "max_tokens": 8192,
                    "messages": [{"role": "user", "content": "Hi"}], "stream": True}


def test_sampling_system_and_stop():
    body = build_body(LLMRequest(model="m", system="Be terse.", messages=[LLMMessage.system("Also polite."),
                                                                          LLMMessage.user("Hi")],
                                 max_tokens=100, temperature=0.2, top_p=0.9, stop="END"), LEGACY_VERSION)
    assert body["system"] == "Be terse.\n\nAlso polite."
    assert (body["max_tokens"], body["temperature"], body["top_p"], body["stop_sequences"]) == (100, 0.2, 0.9, ["END"])
    assert body["messages"] == [{"role": "user", "content": "Hi"}]


def test_temperature_above_one_is_rejected():
    with pytest.raises(InvalidRequestError, match="between 0 and 1"):
        build_body(LLMRequest(model="m", messages=[LLMMessage.user("Hi")], temperature=1.5))


def test_images():
    body = build_body(LLMRequest(model="m", messages=[LLMMessage.user(
        "What?", ImageContent.from_base64("aGk=", "image/png"), ImageContent.from_url("https://x.test/c.jpg"))]))
    assert body["messages"][0]["content"] == [
        {"type": "text", "text": "What?"},
        {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "aGk="}},
        {"type": "image", "source": {"type": "url", "url": "https://x.test/c.jpg"}},
    ]


def test_tool_loop_history_and_thinking_round_trip():
    history = [
        LLMMessage.user("Weather in Paris?"),
        LLMMessage(role="assistant", content=[
            ThinkingContent("Need the tool.", signature="EqQBsig=="), RedactedThinkingContent("opaque=="),
            TextContent("Checking."), ToolUseContent("toolu_1", "get_weather", {"city": "Paris"})]),
        LLMMessage(role="user", tool_results=[ToolResultContent("toolu_1", "18C", is_error=False)], text="Thanks"),
        LLMMessage(role="assistant", content=[ToolUseContent("toolu_2", "get_weather", {"city": "Rome"})]),
        LLMMessage(role="user", tool_results=[ToolResultContent("toolu_2", [TextContent("boom")], is_error=True)]),
    ]
    body = build_body(LLMRequest(model="m", messages=history, tools=[WEATHER], tool_choice="auto",
                                 thinking=ThinkingOptions(budget_tokens=2048), max_tokens=4096))
    assert body["tools"] == [{"name": "get_weather", "description": "Current weather",
                              "input_schema": WEATHER.input_schema}]
    assert body["tool_choice"] == {"type": "auto"}
    assert body["thinking"] == {"type": "enabled", "budget_tokens": 2048}
    assert body["messages"][1]["content"] == [
        {"type": "thinking", "thinking": "Need the tool.", "signature": "EqQBsig=="},
        {"type": "redacted_thinking", "data": "opaque=="},
        {"type": "text", "text": "Checking."},
        {"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {"city": "Paris"}},
    ]
    assert body["messages"][2]["content"] == [
        {"type": "tool_result", "tool_use_id": "toolu_1", "content": "18C"},
        {"type": "text", "text": "Thanks"},
    ]
    assert body["messages"][4]["content"] == [
        {"type": "tool_result", "tool_use_id": "toolu_2", "content": [{"type": "text", "text": "boom"}],
         "is_error": True}]


@pytest.mark.parametrize("choice, wire", [
    ("auto", {"type": "auto"}), ("any", {"type": "any"}), ("required", {"type": "any"}),
    ("none", {"type": "none"}), ({"name": "get_weather"}, {"type": "tool", "name": "get_weather"}),
])
def test_tool_choice(choice, wire):
    body = build_body(LLMRequest(model="m", messages=[LLMMessage.user("x")], tools=[WEATHER], tool_choice=choice))
    assert body["tool_choice"] == wire


def test_consecutive_same_role_turns_are_merged():
    body = build_body(LLMRequest(model="m", messages=[LLMMessage.user("a"), LLMMessage.user("b")]))
    assert body["messages"] == [{"role": "user", "content": [{"type": "text", "text": "a"},
                                                             {"type": "text", "text": "b"}]}]


def test_thinking_rules():
    def req(**kw):
        return LLMRequest(model="m", messages=[LLMMessage.user("x")], tools=[WEATHER], **kw)

    assert build_body(req(thinking=ThinkingOptions(budget_tokens=4000)))["max_tokens"] == 4000 + 8192
    assert build_body(req(thinking=ThinkingOptions()))["thinking"] == {"type": "adaptive"}
    with pytest.raises(InvalidRequestError, match=">= 1024"):
        build_body(req(thinking=ThinkingOptions(budget_tokens=500)))
    with pytest.raises(InvalidRequestError, match="less than max_tokens"):
        build_body(req(thinking=ThinkingOptions(budget_tokens=2000), max_tokens=1500))
    with pytest.raises(InvalidRequestError, match="forced tool_choice"):
        build_body(req(thinking=ThinkingOptions(budget_tokens=2000), tool_choice="any"))


def test_extra_body_and_count_tokens_body():
    request = LLMRequest(model="m", messages=[LLMMessage.user("x")], system="s", temperature=0.1,
                         extra_body={"metadata": {"user_id": "u1"}})
    assert build_body(request)["metadata"] == {"user_id": "u1"}
    assert build_count_tokens_body(request) == {"model": "m", "messages": [{"role": "user", "content": "x"}],
                                                "system": "s"}
