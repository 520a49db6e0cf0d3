"""Ollama's native ``/api/chat``: request formatting (pure) and the NDJSON stream, from a
transcript AUTHORED from Ollama's API docs (``fixtures/README.md``)."""

from __future__ import annotations

import logging

import pytest

from llmsdk.errors import IncompleteStreamError, InvalidRequestError, ProviderStreamError
from llmsdk.providers.base import Endpoint
from llmsdk.providers.ollama import OllamaAdapter, OllamaRequestFormatter, OllamaStreamProcessor, ollama_host
from llmsdk.providers.ollama.client import parse_tags
from llmsdk.providers.ollama.embeddings import OllamaEmbeddings
from llmsdk.providers.ollama.stream import tool_call_id
from llmsdk.testing import ollama as builders
from llmsdk.tools import Tool
from llmsdk.types import (
    ImageContent, LLMMessage, LLMRequest, StopReason, TextContent, ThinkingContent, ThinkingOptions,
    ToolResultContent, ToolUseContent, Usage,
)

from ._support import assert_every_split_identical, outcome, raw, response_of

FORMAT = OllamaRequestFormatter()
WEATHER = Tool(name="get_weather", description="Weather", input_schema={
    "type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]})


def test_thinking_and_a_whole_tool_call() -> None:
    response = response_of(OllamaStreamProcessor(), raw("ollama_thinking_tools.ndjson"))
    call_id = tool_call_id("2026-12-07T02:00:00.1Z", 0, "get_weather")
    assert response.content == [
        ThinkingContent("The user wants the weather in Paris."),
        ToolUseContent(id=call_id, name="get_weather", input={"city": "Paris", "unit": "celsius"}),
    ]
    assert response.stop_reason == StopReason.TOOL_USE and response.model == "qwen3:8b"
    assert response.usage == Usage(input_tokens=26, output_tokens=42)


def test_every_two_chunk_split_is_identical() -> None:
    for body in (raw("ollama_thinking_tools.ndjson"), builders.ChatStream().text("Hi there!", 3).done().body()):
        events, error = assert_every_split_identical(OllamaStreamProcessor, body)
        assert events and error is None


def test_length_stop_error_line_and_truncation() -> None:
    cut = builders.ChatStream().text("Hello").done("length").body()
    assert response_of(OllamaStreamProcessor(), cut).stop_reason == StopReason.MAX_TOKENS
    events, error = outcome(OllamaStreamProcessor(), [builders.ChatStream().text("He").error("boom").body()])
    assert error is not None and issubclass(error[0], ProviderStreamError) and "boom" in error[1]
    events, error = outcome(OllamaStreamProcessor(), [builders.ChatStream().text("Hello").body()])
    assert error is not None and error[0] is IncompleteStreamError
    body = builders.ChatStream().text("Hello").done().body()
    events, error = outcome(OllamaStreamProcessor(), [body[:-5]])  # the last line cut mid-object
    assert error is not None and error[0] is IncompleteStreamError


def test_http_error_body() -> None:
    info = OllamaAdapter().parse_error(404, '{"error":"model \\"nope\\" not found, try pulling it first"}')
    assert info.message.startswith('model "nope" not found')


def test_body_options_think_format_keep_alive() -> None:
    request = LLMRequest(model="qwen3:8b", system="Be brief.", messages=[LLMMessage.user("Hi")], max_tokens=64,
                         temperature=0.2, top_p=0.9, stop=["\n\n"], thinking=ThinkingOptions(effort="low"),
                         tools=[WEATHER], output_schema={"type": "object", "properties": {"a": {"type": "string"}}},
                         extra_body={"options": {"num_ctx": 16384, "seed": 3}, "logprobs": True})
    body = FORMAT.body(request, num_ctx=8192, keep_alive="10m")
    assert body == {
        "model": "qwen3:8b",
        "messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}],
        "stream": True,
        "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Weather",
                                                    "parameters": WEATHER.input_schema}}],
        "think": "low",
        "format": {"type": "object", "properties": {"a": {"type": "string"}}},
        "options": {"num_ctx": 16384, "num_predict": 64, "temperature": 0.2, "top_p": 0.9, "stop": ["\n\n"],
                    "seed": 3},  # the request's own options win over the client's num_ctx
        "keep_alive": "10m",
        "logprobs": True,
    }
    assert FORMAT.body(LLMRequest(model="m", messages=[LLMMessage.user("x")],
                                  thinking=ThinkingOptions(budget_tokens=0)))["think"] is False


def test_history_thinking_tool_calls_and_results_by_name() -> None:
    history = [
        LLMMessage.user("Weather?", ImageContent.from_base64("aGk=", "image/png")),
        LLMMessage.assistant(ThinkingContent("Use the tool."), ToolUseContent(id="call_x", name="get_weather",
                                                                               input={"city": "Paris"})),
        LLMMessage(role="user", tool_results=[ToolResultContent("call_x", "18C")]),
    ]
    messages = FORMAT.body(LLMRequest(model="qwen3:8b", messages=history))["messages"]
    assert messages == [
        {"role": "user", "content": "Weather?", "images": ["aGk="]},
        {"role": "assistant", "content": "", "thinking": "Use the tool.",
         "tool_calls": [{"function": {"name": "get_weather", "arguments": {"city": "Paris"}}}]},
        {"role": "tool", "content": "18C", "tool_name": "get_weather"},
    ]
    with pytest.raises(InvalidRequestError, match="inline"):
        FORMAT.body(LLMRequest(model="m", messages=[LLMMessage.user(ImageContent.from_url("https://x/a.png"))]))


def test_num_ctx_warning(caplog: pytest.LogCaptureFixture) -> None:
    request = LLMRequest(model="qwen3:8b", messages=[LLMMessage.user("word " * 400)])
    with caplog.at_level(logging.WARNING, logger="llmsdk.providers.ollama"):
        OllamaAdapter().prepare_request(request, Endpoint("http://localhost:11434", settings={"num_ctx": 2048}))
        assert not caplog.records
        prepared = OllamaAdapter().prepare_request(request, Endpoint("http://localhost:11434",
                                                                     settings={"num_ctx": 64, "keep_alive": 0}))
    assert prepared.url == "http://localhost:11434/api/chat" and prepared.body["keep_alive"] == 0
    assert len(caplog.records) == 1 and "num_ctx is 64" in caplog.records[0].getMessage()


def test_embed_and_tags_and_host() -> None:
    api = OllamaEmbeddings()
    assert api.url("http://h:11434", "m") == "http://h:11434/api/embed"
    assert api.body(["a", "b"], "nomic-embed-text", 256, "query") == {"model": "nomic-embed-text",
                                                                      "input": ["a", "b"], "dimensions": 256}
    batch = api.parse({"model": "nomic-embed-text", "embeddings": [[0.1, 0.2], [0.3, 0.4]],
                       "prompt_eval_count": 4}, ["a", "b"])
    assert batch.vectors == [[0.1, 0.2], [0.3, 0.4]] and batch.usage.input_tokens == 4
    tags = parse_tags({"models": [{"name": "llama3.2:latest", "size": 2019393189,
                                   "details": {"family": "llama", "parameter_size": "3.2B"}}]})
    assert tags[0]["name"] == "llama3.2:latest" and tags[0]["family"] == "llama"
    assert ollama_host("0.0.0.0") == "http://0.0.0.0:11434"
    assert ollama_host("example.com:8080") == "http://example.com:8080"
    assert ollama_host("https://ollama.example.com") == "https://ollama.example.com"
    assert ollama_host("http://localhost:11434/") == "http://localhost:11434"


def test_text_only_reply() -> None:
    body = builders.ChatStream().text("Hello, wörld!", 4).done(prompt_eval_count=3, eval_count=4).body()
    response = response_of(OllamaStreamProcessor(), body)
    assert response.content == [TextContent("Hello, wörld!")] and response.usage == Usage(3, 4)


def test_a_json_lines_reply_is_a_stream_not_an_error_body() -> None:
    """The engine's one change for Ollama: a 2xx ``application/x-ndjson`` reply is the stream
    (a 2xx ``application/json`` one is still read as an error or a non-streaming server)."""
    from llmsdk._engine.http import is_whole_json

    assert is_whole_json("application/json; charset=utf-8") and is_whole_json("application/problem+json")
    assert not is_whole_json("application/x-ndjson") and not is_whole_json("application/jsonl")
    assert not is_whole_json("text/event-stream")
