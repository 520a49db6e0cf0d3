"""Chat Completions request bodies, asserted as exact JSON, for all four dialects."""

from __future__ import annotations

import json
from typing import Any, Dict

import pytest

from llmsdk import (
    ImageContent, LLMMessage, LLMRequest, RedactedThinkingContent, TextContent, ThinkingContent, ThinkingOptions,
    Tool, ToolResultContent, ToolUseContent,
)
from llmsdk.models import get_model
from llmsdk.providers.groq.client import GroqAdapter
from llmsdk.providers.openai.client import OpenAIAdapter
from llmsdk.providers.openai.request import effort_for_budget
from llmsdk.providers.openai_compatible.client import OpenAICompatibleAdapter
from llmsdk.providers.openrouter.client import OpenRouterAdapter

WEATHER = Tool("get_weather", "Current weather for a city",
               {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]})
WEATHER_JSON = {"type": "function", "function": {
    "name": "get_weather", "description": "Current weather for a city",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}


def body(adapter: Any, **kwargs: Any) -> Dict[str, Any]:
    kwargs.setdefault("messages", [LLMMessage.user("Hi")])
    return adapter.request_body(LLMRequest(**kwargs))  # type: ignore[no-any-return]


def test_openai_minimal_body_streams_with_include_usage() -> None:
    assert body(OpenAIAdapter(), model="gpt-4.1") == {
        "model": "gpt-4.1",
        "messages": [{"role": "user", "content": "Hi"}],
        "stream": True,
        "stream_options": {"include_usage": True},
    }


def test_openai_full_body() -> None:
    got = body(OpenAIAdapter(), model="gpt-4.1", system="You are terse.", max_tokens=256, temperature=0.2,
               top_p=0.9, stop=["\n\n", "END"], tools=[WEATHER], tool_choice="auto")
    assert got == {
        "model": "gpt-4.1",
        "messages": [{"role": "system", "content": "You are terse."}, {"role": "user", "content": "Hi"}],
        "max_completion_tokens": 256,
        "temperature": 0.2,
        "top_p": 0.9,
        "stop": ["\n\n", "END"],
        "tools": [WEATHER_JSON],
        "tool_choice": "auto",
        "stream": True,
        "stream_options": {"include_usage": True},
    }


@pytest.mark.parametrize("model", ["o3-mini", "o4-mini", "gpt-5", "gpt-5-mini-2025-08-07", "o1"])
def test_reasoning_models_get_developer_role_and_max_completion_tokens(model: str) -> None:
    entry = get_model(model, provider="openai")  # the client hands formatters the registry entry
    got = body(OpenAIAdapter(), model=entry, system="Rules.", max_tokens=1000,
               thinking=ThinkingOptions(effort="high"))
    assert got["messages"][0] == {"role": "developer", "content": "Rules."}
    assert got["max_completion_tokens"] == 1000 and "max_tokens" not in got
    assert got["reasoning_effort"] == "high"


@pytest.mark.parametrize("budget, effort", [(1024, "low"), (4096, "medium"), (16384, "high"), (64000, "high")])
def test_a_thinking_budget_alone_maps_to_an_effort(budget: int, effort: str) -> None:
    assert effort_for_budget(budget) == effort
    got = body(OpenAIAdapter(), model="o3", thinking=ThinkingOptions(budget_tokens=budget))
    assert got["reasoning_effort"] == effort


@pytest.mark.parametrize("choice, wire", [
    ("auto", "auto"), ("none", "none"), ("any", "required"), ("required", "required"),
    ({"name": "get_weather"}, {"type": "function", "function": {"name": "get_weather"}}),
])
def test_tool_choice_mapping(choice: Any, wire: Any) -> None:
    assert body(OpenAIAdapter(), model="gpt-4.1", tools=[WEATHER], tool_choice=choice)["tool_choice"] == wire


def test_system_messages_are_joined_into_one_system_message() -> None:
    got = body(OpenAIAdapter(), model="gpt-4.1", system="A.",
               messages=[LLMMessage.system("B."), LLMMessage.user("Hi")])
    assert got["messages"][0] == {"role": "system", "content": "A.\n\nB."}


def test_images_become_image_url_parts_with_data_urls() -> None:
    msg = LLMMessage.user("What is this?", ImageContent.from_url("https://example.com/cat.png"),
                          ImageContent.from_base64("iVBORw0KGgo=", "image/png"))
    assert body(OpenAIAdapter(), model="gpt-4.1", messages=[msg])["messages"] == [{"role": "user", "content": [
        {"type": "text", "text": "What is this?"},
        {"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}},
        {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}},
    ]}]


def test_tool_loop_history_links_results_by_tool_call_id() -> None:
    messages = [
        LLMMessage.user("Weather in Paris and Kyoto?"),
        LLMMessage.assistant("Checking.", ToolUseContent("call_1", "get_weather", {"city": "Paris"}),
                             ToolUseContent("call_2", "get_weather", {"city": "京都"})),
        LLMMessage(role="user", tool_results=[ToolResultContent("call_1", "18C sunny"),
                                              ToolResultContent("call_2", [TextContent("21C"), TextContent(" rain")])]),
        LLMMessage.assistant("Paris 18C, Kyoto 21C."),
        LLMMessage.user("Thanks"),
    ]
    got = body(OpenAIAdapter(), model="gpt-4.1", messages=messages, tools=[WEATHER])["messages"]
    assert got == [
        {"role": "user", "content": "Weather in Paris and Kyoto?"},
        {"role": "assistant", "content": "Checking.", "tool_calls": [
            {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'}},
            {"id": "call_2", "type": "function", "function": {"name": "get_weather", "arguments": '{"city": "京都"}'}},
        ]},
        {"role": "tool", "tool_call_id": "call_1", "content": "18C sunny"},
        {"role": "tool", "tool_call_id": "call_2", "content": "21C rain"},
        {"role": "assistant", "content": "Paris 18C, Kyoto 21C."},
        {"role": "user", "content": "Thanks"},
    ]
    arguments = got[1]["tool_calls"][1]["function"]["arguments"]
    assert isinstance(arguments, str) and json.loads(arguments) == {"city": "京都"}


def test_tool_only_assistant_turn_has_null_content_and_thinking_is_dropped_for_openai() -> None:
    messages = [LLMMessage.user("Go"),
                LLMMessage.assistant(ThinkingContent("hmm", signature="sig"), RedactedThinkingContent("xx"),
                                     ToolUseContent("call_1", "get_weather", {})),
                LLMMessage.tool_result("call_1", "ok")]
    got = body(OpenAIAdapter(), model="gpt-4.1", messages=messages, tools=[WEATHER])["messages"]
    assert got[1] == {"role": "assistant", "content": None, "tool_calls": [
        {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": "{}"}}]}


def test_tool_result_images_follow_in_a_user_message() -> None:
    messages = [LLMMessage.user("Screenshot?"), LLMMessage.assistant(ToolUseContent("call_1", "shot", {})),
                LLMMessage.tool_result("call_1", [TextContent("done"), ImageContent.from_base64("AAA", "image/jpeg")])]
    got = body(OpenAIAdapter(), model="gpt-4.1", messages=messages)["messages"]
    assert got[2:] == [
        {"role": "tool", "tool_call_id": "call_1", "content": "done"},
        {"role": "user", "content": [{"type": "image_url", "image_url": {"url": "data:image/jpeg;base64,AAA"}}]},
    ]


def test_extra_body_is_merged_last() -> None:
    got = body(OpenAIAdapter(), model="gpt-4.1", extra_body={"seed": 7, "parallel_tool_calls": False})
    assert got["seed"] == 7 and got["parallel_tool_calls"] is False


# -- Groq ---------------------------------------------------------------------------------


def test_groq_body_has_no_stream_options() -> None:
    assert body(GroqAdapter(), model="llama-3.3-70b-versatile", system="S", max_tokens=50) == {
        "model": "llama-3.3-70b-versatile",
        "messages": [{"role": "system", "content": "S"}, {"role": "user", "content": "Hi"}],
        "max_completion_tokens": 50,
        "stream": True,
    }


def test_groq_reasoning_format_and_reasoning_in_history() -> None:
    messages = [LLMMessage.user("Q"), LLMMessage.assistant(ThinkingContent("I think"), TextContent("A")),
                LLMMessage.user("Q2")]
    got = body(GroqAdapter(), model="qwen/qwen3-32b", messages=messages, thinking=ThinkingOptions())
    assert got["reasoning_format"] == "parsed" and "reasoning_effort" not in got
    assert got["messages"][1] == {"role": "assistant", "content": "A", "reasoning": "I think"}
    hidden = body(GroqAdapter(), model="qwen/qwen3-32b", thinking=ThinkingOptions(include_thoughts=False))
    assert hidden["reasoning_format"] == "hidden"


def test_groq_gpt_oss_uses_include_reasoning_and_effort() -> None:
    got = body(GroqAdapter(), model=get_model("openai/gpt-oss-20b", provider="groq"),
               thinking=ThinkingOptions(budget_tokens=8000))
    assert got["reasoning_effort"] == "medium" and got["include_reasoning"] is True
    assert "reasoning_format" not in got


# -- OpenRouter ---------------------------------------------------------------------------


def test_openrouter_body_uses_max_tokens_reasoning_object_and_routing() -> None:
    got = body(OpenRouterAdapter(), model="anthropic/claude-sonnet-4.5", max_tokens=300,
               thinking=ThinkingOptions(budget_tokens=2048),
               extra_body={"provider": {"order": ["anthropic"], "allow_fallbacks": False}})
    assert got == {
        "model": "anthropic/claude-sonnet-4.5",
        "messages": [{"role": "user", "content": "Hi"}],
        "max_tokens": 300,
        "reasoning": {"max_tokens": 2048},
        "stream": True,
        "provider": {"order": ["anthropic"], "allow_fallbacks": False},
    }
    effort = body(OpenRouterAdapter(), model="openai/o3", thinking=ThinkingOptions(effort="low", include_thoughts=False))
    assert effort["reasoning"] == {"effort": "low", "exclude": True}


def test_openrouter_echoes_reasoning_details_verbatim() -> None:
    details = [{"type": "reasoning.text", "text": "t", "signature": "s==", "format": "anthropic-claude-v1", "index": 0}]
    messages = [LLMMessage.user("Q"),
                LLMMessage.assistant(ThinkingContent("t", signature=json.dumps(details)),
                                     ToolUseContent("toolu_1", "get_weather", {"city": "Paris"})),
                LLMMessage.tool_result("toolu_1", "18C")]
    got = body(OpenRouterAdapter(), model="anthropic/claude-sonnet-4.5", messages=messages, tools=[WEATHER])
    assert got["messages"][1]["reasoning_details"] == details
    foreign = [LLMMessage.user("Q"), LLMMessage.assistant(ThinkingContent("t", signature="anthropic-sig"),
                                                          TextContent("A")), LLMMessage.user("Q2")]
    assert "reasoning_details" not in body(OpenRouterAdapter(), model="x/y", messages=foreign)["messages"][1]


# -- OpenAI-compatible --------------------------------------------------------------------


def test_compatible_body_uses_max_tokens_and_asks_for_usage() -> None:
    assert body(OpenAICompatibleAdapter(), model="Qwen/Qwen2.5-7B-Instruct", system="S", max_tokens=64) == {
        "model": "Qwen/Qwen2.5-7B-Instruct",
        "messages": [{"role": "system", "content": "S"}, {"role": "user", "content": "Hi"}],
        "max_tokens": 64,
        "stream": True,
        "stream_options": {"include_usage": True},
    }
