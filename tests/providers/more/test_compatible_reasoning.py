"""Reasoning that survives the next turn on OpenAI-compatible servers: ``reasoning_content``
from vLLM-style servers and Gemini's thought signatures on its OpenAI-compatible endpoint
(``extra_content.google.thought_signature``), kept on the response and sent back."""

from __future__ import annotations

from llmsdk.providers.openai.request import OpenAIRequestFormatter
from llmsdk.providers.openai_compatible import OpenAICompatibleRequestFormatter, OpenAICompatibleStreamProcessor
from llmsdk.types import LLMMessage, LLMRequest, ThinkingContent, ToolResultContent, ToolUseContent

from ..openai._support import fixture
from ._support import assert_every_split_identical, raw, response_of


def test_gemini_thought_signature_is_kept_on_the_tool_call() -> None:
    response = response_of(OpenAICompatibleStreamProcessor(), raw("gemini_compat_signature.sse"))
    assert response.content == [ToolUseContent(id="function-call-3f1c", name="get_weather", input={"city": "Paris"},
                                               signature="CsQCAcu98PBsig==")]
    events, error = assert_every_split_identical(OpenAICompatibleStreamProcessor, raw("gemini_compat_signature.sse"))
    assert error is None


def test_to_message_sends_signature_and_reasoning_back() -> None:
    reasoning = response_of(OpenAICompatibleStreamProcessor(), fixture("compatible_reasoning.sse"))
    assert isinstance(reasoning.content[0], ThinkingContent)
    signed = response_of(OpenAICompatibleStreamProcessor(), raw("gemini_compat_signature.sse"))
    history = [LLMMessage.user("Weather?"), signed.to_message(),
               LLMMessage(role="user", tool_results=[ToolResultContent("function-call-3f1c", "18C")]),
               reasoning.to_message(), LLMMessage.user("Thanks")]
    messages = OpenAICompatibleRequestFormatter().body(LLMRequest(model="m", messages=history))["messages"]
    call = messages[1]["tool_calls"][0]
    assert call["extra_content"] == {"google": {"thought_signature": "CsQCAcu98PBsig=="}}
    assert messages[3]["reasoning_content"] == reasoning.content[0].thinking
    # OpenAI itself gets neither field (it would refuse them)
    openai = OpenAIRequestFormatter().body(LLMRequest(model="gpt-4.1", messages=history))["messages"]
    assert "extra_content" not in openai[1]["tool_calls"][0] and "reasoning_content" not in openai[3]


def test_a_versioned_api_root_is_not_given_another_v1() -> None:
    from llmsdk.providers.openai_compatible import OpenAICompatibleAdapter

    def url(base: str) -> str:
        return OpenAICompatibleAdapter().endpoint(base, LLMRequest(model="m", messages=[]))

    assert url("https://generativelanguage.googleapis.com/v1beta/openai") == \
        "https://generativelanguage.googleapis.com/v1beta/openai/chat/completions"
    assert url("https://gateway.example/v1/acct/gw/openai") == "https://gateway.example/v1/acct/gw/openai/chat/completions"
    assert url("http://localhost:8000/v1") == url("http://localhost:8000") == "http://localhost:8000/v1/chat/completions"
    assert url("https://api.groq.com/openai") == "https://api.groq.com/openai/v1/chat/completions"
