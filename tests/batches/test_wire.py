"""Batch submissions per provider, built without HTTP, checked against the official SDKs'
request types (their TypedDicts, read from the SDK sources and named below)."""

import json
import re

import pytest

from llmsdk.batches._anthropic import AnthropicBatches, build_request_body
from llmsdk.batches._backend import BatchLimits, strip_streaming
from llmsdk.batches._gemini import GeminiBatches, build_file_lines, build_inline_body
from llmsdk.batches._openai import GroqBatches, OpenAIBatches, build_jsonl
from llmsdk.errors import InvalidRequestError
from tests.batches._support import backend, items, request

# anthropic-sdk-python types/message_create_params.py MessageCreateParamsBase (non-streaming).
ANTHROPIC_PARAMS = {
    "max_tokens", "messages", "model", "cache_control", "container", "inference_geo", "metadata", "output_config",
    "service_tier", "stop_sequences", "system", "temperature", "thinking", "tool_choice", "tools", "top_k", "top_p",
}
# openai-python types/chat/completion_create_params.py CompletionCreateParamsBase.
CHAT_PARAMS = {
    "messages", "model", "audio", "frequency_penalty", "function_call", "functions", "logit_bias", "logprobs",
    "max_completion_tokens", "max_tokens", "metadata", "modalities", "moderation", "n", "parallel_tool_calls",
    "prediction", "presence_penalty", "prompt_cache_key", "prompt_cache_retention", "reasoning_effort",
    "response_format", "safety_identifier", "seed", "service_tier", "stop", "store", "temperature",
    "tool_choice", "tools", "top_logprobs", "top_p", "user", "verbosity", "web_search_options",
}


def test_openai_jsonl_lines_are_the_chat_calls_without_streaming():
    batch = items("openai", [("row-1", request("Hi", "gpt-4o-mini", max_tokens=50, temperature=0.2)),
                             ("row-2", request("Bye", "gpt-4o-mini"))])
    lines = [json.loads(line) for line in build_jsonl(batch).splitlines()]
    assert lines[0] == {"custom_id": "row-1", "method": "POST", "url": "/v1/chat/completions", "body": {
        "model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Hi"}], "max_completion_tokens": 50,
        "temperature": 0.2}}
    assert [line["custom_id"] for line in lines] == ["row-1", "row-2"]
    for line in lines:
        assert set(line["body"]) <= CHAT_PARAMS  # no "stream", no "stream_options"


def test_groq_lines_use_the_same_endpoint():
    batch = items("groq", [("a", request("Hi", "llama-3.3-70b-versatile"))])
    line = json.loads(build_jsonl(batch))
    assert line["url"] == "/v1/chat/completions" and "stream" not in line["body"]


def test_anthropic_body_is_batch_create_params():
    batch = items("anthropic", [("row-1", request("Hi", "claude-haiku-4-5", system="Be brief"))])
    body = build_request_body(batch)
    # anthropic-sdk-python types/messages/batch_create_params.py: Request {custom_id, params}
    assert list(body) == ["requests"]
    entry = body["requests"][0]
    assert set(entry) == {"custom_id", "params"} and entry["custom_id"] == "row-1"
    assert set(entry["params"]) <= ANTHROPIC_PARAMS
    assert entry["params"]["system"] == "Be brief" and entry["params"]["max_tokens"] > 0


def test_gemini_inline_and_file_forms():
    batch = items("gemini", [("q1", request("Why is the sky blue?", "gemini-2.5-flash", max_tokens=100))])
    body = build_inline_body(batch, "my-job")
    # python-genai batches.py _CreateBatchJobParameters_to_mldev / _InlinedRequest_to_mldev
    assert body == {"batch": {"displayName": "my-job", "inputConfig": {"requests": {"requests": [{
        "request": {"contents": [{"role": "user", "parts": [{"text": "Why is the sky blue?"}]}],
                    "generationConfig": {"maxOutputTokens": 100}},
        "metadata": {"key": "q1"}}]}}}}
    assert json.loads(build_file_lines(batch)) == {"key": "q1", "request": body["batch"]["inputConfig"]["requests"][
        "requests"][0]["request"]}


def test_strip_streaming_removes_only_the_switches():
    assert strip_streaming({"model": "m", "stream": True, "stream_options": {"include_usage": True}, "n": 1}) == \
        {"model": "m", "n": 1}


# -- limits and keys --------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["has space", "", "x" * 65, "dots.not.allowed", "ünïcode"])
def test_anthropic_rejects_custom_ids_outside_its_pattern(key):
    b = backend(AnthropicBatches, "anthropic")
    with pytest.raises(InvalidRequestError) as info:
        b.limits.check_keys("anthropic", ["ok-1", key])
    assert repr(key) in str(info.value)


def test_anthropic_accepts_its_pattern():
    backend(AnthropicBatches, "anthropic").limits.check_keys("anthropic", ["a", "A_b-9", "x" * 64])


def test_duplicate_keys_are_named():
    with pytest.raises(InvalidRequestError, match="'row-1' appears more than once"):
        backend(OpenAIBatches, "openai").limits.check_keys("openai", ["row-1", "row-2", "row-1"])


def test_request_count_limit():
    limits = BatchLimits(max_requests=2, max_bytes=10)
    with pytest.raises(InvalidRequestError, match="at most 2 requests, got 3"):
        limits.check_keys("p", ["a", "b", "c"])
    assert OpenAIBatches.limits.max_requests == 50_000 and AnthropicBatches.limits.max_requests == 100_000


def test_size_limit():
    with pytest.raises(InvalidRequestError, match="over the 10-byte limit"):
        BatchLimits(max_requests=None, max_bytes=10).check_size("p", 11)


def test_one_model_per_job_for_openai_and_gemini():
    mixed = items("openai", [("a", request("x", "gpt-4o-mini")), ("b", request("y", "gpt-4.1"))])
    with pytest.raises(InvalidRequestError, match="request 'b' asks for 'gpt-4.1'"):
        OpenAIBatches.limits.check_models("openai", mixed)
    GroqBatches.limits.check_models("groq", items("groq", [("a", request("x", "m1")), ("b", request("y", "m2"))]))
    with pytest.raises(InvalidRequestError, match="one model"):
        GeminiBatches.limits.check_models(
            "gemini", items("gemini", [("a", request("x", "gemini-2.5-flash")), ("b", request("y", "gemini-2.5-pro"))]))


def test_key_rules_read_like_the_docs():
    assert AnthropicBatches.limits.key_pattern is not None
    assert AnthropicBatches.limits.key_pattern.pattern == re.compile(r"[a-zA-Z0-9_-]{1,64}").pattern
