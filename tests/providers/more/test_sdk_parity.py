"""Parity with the official SDKs on the same bytes: each SDK (test-only dependencies:
``mistralai``, ``ollama``, ``openai`` for DeepSeek and xAI) reads the transcript through an
``httpx.MockTransport``, and what it assembles must equal what llmsdk read; the request
bodies llmsdk builds validate against the SDKs' own request models unchanged."""

from __future__ import annotations

import json
from typing import Any, Callable, Dict, List

import pytest

from llmsdk.providers.deepseek import DeepSeekStreamProcessor
from llmsdk.providers.mistral import MistralRequestFormatter, MistralStreamProcessor
from llmsdk.providers.ollama import OllamaRequestFormatter, OllamaStreamProcessor
from llmsdk.providers.xai import XAIResponsesAdapter
from llmsdk.testing import openai as builders
from llmsdk.tools import Tool
from llmsdk.types import (
    LLMMessage, LLMRequest, TextContent, ThinkingContent, ToolResultContent, ToolUseContent,
)

from ._support import raw, response_of, sse_of

httpx = pytest.importorskip("httpx")

WEATHER = Tool(name="weather", description="Weather", input_schema={
    "type": "object", "properties": {"location": {"type": "string"}}, "required": ["location"]})


def transport(body: bytes, content_type: str = "text/event-stream") -> Any:
    def handler(request: Any) -> Any:
        return httpx.Response(200, headers={"content-type": content_type}, content=body)
    return httpx.MockTransport(handler)


def _kinds(content: List[Any]) -> Dict[str, Any]:
    """What both sides must agree on: the joined text and thinking, and the tool calls."""
    return {
        "text": "".join(b.text for b in content if isinstance(b, TextContent)),
        "thinking": "".join(b.thinking for b in content if isinstance(b, ThinkingContent)),
        "calls": [(b.id, b.name, b.input) for b in content if isinstance(b, ToolUseContent)],
    }


# -- Mistral --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["mistral_reasoning.chunks", "mistral_tool_call.chunks"])
def test_mistralai_reads_the_same_stream(name: str) -> None:
    mistral = pytest.importorskip("mistralai.client")
    body = sse_of(name)
    client = mistral.Mistral(api_key="k", client=httpx.Client(transport=transport(body)))
    text, thinking, calls, usage = [], [], [], None
    for event in client.chat.stream(model="m", messages=[{"role": "user", "content": "hi"}]):
        chunk = event.data
        usage = chunk.usage or usage
        delta = chunk.choices[0].delta
        parts = delta.content if isinstance(delta.content, list) else [delta.content]
        for part in parts:
            if isinstance(part, str):
                text.append(part)
            elif getattr(part, "type", None) == "thinking":
                thinking.extend(t.text for t in part.thinking)
            elif getattr(part, "type", None) == "text":
                text.append(part.text)
        for call in delta.tool_calls or ():
            calls.append((call.id, call.function.name, json.loads(call.function.arguments)))
    ours = response_of(MistralStreamProcessor(), body)
    assert _kinds(ours.content) == {"text": "".join(text), "thinking": "".join(thinking), "calls": calls}
    assert (ours.usage.input_tokens, ours.usage.output_tokens) == (usage.prompt_tokens, usage.completion_tokens)


def test_mistral_body_validates_against_the_sdk_request_model() -> None:
    models = pytest.importorskip("mistralai.client.models")
    history = [
        LLMMessage.user("Weather in SF?"),
        LLMMessage.assistant(ThinkingContent("Use the tool.", signature="s1"), "Checking.",
                             ToolUseContent(id="toolu_01Abc", name="weather", input={"location": "SF"})),
        LLMMessage(role="user", tool_results=[ToolResultContent("toolu_01Abc", "18C")]),
    ]
    body = MistralRequestFormatter().body(LLMRequest(
        model="mistral-large-latest", system="Be brief.", messages=history, tools=[WEATHER], max_tokens=100,
        temperature=0.3, extra_body={"seed": 1, "safe_prompt": True}))
    sdk = models.ChatCompletionStreamRequest.model_validate(body)
    assert json.loads(sdk.model_dump_json(by_alias=True, exclude_unset=True)) == body  # no field dropped


# -- Ollama ---------------------------------------------------------------------------------


def test_ollama_python_reads_the_same_stream() -> None:
    ollama = pytest.importorskip("ollama")
    body = raw("ollama_thinking_tools.ndjson")
    client = ollama.Client(host="http://127.0.0.1:11434", transport=transport(body, "application/x-ndjson"))
    text, thinking, calls, last = [], [], [], None
    for part in client.chat(model="qwen3:8b", messages=[{"role": "user", "content": "hi"}], stream=True):
        text.append(part.message.content or "")
        thinking.append(part.message.thinking or "")
        calls.extend((c.function.name, dict(c.function.arguments)) for c in part.message.tool_calls or ())
        last = part
    ours = response_of(OllamaStreamProcessor(), body)
    kinds = _kinds(ours.content)
    assert (kinds["text"], kinds["thinking"]) == ("".join(text), "".join(thinking))
    assert [(name, args) for _, name, args in kinds["calls"]] == calls
    assert (ours.usage.input_tokens, ours.usage.output_tokens) == (last.prompt_eval_count, last.eval_count)


def test_ollama_body_validates_against_the_sdk_request_model() -> None:
    types = pytest.importorskip("ollama._types")
    history = [
        LLMMessage.user("Weather?"),
        LLMMessage.assistant(ThinkingContent("Use the tool."), ToolUseContent(id="c1", name="weather",
                                                                               input={"location": "Paris"})),
        LLMMessage(role="user", tool_results=[ToolResultContent("c1", "18C")]),
    ]
    body = OllamaRequestFormatter().body(LLMRequest(model="qwen3:8b", messages=history, tools=[WEATHER],
                                                    max_tokens=64, temperature=0.1),
                                         num_ctx=8192, keep_alive="5m")
    sdk = types.ChatRequest.model_validate(body)
    dumped = sdk.model_dump(exclude_none=True)
    assert dumped["options"] == body["options"] and dumped["keep_alive"] == "5m" and dumped["stream"] is True
    assert [m["role"] for m in dumped["messages"]] == ["user", "assistant", "tool"]
    assert dumped["messages"][2]["tool_name"] == "weather"
    assert dumped["messages"][1]["tool_calls"][0]["function"] == {"name": "weather",
                                                                   "arguments": {"location": "Paris"}}


# -- DeepSeek and xAI through the openai SDK ------------------------------------------------


def _openai_client(body: bytes) -> Any:
    openai = pytest.importorskip("openai")
    return openai.OpenAI(api_key="k", base_url="https://api.example.com",
                         http_client=httpx.Client(transport=transport(body)))


def test_openai_sdk_reads_the_same_deepseek_stream() -> None:
    body = sse_of("deepseek_tool_call.chunks")
    stream = _openai_client(body).chat.completions.create(model="deepseek-v4-flash", stream=True,
                                                          messages=[{"role": "user", "content": "hi"}])
    thinking, args, call_id, name, usage = [], [], None, None, None
    for chunk in stream:
        usage = chunk.usage or usage
        if not chunk.choices:
            continue
        delta = chunk.choices[0].delta
        thinking.append((delta.model_extra or {}).get("reasoning_content") or "")
        for call in delta.tool_calls or ():
            call_id = call.id or call_id
            name = (call.function.name if call.function else None) or name
            args.append(call.function.arguments or "" if call.function else "")
    ours = response_of(DeepSeekStreamProcessor(), body)
    assert _kinds(ours.content) == {"text": "", "thinking": "".join(thinking),
                                    "calls": [(call_id, name, json.loads("".join(args)))]}
    extra = usage.model_extra or {}
    assert ours.usage.cache_reads == extra["prompt_cache_hit_tokens"]
    assert ours.usage.input_tokens == extra["prompt_cache_miss_tokens"]
    assert ours.usage.total_input_tokens == usage.prompt_tokens


def test_openai_sdk_reads_the_same_xai_responses_stream() -> None:
    body = builders.responses.tool_use_reply("weather", {"location": "Paris"}, reasoning="Check it.",
                                             encrypted_content="enc-xyz").body_bytes()
    events = list(_openai_client(body).responses.create(model="grok-4.7", input="hi", stream=True))
    final = events[-1].response
    processor: Callable[[], Any] = lambda: XAIResponsesAdapter().stream_processor(  # noqa: E731
        LLMRequest(model="grok-4.7", messages=[]))
    ours = response_of(processor(), body)
    reasoning = next(item for item in final.output if item.type == "reasoning")
    call = next(item for item in final.output if item.type == "function_call")
    thinking = next(b for b in ours.content if isinstance(b, ThinkingContent))
    assert (thinking.id, thinking.signature) == (reasoning.id, reasoning.encrypted_content)
    ours_call = next(b for b in ours.content if isinstance(b, ToolUseContent))
    assert (ours_call.id, ours_call.name, ours_call.input) == (call.call_id, call.name, json.loads(call.arguments))
    assert ours.usage.output_tokens == final.usage.output_tokens
