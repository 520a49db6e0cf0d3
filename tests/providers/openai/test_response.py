"""Whole Chat Completions replies (what batch result files hold) -> LLMResponse, checked
against recorded bodies (openai-python ``tests/lib/chat/test_completions.py``) and against
the stream of the same reply."""

from typing import Any, Dict

import pytest

from llmsdk import StopReason, TextContent, ThinkingContent, ToolUseContent, Usage
from llmsdk.providers.groq.response import parse_response as parse_groq
from llmsdk.providers.groq.stream import GroqStreamProcessor
from llmsdk.providers.openai.response import chat_completion_frames, parse_response
from llmsdk.providers.openai.stream import OpenAIStreamProcessor
from llmsdk.testing.openai import ChatStream
from tests.providers._streamed import streamed_response

# Recorded by openai-python (gpt-4o-2024-08-06), shortened where noted.
RECORDED_TEXT: Dict[str, Any] = {
    "id": "chatcmpl-ABfvaueLEMLNYbT8YzpJxsmiQ6HSY", "object": "chat.completion", "created": 1727346142,
    "model": "gpt-4o-2024-08-06",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "I'm unable to provide real-time weather "
                 "updates. To get the current weather in San Francisco, I recommend checking a reliable weather "
                 "website or app like the Weather Channel or a local news station.", "refusal": None},
                 "logprobs": None, "finish_reason": "stop"}],
    "usage": {"prompt_tokens": 14, "completion_tokens": 37, "total_tokens": 51,
              "completion_tokens_details": {"reasoning_tokens": 0}},
    "system_fingerprint": "fp_b40fb1c6fb",
}
RECORDED_TOOL_CALL: Dict[str, Any] = {
    "id": "chatcmpl-ABfvx6Z4dchiW2nya1N8KMsHFrQRE", "object": "chat.completion", "created": 1727346165,
    "model": "gpt-4o-2024-08-06",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": None, "tool_calls": [
        {"id": "call_Y6qJ7ofLgOrBnMD5WbVAeiRV", "type": "function", "function": {
            "name": "GetWeatherArgs", "arguments": "{\"city\":\"Edinburgh\",\"country\":\"UK\",\"units\":\"c\"}"}}],
        "refusal": None}, "logprobs": None, "finish_reason": "tool_calls"}],
    "usage": {"prompt_tokens": 76, "completion_tokens": 24, "total_tokens": 100,
              "completion_tokens_details": {"reasoning_tokens": 0}},
    "system_fingerprint": "fp_e45dabd248",
}
RECORDED_REFUSAL: Dict[str, Any] = {
    "id": "chatcmpl-ABfvwoKVWPQj2UPlAcAKM7s40GsRx", "object": "chat.completion", "created": 1727346164,
    "model": "gpt-4o-2024-08-06",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": None,
                                         "refusal": "I'm very sorry, but I can't assist with that."},
                 "logprobs": None, "finish_reason": "stop"}],
    "usage": {"prompt_tokens": 79, "completion_tokens": 12, "total_tokens": 91,
              "completion_tokens_details": {"reasoning_tokens": 0}},
    "system_fingerprint": "fp_5050236cbd",
}


def test_recorded_text_reply():
    resp = parse_response(RECORDED_TEXT)
    assert resp.id == "chatcmpl-ABfvaueLEMLNYbT8YzpJxsmiQ6HSY"
    assert resp.model == "gpt-4o-2024-08-06"
    assert resp.text.startswith("I'm unable to provide real-time weather updates.")
    assert resp.stop_reason is StopReason.END_TURN
    assert resp.usage == Usage(input_tokens=14, output_tokens=37)
    assert resp.provider == "openai"


def test_recorded_tool_call_parses_its_arguments():
    resp = parse_response(RECORDED_TOOL_CALL)
    assert resp.content == [ToolUseContent("call_Y6qJ7ofLgOrBnMD5WbVAeiRV", "GetWeatherArgs",
                                           {"city": "Edinburgh", "country": "UK", "units": "c"})]
    assert resp.stop_reason is StopReason.TOOL_USE
    assert resp.usage == Usage(input_tokens=76, output_tokens=24)


def test_recorded_refusal():
    resp = parse_response(RECORDED_REFUSAL)
    assert resp.text == "I'm very sorry, but I can't assist with that."
    assert resp.stop_reason is StopReason.REFUSAL


def test_cached_prompt_tokens_are_taken_out_of_input():
    body = dict(RECORDED_TEXT, usage={"prompt_tokens": 2006, "completion_tokens": 300, "total_tokens": 2306,
                                      "prompt_tokens_details": {"cached_tokens": 1920}})
    assert parse_response(body).usage == Usage(input_tokens=86, output_tokens=300, cache_reads=1920)


def test_same_response_as_the_stream_of_the_same_reply():
    text = "Edinburgh is cool today."
    call_args = {"city": "Edinburgh", "units": "c"}
    body = {
        "id": "chatcmpl-fake", "object": "chat.completion", "created": 1, "model": "gpt-4.1-2025-04-14",
        "choices": [{"index": 0, "finish_reason": "tool_calls", "message": {
            "role": "assistant", "content": text, "refusal": None,
            "tool_calls": [{"id": "call_1", "type": "function",
                            "function": {"name": "get_weather", "arguments": '{"city": "Edinburgh", "units": "c"}'}}]}}],
        "usage": {"prompt_tokens": 9, "completion_tokens": 12, "total_tokens": 21,
                  "prompt_tokens_details": {"cached_tokens": 0}, "completion_tokens_details": {"reasoning_tokens": 0}},
    }
    stream = ChatStream("openai").role().text(text).tool_calls([("call_1", "get_weather", call_args)]) \
        .finish("tool_calls").done()
    assert parse_response(body) == streamed_response(OpenAIStreamProcessor(), stream.events())


def test_groq_reasoning_and_top_level_usage():
    body = {
        "id": "chatcmpl-fake", "object": "chat.completion", "created": 1, "model": "qwen/qwen3-32b",
        "choices": [{"index": 0, "finish_reason": "stop",
                     "message": {"role": "assistant", "content": "42", "reasoning": "Think: 6 x 7."}}],
        "usage": {"queue_time": 0.02, "prompt_tokens": 9, "prompt_time": 0.001, "completion_tokens": 12,
                  "completion_time": 0.01, "total_tokens": 21, "total_time": 0.011},
        "x_groq": {"id": "req_01"},
    }
    resp = parse_groq(body)
    assert resp.content == [ThinkingContent("Think: 6 x 7."), TextContent("42")]
    assert resp.usage == Usage(input_tokens=9, output_tokens=12)
    assert resp.provider == "groq"
    stream = ChatStream("groq", model="qwen/qwen3-32b").role().reasoning("Think: 6 x 7.").text("42").finish().done()
    assert resp == streamed_response(GroqStreamProcessor(), stream.events())


@pytest.mark.parametrize("body", [RECORDED_TEXT, RECORDED_TOOL_CALL, RECORDED_REFUSAL])
def test_frames_are_one_chunk_and_done(body):
    frames = chat_completion_frames(body)
    assert [data for _, data in frames][-1] == "[DONE]"
    assert len(frames) == 2


def test_url_citation_annotations_same_as_the_stream():
    from llmsdk.testing import openai as O

    text = "Claude Shannon was born on April 30, 1916 (Wikipedia)."
    annotation = O.url_citation("https://en.wikipedia.org/wiki/Claude_Shannon", "Claude Shannon - Wikipedia",
                                0, len(text))
    body = {
        "id": "chatcmpl-fake", "object": "chat.completion", "created": 1, "model": "gpt-4.1-2025-04-14",
        "choices": [{"index": 0, "finish_reason": "stop", "message": {
            "role": "assistant", "content": text, "refusal": None, "annotations": [annotation]}}],
        "usage": {"prompt_tokens": 9, "completion_tokens": 12, "total_tokens": 21,
                  "prompt_tokens_details": {"cached_tokens": 0}, "completion_tokens_details": {"reasoning_tokens": 0}},
    }
    resp = parse_response(body)
    assert resp.content[0].citations[0].url == "https://en.wikipedia.org/wiki/Claude_Shannon"
    assert resp == streamed_response(OpenAIStreamProcessor(), O.web_search_reply(text).body)
