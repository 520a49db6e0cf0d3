"""Request bodies for the newest model of each provider, checked against the official SDKs'
request types (issue 22): anthropic 2.17+ ``MessageCreateParamsStreaming``, openai 3.x
``CompletionCreateParamsStreaming`` / ``ResponseCreateParamsStreaming``, google-genai 3.x
``Content`` / ``Tool`` / ``ToolConfig`` / ``GenerationConfig`` (pydantic, extra fields
forbidden). The SDK TypedDicts are validated with unknown top-level keys forbidden
(pydantic does not forbid them in nested TypedDicts; the value types are still checked)."""

from __future__ import annotations

from typing import Any, Dict, Tuple

import pytest

from llmsdk import (
    DocumentContent, ImageContent, LLMMessage, LLMRequest, ThinkingOptions, Tool, ToolResultContent,
    ToolUseContent,
)
from llmsdk.models import all_models, get_model

pydantic = pytest.importorskip("pydantic")
anthropic_params = pytest.importorskip("anthropic.types.message_create_params")
chat_params = pytest.importorskip("openai.types.chat.completion_create_params")
responses_params = pytest.importorskip("openai.types.responses.response_create_params")
genai_types = pytest.importorskip("google.genai.types")

PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
WEATHER = Tool(name="get_weather", description="Weather for a city",
               input_schema={"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]})
SCHEMA = {"type": "object", "properties": {"answer": {"type": "string"}}, "required": ["answer"],
          "additionalProperties": False}


def newest(provider: str) -> Any:
    """The catalog lists each provider's newest generation first."""
    return next(m for m in all_models(provider) if not m.capabilities.embeddings)


def validate_typed_dict(params: Any, body: Dict[str, Any]) -> None:
    adapter = pydantic.TypeAdapter(Tuple[params], config=pydantic.ConfigDict(extra="forbid"))
    adapter.validate_python((body,))


def conversation() -> list:
    return [
        LLMMessage.user("What is in this picture, and the weather in Paris?", ImageContent.from_base64(PNG, "image/png"),
                        DocumentContent.from_text("Paris is in France.", title="Notes")),
        LLMMessage(role="assistant", content=[ToolUseContent("call_1", "get_weather", {"city": "Paris"})]),
        LLMMessage(role="user", content=[ToolResultContent("call_1", "18C and sunny")]),
    ]


@pytest.mark.parametrize("model_id", ["claude-fable-5-2", "claude-opus-5-5", "claude-haiku-5-5"])
def test_anthropic_bodies_match_the_sdk_types(model_id: str) -> None:
    from llmsdk.providers.anthropic.request import build_body, build_count_tokens_body

    assert newest("anthropic").model_name == "claude-fable-5-2"
    model = get_model(model_id, "anthropic")
    request = LLMRequest(model=model, system="Be brief.", messages=conversation(), tools=[WEATHER],
                         tool_choice="auto", thinking=ThinkingOptions(), temperature=0.2, top_p=0.9,
                         max_tokens=4096, stop=["END"])
    body = build_body(request)
    validate_typed_dict(anthropic_params.MessageCreateParamsStreaming, body)
    structured = build_body(LLMRequest(model=model, messages=[LLMMessage.user("Hi")], output_schema=SCHEMA))
    validate_typed_dict(anthropic_params.MessageCreateParamsStreaming, structured)
    from anthropic.types import message_count_tokens_params as count_params

    validate_typed_dict(count_params.MessageCountTokensParams, build_count_tokens_body(request))


def test_the_old_anthropic_version_body_is_what_the_sdk_no_longer_types() -> None:
    from llmsdk.providers.anthropic.request import build_body
    from llmsdk.providers.anthropic.versions import LEGACY_VERSION

    legacy = build_body(LLMRequest(model="claude-sonnet-4-6", messages=[LLMMessage.user("Hi")], temperature=0.2),
                        LEGACY_VERSION)
    with pytest.raises(pydantic.ValidationError, match="temperature"):
        validate_typed_dict(anthropic_params.MessageCreateParamsStreaming, legacy)


@pytest.mark.parametrize("model_id", ["gpt-6.2-astra", "gpt-6.2-sol", "gpt-6-luna"])
def test_openai_chat_bodies_match_the_sdk_types(model_id: str) -> None:
    from llmsdk.providers.openai.request import OpenAIRequestFormatter

    assert newest("openai").model_name == "gpt-6.2-astra"
    model = get_model(model_id, "openai")
    request = LLMRequest(model=model, system="Be brief.", messages=conversation()[:1] + conversation()[1:],
                         tools=[WEATHER], tool_choice="auto", thinking=ThinkingOptions(effort="high"),
                         temperature=0.2, max_tokens=4096,
                         extra_body={"prompt_cache_options": {"mode": "explicit", "ttl": "30m"}})
    request.messages[0] = LLMMessage.user("What is the weather in Paris?", ImageContent.from_base64(PNG, "image/png"))
    body = OpenAIRequestFormatter().body(request)
    validate_typed_dict(chat_params.CompletionCreateParamsStreaming, body)
    assert "max_tokens" not in body and "temperature" not in body
    structured = OpenAIRequestFormatter().body(LLMRequest(model=model, messages=[LLMMessage.user("Hi")],
                                                          output_schema=SCHEMA))
    validate_typed_dict(chat_params.CompletionCreateParamsStreaming, structured)


def test_openai_responses_body_matches_the_sdk_types() -> None:
    from llmsdk.providers.openai.responses_request import ResponsesRequestFormatter

    model = newest("openai")
    request = LLMRequest(model=model, system="Be brief.", messages=conversation(), tools=[WEATHER],
                         thinking=ThinkingOptions(effort="high"), temperature=0.2, max_tokens=4096,
                         output_schema=SCHEMA, extra_body={"prompt_cache_options": {"ttl": "12h"}})
    request.messages[0] = LLMMessage.user("What is the weather in Paris?", ImageContent.from_base64(PNG, "image/png"))
    body = ResponsesRequestFormatter().body(request)
    validate_typed_dict(responses_params.ResponseCreateParamsStreaming, body)
    assert "temperature" not in body


def test_gemini_body_matches_the_sdk_types() -> None:
    from llmsdk.providers.gemini.request import build_request_body

    model = newest("gemini")
    assert model.model_name == "gemini-3.8-flash"
    request = LLMRequest(model=model, system="Be brief.", messages=conversation(), tools=[WEATHER],
                         tool_choice="auto", thinking=ThinkingOptions(effort="xhigh"), temperature=0.2,
                         max_tokens=4096, stop=["END"])
    body = build_request_body(request)
    assert set(body) <= {"contents", "systemInstruction", "tools", "toolConfig", "generationConfig",
                         "safetySettings", "cachedContent", "continuationToken"}
    for content in body["contents"]:
        genai_types.Content.model_validate(content)
    genai_types.Content.model_validate(body["systemInstruction"])
    for tool in body["tools"]:
        genai_types.Tool.model_validate(tool)
    genai_types.ToolConfig.model_validate(body["toolConfig"])
    config = genai_types.GenerationConfig.model_validate(body["generationConfig"])
    assert config.thinking_config.thinking_level == genai_types.ThinkingLevel.XHIGH
    structured = build_request_body(LLMRequest(model=model, messages=[LLMMessage.user("Hi")], output_schema=SCHEMA))
    genai_types.GenerationConfig.model_validate(structured["generationConfig"])
