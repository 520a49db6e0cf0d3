"""One conversation, run unchanged against every provider by switching only the client:
system + user -> assistant tool call -> tool result -> final answer.

Each provider is one row of ``CASES``: how to build its client, the two scripted replies
(a tool call, then the final answer) and a check that the second request carried the
tool result linked to the call on that provider's wire. To add a provider, add a row.
"""

from dataclasses import dataclass
from typing import Any, Callable, Dict, List

import pytest

from llmsdk import (
    HttpClientOptions, LLMClient, LLMMessage, LLMRequest, StopReason, Timeouts, Tool, ToolUseContent,
)
from llmsdk.testing import ScriptedReply
from llmsdk.testing import anthropic as A
from llmsdk.testing import gemini as G
from llmsdk.testing import openai as O

KEY = "sk-test-SECRET-0123456789"
SYSTEM = "You are a weather assistant. Use the tool."
QUESTION = "What is the weather in Paris?"
CITY = {"city": "Paris"}
TOOL_OUTPUT = "18C and sunny"
ANSWER = "It is 18C and sunny in Paris."
WEATHER = Tool("get_weather", "Current weather for a city",
               {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]})


@dataclass(frozen=True)
class ProviderCase:
    """Everything provider-specific about the conversation."""

    name: str
    model: str
    options: Callable[[str], HttpClientOptions]  # server URL -> options
    tool_call_reply: Callable[[], ScriptedReply]  # asks for get_weather(city="Paris")
    answer_reply: Callable[[], ScriptedReply]  # the final text ANSWER
    check_linkage: Callable[[Dict[str, Any], str], None]  # (second request body, tool-call id)


def _openai_linkage(body: Dict[str, Any], call_id: str) -> None:
    messages = body["messages"]
    assert messages[0] == {"role": "system", "content": SYSTEM}
    assert messages[2]["tool_calls"][0]["id"] == call_id
    assert messages[3] == {"role": "tool", "tool_call_id": call_id, "content": TOOL_OUTPUT}


def _anthropic_linkage(body: Dict[str, Any], call_id: str) -> None:
    assert body["system"] == SYSTEM
    messages = body["messages"]
    assert {"type": "tool_use", "id": call_id, "name": "get_weather", "input": CITY} in messages[1]["content"]
    assert messages[2]["content"][0]["tool_use_id"] == call_id


def _gemini_linkage(body: Dict[str, Any], call_id: str) -> None:
    assert body["systemInstruction"] == {"parts": [{"text": SYSTEM}]}
    call, result = body["contents"][1]["parts"][0], body["contents"][2]["parts"][0]
    assert call == {"functionCall": {"name": "get_weather", "args": CITY, "id": call_id},
                    "thoughtSignature": G.SIGNATURE}
    assert result == {"functionResponse": {"name": "get_weather", "response": {"output": TOOL_OUTPUT}, "id": call_id}}


def _chat_case(dialect: str, model: str) -> ProviderCase:
    def options(url: str) -> HttpClientOptions:
        if dialect == "openai_compatible":
            return HttpClientOptions.new_openai_compatible(url, timeouts=Timeouts(connect=5, read=10))
        return HttpClientOptions.for_provider(dialect, KEY, url, timeouts=Timeouts(connect=5, read=10))

    return ProviderCase(
        name=dialect, model=model, options=options,
        tool_call_reply=lambda: O.tool_call_reply("get_weather", CITY, dialect=dialect, tool_id=f"call_{dialect}"),
        answer_reply=lambda: O.text_reply(ANSWER, dialect=dialect),
        check_linkage=_openai_linkage,
    )


CASES: List[ProviderCase] = [
    ProviderCase(
        name="anthropic", model="claude-haiku-4-5",
        options=lambda url: HttpClientOptions.new_anthropic(KEY, api_base=url, timeouts=Timeouts(connect=5, read=10)),
        tool_call_reply=lambda: A.tool_use_reply("get_weather", CITY, tool_id="toolu_01Conv"),
        answer_reply=lambda: A.text_reply(ANSWER),
        check_linkage=_anthropic_linkage,
    ),
    _chat_case("openai", "gpt-4.1"),
    _chat_case("groq", "llama-3.3-70b-versatile"),
    _chat_case("openrouter", "openai/gpt-4o-mini"),
    _chat_case("openai_compatible", "local-model"),
    ProviderCase(
        name="gemini", model="gemini-2.5-flash",
        options=lambda url: HttpClientOptions.new_gemini(KEY, api_base=url, timeouts=Timeouts(connect=5, read=10)),
        tool_call_reply=lambda: G.function_call_reply([("get_weather", CITY)]),
        answer_reply=lambda: G.text_reply(ANSWER),
        check_linkage=_gemini_linkage,
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_the_same_tool_conversation_works_on_every_provider(server, case: ProviderCase) -> None:
    server.add_reply(case.tool_call_reply(), case.answer_reply())
    with LLMClient.new(case.options(server.url)) as client:
        # -- the provider-independent part: identical for every row ----------------------
        messages = [LLMMessage.user(QUESTION)]
        first = client.complete(LLMRequest(model=case.model, system=SYSTEM, messages=messages, tools=[WEATHER]))
        assert first.stop_reason is StopReason.TOOL_USE
        [call] = first.tool_uses
        assert isinstance(call, ToolUseContent) and call.name == "get_weather" and call.input == CITY
        messages += [first.to_message(), LLMMessage.tool_result(call.id, TOOL_OUTPUT)]
        final = client.complete(LLMRequest(model=case.model, system=SYSTEM, messages=messages, tools=[WEATHER]))
        assert final.text == ANSWER
        assert final.stop_reason is StopReason.END_TURN
        assert client.get_usage() == first.usage + final.usage
    # -- the wire: the tool result went back linked to the call ----------------------------
    assert len(server.requests) == 2
    case.check_linkage(server.requests[1].json, call.id)
