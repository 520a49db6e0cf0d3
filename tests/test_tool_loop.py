"""client.run_tools: the send / execute / append / repeat loop, for every provider."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Dict, List

import pytest

from llmsdk import HttpClientOptions, LLMClient, LLMMessage, LLMRequest, StopReason, Timeouts, Tool, ToolResultContent
from llmsdk._many.tool_loop import ToolRunResult, execute_tool_call, result_content
from llmsdk.errors import InvalidRequestError
from llmsdk.testing import FakeProviderServer, ScriptedReply
from llmsdk.testing import anthropic as A
from llmsdk.testing import gemini as G
from llmsdk.testing import openai as O
from llmsdk.tools import tool
from llmsdk.types import TextContent, ToolUseContent

from .conftest import TEST_KEY


@tool
def get_weather(city: str) -> str:
    """Current weather.

    Args:
        city: City name.
    """
    if city == "Atlantis":
        raise LookupError("no such city")
    return f"18C and sunny in {city}"


# Each provider: (how to build a client, its model, a tool-call reply, a text reply).
PROVIDERS: Dict[str, Any] = {
    "anthropic": (LLMClient.new_anthropic, HttpClientOptions.new_anthropic, "claude-haiku-4-5",
                  lambda name, args, i: A.tool_use_reply(name, args, tool_id=f"toolu_{i}"),
                  lambda text: A.text_reply(text)),
    "openai": (LLMClient.new_openai, HttpClientOptions.new_openai, "gpt-4o-mini",
               lambda name, args, i: O.tool_call_reply(name, args, tool_id=f"call_{i}"),
               lambda text: O.text_reply(text)),
    "gemini": (LLMClient.new_gemini, HttpClientOptions.new_gemini, "gemini-2.5-flash",
               lambda name, args, i: G.function_call_reply([(name, args)]),
               lambda text: G.text_reply(text)),
    "groq": (LLMClient.new_groq, HttpClientOptions.new_groq, "llama-3.3-70b-versatile",
             lambda name, args, i: O.tool_call_reply(name, args, dialect="groq", tool_id=f"call_{i}"),
             lambda text: O.text_reply(text, dialect="groq")),
}


def make_client(provider: str, server: FakeProviderServer) -> LLMClient:
    new_client, new_options = PROVIDERS[provider][:2]
    return new_client(new_options(TEST_KEY, api_base=server.url, timeouts=Timeouts(connect=5, read=10)))


def request_for(provider: str, text: str = "Weather in Paris?", **kwargs: Any) -> LLMRequest:
    return LLMRequest(model=PROVIDERS[provider][2], messages=[LLMMessage.user(text)], max_tokens=256, **kwargs)


@pytest.mark.parametrize("provider", sorted(PROVIDERS))
def test_one_tool_round_then_an_answer(provider: str, server: FakeProviderServer) -> None:
    _, _, _, tool_reply, text_reply = PROVIDERS[provider]
    server.add_reply(tool_reply("get_weather", {"city": "Paris"}, 1))
    server.add_reply(text_reply("It is sunny in Paris."))
    client = make_client(provider, server)
    request = request_for(provider)

    final, transcript = client.run_tools(request, [get_weather])

    assert final.text == "It is sunny in Paris."
    assert final.stop_reason == StopReason.END_TURN
    assert [m.role for m in transcript] == ["user", "assistant", "user", "assistant"]
    call = transcript[1].blocks[-1]
    assert isinstance(call, ToolUseContent) and call.name == "get_weather" and call.input == {"city": "Paris"}
    result = transcript[2].tool_results[0]
    assert result.tool_use_id == call.id and result.content == "18C and sunny in Paris" and not result.is_error
    assert request.messages == [LLMMessage.user("Weather in Paris?")]  # the caller's request is untouched
    # both calls declared the tool; the second carried the tool result back
    bodies = [r.json for r in server.requests]
    assert len(bodies) == 2
    assert "get_weather" in str(bodies[0]) and "18C and sunny in Paris" in str(bodies[1])
    client.close()


@pytest.mark.parametrize("provider", sorted(PROVIDERS))
def test_tool_exception_becomes_an_error_result(provider: str, server: FakeProviderServer) -> None:
    _, _, _, tool_reply, text_reply = PROVIDERS[provider]
    server.add_reply(tool_reply("get_weather", {"city": "Atlantis"}, 1))
    server.add_reply(text_reply("Sorry, I could not find it."))
    client = make_client(provider, server)

    result = client.run_tools(request_for(provider), [get_weather])

    tool_result = result.messages[2].tool_results[0]
    assert tool_result.is_error
    assert "LookupError: no such city" in tool_result.text
    assert result.finished and result.rounds == 2
    assert "no such city" in str(server.requests[1].json)
    client.close()


def test_several_calls_in_one_turn_and_plain_functions(server: FakeProviderServer, anthropic_client: Any) -> None:
    def add(a: int, b: int) -> int:
        """Add two integers."""
        return a + b

    server.add_reply(ScriptedReply.sse(A.stream([
        A.tool_use_block(0, "add", {"a": 1, "b": 2}, "toolu_a"),
        A.tool_use_block(1, "get_weather", {"city": "Oslo"}, "toolu_b"),
        A.tool_use_block(2, "nope", {}, "toolu_c"),
    ], stop_reason="tool_use")))
    server.add_reply(A.text_reply("Done"))
    client = anthropic_client()

    result = client.run_tools(request_for("anthropic"), [add, get_weather])

    results = result.messages[2].tool_results
    assert [(r.tool_use_id, r.text, r.is_error) for r in results] == [
        ("toolu_a", "3", False),
        ("toolu_b", "18C and sunny in Oslo", False),
        ("toolu_c", "Error: unknown tool 'nope' (available: add, get_weather)", True),
    ]
    sent_tools = [t["name"] for t in server.requests[0].json["tools"]]
    assert sent_tools == ["add", "get_weather"]
    assert result.usage.output_tokens == 30 and len(result.new_messages) == 3


def test_max_rounds_stops_the_loop(server: FakeProviderServer, anthropic_client: Any) -> None:
    for i in range(3):
        server.add_reply(A.tool_use_reply("get_weather", {"city": f"C{i}"}, tool_id=f"toolu_{i}"))
    client = anthropic_client()

    result = client.run_tools(request_for("anthropic"), [get_weather], max_rounds=2)

    assert not result.finished and result.rounds == 2
    assert len(server.requests) == 2
    assert result.response.stop_reason == StopReason.TOOL_USE
    # the last calls were answered too, so the transcript can be sent again as it is
    assert result.messages[-1].tool_results[0].tool_use_id == "toolu_1"


def test_forced_tool_choice_applies_to_the_first_round_only(server: FakeProviderServer, anthropic_client: Any) -> None:
    server.add_reply(A.tool_use_reply("get_weather", {"city": "Rome"}))
    server.add_reply(A.text_reply("Sunny."))
    client = anthropic_client()

    client.run_tools(request_for("anthropic", tool_choice={"name": "get_weather"}), [get_weather])

    assert server.requests[0].json["tool_choice"] == {"type": "tool", "name": "get_weather"}
    assert server.requests[1].json["tool_choice"] == {"type": "auto"}


def test_tools_already_on_the_request_are_kept(server: FakeProviderServer, anthropic_client: Any) -> None:
    server.add_reply(A.text_reply("No tools needed."))
    declared = Tool("search", "Search the web", {"type": "object", "properties": {"q": {"type": "string"}}})
    client = anthropic_client()

    result = client.run_tools(request_for("anthropic", tools=[declared]), [get_weather])

    assert result.text == "No tools needed." and result.rounds == 1
    assert [t["name"] for t in server.requests[0].json["tools"]] == ["search", "get_weather"]


def test_bad_arguments() -> None:
    complete: Callable[[LLMRequest], Any] = lambda r: None  # noqa: E731 - never called
    from llmsdk._many.tool_loop import run_tools

    with pytest.raises(InvalidRequestError, match="max_rounds"):
        run_tools(complete, request_for("anthropic"), [get_weather], max_rounds=0)
    with pytest.raises(InvalidRequestError, match="duplicate"):
        run_tools(complete, request_for("anthropic"), [get_weather, get_weather])


@dataclass
class Point:
    x: int
    y: int


@pytest.mark.parametrize("value, expected", [
    (None, ""),
    ("text", "text"),
    (3, "3"),
    ({"a": [1, 2]}, '{"a": [1, 2]}'),
    (Point(1, 2), '{"x": 1, "y": 2}'),
    ({"when": {1, 2}}, '{"when": [1, 2]}'),
])
def test_result_content(value: Any, expected: str) -> None:
    assert result_content(value) == expected


def test_result_content_keeps_blocks() -> None:
    blocks: List[Any] = [TextContent("see image")]
    assert result_content(blocks) == blocks


def test_execute_tool_call_bad_input_is_an_error_result() -> None:
    out = execute_tool_call(ToolUseContent(id="t1", name="get_weather", input={"town": "Paris"}),
                            {"get_weather": get_weather})
    assert out == ToolResultContent("t1", "Error: ToolInputError: unexpected argument(s): town", is_error=True)


def test_result_object() -> None:
    from llmsdk import LLMResponse

    r = LLMResponse(id="1", model="m", content=[TextContent("hi")], cost=0.5)
    result = ToolRunResult(r, [LLMMessage.user("q"), r.to_message()], [r, r], new_from=1)
    assert result.text == "hi" and result.cost == 1.0 and result.new_messages == [r.to_message()]
    final, transcript = result
    assert final is r and len(transcript) == 2


def test_a_call_cut_short_by_max_tokens_is_not_run(server: FakeProviderServer) -> None:
    from llmsdk._many.tool_loop import CUT_OFF_MESSAGE

    calls: List[Dict[str, Any]] = []

    @tool
    def book(city: str, nights: int) -> str:
        """Book a hotel."""
        calls.append({"city": city, "nights": nights})
        return "booked"

    block = A.tool_use_block(0, "book", {"city": "Paris", "nights": 3}, tool_id="toolu_cut")
    del block[-2]  # max_tokens hit: the last argument fragment never came
    server.add_reply(ScriptedReply.sse(A.stream([block], stop_reason="max_tokens")), A.text_reply("Let me retry that."))
    client = make_client("anthropic", server)
    final, transcript = client.run_tools(request_for("anthropic", "Book Paris"), [book])
    assert calls == [] and final.text == "Let me retry that."
    result = transcript[-2].tool_results[0]
    assert result.tool_use_id == "toolu_cut" and result.is_error and result.content == CUT_OFF_MESSAGE


def test_a_paused_turn_is_sent_back_until_the_model_finishes_or_rounds_run_out() -> None:
    from llmsdk._many.tool_loop import run_tools
    from llmsdk.types import LLMResponse, ProviderToolContent

    paused = LLMResponse("m1", "m", [ProviderToolContent("server_tool_use", {"id": "s"}, "anthropic")],
                         stop_reason=StopReason.PAUSE_TURN)
    done = LLMResponse("m2", "m", [TextContent("Found it.")], stop_reason=StopReason.END_TURN)
    seen: List[LLMRequest] = []

    def complete(script: List[LLMResponse]) -> Callable[[LLMRequest], LLMResponse]:
        def call(request: LLMRequest) -> LLMResponse:
            seen.append(request)
            return script.pop(0)
        return call

    request = LLMRequest(model="m", messages=[LLMMessage.user("search")])
    result = run_tools(complete([paused, done]), request, [])
    assert result.finished and result.text == "Found it." and result.rounds == 2
    assert seen[1].messages[-1] == paused.to_message()
    stopped = run_tools(complete([paused, done]), request, [], max_rounds=1)
    assert not stopped.finished and stopped.response is paused
