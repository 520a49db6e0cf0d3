"""``token_provider=``: one call per HTTP attempt inside the retry loop, one fresh token
after a 401, never at construction, never shown (repr, errors, recordings)."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Callable, List

import pytest

from llmsdk import HttpClientOptions, LLMClient, LLMMessage, LLMRequest
from llmsdk.config import RetryPolicy
from llmsdk.errors import AuthenticationError, InvalidConfigError, ServerError
from llmsdk.testing import FakeProviderServer, ScriptedReply, anthropic, openai
from llmsdk.testing.clouds import FakeCloud

FAST = RetryPolicy(max_retries=2, initial_delay=0.001, max_delay=0.002)


class Rotating:
    """A token provider that hands out tok-1, tok-2, ... and counts its calls."""

    def __init__(self) -> None:
        self.calls = 0
        self._lock = threading.Lock()

    def __call__(self) -> str:
        with self._lock:
            self.calls += 1
            return f"tok-SECRET-{self.calls}"


def _request(model: str = "gpt-4o") -> LLMRequest:
    return LLMRequest(model=model, messages=[LLMMessage.user("hi")], max_tokens=5)


def _bearers(server: FakeProviderServer) -> List[str]:
    return [r.headers.get("authorization") or r.headers.get("Authorization") for r in server.requests]


def test_never_called_at_construction_and_once_per_attempt(server: FakeProviderServer) -> None:
    tokens = Rotating()
    client = LLMClient.new(HttpClientOptions.new_openai(None, api_base=server.url, token_provider=tokens,
                                                        retry_policy=FAST))
    assert tokens.calls == 0
    server.add_reply(openai.error_reply(503, "busy"), openai.error_reply(503, "busy"), openai.text_reply("ok"))
    assert client.complete(_request()).text == "ok"
    assert tokens.calls == 3
    assert _bearers(server) == ["Bearer tok-SECRET-1", "Bearer tok-SECRET-2", "Bearer tok-SECRET-3"]


def test_a_token_that_expires_between_retries_is_never_reused(server: FakeProviderServer) -> None:
    """The server accepts only the newest token: each retry must carry a fresh one."""
    tokens = Rotating()
    cloud = FakeCloud(server, "azure_openai", token_ok=lambda t: t == f"tok-SECRET-{tokens.calls}")
    cloud.add_reply(openai.error_reply(503, "busy"), openai.error_reply(500, "oops"), openai.text_reply("ok"))
    client = LLMClient.new(HttpClientOptions.new_azure_openai(server.url, token_provider=tokens, retry_policy=FAST))
    assert client.complete(_request()).text == "ok"
    assert tokens.calls == 3
    assert cloud.tokens_seen == ["tok-SECRET-1", "tok-SECRET-2", "tok-SECRET-3"]  # each reached the server once


def test_a_401_gets_one_fresh_token_and_one_retry(server: FakeProviderServer) -> None:
    tokens = Rotating()
    server.add_reply(openai.error_reply(401, "token expired"), openai.text_reply("ok"))
    client = LLMClient.new(HttpClientOptions.new_openai(None, api_base=server.url, token_provider=tokens,
                                                        max_retries=0))
    assert client.complete(_request()).text == "ok"  # outside the retry budget
    assert _bearers(server) == ["Bearer tok-SECRET-1", "Bearer tok-SECRET-2"]


def test_a_second_401_is_raised(server: FakeProviderServer) -> None:
    tokens = Rotating()
    server.add_reply(openai.error_reply(401, "no"), openai.error_reply(401, "still no"), openai.text_reply("never"))
    client = LLMClient.new(HttpClientOptions.new_openai(None, api_base=server.url, token_provider=tokens))
    with pytest.raises(AuthenticationError):
        client.complete(_request())
    assert tokens.calls == 2 and len(server.requests) == 2


def test_a_401_without_token_provider_is_not_retried(server: FakeProviderServer) -> None:
    server.add_reply(openai.error_reply(401, "bad key"), openai.text_reply("never"))
    client = LLMClient.new(HttpClientOptions.new_openai("sk-x", api_base=server.url))
    with pytest.raises(AuthenticationError):
        client.complete(_request())
    assert len(server.requests) == 1


def test_token_counting_and_other_calls_use_fresh_tokens_too(server: FakeProviderServer) -> None:
    tokens = Rotating()
    server.add_reply(ScriptedReply.json(401, {"error": {"type": "authentication_error", "message": "expired"}}),
                     ScriptedReply.json(200, {"input_tokens": 7}))
    client = LLMClient.new(HttpClientOptions.new_anthropic(None, api_base=server.url, token_provider=tokens))
    assert client.count_tokens(_request("claude-haiku-4-5")) == 7
    assert _bearers(server) == ["Bearer tok-SECRET-1", "Bearer tok-SECRET-2"]
    assert "x-api-key" not in {k.lower() for k in server.requests[0].headers}


def test_a_raising_token_provider_is_typed_and_chained_before_any_http(server: FakeProviderServer) -> None:
    def broken() -> str:
        raise RuntimeError("vault sealed")

    client = LLMClient.new(HttpClientOptions.new_openai(None, api_base=server.url, token_provider=broken))
    with pytest.raises(InvalidConfigError, match="vault sealed") as caught:
        client.complete(_request())
    assert isinstance(caught.value.__cause__, RuntimeError)
    assert server.requests == []


@pytest.mark.parametrize("bad", [lambda: "", lambda: None, lambda: 42])
def test_a_token_provider_must_return_a_string(server: FakeProviderServer, bad: Callable[[], object]) -> None:
    client = LLMClient.new(HttpClientOptions.new_openai(None, api_base=server.url, token_provider=bad))  # type: ignore[arg-type]
    with pytest.raises(InvalidConfigError, match="non-empty string"):
        client.complete(_request())
    assert server.requests == []


def test_token_provider_must_be_callable() -> None:
    with pytest.raises(InvalidConfigError, match="callable"):
        HttpClientOptions.new_openai(None, token_provider="tok-SECRET")  # type: ignore[arg-type]


def test_tokens_never_in_repr_errors_or_recordings(server: FakeProviderServer, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    import functools

    monkeypatch.setenv("LLMSDK_RECORD_DIR", str(tmp_path))
    provider = functools.partial(str, "tok-SECRET-partial")  # a repr that would show the token
    options = HttpClientOptions.new_openai(None, api_base=server.url, token_provider=provider, retry_policy=FAST)
    assert "SECRET" not in repr(options) and "token_provider=<set>" in repr(options)
    # a server that echoes the token back in its error body
    server.add_reply(openai.error_reply(500, "bad token tok-SECRET-partial"),
                     openai.error_reply(400, "really bad token tok-SECRET-partial"))
    caplog.set_level("DEBUG")
    with pytest.raises(Exception) as caught:
        LLMClient.new(options).complete(_request())
    error = caught.value
    assert "SECRET" not in str(error) and "SECRET" not in repr(error)
    assert "SECRET" not in str(getattr(error, "body", ""))
    assert "SECRET" not in caplog.text
    written = "".join(p.read_text(errors="replace") for p in tmp_path.iterdir())
    assert written and "SECRET" not in written


def test_same_token_provider_for_anthropic_sends_bearer(server: FakeProviderServer) -> None:
    server.add_reply(anthropic.text_reply("hi"))
    client = LLMClient.new(HttpClientOptions.new_anthropic(None, api_base=server.url, token_provider=lambda: "t1"))
    assert client.complete(_request("claude-haiku-4-5")).text == "hi"
    assert _bearers(server) == ["Bearer t1"]


def test_retry_errors_are_server_errors_not_auth(server: FakeProviderServer) -> None:
    server.add_reply(*(openai.error_reply(500, "x") for _ in range(3)))
    client = LLMClient.new(HttpClientOptions.new_openai(None, api_base=server.url, token_provider=Rotating(),
                                                        retry_policy=FAST))
    with pytest.raises(ServerError):
        client.complete(_request())
    assert len(server.requests) == 3
    assert json.loads(server.requests[0].body)["model"] == "gpt-4o"


def test_tokens_never_in_checkpoint_files(server: FakeProviderServer, tmp_path: Path) -> None:
    server.add_reply(openai.text_reply("fine"), openai.error_reply(400, "token tok-SECRET-1 was rejected"),
                     openai.error_reply(400, "token tok-SECRET-2 was rejected"))
    client = LLMClient.new(HttpClientOptions.new_openai(None, api_base=server.url, token_provider=Rotating(),
                                                        max_retries=0))
    checkpoint = tmp_path / "run.jsonl"
    results = client.map([(f"k{i}", _request()) for i in range(3)], concurrency=1, progress=False,
                         checkpoint=str(checkpoint))
    assert sum(1 for r in results if r.error is not None) == 2
    text = checkpoint.read_text()
    assert "was rejected" in text and "SECRET" not in text
