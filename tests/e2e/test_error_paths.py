"""One error body, two paths: as an HTTP error reply (``adapter.parse_error``) and as an
error event inside a 200 stream (the processor), per provider. Both must give the same
class, ``error_type``, ``retry_after`` and ``should_retry``: each provider reads its error
bodies in one place (``providers/<name>/errors.py``)."""

from __future__ import annotations

from typing import Any, Dict, Iterator, List, Tuple

import pytest

from llmsdk import HttpClientOptions, LLMClient, LLMMessage, LLMRequest, Timeouts
from llmsdk.errors import (
    AuthenticationError, BadRequestError, ContextWindowExceededError, InvalidResponseCodeError, NotFoundError, OverloadedError,
    ProviderStreamError, RateLimitError, ServerError,
)
from llmsdk.testing import FakeProviderServer, ScriptedReply, sse_event

KEY = "sk-test-0123456789"
MODELS = {"anthropic": "claude-haiku-4-5", "openai": "gpt-4.1", "gemini": "gemini-2.5-flash",
          "groq": "llama-3.3-70b-versatile", "openrouter": "openai/gpt-4o-mini", "openai_compatible": "local-model"}

RETRY_INFO = {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "37s"}
PER_DAY = {"@type": "type.googleapis.com/google.rpc.QuotaFailure", "violations": [
    {"quotaMetric": "generativelanguage.googleapis.com/generate_content_free_tier_requests",
     "quotaId": "GenerateRequestsPerDayPerProjectPerModel-FreeTier"}]}
BAD_KEY = {"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID",
           "domain": "googleapis.com"}


def _anthropic(error_type: str, message: str) -> Dict[str, Any]:
    return {"type": "error", "error": {"type": error_type, "message": message}, "request_id": "req_011CSHoE"}


def _openai(message: str, error_type: str, code: Any = None) -> Dict[str, Any]:
    return {"error": {"message": message, "type": error_type, "param": None, "code": code}}


def _gemini(code: int, status: str, message: str, *details: Dict[str, Any]) -> Dict[str, Any]:
    err: Dict[str, Any] = {"code": code, "message": message, "status": status}
    if details:
        err["details"] = list(details)
    return {"error": err}


# (provider, HTTP status, body, expected class, expected error_type, retry_after, should_retry)
Case = Tuple[str, int, Dict[str, Any], type, Any, Any, Any]
CASES: List[Case] = [
    ("anthropic", 529, _anthropic("overloaded_error", "Overloaded"), OverloadedError, "overloaded_error", None, None),
    ("anthropic", 429, _anthropic("rate_limit_error", "Number of request tokens has exceeded your per-minute "
                                  "rate limit"), RateLimitError, "rate_limit_error", None, None),
    ("anthropic", 400, _anthropic("invalid_request_error", "prompt is too long: 208310 tokens > 200000 maximum"),
     ContextWindowExceededError, "invalid_request_error", None, None),
    ("anthropic", 401, _anthropic("authentication_error", "invalid x-api-key"), AuthenticationError,
     "authentication_error", None, None),
    ("openai", 400, _openai("This model's maximum context length is 128000 tokens.", "invalid_request_error",
                            "context_length_exceeded"), ContextWindowExceededError, "context_length_exceeded", None,
     None),
    ("openai", 429, _openai("You exceeded your current quota", "insufficient_quota", "insufficient_quota"),
     RateLimitError, "insufficient_quota", None, None),
    ("openai", 401, _openai("Incorrect API key provided", "invalid_request_error", "invalid_api_key"),
     AuthenticationError, "invalid_api_key", None, None),
    ("openai", 500, _openai("The server had an error while processing your request.", "server_error"),
     ServerError, "server_error", None, None),
    ("gemini", 400, _gemini(400, "INVALID_ARGUMENT", "API key not valid. Please pass a valid API key.", BAD_KEY),
     AuthenticationError, "API_KEY_INVALID", None, None),
    ("gemini", 429, _gemini(429, "RESOURCE_EXHAUSTED", "Resource has been exhausted", RETRY_INFO),
     RateLimitError, "RESOURCE_EXHAUSTED", 37.0, None),
    ("gemini", 429, _gemini(429, "RESOURCE_EXHAUSTED", "You exceeded your current quota", PER_DAY, RETRY_INFO),
     RateLimitError, "RESOURCE_EXHAUSTED", 37.0, False),
    ("gemini", 503, _gemini(503, "UNAVAILABLE", "The model is overloaded."), OverloadedError, "UNAVAILABLE",
     None, None),
    ("groq", 429, _openai("Rate limit reached for model `llama-3.3-70b-versatile`", "tokens", "rate_limit_exceeded"),
     RateLimitError, "rate_limit_exceeded", None, None),
    ("groq", 400, _openai("context_length_exceeded: reduce the length of the messages", "invalid_request_error",
                          "context_length_exceeded"), ContextWindowExceededError, "context_length_exceeded", None,
     None),
    ("openrouter", 502, {"error": {"code": 502, "message": "Provider returned error",
                                   "metadata": {"provider_name": "Together", "raw": "upstream 500"}}},
     ServerError, None, None, None),
    ("openrouter", 429, {"error": {"code": 429, "message": "Rate limit exceeded: free-models-per-min"}},
     RateLimitError, None, None, None),
    ("openai_compatible", 400, _openai("This model's maximum context length is 4096 tokens.", "BadRequestError",
                                       "context_length_exceeded"), ContextWindowExceededError,
     "context_length_exceeded", None, None),
    # vLLM: a type llmsdk does not know and a numeric code, which names the class in a stream
    ("openai_compatible", 404, {"error": {"object": "error", "message": "The model `foo` does not exist.",
                                          "type": "NotFoundError", "param": None, "code": 404}},
     NotFoundError, "NotFoundError", None, None),
]


def _in_stream(provider: str, body: Dict[str, Any]) -> ScriptedReply:
    """``body`` as the provider sends it inside a 200 stream."""
    if provider == "anthropic":
        return ScriptedReply.sse([sse_event(body, event="error")])
    if provider == "gemini":
        return ScriptedReply.sse([sse_event(body, crlf=True)])
    if provider == "openrouter":  # one chunk with `error` and finish_reason "error"
        chunk = {"id": "gen-1", "object": "chat.completion.chunk", "model": MODELS[provider], "provider": "OpenAI",
                 "choices": [{"index": 0, "delta": {"content": ""}, "finish_reason": "error"}], **body}
        return ScriptedReply.sse([sse_event(chunk)])
    return ScriptedReply.sse([sse_event(body)])


@pytest.fixture
def client_for(server: FakeProviderServer) -> Iterator[Any]:
    clients: List[LLMClient] = []

    def make(provider: str) -> LLMClient:
        options = dict(timeouts=Timeouts(connect=5, read=10), max_retries=0)
        if provider == "openai_compatible":
            opts = HttpClientOptions.new_openai_compatible(server.url + "/v1", **options)  # type: ignore[arg-type]
        else:
            opts = HttpClientOptions.for_provider(provider, KEY, server.url, **options)  # type: ignore[arg-type]
        clients.append(LLMClient.new(opts))
        return clients[-1]

    yield make
    for client in clients:
        client.close()


def _raised(client: LLMClient, provider: str) -> InvalidResponseCodeError:
    with pytest.raises(InvalidResponseCodeError) as caught:
        client.complete(LLMRequest(model=MODELS[provider], messages=[LLMMessage.user("Hi")]))
    return caught.value


@pytest.mark.parametrize("case", CASES, ids=[f"{c[0]}-{c[1]}-{c[4] or 'untyped'}" for c in CASES])
def test_one_body_reads_alike_on_both_paths(server: FakeProviderServer, client_for: Any, case: Case) -> None:
    provider, status, body, cls, error_type, retry_after, should_retry = case
    client = client_for(provider)
    server.add_reply(ScriptedReply.json(status, body), _in_stream(provider, body))
    by_status = _raised(client, provider)
    in_stream = _raised(client, provider)
    assert len(server.requests) == 2  # max_retries=0: nothing retried

    assert type(by_status) is cls and not isinstance(by_status, ProviderStreamError)
    assert isinstance(in_stream, ProviderStreamError) and type(in_stream).__bases__ == (ProviderStreamError, cls)
    for error in (by_status, in_stream):
        assert (error.error_type, error.retry_after, error.should_retry) == (error_type, retry_after, should_retry)
        assert error.provider == provider
    assert by_status.message == in_stream.message
    if provider in ("openrouter", "gemini", "openai_compatible"):
        assert (by_status.status, in_stream.status) == (status, status)  # the body names it


def test_the_stream_path_keeps_the_request_id_of_the_body(server: FakeProviderServer, client_for: Any) -> None:
    server.add_reply(_in_stream("anthropic", _anthropic("overloaded_error", "Overloaded")))
    assert _raised(client_for("anthropic"), "anthropic").request_id == "req_011CSHoE"


def test_a_spent_daily_quota_in_the_stream_is_not_retried(server: FakeProviderServer) -> None:
    """The stream path honours ``should_retry=False`` as the HTTP path does: with retries
    allowed, one request only."""
    body = _gemini(429, "RESOURCE_EXHAUSTED", "You exceeded your current quota", PER_DAY, {
        "@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "0.01s"})
    server.add_reply(_in_stream("gemini", body), ScriptedReply.json(500, {"error": {"message": "not reached"}}))
    with LLMClient.new(HttpClientOptions.new_gemini(KEY, api_base=server.url, max_retries=2)) as client:
        error = _raised(client, "gemini")
    assert isinstance(error, RateLimitError) and error.should_retry is False
    assert len(server.requests) == 1


def test_a_bad_request_without_a_known_type_is_a_bad_request(server: FakeProviderServer, client_for: Any) -> None:
    server.add_reply(ScriptedReply.json(400, _openai("Unrecognized request argument: foo", "invalid_request_error",
                                                     "unknown_parameter")))
    error = _raised(client_for("openai"), "openai")
    assert type(error) is BadRequestError and error.error_type == "invalid_request_error"
