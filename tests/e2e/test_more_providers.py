"""Mistral, DeepSeek, xAI and Ollama end to end: options and ``from_env``, the URLs and
headers each is reached with, Ollama's embeddings, local model list and ``num_ctx``
warning, and DeepSeek's cache-priced usage in ``get_cost()``."""

from __future__ import annotations

import io
import json
import logging
from contextlib import redirect_stdout

import pytest

from llmsdk import HttpClientOptions, LLMClient, LLMMessage, LLMRequest, Timeouts
from llmsdk.cli import main as cli
from llmsdk.errors import InvalidConfigError, NotFoundError
from llmsdk.testing import FakeProviderServer, ScriptedReply, ollama
from llmsdk.testing import openai as O

TIMEOUTS = Timeouts(connect=5, read=10)


@pytest.mark.parametrize("key, var, factory", [
    ("mistral", "MISTRAL_API_KEY", HttpClientOptions.new_mistral),
    ("deepseek", "DEEPSEEK_API_KEY", HttpClientOptions.new_deepseek),
    ("xai", "XAI_API_KEY", HttpClientOptions.new_xai),
])
def test_keyed_providers_from_env_and_constructors(monkeypatch: pytest.MonkeyPatch, key: str, var: str,
                                                   factory: object) -> None:
    monkeypatch.setenv(var, "sk-env-SECRET")
    monkeypatch.delenv(var.replace("_API_KEY", "_BASE_URL"), raising=False)
    options = HttpClientOptions.from_env(key)
    assert options.provider == key and options.api_key.expose_secret() == "sk-env-SECRET"
    assert options.api_base == {"mistral": "https://api.mistral.ai", "deepseek": "https://api.deepseek.com",
                                "xai": "https://api.x.ai"}[key]
    assert factory("k").provider == key  # type: ignore[operator]
    monkeypatch.delenv(var)
    with pytest.raises(InvalidConfigError, match=var):
        HttpClientOptions.from_env(key)


def test_ollama_options(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OLLAMA_HOST", raising=False)
    assert HttpClientOptions.from_env("ollama").api_base == "http://localhost:11434"
    monkeypatch.setenv("OLLAMA_HOST", "gpu-box:11500")
    assert HttpClientOptions.from_env("ollama").api_base == "http://gpu-box:11500"
    options = HttpClientOptions.new_ollama(num_ctx=32768, keep_alive="1h")
    assert options.api_key is None and options.endpoint.settings == {"num_ctx": 32768, "keep_alive": "1h"}
    for bad in ({"num_ctx": 0}, {"keep_alive": [5]}, {"num_gpu": 1}):
        with pytest.raises(InvalidConfigError, match="num_ctx|keep_alive"):  # refused when the client is built
            LLMClient.new(HttpClientOptions.for_provider("ollama", provider_settings=bad))


@pytest.mark.parametrize("key, path, dialect, model", [
    ("mistral", "/v1/chat/completions", "mistral", "mistral-small-latest"),
    ("deepseek", "/chat/completions", "deepseek", "deepseek-v4-pro"),
])
def test_chat_providers_url_auth_and_body(server: FakeProviderServer, key: str, path: str, dialect: str,
                                          model: str) -> None:
    server.add_reply(O.text_reply("Hi!", dialect=dialect))
    with LLMClient.new(HttpClientOptions.for_provider(key, "sk-SECRET", server.url, timeouts=TIMEOUTS)) as client:
        response = client.complete(LLMRequest(model=model, messages=[LLMMessage.user("Hello")], max_tokens=20))
    assert response.text == "Hi!" and response.provider == key and response.cost is not None
    sent = server.requests[0]
    assert sent.path == path and sent.headers["authorization"] == "Bearer sk-SECRET"
    assert sent.json["max_tokens"] == 20 and "max_completion_tokens" not in sent.json
    assert ("stream_options" in sent.json) is (key == "deepseek")


def test_deepseek_cost_counts_hits_and_misses_at_their_prices(server: FakeProviderServer) -> None:
    server.add_reply(O.text_reply("Hi!", dialect="deepseek", prompt_tokens=1000, cached_tokens=800,
                                  completion_tokens=10))
    with LLMClient.new(HttpClientOptions.new_deepseek("k", server.url, timeouts=TIMEOUTS)) as client:
        response = client.complete(LLMRequest(model="deepseek-flash", messages=[LLMMessage.user("Hello")]))
        assert (response.usage.input_tokens, response.usage.cache_reads) == (200, 800)
        assert response.cost == pytest.approx((200 * 0.3 + 800 * 0.006 + 10 * 1.2) / 1e6)
        assert client.get_cost() == pytest.approx(response.cost)


def test_ollama_embed_models_and_errors(server: FakeProviderServer, monkeypatch: pytest.MonkeyPatch) -> None:
    server.route("/api/embed", ollama.embed_reply([[0.1, 0.2], [0.3, 0.4]], prompt_eval_count=6))
    server.route("/api/tags", ollama.tags_reply(["llama3.2:latest", "nomic-embed-text:latest"]))
    server.route("/api/chat", ollama.error_reply(404, 'model "nope" not found, try pulling it first'))
    with LLMClient.new(HttpClientOptions.new_ollama(server.url, timeouts=TIMEOUTS, max_retries=0)) as client:
        result = client.embed(["a", "b"], model="nomic-embed-text")
        assert result.vectors == [[0.1, 0.2], [0.3, 0.4]] and result.usage.input_tokens == 6
        with pytest.raises(NotFoundError, match="try pulling it"):
            client.complete(LLMRequest(model="nope", messages=[LLMMessage.user("Hi")]))
    assert json.loads(server.requests[0].body) == {"model": "nomic-embed-text", "input": ["a", "b"]}
    monkeypatch.setenv("OLLAMA_HOST", server.url)
    out = io.StringIO()
    with redirect_stdout(out):
        assert cli(["models", "--provider", "ollama"]) == 0
    assert "llama3.2:latest" in out.getvalue() and "nomic-embed-text:latest" in out.getvalue()
    out = io.StringIO()
    with redirect_stdout(out):
        assert cli(["models", "--provider", "ollama", "--json", "--api-base", server.url]) == 0
    assert [m["name"] for m in json.loads(out.getvalue())] == ["llama3.2:latest", "nomic-embed-text:latest"]


def test_ollama_models_unreachable_is_a_clean_error(capsys: pytest.CaptureFixture) -> None:
    with FakeProviderServer() as down:
        url = down.url
    assert cli(["models", "--provider", "ollama", "--api-base", url]) == 1
    assert "cannot list Ollama's models" in capsys.readouterr().err


def test_ollama_warns_when_the_prompt_passes_num_ctx(server: FakeProviderServer,
                                                     caplog: pytest.LogCaptureFixture) -> None:
    server.route("/api/chat", ollama.text_reply("ok"))
    long = LLMRequest(model="qwen3:8b", messages=[LLMMessage.user("lorem ipsum " * 200)])
    with LLMClient.new(HttpClientOptions.new_ollama(server.url, num_ctx=128, timeouts=TIMEOUTS)) as client:
        with caplog.at_level(logging.WARNING, logger="llmsdk.providers.ollama"):
            assert client.complete(long).text == "ok"
            per_request = LLMRequest(model="qwen3:8b", messages=long.messages,
                                     extra_body={"options": {"num_ctx": 65536}})
            assert client.complete(per_request).text == "ok"
    assert len([r for r in caplog.records if "num_ctx is 128" in r.getMessage()]) == 1
    assert server.requests[1].json["options"]["num_ctx"] == 65536  # merged: the request's value wins
    assert server.requests[0].headers.get("content-type") == "application/json"
    assert "authorization" not in server.requests[0].headers


@pytest.mark.parametrize("key", ["mistral", "deepseek", "ollama"])
def test_structured_output(server: FakeProviderServer, key: str) -> None:
    """``client.parse`` on each: Mistral a strict ``json_schema``, DeepSeek JSON mode with
    the schema in the system prompt, Ollama the schema in ``format``."""
    obj = {"name": "Paris", "population": 2100000}
    schema = {"type": "object", "properties": {"name": {"type": "string"}, "population": {"type": "integer"}},
              "required": ["name", "population"], "additionalProperties": False}
    if key == "ollama":
        server.add_reply(ollama.text_reply(json.dumps(obj)))
        options = HttpClientOptions.new_ollama(server.url, timeouts=TIMEOUTS)
    else:
        server.add_reply(O.json_reply(obj, dialect=key))
        options = HttpClientOptions.for_provider(key, "k", server.url, timeouts=TIMEOUTS)
    model = {"mistral": "mistral-small-latest", "deepseek": "deepseek-flash", "ollama": "qwen3:8b"}[key]
    with LLMClient.new(options) as client:
        parsed = client.parse(LLMRequest(model=model, messages=[LLMMessage.user("Biggest French city?")]), schema)
    assert parsed == obj
    body = server.requests[0].json
    if key == "mistral":
        assert body["response_format"]["type"] == "json_schema" and body["response_format"]["json_schema"]["strict"]
    elif key == "deepseek":
        assert body["response_format"] == {"type": "json_object"} and "population" in body["messages"][0]["content"]
    else:
        assert body["format"]["properties"]["population"] == {"type": "integer"}


def test_mistral_embeddings(server: FakeProviderServer) -> None:
    server.route("/v1/embeddings", ScriptedReply.json(200, {
        "id": "e1", "object": "list", "model": "mistral-embed",
        "data": [{"object": "embedding", "embedding": [0.5, 0.25], "index": 0}],
        "usage": {"prompt_tokens": 3, "total_tokens": 3}}))
    with LLMClient.new(HttpClientOptions.new_mistral("k", server.url, timeouts=TIMEOUTS)) as client:
        result = client.embed(["hello"], model="mistral-embed")
    assert result.vectors == [[0.5, 0.25]] and result.usage.input_tokens == 3
