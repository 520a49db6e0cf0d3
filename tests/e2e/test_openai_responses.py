"""OpenAI's Responses API end to end: real HTTP against FakeProviderServer through
LLMClient (``api="responses"``), with the captured requests asserted field by field."""

from __future__ import annotations

from typing import Iterator, List

import pytest

from llmsdk import (
    HttpClientOptions, LLMClient, LLMEvent, LLMMessage, LLMRequest, StopReason, TextContent, ThinkingContent,
    ProviderTool, ProviderToolContent, ThinkingOptions, Timeouts, ToolUseContent, Usage, register_openai_compatible,
)
from llmsdk.errors import (
    IncompleteStreamError, InvalidConfigError, ProviderStreamError, RateLimitError, ServerError,
    UnsupportedFeatureError,
)
from llmsdk.models import unregister_model
from llmsdk.providers import get_provider, unregister_provider
from llmsdk.testing import ScriptedReply
from llmsdk.testing import openai as O
from llmsdk.testing.openai_responses import ENCRYPTED, ResponsesStream

R = O.responses
KEY = "sk-test-SECRET-0123456789"


@pytest.fixture
def client(server) -> Iterator[LLMClient]:
    options = HttpClientOptions.new_openai(KEY, api_base=server.url, api="responses",
                                           timeouts=Timeouts(connect=5, read=10), max_retries=0)
    with LLMClient.new(options) as c:
        yield c


def ask(text: str = "Hi", model: str = "gpt-5.4-mini", **kwargs: object) -> LLMRequest:
    return LLMRequest(model=model, messages=[LLMMessage.user(text)], **kwargs)


def get_weather(city: str) -> str:
    """Weather for a city.

    Args:
        city: The city name.
    """
    return f"18C and sunny in {city}"


def test_text_stream_and_the_request_on_the_wire(server, client):
    server.add_reply(R.text_reply("Hello, wörld! 👋", chunk=4, input_tokens=20, output_tokens=5))
    with client.send(ask(system="Be terse.", max_tokens=64, temperature=0.5)) as stream:
        deltas = [e.content.text for e in stream
                  if isinstance(e, LLMEvent.PartialContent) and isinstance(e.content, TextContent)]
    assert "".join(deltas) == "Hello, wörld! 👋" and len(deltas) > 1
    sent = server.requests[0]
    assert sent.path == "/v1/responses"
    assert sent.headers["authorization"] == f"Bearer {KEY}"
    assert sent.json == {
        "model": "gpt-5.4-mini", "input": [{"type": "message", "role": "user", "content": "Hi"}],
        "instructions": "Be terse.", "max_output_tokens": 64, "temperature": 0.5, "store": False,
        "include": ["reasoning.encrypted_content"], "stream": True,
    }
    assert client.get_usage() == Usage(input_tokens=20, output_tokens=5)
    assert client.get_cost() > 0  # gpt-5.4-mini is priced in the registry


def test_reasoning_round_trips_over_two_turns_with_run_tools(server, client):
    server.add_reply(R.tool_use_reply("get_weather", {"city": "Paris"}, tool_id="call_w1",
                                      reasoning="**Checking the weather**\n\nI should call the tool."))
    server.add_reply(R.reasoning_reply("**Answering**\n\nThe tool said sunny.", "It is 18C and sunny in Paris.",
                                       encrypted_content="gAAAA-second-turn"))
    final, transcript = client.run_tools(ask("Weather in Paris?", thinking=ThinkingOptions(effort="low")),
                                         [get_weather])
    assert final.text == "It is 18C and sunny in Paris."
    assert final.thinking == "**Answering**\n\nThe tool said sunny."
    assert final.content[0].signature == "gAAAA-second-turn"
    first, second = server.requests[0].json, server.requests[1].json
    assert first["reasoning"] == {"effort": "low", "summary": "auto"}
    assert first["tools"][0]["name"] == "get_weather" and first["tools"][0]["strict"] is False
    assert second["input"] == [
        {"type": "message", "role": "user", "content": "Weather in Paris?"},
        {"type": "reasoning", "id": "rs_0fake0",
         "summary": [{"type": "summary_text", "text": "**Checking the weather**\n\nI should call the tool."}],
         "encrypted_content": ENCRYPTED},  # the done copy, not the half one in output_item.added
        {"type": "function_call", "call_id": "call_w1", "name": "get_weather", "arguments": '{"city": "Paris"}'},
        {"type": "function_call_output", "call_id": "call_w1", "output": "18C and sunny in Paris"},
    ]
    assert [m.role for m in transcript] == ["user", "assistant", "user", "assistant"]


def test_multi_turn_chat_keeps_reasoning_through_the_history(server, client):
    server.add_reply(R.reasoning_reply("Think A", "Answer A", encrypted_content="gAAAA-A"))
    server.add_reply(R.text_reply("Answer B"))
    first = client.complete(ask("Question A"))
    history = [LLMMessage.user("Question A"), first.to_message(), LLMMessage.user("Question B")]
    client.complete(LLMRequest(model="gpt-5.4-mini", messages=history))
    items = server.requests[1].json["input"]
    assert items[1] == {"type": "reasoning", "id": "rs_0fake0", "summary": [{"type": "summary_text", "text": "Think A"}],
                        "encrypted_content": "gAAAA-A"}
    assert items[2] == {"type": "message", "role": "assistant", "content": "Answer A"}
    # the response survives JSON, id and signature included
    assert type(first).from_json(first.to_json()).content[0] == ThinkingContent("Think A", "gAAAA-A", "rs_0fake0")


def test_web_search_runs_at_openai_and_goes_back_with_the_history(server, client):
    server.add_reply(R.web_search_reply("Shannon was born in 1916."), R.text_reply("You're welcome."))
    search = [ProviderTool("web_search")]
    first = client.complete(ask("When was Shannon born?", tools=search))
    assert isinstance(first.content[0], ProviderToolContent) and first.content[0].type == "web_search_call"
    assert first.content[1].citations[0].url == "https://en.wikipedia.org/wiki/Claude_Shannon"
    assert first.usage.server_tool_use == {"web_search": 1}
    assert server.requests[0].json["tools"] == [{"type": "web_search"}]
    history = [LLMMessage.user("When was Shannon born?"), first.to_message(), LLMMessage.user("Thanks")]
    client.complete(LLMRequest(model="gpt-5.4-mini", messages=history, tools=search))
    assert [item["type"] for item in server.requests[1].json["input"]] == [
        "message", "web_search_call", "message", "message"]


def test_parallel_tool_calls(server, client):
    stream = ResponsesStream().created().function_calls([("call_a", "get_weather", {"city": "Paris"}),
                                                         ("call_b", "get_weather", {"city": "Oslo"})])
    server.add_reply(stream.completed().reply())
    resp = client.complete(ask("Both?"))
    assert resp.stop_reason is StopReason.TOOL_USE
    assert resp.tool_uses == [ToolUseContent("call_a", "get_weather", {"city": "Paris"}),
                              ToolUseContent("call_b", "get_weather", {"city": "Oslo"})]


def test_refusal_and_incomplete(server, client):
    server.add_reply(R.refusal_reply("I can't help with that."), R.incomplete_reply("Once upon a", output_tokens=3))
    refused = client.complete(ask("?"))
    assert refused.stop_reason is StopReason.REFUSAL and refused.text == "I can't help with that."
    cut = client.complete(ask("Story", max_tokens=3))
    assert cut.stop_reason is StopReason.MAX_TOKENS and cut.text == "Once upon a"


def test_http_error_stream_error_failed_and_truncated_body(server, client):
    server.add_reply(O.error_reply(429, "Rate limit reached", error_type="requests", code="rate_limit_exceeded"))
    with pytest.raises(RateLimitError):
        client.complete(ask())
    server.add_reply(R.stream_error_reply(text_before="Partial"))
    with pytest.raises(ProviderStreamError) as caught:
        client.complete(ask())
    assert isinstance(caught.value, ServerError) and caught.value.partial_response.text == "Partial"
    server.add_reply(R.failed_reply("server_error", "The model failed."))
    with pytest.raises(ServerError):
        client.complete(ask())
    whole = R.text_reply("Cut short")
    server.add_reply(whole.truncated(whole.body_bytes().index(b"event: response.completed")))
    with pytest.raises(IncompleteStreamError) as cut:
        client.complete(ask())
    assert cut.value.partial_response.text == "Cut short"


def test_stop_sequences_fail_before_any_http(server, client):
    with pytest.raises(UnsupportedFeatureError):
        client.complete(ask(stop=["END"]))
    assert server.requests == []


def test_count_tokens_uses_the_input_tokens_endpoint(server, client):
    server.route("/v1/responses/input_tokens",
                 ScriptedReply.json(200, {"object": "response.input_tokens", "input_tokens": 42}))
    assert client.count_tokens(ask("Count me", system="Be terse.")) == 42
    sent = server.requests[0]
    assert sent.path == "/v1/responses/input_tokens"
    assert sent.json == {"model": "gpt-5.4-mini", "input": [{"type": "message", "role": "user",
                                                             "content": "Count me"}],
                         "instructions": "Be terse."}


def test_api_option_is_validated_and_passed_through_every_constructor(server, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    assert HttpClientOptions.from_env("openai", api="responses").api == "responses"
    assert HttpClientOptions.new_openai(KEY).api == "chat"
    assert HttpClientOptions.new_openai_compatible(server.url + "/v1", api="responses").api == "responses"
    with pytest.raises(InvalidConfigError):
        HttpClientOptions.new_openai(KEY, api="assistants")
    with pytest.raises(InvalidConfigError):
        HttpClientOptions.new_anthropic(KEY, api="responses")
    with pytest.raises(InvalidConfigError):
        register_openai_compatible("bad_api", "http://localhost:1/v1", api="completions")


def test_registered_compatible_server_speaks_responses_by_default(server):
    register_openai_compatible("local_resp", server.url + "/v1", models=["qwen3"], api="responses")
    try:
        server.add_reply(R.text_reply("from responses"), O.text_reply("from chat", dialect="openai_compatible"))
        with LLMClient.new(HttpClientOptions(provider="local_resp")) as client:
            assert client.complete(ask(model="qwen3")).text == "from responses"
        with LLMClient.new(HttpClientOptions(provider="local_resp", api="chat")) as client:
            assert client.complete(ask(model="qwen3")).text == "from chat"
    finally:
        for model in get_provider("local_resp").models():
            unregister_model(model)
        unregister_provider("local_resp")
    paths: List[str] = [r.path for r in server.requests]
    assert paths == ["/v1/responses", "/v1/chat/completions"]
    assert "authorization" not in server.requests[0].headers


def test_providers_name_the_apis_they_speak():
    openai_provider, anthropic_provider = get_provider("openai"), get_provider("anthropic")
    assert openai_provider.apis() == ["chat", "responses"] and anthropic_provider.apis() == ["chat"]
    assert openai_provider.adapter() is openai_provider.adapter("chat")  # the default, built once
    assert openai_provider.adapter("responses").path == "/v1/responses"
    assert get_provider("openai_compatible").adapter("responses").name == "openai_compatible"


def test_structured_output_over_the_responses_api(server, client):
    import json
    from dataclasses import dataclass

    from llmsdk.errors import RefusalError

    @dataclass
    class Verdict:
        label: str
        score: float

    server.add_reply(R.text_reply(json.dumps({"label": "spam", "score": 0.9})), R.refusal_reply("No."))
    resp = client.complete(ask("Classify", output_schema=Verdict))
    assert resp.parsed == Verdict("spam", 0.9)
    sent = server.requests[0].json
    assert sent["text"]["format"]["type"] == "json_schema" and sent["text"]["format"]["name"] == "Verdict"
    with pytest.raises(RefusalError):
        client.parse(ask("Classify"), Verdict)
