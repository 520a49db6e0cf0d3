"""Responses API request bodies (pure), checked against the official SDK's request types."""

from __future__ import annotations

from typing import Any, Dict, Optional

import pytest

from llmsdk import (
    DocumentContent, ImageContent, ProviderTool, ProviderToolContent, LLMMessage, LLMRequest, RedactedThinkingContent, TextContent, ThinkingContent, ThinkingOptions, Tool,
    ToolResultContent, ToolUseContent, get_model,
)
from llmsdk.errors import InvalidRequestError, UnsupportedFeatureError
from llmsdk.providers.openai.responses_request import ResponsesRequestFormatter

WEATHER = Tool(name="get_weather", description="Weather for a city",
               input_schema={"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]})


def body(request: LLMRequest) -> Dict[str, Any]:
    return ResponsesRequestFormatter().body(request)


def conversation() -> LLMRequest:
    """Two turns with reasoning, a tool call, its result, an image and a system prompt."""
    return LLMRequest(
        model="gpt-5.4-mini",
        system="You are terse.",
        messages=[
            LLMMessage.user("Weather in Paris? Here is a photo.", ImageContent.from_url("https://x.test/p.png")),
            LLMMessage.assistant(
                ThinkingContent("**Plan**\n\nCall the tool.", signature="gAAAA-enc", id="rs_01"),
                TextContent("Checking."),
                ToolUseContent("call_1", "get_weather", {"city": "Paris"}),
            ),
            LLMMessage.tool_result("call_1", "18C sunny"),
        ],
        tools=[WEATHER], tool_choice="any", max_tokens=500,
        thinking=ThinkingOptions(effort="low"),
    )


def test_conversation_maps_to_input_items_in_order() -> None:
    out = body(conversation())
    assert out["instructions"] == "You are terse."
    assert out["input"] == [
        {"type": "message", "role": "user", "content": [
            {"type": "input_text", "text": "Weather in Paris? Here is a photo."},
            {"type": "input_image", "image_url": "https://x.test/p.png", "detail": "auto"}]},
        {"type": "reasoning", "id": "rs_01", "summary": [{"type": "summary_text", "text": "**Plan**\n\nCall the tool."}],
         "encrypted_content": "gAAAA-enc"},
        {"type": "message", "role": "assistant", "content": "Checking."},
        {"type": "function_call", "call_id": "call_1", "name": "get_weather", "arguments": '{"city": "Paris"}'},
        {"type": "function_call_output", "call_id": "call_1", "output": "18C sunny"},
    ]
    assert out["tools"] == [{"type": "function", "name": "get_weather", "description": "Weather for a city",
                             "parameters": WEATHER.input_schema, "strict": False}]
    assert out["tool_choice"] == "required"
    assert out["max_output_tokens"] == 500
    assert out["reasoning"] == {"effort": "low", "summary": "auto"}
    assert out["store"] is False and out["stream"] is True
    assert out["include"] == ["reasoning.encrypted_content"]


def test_plain_text_user_message_is_a_string_and_non_reasoning_models_ask_for_no_encrypted_content() -> None:
    out = body(LLMRequest(model=get_model("gpt-4.1"), messages=[LLMMessage.user("Hi")]))
    assert out == {"model": "gpt-4.1", "input": [{"type": "message", "role": "user", "content": "Hi"}],
                   "store": False, "stream": True}


@pytest.mark.parametrize("model, included", [
    (get_model("o3"), True), (get_model("gpt-5-mini"), True), (get_model("gpt-4o"), False),
    ("gpt-5-chat-latest", False), ("my-local-model", False),  # ids the registry does not know: no guessing
])
def test_encrypted_reasoning_is_asked_for_reasoning_models_only(model: object, included: bool) -> None:
    out = body(LLMRequest(model=model, messages=[LLMMessage.user("Hi")]))
    assert ("include" in out) is included
    asked = body(LLMRequest(model=model, messages=[LLMMessage.user("Hi")], thinking=ThinkingOptions(effort="low")))
    assert asked["include"] == ["reasoning.encrypted_content"]  # asking for thinking always asks for it


def test_thinking_budget_becomes_an_effort_and_summary_can_be_left_out() -> None:
    out = body(LLMRequest(model="o3", messages=[LLMMessage.user("Hi")],
                          thinking=ThinkingOptions(budget_tokens=20000, include_thoughts=False)))
    assert out["reasoning"] == {"effort": "high"}


def test_other_providers_thinking_and_redacted_thinking_are_not_sent() -> None:
    out = body(LLMRequest(model="o3", messages=[
        LLMMessage.user("Hi"),
        LLMMessage.assistant(ThinkingContent("hmm", signature="EqQB-anthropic"), RedactedThinkingContent("x"),
                             TextContent("Hello")),
        LLMMessage.user("Again"),
    ]))
    assert [item.get("type") for item in out["input"]] == ["message", "message", "message"]


def test_tool_choice_forms_and_tool_result_with_an_image() -> None:
    image = ImageContent.from_base64("iVBOR", "image/png")
    out = body(LLMRequest(model="gpt-4.1", tools=[WEATHER], tool_choice={"name": "get_weather"}, messages=[
        LLMMessage.user("Map?"),
        LLMMessage.assistant(ToolUseContent("call_9", "get_weather", {"city": "Oslo"})),
        LLMMessage(role="user", tool_results=[ToolResultContent("call_9", [TextContent("map:"), image])]),
    ]))
    assert out["tool_choice"] == {"type": "function", "name": "get_weather"}
    assert out["input"][-1] == {"type": "function_call_output", "call_id": "call_9", "output": [
        {"type": "input_text", "text": "map:"},
        {"type": "input_image", "image_url": "data:image/png;base64,iVBOR", "detail": "auto"}]}
    for choice, wire in (("auto", "auto"), ("none", "none"), ("required", "required")):
        req = LLMRequest(model="gpt-4.1", tools=[WEATHER], tool_choice=choice, messages=[LLMMessage.user("x")])
        assert body(req)["tool_choice"] == wire


def test_documents_provider_tools_and_their_blocks() -> None:
    search_item = {"id": "ws_1", "type": "web_search_call", "status": "completed",
                   "action": {"type": "search", "query": "q"}}
    out = body(LLMRequest(model="gpt-4.1", tools=[WEATHER, ProviderTool("web_search", {"search_context_size": "low"})],
                          messages=[
        LLMMessage.user("Compare these.", DocumentContent.from_bytes(b"%PDF-1.4", filename="a.pdf"),
                        DocumentContent.from_url("https://x.test/b.pdf"),
                        DocumentContent.from_text("Plain notes.", title="notes")),
        LLMMessage.assistant(ProviderToolContent("web_search_call", search_item, provider="openai_responses"),
                             ProviderToolContent("server_tool_use", {"id": "srvtoolu_1"}, provider="anthropic"),
                             TextContent("Done.")),
        LLMMessage.user("Thanks"),
    ]))
    assert out["tools"][1] == {"type": "web_search", "search_context_size": "low"}
    assert out["input"][0]["content"] == [
        {"type": "input_text", "text": "Compare these."},
        {"type": "input_file", "filename": "a.pdf", "file_data": "data:application/pdf;base64,JVBERi0xLjQ="},
        {"type": "input_file", "file_url": "https://x.test/b.pdf"},
        {"type": "input_text", "text": "Plain notes."},
    ]
    assert out["input"][1] == search_item  # sent back unchanged; Anthropic's block is not
    assert out["input"][2] == {"type": "message", "role": "assistant", "content": "Done."}
    validate_with_sdk(out)
    with pytest.raises(InvalidRequestError, match="cannot fetch"):
        body(LLMRequest(model="gpt-4.1", messages=[LLMMessage.user(DocumentContent.from_url("https://x.test/a.txt"))]))


def test_stop_sequences_are_refused_before_any_http() -> None:
    with pytest.raises(UnsupportedFeatureError) as caught:
        body(LLMRequest(model="gpt-4.1", messages=[LLMMessage.user("x")], stop=["END"]))
    assert isinstance(caught.value, InvalidRequestError) and "api='chat'" in str(caught.value)


def test_extra_body_is_merged_last() -> None:
    out = body(LLMRequest(model="gpt-4.1", messages=[LLMMessage.user("x")], extra_body={"truncation": "auto"}))
    assert out["truncation"] == "auto"


# -- the official SDK's request types ------------------------------------------------------------


def _consume(value: Any) -> Any:
    """Walk a pydantic-validated value, consuming the lazy iterators ``Iterable[...]``
    fields validate into, so every nested item is checked."""
    if isinstance(value, dict):
        return {k: _consume(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)) or type(value).__name__ == "ValidatorIterator":
        return [_consume(v) for v in value]
    return value


def validate_with_sdk(out: Dict[str, Any]) -> None:
    pydantic = pytest.importorskip("pydantic")
    params = pytest.importorskip("openai.types.responses.response_create_params")
    from typing import Tuple

    adapter = pydantic.TypeAdapter(Tuple[params.ResponseCreateParamsStreaming],
                                   config=pydantic.ConfigDict(extra="forbid"))
    _consume(adapter.validate_python((out,)))


@pytest.mark.parametrize("request_factory", [
    conversation,
    lambda: LLMRequest(model="gpt-4.1", messages=[LLMMessage.user("Hi")], temperature=0.2, top_p=0.9),
    lambda: LLMRequest(model="o3", messages=[
        LLMMessage.user("Map?"),
        LLMMessage.assistant(ThinkingContent("", signature="gA", id="rs_2"),
                             ToolUseContent("call_9", "get_weather", {"city": "Oslo"})),
        LLMMessage(role="user", tool_results=[ToolResultContent("call_9", [
            TextContent("map:"), ImageContent.from_base64("iVBOR", "image/png")])]),
        LLMMessage.user("Thanks"),
    ], tools=[WEATHER], tool_choice={"name": "get_weather"}, thinking=ThinkingOptions(budget_tokens=2048)),
])
def test_bodies_validate_against_the_sdk_request_types(request_factory: Any) -> None:
    validate_with_sdk(body(request_factory()))


def test_the_sdk_check_catches_a_wrong_body() -> None:
    """The check itself has teeth: an unknown key and a missing ``detail`` both fail."""
    pydantic = pytest.importorskip("pydantic")
    out = body(conversation())
    with pytest.raises(pydantic.ValidationError):
        validate_with_sdk(dict(out, stop=["x"]))
    del out["input"][0]["content"][1]["detail"]
    with pytest.raises(pydantic.ValidationError):
        validate_with_sdk(out)


def test_structured_output_goes_in_text_format() -> None:
    from dataclasses import dataclass

    @dataclass
    class City:
        name: str
        population: Optional[int]

    request = LLMRequest(model="gpt-4o-mini", messages=[LLMMessage.user("Largest city?")], output_schema=City)
    out = body(request)
    fmt = out["text"]["format"]
    assert fmt["type"] == "json_schema" and fmt["name"] == "City" and fmt["strict"] is True
    assert fmt["schema"]["additionalProperties"] is False
    assert sorted(fmt["schema"]["required"]) == ["name", "population"]
    assert "response_format" not in out
    validate_with_sdk(out)
