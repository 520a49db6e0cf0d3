"""Gemini end to end: LLMClient.new_gemini over real HTTP against FakeProviderServer."""

from typing import Callable, Iterator

import pytest

from llmsdk import (
    HttpClientOptions, LLMClient, LLMEvent, LLMMessage, LLMRequest, StopReason, TextContent, ThinkingContent,
    ThinkingOptions, Timeouts, Tool, ToolUseContent, Usage,
)
from llmsdk.config import RetryPolicy
from llmsdk.errors import (
    AuthenticationError, BadRequestError, IncompleteStreamError, OverloadedError, ProviderStreamError,
)
from llmsdk.testing import FakeProviderServer
from llmsdk.testing import gemini as G

KEY = "AIzaSy-test-SECRET-0123456789"
MODEL = "gemini-2.5-flash"
STREAM_PATH = f"/v1beta/models/{MODEL}:streamGenerateContent"
WEATHER = Tool("get_weather", "Weather", {"type": "object", "properties": {"city": {"type": "string"}},
                                          "required": ["city"], "additionalProperties": False})


@pytest.fixture
def gemini_client(server: FakeProviderServer) -> Iterator[Callable[..., LLMClient]]:
    clients = []

    def make(**kwargs: object) -> LLMClient:
        kwargs.setdefault("timeouts", Timeouts(connect=5, read=10))
        kwargs.setdefault("retry_policy", RetryPolicy(max_retries=int(kwargs.pop("max_retries", 2)),
                                                      initial_delay=0.01, max_delay=0.05))
        client = LLMClient.new_gemini(HttpClientOptions.new_gemini(KEY, api_base=server.url, **kwargs))
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


def request(text: str = "Hello", **kwargs: object) -> LLMRequest:
    return LLMRequest(model=MODEL, messages=[LLMMessage.user(text)], **kwargs)


def assert_key_only_in_header(sent: object) -> None:
    assert sent.headers["x-goog-api-key"] == KEY
    assert KEY not in sent.path and KEY not in sent.query and "key=" not in sent.query
    assert "authorization" not in sent.headers


def test_text_stream_request_and_headers(server, gemini_client):
    server.add_reply(G.text_reply("Hello, world!", chunk_size=5, headers={"x-goog-request-id": "g-123"}))
    with gemini_client().send(request("Hi", system="Be brief.", temperature=0.2, max_tokens=64)) as stream:
        events = list(stream)
    assert [e.content.text for e in events if isinstance(e, LLMEvent.PartialContent)] == ["Hello", ", wor", "ld!"]
    assert events[-2] == LLMEvent.Content(0, TextContent("Hello, world!"))
    assert events[-1] == LLMEvent.Stop(StopReason.END_TURN, Usage(12, 12))
    assert stream.request_id == "g-123"
    sent = server.requests[0]
    assert (sent.method, sent.path, sent.query) == ("POST", STREAM_PATH, "alt=sse")
    assert sent.headers["content-type"] == "application/json"
    assert_key_only_in_header(sent)
    assert sent.json == {
        "contents": [{"role": "user", "parts": [{"text": "Hi"}]}],
        "systemInstruction": {"parts": [{"text": "Be brief."}]},
        "generationConfig": {"maxOutputTokens": 64, "temperature": 0.2},
    }


@pytest.mark.parametrize("framing", ["chunked", "close", "length"])
def test_every_framing(server, gemini_client, framing):
    server.add_reply(G.text_reply("framed text", framing=framing))
    assert gemini_client().complete(request()).text == "framed text"


def test_function_call_round_trip_with_ids_and_signature(server, gemini_client):
    server.add_reply(G.function_call_reply([("get_weather", {"city": "Cairo"})], text="Checking.", signature="SIG=="),
                     G.text_reply("18C and sunny."))
    client = gemini_client()
    messages = [LLMMessage.user("Weather in Cairo?")]
    first = client.complete(LLMRequest(model=MODEL, messages=messages, tools=[WEATHER], tool_choice="auto"))
    assert first.stop_reason is StopReason.TOOL_USE and first.text == "Checking."
    assert first.tool_uses == [ToolUseContent("call000x", "get_weather", {"city": "Cairo"}, signature="SIG==")]
    messages += [first.to_message(), LLMMessage.tool_result("call000x", "18C, sunny")]
    second = client.complete(LLMRequest(model=MODEL, messages=messages, tools=[WEATHER]))
    assert second.text == "18C and sunny." and second.stop_reason is StopReason.END_TURN
    body = server.requests[0].json
    assert body["tools"] == [{"functionDeclarations": [{"name": "get_weather", "description": "Weather", "parameters": {
        "type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}]}]
    assert body["toolConfig"] == {"functionCallingConfig": {"mode": "AUTO"}}
    assert server.requests[1].json["contents"][1:] == [
        {"role": "model", "parts": [
            {"text": "Checking."},
            {"functionCall": {"name": "get_weather", "args": {"city": "Cairo"}, "id": "call000x"},
             "thoughtSignature": "SIG=="},
        ]},
        {"role": "user", "parts": [
            {"functionResponse": {"name": "get_weather", "response": {"output": "18C, sunny"}, "id": "call000x"}}]},
    ]


def test_calls_without_ids_get_ids_that_never_reach_gemini(server, gemini_client):
    server.add_reply(G.function_call_reply([("get_weather", {"city": "Paris"}), ("get_weather", {"city": "Rome"})],
                                           with_ids=False, response_id="r9"),
                     G.text_reply("Both mild."))
    client = gemini_client()
    messages = [LLMMessage.user("Paris and Rome?")]
    first = client.complete(LLMRequest(model=MODEL, messages=messages, tools=[WEATHER]))
    ids = [c.id for c in first.tool_uses]
    assert ids == ["gemini-call-r9-0", "gemini-call-r9-1"]
    messages += [first.to_message(), LLMMessage.tool_result(ids[0], "15C"),
                 LLMMessage.tool_result(ids[1], "city closed", is_error=True)]
    client.complete(LLMRequest(model=MODEL, messages=messages, tools=[WEATHER]))
    model_turn, results = server.requests[1].json["contents"][1:]
    assert [p["functionCall"] for p in model_turn["parts"]] == [
        {"name": "get_weather", "args": {"city": "Paris"}}, {"name": "get_weather", "args": {"city": "Rome"}}]
    assert results == {"role": "user", "parts": [
        {"functionResponse": {"name": "get_weather", "response": {"output": "15C"}}},
        {"functionResponse": {"name": "get_weather", "response": {"error": "city closed"}}},
    ]}


def test_thoughts_usage_and_signature_round_trip(server, gemini_client):
    server.add_reply(G.thinking_reply("Rayleigh scattering...", "Because of scattering.", signature="TS1",
                                      thoughts=697, cached=4), G.text_reply("ok"))
    client = gemini_client()
    first_request = request("Why is the sky blue?", thinking=ThinkingOptions(budget_tokens=1024))
    stream = client.send(first_request)
    events = list(stream)
    thought_deltas = [e for e in events if isinstance(e, LLMEvent.PartialContent)
                      and isinstance(e.content, ThinkingContent)]
    assert "".join(e.content.thinking for e in thought_deltas) == "Rayleigh scattering..."
    resp = stream.final_response()
    assert resp.thinking == "Rayleigh scattering..." and resp.text == "Because of scattering."
    assert resp.content[1] == TextContent("Because of scattering.", signature="TS1")
    # prompt 12 of which 4 cached; output = candidates 8 + thoughts 697
    assert resp.usage == Usage(input_tokens=8, output_tokens=705, cache_reads=4, reasoning_tokens=697)
    assert resp.id == G.RESPONSE_ID and resp.model == G.DEFAULT_MODEL
    assert server.requests[0].json["generationConfig"] == {
        "thinkingConfig": {"includeThoughts": True, "thinkingBudget": 1024}}
    follow = LLMRequest(model=MODEL, messages=[*first_request.messages, resp.to_message(), LLMMessage.user("More")])
    client.complete(follow)
    assert server.requests[1].json["contents"][1] == {"role": "model", "parts": [
        {"text": "Rayleigh scattering...", "thought": True},
        {"text": "Because of scattering.", "thoughtSignature": "TS1"},
    ]}
    assert client.get_usage() == Usage(input_tokens=20, output_tokens=709, cache_reads=4, reasoning_tokens=697)


def test_safety_stop_is_content_filter(server, gemini_client):
    server.add_reply(G.safety_reply("Here is how", reason="SAFETY"))
    resp = gemini_client().complete(request())
    assert resp.stop_reason is StopReason.CONTENT_FILTER and resp.text == "Here is how"


def test_blocked_prompt_raises_a_clear_error_without_retrying(server, gemini_client):
    server.add_reply(G.blocked_prompt_reply("PROHIBITED_CONTENT", "The prompt was blocked."), G.text_reply("never"))
    stream = gemini_client().send(request())
    with pytest.raises(BadRequestError) as info:
        list(stream)
    err = info.value
    assert isinstance(err, ProviderStreamError) and err.provider == "gemini"
    assert "blocked the prompt" in str(err) and "PROHIBITED_CONTENT" in str(err)
    assert err.partial_response.usage == Usage(input_tokens=9)
    assert len(server.requests) == 1


def test_429_then_success_honours_retry_delay(server, gemini_client):
    server.add_reply(G.error_reply(429, "RESOURCE_EXHAUSTED", "Quota exceeded", retry_delay="0.01s"),
                     G.text_reply("after retry"))
    assert gemini_client().complete(request()).text == "after retry"
    assert len(server.requests) == 2


def test_503_exhausts_retries(server, gemini_client):
    for _ in range(3):
        server.add_reply(G.error_reply(503, "UNAVAILABLE", "The model is overloaded."))
    with pytest.raises(OverloadedError) as info:
        gemini_client(max_retries=2).send(request())
    assert len(server.requests) == 3
    assert info.value.status == 503 and info.value.error_type == "UNAVAILABLE"
    assert "The model is overloaded." in str(info.value)


def test_bad_key_is_an_authentication_error_and_redacted(server, gemini_client):
    body = {"error": {"code": 400, "message": "API key not valid. Please pass a valid API key.",
                      "status": "INVALID_ARGUMENT", "details": [
                          {"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID"},
                          {"@type": "type.googleapis.com/google.rpc.DebugInfo", "detail": f"Invalid API key: {KEY}"}]}}
    from llmsdk.testing import ScriptedReply

    server.add_reply(ScriptedReply.json(400, body))
    with pytest.raises(AuthenticationError) as info:
        gemini_client().send(request())
    assert len(server.requests) == 1
    err = info.value
    assert KEY not in str(err) and KEY not in (err.body or "") and KEY not in repr(err)


def test_mid_stream_error_before_content_is_retried(server, gemini_client):
    server.add_reply(G.stream_error_reply(503, "UNAVAILABLE"), G.text_reply("second try"))
    assert gemini_client().complete(request()).text == "second try"
    assert len(server.requests) == 2


def test_mid_stream_error_after_content_surfaces_with_partial(server, gemini_client):
    server.add_reply(G.stream_error_reply(500, "INTERNAL", "Internal error", text_before="Partial answer"))
    stream = gemini_client().send(request())
    seen = []
    with pytest.raises(ProviderStreamError) as info:
        for event in stream:
            seen.append(event)
    assert seen == [LLMEvent.PartialContent(0, TextContent("Partial answer"))]
    assert info.value.status == 500 and info.value.partial_response.text == "Partial answer"
    assert len(server.requests) == 1


@pytest.mark.parametrize("framing", ["chunked", "close"])
def test_stream_without_finish_reason_is_incomplete(server, gemini_client, framing):
    server.add_reply(G.text_reply("cut off here", chunk_size=4, finish_reason=None, framing=framing))
    with pytest.raises(IncompleteStreamError) as info:
        gemini_client().complete(request())
    assert info.value.partial_response.text == "cut off here"
    assert info.value.partial_response.usage == Usage(12, 12)


def test_stream_cut_mid_frame_is_incomplete(server, gemini_client):
    reply = G.text_reply("abcdefgh", chunk_size=2)
    server.add_reply(reply.truncated(len(reply.body_bytes()) - 30))
    with pytest.raises(IncompleteStreamError):
        gemini_client().complete(request())


def test_count_tokens(server, gemini_client):
    server.route(":countTokens", G.count_tokens_reply(42))
    client = gemini_client()
    assert client.count_tokens(request("Count me")) == 42
    sent = server.requests[0]
    assert sent.path == f"/v1beta/models/{MODEL}:countTokens" and sent.query == ""
    assert_key_only_in_header(sent)
    assert sent.json == {"contents": [{"role": "user", "parts": [{"text": "Count me"}]}]}
    # the system prompt is not accepted by the endpoint in this form: it is estimated locally
    assert client.count_tokens(request("Count me", system="x" * 40)) == 42 + 10


def test_api_base_with_version_and_models_prefix(server):
    server.add_reply(G.text_reply("ok"))
    client = LLMClient.new_gemini(HttpClientOptions.new_gemini(KEY, api_base=server.url + "/v1beta/"))
    try:
        resp = client.complete(LLMRequest(model="models/gemini-2.5-pro", messages=[LLMMessage.user("x")]))
    finally:
        client.close()
    assert resp.text == "ok"
    assert server.requests[0].path == "/v1beta/models/gemini-2.5-pro:streamGenerateContent"


def test_daily_quota_429_is_not_retried(server):
    from llmsdk.errors import RateLimitError
    from llmsdk.testing import ScriptedReply

    body = {"error": {"code": 429, "message": "Quota exceeded", "status": "RESOURCE_EXHAUSTED", "details": [
        {"@type": "type.googleapis.com/google.rpc.QuotaFailure", "violations": [
            {"quotaMetric": "generativelanguage.googleapis.com/generate_content_free_tier_requests",
             "quotaId": "GenerateRequestsPerDayPerProjectPerModel-FreeTier"}]},
        {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "37s"}]}}
    server.add_reply(ScriptedReply.json(429, body))
    client = LLMClient.new_gemini(HttpClientOptions.new_gemini("k", api_base=server.url))
    with pytest.raises(RateLimitError) as info:
        client.complete(LLMRequest(model="gemini-2.5-flash", messages=[LLMMessage.user("hi")]))
    assert len(server.requests) == 1 and info.value.retry_after == 37
