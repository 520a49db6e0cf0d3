"""Gemini request formatting: the exact JSON for each feature."""

from __future__ import annotations

import pytest

from llmsdk import (
    ImageContent, LLMMessage, LLMRequest, TextContent, ThinkingContent, ThinkingOptions, Tool,
    ToolResultContent, ToolUseContent,
)
from llmsdk.errors import InvalidRequestError
from llmsdk.providers.gemini.client import GeminiAdapter, model_path

WEATHER = Tool("get_weather", "Current weather in a city", {
    "type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"],
})


def body(**kwargs: object) -> dict:
    kwargs.setdefault("messages", [LLMMessage.user("Hi")])
    return GeminiAdapter().request_body(LLMRequest(model="gemini-2.5-flash", **kwargs))


def test_minimal_body() -> None:
    assert body() == {"contents": [{"role": "user", "parts": [{"text": "Hi"}]}]}


def test_system_instruction_joins_system_messages() -> None:
    got = body(system="You are terse.", messages=[LLMMessage.system("Answer in French."), LLMMessage.user("Hi")])
    assert got == {
        "contents": [{"role": "user", "parts": [{"text": "Hi"}]}],
        "systemInstruction": {"parts": [{"text": "You are terse.\n\nAnswer in French."}]},
    }


def test_roles_and_consecutive_turns_merged() -> None:
    got = body(messages=[
        LLMMessage.user("one"), LLMMessage.user("two"), LLMMessage.assistant("three"),
        LLMMessage.assistant("four"), LLMMessage.user("five"),
    ])
    assert got["contents"] == [
        {"role": "user", "parts": [{"text": "one"}, {"text": "two"}]},
        {"role": "model", "parts": [{"text": "three"}, {"text": "four"}]},
        {"role": "user", "parts": [{"text": "five"}]},
    ]


def test_inline_and_file_images() -> None:
    got = body(messages=[LLMMessage.user(
        "What is this?",
        ImageContent.from_base64("iVBORw0KGgo=", "image/png"),
        ImageContent.from_url("https://generativelanguage.googleapis.com/v1beta/files/abc", media_type="image/jpeg"),
    )])
    assert got["contents"] == [{"role": "user", "parts": [
        {"text": "What is this?"},
        {"inlineData": {"mimeType": "image/png", "data": "iVBORw0KGgo="}},
        {"fileData": {"mimeType": "image/jpeg", "fileUri": "https://generativelanguage.googleapis.com/v1beta/files/abc"}},
    ]}]


def test_generation_config() -> None:
    got = body(max_tokens=1024, temperature=0.7, top_p=0.95, stop=["END", "STOP"])
    assert got["generationConfig"] == {
        "maxOutputTokens": 1024, "temperature": 0.7, "topP": 0.95, "stopSequences": ["END", "STOP"],
    }
    assert body(stop="END")["generationConfig"] == {"stopSequences": ["END"]}
    assert body(temperature=0.0)["generationConfig"] == {"temperature": 0.0}


def test_thinking_config() -> None:
    assert body(thinking=ThinkingOptions(budget_tokens=1024))["generationConfig"] == {
        "thinkingConfig": {"thinkingBudget": 1024, "includeThoughts": True}}
    assert body(thinking=ThinkingOptions(budget_tokens=0, include_thoughts=False))["generationConfig"] == {
        "thinkingConfig": {"thinkingBudget": 0, "includeThoughts": False}}
    assert body(thinking=ThinkingOptions(effort="low"))["generationConfig"] == {
        "thinkingConfig": {"thinkingLevel": "LOW", "includeThoughts": True}}
    # a budget wins over a level: Gemini rejects both together
    assert body(thinking=ThinkingOptions(budget_tokens=-1, effort="high"))["generationConfig"] == {
        "thinkingConfig": {"thinkingBudget": -1, "includeThoughts": True}}


def test_tools_as_function_declarations() -> None:
    no_params = Tool("get_time", "The time", {"type": "object", "properties": {}})
    got = body(tools=[WEATHER, no_params])
    assert got["tools"] == [{"functionDeclarations": [
        {"name": "get_weather", "description": "Current weather in a city",
         "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}},
        {"name": "get_time", "description": "The time"},
    ]}]
    assert "toolConfig" not in got


@pytest.mark.parametrize("choice, config", [
    ("auto", {"mode": "AUTO"}),
    ("none", {"mode": "NONE"}),
    ("any", {"mode": "ANY"}),
    ("required", {"mode": "ANY"}),
    ({"name": "get_weather"}, {"mode": "ANY", "allowedFunctionNames": ["get_weather"]}),
])
def test_tool_choice(choice: object, config: dict) -> None:
    assert body(tools=[WEATHER], tool_choice=choice)["toolConfig"] == {"functionCallingConfig": config}


def tool_round(call: ToolUseContent, result: ToolResultContent) -> list:
    return [
        LLMMessage.user("Weather in Cairo?"),
        LLMMessage(role="assistant", content=[TextContent("Checking."), call]),
        LLMMessage(role="user", tool_results=[result]),
    ]


def test_function_call_and_response_with_gemini_id_and_signature() -> None:
    call = ToolUseContent("u959pftr", "get_weather", {"city": "Cairo"}, signature="EpoICpcI")
    got = body(tools=[WEATHER], messages=tool_round(call, ToolResultContent("u959pftr", "18C sunny")))
    assert got["contents"] == [
        {"role": "user", "parts": [{"text": "Weather in Cairo?"}]},
        {"role": "model", "parts": [
            {"text": "Checking."},
            {"functionCall": {"name": "get_weather", "args": {"city": "Cairo"}, "id": "u959pftr"},
             "thoughtSignature": "EpoICpcI"},
        ]},
        {"role": "user", "parts": [
            {"functionResponse": {"name": "get_weather", "response": {"output": "18C sunny"}, "id": "u959pftr"}},
        ]},
    ]


def test_generated_ids_are_never_sent_back() -> None:
    call = ToolUseContent("gemini-call-resp42-0", "get_weather", {"city": "Cairo"})
    result = ToolResultContent("gemini-call-resp42-0", "no such city", is_error=True)
    got = body(messages=tool_round(call, result))
    assert got["contents"][1]["parts"][1] == {"functionCall": {"name": "get_weather", "args": {"city": "Cairo"}}}
    assert got["contents"][2]["parts"] == [
        {"functionResponse": {"name": "get_weather", "response": {"error": "no such city"}}}]


def test_parallel_results_merge_into_one_user_turn_with_follow_up_text() -> None:
    calls = [ToolUseContent("a1", "get_weather", {"city": "Paris"}), ToolUseContent("b2", "get_time", {})]
    got = body(messages=[
        LLMMessage.user("Paris?"),
        LLMMessage(role="assistant", tool_calls=calls),
        LLMMessage.tool_result("a1", "12C"),
        LLMMessage.tool_result("b2", [TextContent("10:00"), ImageContent.from_base64("AAAA", "image/png")]),
        LLMMessage.user("Thanks"),
    ])
    assert got["contents"][1:] == [
        {"role": "model", "parts": [
            {"functionCall": {"name": "get_weather", "args": {"city": "Paris"}, "id": "a1"}},
            {"functionCall": {"name": "get_time", "args": {}, "id": "b2"}},
        ]},
        {"role": "user", "parts": [
            {"functionResponse": {"name": "get_weather", "response": {"output": "12C"}, "id": "a1"}},
            {"functionResponse": {"name": "get_time", "response": {"output": "10:00"}, "id": "b2"}},
            {"inlineData": {"mimeType": "image/png", "data": "AAAA"}},
            {"text": "Thanks"},
        ]},
    ]


def test_thoughts_and_text_signatures_round_trip() -> None:
    got = body(messages=[
        LLMMessage.user("Why?"),
        LLMMessage(role="assistant", content=[
            ThinkingContent("**Thinking**", signature="T1"), TextContent("Because.", signature="S1"),
            TextContent("", signature="S2"), TextContent(""),
        ]),
        LLMMessage.user("More"),
    ])
    assert got["contents"][1] == {"role": "model", "parts": [
        {"text": "**Thinking**", "thought": True, "thoughtSignature": "T1"},
        {"text": "Because.", "thoughtSignature": "S1"},
        {"text": "", "thoughtSignature": "S2"},
    ]}


def test_tool_result_without_a_call_is_rejected() -> None:
    from llmsdk.providers.gemini.request import build_contents

    request = LLMRequest(model="m", messages=[LLMMessage.tool_result("nope", "x")])
    with pytest.raises(InvalidRequestError, match="no matching tool call"):
        build_contents(request)


def test_extra_body_merges_one_level_deep() -> None:
    got = body(max_tokens=10, extra_body={"generationConfig": {"topK": 40},
                                         "safetySettings": [{"category": "HARM_CATEGORY_HATE_SPEECH",
                                                             "threshold": "BLOCK_NONE"}]})
    assert got["generationConfig"] == {"maxOutputTokens": 10, "topK": 40}
    assert got["safetySettings"] == [{"category": "HARM_CATEGORY_HATE_SPEECH", "threshold": "BLOCK_NONE"}]


def test_endpoint_and_auth() -> None:
    adapter = GeminiAdapter()
    request = LLMRequest(model="gemini-2.5-flash", messages=[LLMMessage.user("x")])
    stream = "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse"
    assert adapter.endpoint("https://generativelanguage.googleapis.com", request) == \
        "https://generativelanguage.googleapis.com" + stream
    assert adapter.endpoint("https://generativelanguage.googleapis.com/v1beta/", request) == \
        "https://generativelanguage.googleapis.com" + stream
    assert adapter.auth_headers("AIzaKEY") == {"x-goog-api-key": "AIzaKEY"}
    assert model_path("models/gemini-2.5-pro") == "models/gemini-2.5-pro"
    assert model_path("tunedModels/my-model") == "tunedModels/my-model"


def test_parse_error_reads_status_and_retry_delay() -> None:
    adapter = GeminiAdapter()
    raw = ('{\n  "error": {\n    "code": 429,\n    "message": "Quota exceeded",\n    "status": "RESOURCE_EXHAUSTED",\n'
           '    "details": [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "37s"}]\n  }\n}\n')
    info = adapter.parse_error(429, raw)
    assert (info.message, info.type, info.retry_after) == ("Quota exceeded", "RESOURCE_EXHAUSTED", 37.0)
    wrapped = adapter.parse_error(400, '[{"error": {"code": 400, "message": "bad", "status": "INVALID_ARGUMENT"}}]')
    assert (wrapped.message, wrapped.type, wrapped.retry_after) == ("bad", "INVALID_ARGUMENT", None)
