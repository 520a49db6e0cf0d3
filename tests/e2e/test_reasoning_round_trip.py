"""A two-turn tool conversation with reasoning on each provider of issue 28 (and on
OpenAI-compatible servers), end to end through ``run_tools`` against FakeProviderServer:
the second request must carry the first turn's reasoning in the form the provider
requires — checked at the server."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable, Dict, List

import pytest

from llmsdk import HttpClientOptions, LLMClient, LLMMessage, LLMRequest, StopReason, ThinkingOptions, Timeouts
from llmsdk.testing import FakeProviderServer, ScriptedReply, ollama
from llmsdk.testing import openai as O

KEY = "sk-test-SECRET-0123456789"
REASONING = "The user wants Paris weather; call the tool."
ANSWER = "It is 18C in Paris."
TIMEOUTS = Timeouts(connect=5, read=10)


def get_weather(city: str) -> str:
    """Current weather for a city."""
    return f"18C in {city}"


def _assistant(body: Dict[str, Any]) -> Dict[str, Any]:
    return next(m for m in body["messages"] if m["role"] == "assistant")


def _check_mistral(body: Dict[str, Any]) -> None:
    assistant = _assistant(body)
    assert assistant["content"][0] == {"type": "thinking", "thinking": [{"type": "text", "text": REASONING}],
                                       "signature": "sig_fake", "closed": True}
    call_id = assistant["tool_calls"][0]["id"]
    assert re.fullmatch(r"[a-zA-Z0-9]{9}", call_id)
    assert body["messages"][-1] == {"role": "tool", "tool_call_id": call_id, "content": "18C in Paris"}
    assert "stream_options" not in body and "max_completion_tokens" not in body


def _check_deepseek(body: Dict[str, Any]) -> None:
    assistant = _assistant(body)
    assert assistant["reasoning_content"] == REASONING
    assert assistant["tool_calls"][0]["id"] == "call_fake_1"


def _check_compatible(body: Dict[str, Any]) -> None:
    assert _assistant(body)["reasoning_content"] == REASONING


def _check_xai(body: Dict[str, Any]) -> None:
    assert body["store"] is False and body["include"] == ["reasoning.encrypted_content"]
    reasoning = next(item for item in body["input"] if item["type"] == "reasoning")
    assert reasoning["encrypted_content"] == "enc-grok-1"
    kinds = [item["type"] for item in body["input"]]
    assert kinds.index("reasoning") < kinds.index("function_call") < kinds.index("function_call_output")


def _check_ollama(body: Dict[str, Any]) -> None:
    assistant = _assistant(body)
    assert assistant["thinking"] == REASONING
    assert assistant["tool_calls"] == [{"function": {"name": "get_weather", "arguments": {"city": "Paris"}}}]
    assert body["messages"][-1] == {"role": "tool", "content": "18C in Paris", "tool_name": "get_weather"}
    assert body["think"] is True and body["options"]["num_ctx"] == 8192 and body["keep_alive"] == "5m"


@dataclass(frozen=True)
class Case:
    name: str
    model: str
    options: Callable[[str], HttpClientOptions]
    path: str
    first: Callable[[], ScriptedReply]
    second: Callable[[], ScriptedReply]
    check: Callable[[Dict[str, Any]], None]


def _chat(dialect: str, model: str, check: Callable[[Dict[str, Any]], None], path: str,
          options: Callable[[str], HttpClientOptions]) -> Case:
    return Case(dialect, model, options, path,
                lambda: O.tool_use_reply("get_weather", {"city": "Paris"}, dialect=dialect, reasoning=REASONING),
                lambda: O.text_reply(ANSWER, dialect=dialect), check)


CASES: List[Case] = [
    _chat("mistral", "mistral-large-latest", _check_mistral, "/v1/chat/completions",
          lambda url: HttpClientOptions.new_mistral(KEY, url, timeouts=TIMEOUTS)),
    _chat("deepseek", "deepseek-flash", _check_deepseek, "/chat/completions",
          lambda url: HttpClientOptions.new_deepseek(KEY, url, timeouts=TIMEOUTS)),
    _chat("openai_compatible", "qwen3-vllm", _check_compatible, "/v1/chat/completions",
          lambda url: HttpClientOptions.new_openai_compatible(url + "/v1", timeouts=TIMEOUTS)),
    Case("xai", "grok-4.7", lambda url: HttpClientOptions.new_xai(KEY, api_base=url, timeouts=TIMEOUTS),
         "/v1/responses",
         lambda: O.responses.tool_use_reply("get_weather", {"city": "Paris"}, reasoning=REASONING,
                                            encrypted_content="enc-grok-1"),
         lambda: O.responses.text_reply(ANSWER), _check_xai),
    Case("ollama", "qwen3:8b",
         lambda url: HttpClientOptions.new_ollama(url, num_ctx=8192, keep_alive="5m", timeouts=TIMEOUTS),
         "/api/chat",
         lambda: ollama.tool_use_reply("get_weather", {"city": "Paris"}, reasoning=REASONING),
         lambda: ollama.text_reply(ANSWER), _check_ollama),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_reasoning_goes_back_in_the_providers_form(server: FakeProviderServer, case: Case) -> None:
    server.add_reply(case.first(), case.second())
    request = LLMRequest(model=case.model, messages=[LLMMessage.user("Weather in Paris?")],
                         thinking=ThinkingOptions())
    with LLMClient.new(case.options(server.url)) as client:
        final, transcript = client.run_tools(request, [get_weather])
    assert final.text == ANSWER and final.stop_reason is StopReason.END_TURN
    assert [r.path for r in server.requests] == [case.path, case.path]
    case.check(server.requests[1].json)


def test_gemini_thought_signature_goes_back_on_the_compatible_endpoint(server: FakeProviderServer) -> None:
    """Gemini's OpenAI-compatible endpoint: without the signature the second turn is a 400
    (simonw/llm-gemini#119); with it, the same call goes back with its signature."""
    first = (O.ChatStream("openai_compatible", model="gemini-3-pro-preview").role()
             .raw({"id": "g1", "object": "chat.completion.chunk", "model": "gemini-3-pro-preview", "choices": [
                 {"index": 0, "finish_reason": "tool_calls", "delta": {"role": "assistant", "tool_calls": [
                     {"index": 0, "id": "function-call-1", "type": "function",
                      "extra_content": {"google": {"thought_signature": "CsQCsig=="}},
                      "function": {"name": "get_weather", "arguments": "{\"city\": \"Paris\"}"}}]}}]})
             .done().reply())
    server.add_reply(first, O.text_reply(ANSWER, dialect="openai_compatible"))
    options = HttpClientOptions.new_openai_compatible(server.url + "/v1beta/openai", api_key=KEY, timeouts=TIMEOUTS)
    with LLMClient.new(options) as client:
        final, _ = client.run_tools(LLMRequest(model="gemini-3-pro-preview",
                                               messages=[LLMMessage.user("Weather?")]), [get_weather])
    assert final.text == ANSWER
    assert [r.path for r in server.requests] == ["/v1beta/openai/chat/completions"] * 2  # Google's documented URL
    call = _assistant(server.requests[1].json)["tool_calls"][0]
    assert call["id"] == "function-call-1"
    assert call["extra_content"] == {"google": {"thought_signature": "CsQCsig=="}}
