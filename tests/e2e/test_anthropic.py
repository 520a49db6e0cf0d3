"""Anthropic end to end: real HTTP against FakeProviderServer, real threads, real requests."""

import pytest

from llmsdk import (
    LLMEvent, LLMMessage, LLMRequest, StopReason, TextContent, ThinkingContent, ThinkingOptions, Tool,
    ToolUseContent, Usage,
)
from llmsdk.errors import AuthenticationError, BadRequestError, RateLimitError
from llmsdk.testing import ScriptedReply
from llmsdk.testing import anthropic as A
from tests.conftest import TEST_KEY, simple_request

WEATHER = Tool("get_weather", "Weather", {"type": "object", "properties": {"city": {"type": "string"}}})


def test_text_stream_events_and_request(server, anthropic_client):
    server.add_reply(A.text_reply("Hello, world!", chunk=5, headers={"request-id": "req_123"}))
    client = anthropic_client()
    with client.send(simple_request("Hi", temperature=0.3)) as stream:
        events = list(stream)
    assert "".join(e.content.text for e in events if isinstance(e, LLMEvent.PartialContent)) == "Hello, world!"
    assert events[-1] == LLMEvent.Stop(StopReason.END_TURN, Usage(25, 15))
    assert stream.request_id == "req_123"
    sent = server.requests[0]
    assert sent.path == "/v1/messages" and sent.method == "POST"
    assert sent.headers["x-api-key"] == TEST_KEY and sent.headers["anthropic-version"] == "2026-10-21"
    assert sent.headers["content-type"] == "application/json"
    # API version 2026-10-21 takes no temperature: dropped (with one warning per client)
    assert sent.json == {"model": "claude-haiku-4-5", "max_tokens": 8192, "stream": True,
                         "messages": [{"role": "user", "content": "Hi"}]}


def test_complete_tool_call_and_history(server, anthropic_client):
    server.add_reply(A.tool_use_reply("get_weather", {"city": "Paris"}, text="Let me check."),
                     A.text_reply("18C and sunny."))
    client = anthropic_client()
    messages = [LLMMessage.user("Weather in Paris?")]
    first = client.complete(LLMRequest(model="claude-haiku-4-5", messages=messages, tools=[WEATHER]))
    assert first.stop_reason is StopReason.TOOL_USE and first.text == "Let me check."
    assert first.tool_uses == [ToolUseContent("toolu_01Fake", "get_weather", {"city": "Paris"})]
    messages += [first.to_message(), LLMMessage.tool_result("toolu_01Fake", "18C, sunny")]
    second = client.complete(LLMRequest(model="claude-haiku-4-5", messages=messages, tools=[WEATHER]))
    assert second.text == "18C and sunny."
    sent = server.requests[1].json["messages"]
    assert sent[1]["content"][1] == {"type": "tool_use", "id": "toolu_01Fake", "name": "get_weather",
                                     "input": {"city": "Paris"}}
    assert sent[2]["content"] == [{"type": "tool_result", "tool_use_id": "toolu_01Fake", "content": "18C, sunny"}]
    assert client.get_usage() == Usage(50, 30)
    client += second
    assert client.get_messages() == [second.to_message()]


def test_thinking_round_trips_unchanged(server, anthropic_client):
    server.add_reply(A.thinking_reply("Pondering deeply.", "Answer.", signature="EqQB+/sig=="), A.text_reply("ok"))
    client = anthropic_client()
    request = simple_request("Q", thinking=ThinkingOptions(budget_tokens=2048))
    resp = client.complete(request)
    assert resp.thinking == "Pondering deeply." and resp.text == "Answer."
    assert resp.content[0] == ThinkingContent("Pondering deeply.", signature="EqQB+/sig==")
    follow = LLMRequest(model="claude-haiku-4-5", thinking=ThinkingOptions(budget_tokens=2048),
                        messages=[*request.messages, resp.to_message(), LLMMessage.user("More")])
    client.complete(follow)
    assert server.requests[1].json["messages"][1]["content"][0] == {
        "type": "thinking", "thinking": "Pondering deeply.", "signature": "EqQB+/sig=="}


def test_text_stream_and_recv(server, anthropic_client):
    server.add_reply(A.text_reply("abcdefgh", chunk=2), A.text_reply("xy", chunk=1))
    client = anthropic_client()
    assert "".join(client.send(simple_request()).text_stream()) == "abcdefgh"
    stream = client.send(simple_request())
    seen = []
    while (event := stream.recv(timeout=10)) is not None:
        seen.append(event)
    assert isinstance(seen[-1], LLMEvent.Stop) and stream.recv() is None


def test_final_response_after_partial_iteration(server, anthropic_client):
    server.add_reply(A.text_reply("one two three", chunk=4))
    stream = anthropic_client().send(simple_request())
    first = stream.recv(timeout=10)
    assert first == LLMEvent.PartialContent(0, TextContent("one "))
    assert stream.final_response().text == "one two three"


def test_401_is_not_retried(server, anthropic_client):
    server.add_reply(A.error_reply(401, "authentication_error", f"invalid x-api-key {TEST_KEY}"))
    with pytest.raises(AuthenticationError) as info:
        anthropic_client().send(simple_request())
    assert len(server.requests) == 1
    err = info.value
    assert err.status == 401 and err.request_id == "req_fake" and err.provider == "anthropic"
    assert TEST_KEY not in str(err) and TEST_KEY not in (err.body or "") and TEST_KEY not in repr(err)


def test_400_body_is_parsed(server, anthropic_client):
    server.add_reply(A.error_reply(400, "invalid_request_error", "max_tokens: too large"))
    with pytest.raises(BadRequestError, match="max_tokens: too large"):
        anthropic_client().complete(simple_request())


def test_429_exhausts_retries(server, anthropic_client):
    for _ in range(3):
        server.add_reply(A.error_reply(429, "rate_limit_error", "slow down", headers={"retry-after-ms": "10"}))
    with pytest.raises(RateLimitError) as info:
        anthropic_client(max_retries=2).send(simple_request())
    assert len(server.requests) == 3 and info.value.retry_after == pytest.approx(0.01)


def test_count_tokens_uses_the_endpoint(server, anthropic_client):
    server.route("/v1/messages/count_tokens", ScriptedReply.json(200, {"input_tokens": 1234}))
    client = anthropic_client()
    assert client.count_tokens(simple_request("Count me", tools=[WEATHER])) == 1234
    sent = server.requests[0]
    assert sent.path == "/v1/messages/count_tokens"
    assert "max_tokens" not in sent.json and "stream" not in sent.json and sent.json["tools"][0]["name"] == "get_weather"


def test_rate_limit_headers(server, anthropic_client):
    server.add_reply(A.text_reply("hi", headers={
        "anthropic-ratelimit-requests-limit": "50", "anthropic-ratelimit-requests-remaining": "49",
        "anthropic-ratelimit-requests-reset": "2026-11-24T10:00:00Z", "anthropic-ratelimit-tokens-limit": "8000",
        "anthropic-ratelimit-tokens-remaining": "7000"}))
    stream = anthropic_client().send(simple_request())
    resp = stream.final_response()
    for info in (stream.rate_limit, resp.rate_limit):
        assert (info.requests_limit, info.requests_remaining, info.tokens_remaining) == (50, 49, 7000)
        assert info.requests_reset == "2026-11-24T10:00:00Z"


def test_api_base_with_version_suffix_is_not_doubled(server):
    from llmsdk import HttpClientOptions, LLMClient

    server.add_reply(A.text_reply("ok"))
    client = LLMClient.new_anthropic(HttpClientOptions.new_anthropic("k", api_base=server.url + "/v1"))
    assert client.complete(simple_request()).text == "ok"
    assert server.requests[0].path == "/v1/messages"


def test_json_error_under_200_is_a_typed_error(server, anthropic_client):
    from llmsdk.errors import MalformedEventError, ProviderStreamError

    server.add_reply(ScriptedReply.json(200, {"error": {"type": "invalid_request_error", "message": "bad"}}),
                     ScriptedReply.json(200, {"id": "msg_1", "content": []}))
    with pytest.raises(BadRequestError) as info:
        anthropic_client().send(simple_request())
    assert isinstance(info.value, ProviderStreamError) and "bad" in str(info.value)
    with pytest.raises(MalformedEventError, match="not an event stream"):
        anthropic_client().send(simple_request())


def test_redirected_post_is_followed(server, anthropic_client):
    target = server.url + "/moved/v1/messages"
    server.add_reply(ScriptedReply(status=307, headers={"Location": target}, body=[], framing="length"),
                     ScriptedReply(status=307, headers={"Location": target}, body=[], framing="length"),
                     A.text_reply("after redirect"))
    assert anthropic_client().complete(simple_request()).text == "after redirect"
    assert [r.path for r in server.requests] == ["/v1/messages", "/v1/messages", "/moved/v1/messages"]
    assert server.requests[-1].json["model"] == "claude-haiku-4-5"


def test_http_proxy_from_the_environment_is_used(server, monkeypatch):
    from llmsdk import HttpClientOptions, LLMClient

    for name in ("NO_PROXY", "no_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", server.url)  # the fake server plays the proxy
    server.add_reply(A.text_reply("via proxy"))
    client = LLMClient.new_anthropic(HttpClientOptions.new_anthropic("k", api_base="http://llm.example.invalid"))
    assert client.complete(simple_request()).text == "via proxy"
    assert server.requests[0].path == "/v1/messages"
    assert server.requests[0].headers["host"] == "llm.example.invalid"
