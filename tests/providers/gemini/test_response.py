"""Whole Gemini ``GenerateContentResponse``s (what batch results hold) -> LLMResponse:
the same reading as a one-chunk stream."""

import pytest

from llmsdk import StopReason, TextContent, ThinkingContent, ToolUseContent, Usage
from llmsdk.errors import BadRequestError, ProviderStreamError
from llmsdk.providers.gemini.response import parse_response
from llmsdk.providers.gemini.stream import GeminiStreamProcessor
from llmsdk.providers._replay import frame, replay

# The shape of the generateContent reference's response (ai.google.dev/api/generate-content).
TEXT = {
    "candidates": [{"content": {"parts": [{"text": "Photosynthesis turns light into chemical energy."}],
                                "role": "model"}, "finishReason": "STOP", "avgLogprobs": -0.21}],
    "usageMetadata": {"promptTokenCount": 8, "candidatesTokenCount": 9, "totalTokenCount": 40,
                      "cachedContentTokenCount": 0, "thoughtsTokenCount": 23,
                      "promptTokensDetails": [{"modality": "TEXT", "tokenCount": 8}]},
    "modelVersion": "gemini-2.5-flash", "responseId": "Xb3oaKfXJvCzz7IPjq_T4Qw",
}


def test_text_with_thoughts_counted_as_output():
    resp = parse_response(TEXT)
    assert resp.text == "Photosynthesis turns light into chemical energy."
    assert resp.stop_reason is StopReason.END_TURN
    assert resp.usage == Usage(input_tokens=8, output_tokens=32, reasoning_tokens=23)
    assert resp.id == "Xb3oaKfXJvCzz7IPjq_T4Qw" and resp.model == "gemini-2.5-flash"


def test_thought_summary_and_function_call():
    body = {
        "candidates": [{"content": {"role": "model", "parts": [
            {"text": "Need the weather tool.", "thought": True},
            {"functionCall": {"name": "get_weather", "args": {"city": "Paris"}}, "thoughtSignature": "CiQBSig="},
        ]}, "finishReason": "STOP"}],
        "usageMetadata": {"promptTokenCount": 30, "candidatesTokenCount": 10, "totalTokenCount": 40},
        "modelVersion": "gemini-2.5-pro", "responseId": "resp-1",
    }
    resp = parse_response(body)
    assert resp.content == [
        ThinkingContent("Need the weather tool."),
        ToolUseContent("gemini-call-resp-1-0", "get_weather", {"city": "Paris"}, signature="CiQBSig="),
    ]
    assert resp.stop_reason is StopReason.TOOL_USE


def test_same_response_as_a_stream_of_the_same_reply():
    chunks = [
        {"candidates": [{"content": {"parts": [{"text": "Photosynthesis turns light "}], "role": "model"}}],
         "modelVersion": "gemini-2.5-flash", "responseId": "Xb3oaKfXJvCzz7IPjq_T4Qw"},
        {"candidates": [{"content": {"parts": [{"text": "into chemical energy."}], "role": "model"},
                         "finishReason": "STOP"}],
         "usageMetadata": TEXT["usageMetadata"], "modelVersion": "gemini-2.5-flash",
         "responseId": "Xb3oaKfXJvCzz7IPjq_T4Qw"},
    ]
    assert parse_response(TEXT) == replay(GeminiStreamProcessor(), [frame("message", c) for c in chunks])


def test_blocked_prompt_raises_like_the_stream():
    with pytest.raises(BadRequestError) as info:
        parse_response({"promptFeedback": {"blockReason": "SAFETY"},
                        "usageMetadata": {"promptTokenCount": 5, "totalTokenCount": 5}})
    assert isinstance(info.value, ProviderStreamError)
    assert "SAFETY" in str(info.value)


def test_max_tokens():
    body = {"candidates": [{"content": {"parts": [{"text": "Once upon"}], "role": "model"},
                            "finishReason": "MAX_TOKENS"}],
            "usageMetadata": {"promptTokenCount": 3, "candidatesTokenCount": 2}}
    resp = parse_response(body)
    assert resp.content == [TextContent("Once upon")]
    assert resp.stop_reason is StopReason.MAX_TOKENS
