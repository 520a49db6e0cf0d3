"""OpenAI, Groq, OpenRouter and OpenAI-compatible end to end: real HTTP against
FakeProviderServer through LLMClient, with the captured requests asserted field by field."""

from typing import Callable

import pytest

from llmsdk import (
    LLMClient, LLMEvent, LLMMessage, LLMRequest, StopReason, TextContent, ThinkingContent,
    ThinkingOptions, Tool, ToolUseContent, Usage,
)
from llmsdk.errors import (
    AuthenticationError, ContextWindowExceededError, IncompleteStreamError, ProviderStreamError, RateLimitError,
    ServerError,
)
from llmsdk.providers.openrouter.client import attribution_headers
from llmsdk.testing import openai as O

KEY = "sk-test-SECRET-0123456789"
#: The four dialects this file pins field by field; Mistral, DeepSeek and xAI differ on
#: purpose (tests/e2e/test_more_providers.py, test_reasoning_round_trip.py, test_every_provider.py).
DIALECTS = ["openai", "groq", "openrouter", "openai_compatible"]
MODELS = {"openai": "gpt-4.1", "groq": "llama-3.3-70b-versatile", "openrouter": "openai/gpt-4o-mini",
          "openai_compatible": "my-local-model"}
TOKEN_FIELD = {"openai": "max_completion_tokens", "groq": "max_completion_tokens", "openrouter": "max_tokens",
               "openai_compatible": "max_tokens"}
WEATHER = Tool("get_weather", "Weather", {"type": "object", "properties": {"city": {"type": "string"}}})

ClientFactory = Callable[..., LLMClient]




def request(dialect: str, text: str = "Hi", **kwargs: object) -> LLMRequest:
    return LLMRequest(model=MODELS[dialect], messages=[LLMMessage.user(text)], **kwargs)


@pytest.mark.parametrize("dialect", DIALECTS)
def test_text_stream_and_the_request_on_the_wire(server, make_client, dialect):
    server.add_reply(O.text_reply("Hello, wörld! 👋", dialect=dialect, chunk=4, prompt_tokens=20,
                                  completion_tokens=5, headers={"x-request-id": "req_abc"}))
    client = make_client(dialect)
    with client.send(request(dialect, system="Be terse.", max_tokens=64, temperature=0.5, stop=["END"])) as stream:
        events = list(stream)
    deltas = [e.content.text for e in events if isinstance(e, LLMEvent.PartialContent)]
    assert "".join(deltas) == "Hello, wörld! 👋" and len(deltas) > 1
    assert events[-2] == LLMEvent.Content(0, TextContent("Hello, wörld! 👋"))
    assert events[-1] == LLMEvent.Stop(StopReason.END_TURN, Usage(20, 5))
    assert stream.request_id == "req_abc"

    sent = server.requests[0]
    assert sent.method == "POST" and sent.path == "/v1/chat/completions"
    assert sent.headers["content-type"] == "application/json"
    if dialect == "openai_compatible":
        assert "authorization" not in sent.headers
    else:
        assert sent.headers["authorization"] == f"Bearer {KEY}"
    body = sent.json
    assert body["model"] == MODELS[dialect]
    assert body["messages"] == [{"role": "system", "content": "Be terse."}, {"role": "user", "content": "Hi"}]
    assert body["stream"] is True
    assert body[TOKEN_FIELD[dialect]] == 64
    other_field = ({"max_tokens", "max_completion_tokens"} - {TOKEN_FIELD[dialect]}).pop()
    assert other_field not in body
    assert body["temperature"] == 0.5 and body["stop"] == ["END"]
    if dialect in ("openai", "openai_compatible"):
        assert body["stream_options"] == {"include_usage": True}
    else:
        assert "stream_options" not in body


@pytest.mark.parametrize("dialect", DIALECTS)
def test_tool_call_then_tool_result_linkage(server, make_client, dialect):
    server.add_reply(O.tool_call_reply("get_weather", {"city": "Paris"}, dialect=dialect, tool_id="call_w1",
                                       text="Let me check."),
                     O.text_reply("18C and sunny.", dialect=dialect))
    client = make_client(dialect)
    messages = [LLMMessage.user("Weather in Paris?")]
    first = client.complete(LLMRequest(model=MODELS[dialect], messages=messages, tools=[WEATHER],
                                       tool_choice={"name": "get_weather"}))
    assert first.stop_reason is StopReason.TOOL_USE and first.text == "Let me check."
    assert first.tool_uses == [ToolUseContent("call_w1", "get_weather", {"city": "Paris"})]
    messages += [first.to_message(), LLMMessage.tool_result("call_w1", "18C, sunny")]
    second = client.complete(LLMRequest(model=MODELS[dialect], messages=messages, tools=[WEATHER]))
    assert second.text == "18C and sunny."

    body1 = server.requests[0].json
    assert body1["tools"] == [{"type": "function", "function": {
        "name": "get_weather", "description": "Weather",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}]
    assert body1["tool_choice"] == {"type": "function", "function": {"name": "get_weather"}}
    sent = server.requests[1].json["messages"]
    assert sent[1] == {"role": "assistant", "content": "Let me check.", "tool_calls": [
        {"id": "call_w1", "type": "function", "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'}}]}
    assert sent[2] == {"role": "tool", "tool_call_id": "call_w1", "content": "18C, sunny"}


@pytest.mark.parametrize("dialect", DIALECTS)
def test_usage_with_cached_tokens(server, make_client, dialect):
    server.add_reply(O.text_reply("ok", dialect=dialect, prompt_tokens=1500, completion_tokens=40,
                                  cached_tokens=1024, reasoning_tokens=30))
    client = make_client(dialect)
    resp = client.complete(request(dialect))
    assert resp.usage == Usage(input_tokens=476, output_tokens=40, cache_reads=1024, reasoning_tokens=30)
    assert client.get_usage() == resp.usage


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("reason, expected", [
    ("stop", StopReason.END_TURN), ("length", StopReason.MAX_TOKENS), ("tool_calls", StopReason.TOOL_USE),
    ("content_filter", StopReason.CONTENT_FILTER), ("function_call", StopReason.TOOL_USE),
])
def test_each_stop_reason(server, make_client, dialect, reason, expected):
    server.add_reply(O.text_reply("x", dialect=dialect, finish_reason=reason))
    assert make_client(dialect).complete(request(dialect)).stop_reason is expected


@pytest.mark.parametrize("dialect", DIALECTS)
def test_mid_stream_error_raises_after_the_text_before_it(server, make_client, dialect):
    server.add_reply(O.stream_error_reply(dialect=dialect, text_before="Once upon a time"))
    stream = make_client(dialect).send(request(dialect))
    received = []
    with pytest.raises(ProviderStreamError) as info:
        for event in stream:
            received.append(event)
    assert isinstance(info.value, ServerError)
    assert "Sorry about that" in str(info.value)
    assert "".join(e.content.text for e in received) == "Once upon a time"
    assert info.value.partial_response.text == "Once upon a time"


def test_mid_stream_error_in_the_same_read_keeps_the_text_before_it(server, make_client):
    server.add_reply(O.stream_error_reply(text_before="Once upon a time").split([]))  # one write
    with pytest.raises(ProviderStreamError) as info:
        make_client("openai", max_retries=0).complete(request("openai"))
    assert info.value.partial_response.text == "Once upon a time"


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("framing", ["chunked", "close"])
def test_truncated_stream_is_incomplete(server, make_client, dialect, framing):
    full = O.text_reply("Hello there", dialect=dialect)
    raw = full.body_bytes()
    cut = O.text_reply("Hello there", dialect=dialect, framing=framing).truncated(raw.index(b"data: [DONE]"))
    server.add_reply(cut)
    with pytest.raises(IncompleteStreamError) as info:
        make_client(dialect).complete(request(dialect))
    assert info.value.partial_response.text == "Hello there"


@pytest.mark.parametrize("dialect", DIALECTS)
def test_429_is_retried_then_succeeds(server, make_client, dialect):
    server.add_reply(O.error_reply(429, "Rate limit reached", dialect=dialect, error_type="requests",
                                   code="rate_limit_exceeded", headers={"retry-after": "0"}),
                     O.text_reply("after retry", dialect=dialect))
    resp = make_client(dialect).complete(request(dialect))
    assert resp.text == "after retry"
    assert len(server.requests) == 2
    assert server.requests[0].json == server.requests[1].json


def test_429_exhausting_retries_raises_rate_limit_error(server, make_client):
    reply = O.error_reply(429, "Rate limit reached", code="rate_limit_exceeded", headers={"retry-after": "0"})
    server.add_reply(reply, reply, reply)
    with pytest.raises(RateLimitError) as info:
        make_client("openai", max_retries=2).complete(request("openai"))
    assert info.value.status == 429 and info.value.request_id == "req_fake"
    assert len(server.requests) == 3


def test_context_window_error_and_no_key_in_messages(server, make_client):
    server.add_reply(O.error_reply(400, "This model's maximum context length is 128000 tokens.",
                                   code="context_length_exceeded"))
    with pytest.raises(ContextWindowExceededError) as info:
        make_client("openai").complete(request("openai"))
    assert KEY not in str(info.value) and KEY not in repr(info.value)
    server.add_reply(O.error_reply(401, "Incorrect API key provided", code="invalid_api_key"))
    with pytest.raises(AuthenticationError):
        make_client("openai").complete(request("openai"))


def test_groq_reasoning_and_x_groq_usage(server, make_client):
    server.add_reply(O.reasoning_reply("Let me think.", "42", dialect="groq", prompt_tokens=10,
                                       completion_tokens=8))
    resp = make_client("groq").complete(LLMRequest(model="qwen/qwen3-32b", messages=[LLMMessage.user("Q")],
                                                   thinking=ThinkingOptions()))
    assert resp.content == [ThinkingContent("Let me think."), TextContent("42")]
    assert resp.usage == Usage(10, 8)
    assert server.requests[0].json["reasoning_format"] == "parsed"


def test_openrouter_attribution_headers_keep_alives_and_routing(server, make_client):
    stream = O.ChatStream("openrouter").keep_alive().keep_alive().role().text("Hi!").keep_alive()
    server.add_reply(stream.finish("stop", cost=0.002).done().reply())
    client = make_client("openrouter", extra_headers=attribution_headers("https://app.example", "My App"))
    resp = client.complete(request("openrouter", extra_body={"provider": {"order": ["openai"]}}))
    assert resp.text == "Hi!" and resp.stop_reason is StopReason.END_TURN
    sent = server.requests[0]
    assert sent.headers["http-referer"] == "https://app.example" and sent.headers["x-title"] == "My App"
    assert sent.json["provider"] == {"order": ["openai"]}


def test_openrouter_reasoning_details_round_trip(server, make_client):
    details = [{"type": "reasoning.text", "text": "Think", "format": "anthropic-claude-v1", "index": 0},
               {"type": "reasoning.text", "signature": "c2ln", "index": 0}]
    stream = O.ChatStream("openrouter", model="anthropic/claude-sonnet-4.5").role()
    stream.reasoning_details(details[:1], text="Think").reasoning_details(details[1:])
    stream.tool_calls([("toolu_1", "get_weather", {"city": "Oslo"})])
    server.add_reply(stream.finish("tool_calls").done().reply(), O.text_reply("Cold.", dialect="openrouter"))
    client = make_client("openrouter")
    messages = [LLMMessage.user("Oslo?")]
    first = client.complete(LLMRequest(model="anthropic/claude-sonnet-4.5", messages=messages, tools=[WEATHER]))
    assert first.thinking == "Think"
    messages += [first.to_message(), LLMMessage.tool_result("toolu_1", "-3C")]
    client.complete(LLMRequest(model="anthropic/claude-sonnet-4.5", messages=messages, tools=[WEATHER]))
    echoed = server.requests[1].json["messages"][1]
    assert echoed["reasoning_details"] == [{"type": "reasoning.text", "text": "Think", "format": "anthropic-claude-v1",
                                            "index": 0, "signature": "c2ln"}]


def test_compatible_accepts_unknown_models_without_a_key_and_has_no_cost(server, make_client):
    server.add_reply(O.text_reply("local answer", dialect="openai_compatible"))
    resp = make_client("openai_compatible").complete(
        LLMRequest(model="some-org/unlisted-model-7b", messages=[LLMMessage.user("Hi")]))
    assert resp.text == "local answer" and resp.cost is None
    assert resp.model == O.DEFAULT_MODELS["openai_compatible"]


def test_openrouter_reported_cost_wins_over_the_registry(server, make_client):
    server.add_reply(O.text_reply("hi", dialect="openrouter", cost=0.0123))
    client = make_client("openrouter")
    resp = client.complete(LLMRequest(model="openai/gpt-4o", messages=[LLMMessage.user("x")]))
    assert resp.cost == pytest.approx(0.0123)
    assert client.get_cost() == pytest.approx(0.0123)
