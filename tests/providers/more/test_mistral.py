"""Mistral: request formatting (pure) and stream processing from the Vercel AI SDK's
recorded transcripts (``fixtures/README.md``)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from llmsdk.tools import Tool
from llmsdk.providers.mistral import MistralRequestFormatter, MistralStreamProcessor, mistral_tool_id
from llmsdk.types import (
    LLMMessage, LLMRequest, StopReason, TextContent, ThinkingContent, ThinkingOptions, ToolResultContent,
    ToolUseContent, Usage,
)

from ._support import assert_every_split_identical, response_of, sse_of

FORMAT = MistralRequestFormatter()
WEATHER = Tool(name="weather", description="Weather", input_schema={"type": "object", "properties": {
    "location": {"type": "string"}}, "required": ["location"]})


def test_reasoning_transcript_reads_thinking_chunks_as_thinking() -> None:
    response = response_of(MistralStreamProcessor(), sse_of("mistral_reasoning.chunks"))
    assert response.content == [
        ThinkingContent("The user is asking for 2+2. This is basic arithmetic. 2+2=4."),
        TextContent("2 + 2 = 4"),
    ]
    assert response.usage == Usage(input_tokens=10, output_tokens=46)
    assert response.stop_reason == StopReason.END_TURN and response.model == "magistral-medium-2507"


def test_tool_call_transcript_call_arrives_whole_without_index() -> None:
    response = response_of(MistralStreamProcessor(), sse_of("mistral_tool_call.chunks"))
    assert response.content == [ToolUseContent(id="gSIMJiOkT", name="weather", input={"location": "San Francisco"})]
    assert response.stop_reason == StopReason.TOOL_USE
    assert response.usage == Usage(input_tokens=124, output_tokens=22)


def test_every_two_chunk_split_is_identical() -> None:
    for name in ("mistral_reasoning.chunks", "mistral_tool_call.chunks"):
        events, error = assert_every_split_identical(MistralStreamProcessor, sse_of(name))
        assert events and error is None


def test_signature_of_a_thinking_chunk_is_kept() -> None:
    body = (b'data: {"id":"x","model":"mistral-large-latest","choices":[{"index":0,"delta":{"content":'
            b'[{"type":"thinking","thinking":[{"type":"text","text":"hm"}],"signature":"sig-1"}]}}]}\n\n'
            b'data: {"id":"x","choices":[{"index":0,"delta":{"content":"ok"},"finish_reason":"stop"}]}\n\n'
            b"data: [DONE]\n\n")
    response = response_of(MistralStreamProcessor(), body)
    assert response.content == [ThinkingContent("hm", signature="sig-1"), TextContent("ok")]


def test_body_has_mistral_fields_and_none_of_openais() -> None:
    body = FORMAT.body(LLMRequest(model="mistral-small-latest", messages=[LLMMessage.user("Hi")], max_tokens=50,
                                  extra_body={"seed": 7, "safe_prompt": True}))
    assert body == {"model": "mistral-small-latest", "messages": [{"role": "user", "content": "Hi"}],
                    "max_tokens": 50, "stream": True, "random_seed": 7, "safe_prompt": True}


def test_tool_call_ids_are_rewritten_to_nine_characters_consistently() -> None:
    history = [
        LLMMessage.user("Weather in SF?"),
        LLMMessage.assistant(ToolUseContent(id="toolu_01AbCdEf", name="weather", input={"location": "SF"}),
                             ToolUseContent(id="gSIMJiOkT", name="weather", input={"location": "LA"})),
        LLMMessage(role="user", tool_results=[ToolResultContent("toolu_01AbCdEf", "18C"),
                                              ToolResultContent("gSIMJiOkT", "25C")]),
    ]
    messages = FORMAT.body(LLMRequest(model="mistral-small-latest", messages=history, tools=[WEATHER]))["messages"]
    made = mistral_tool_id("toolu_01AbCdEf")
    assert re.fullmatch(r"[a-zA-Z0-9]{9}", made) and made == mistral_tool_id("toolu_01AbCdEf")
    assert [c["id"] for c in messages[1]["tool_calls"]] == [made, "gSIMJiOkT"]  # Mistral's own id kept
    assert [m["tool_call_id"] for m in messages[2:]] == [made, "gSIMJiOkT"]


def test_thinking_goes_back_as_typed_chunks() -> None:
    turn = LLMMessage.assistant(ThinkingContent("Need the weather.", signature="sig-1"), "Checking.",
                                ToolUseContent(id="gSIMJiOkT", name="weather", input={"location": "SF"}))
    message = FORMAT.body(LLMRequest(model="mistral-large-latest", messages=[LLMMessage.user("?"), turn]))["messages"][1]
    assert message["content"] == [
        {"type": "thinking", "thinking": [{"type": "text", "text": "Need the weather."}], "signature": "sig-1",
         "closed": True},
        {"type": "text", "text": "Checking."},
    ]
    assert message["tool_calls"][0]["id"] == "gSIMJiOkT"


def test_reasoning_effort() -> None:
    def body(thinking: ThinkingOptions) -> dict:
        return FORMAT.body(LLMRequest(model="mistral-large-latest", messages=[LLMMessage.user("?")], thinking=thinking))

    assert body(ThinkingOptions(effort="low"))["reasoning_effort"] == "low"
    assert body(ThinkingOptions(budget_tokens=0))["reasoning_effort"] == "none"


@dataclass
class City:
    name: str
    population: int


def test_structured_output_is_a_strict_json_schema() -> None:
    body = FORMAT.body(LLMRequest(model="mistral-small-latest", messages=[LLMMessage.user("?")], output_schema=City))
    fmt = body["response_format"]
    assert fmt["type"] == "json_schema" and fmt["json_schema"]["name"] == "City" and fmt["json_schema"]["strict"]
