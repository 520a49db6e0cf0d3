"""``llmsdk serve-fake`` and ``serve_every_provider``: from_env clients of every built-in
provider answer offline, streamed and whole, with echoes or scripted texts."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Iterator

import pytest

from llmsdk import LLMClient, LLMMessage, LLMRequest
from llmsdk.testing import FakeProviderServer
from llmsdk.testing.every_provider import ECHO_PREFIX, provider_env, serve_every_provider

PROVIDERS = ["anthropic", "openai", "gemini", "groq", "openrouter", "mistral", "deepseek", "xai", "ollama",
             "azure_openai", "bedrock", "vertex"]
#: A model each provider's route serves (the default where the provider has one).
MODELS = {"bedrock": "amazon.nova-lite-v1:0", "vertex": "gemini-2.5-flash", "azure_openai": "gpt-4.1-mini",
          "ollama": "qwen3:8b"}


@pytest.fixture
def fake_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeProviderServer]:
    with FakeProviderServer() as server:
        serve_every_provider(server, replies=["First scripted.", "Second scripted."])
        for name, value in provider_env(server.url).items():
            monkeypatch.setenv(name, value)
        yield server


def _ask(provider: str, text: str) -> str:
    client = LLMClient.from_env(provider)
    model = MODELS.get(provider) or client.get_config().provider.default_model_id() or "any-model"
    return client.complete(LLMRequest(model=model, messages=[LLMMessage.user(text)])).text


@pytest.mark.parametrize("provider", PROVIDERS)
def test_every_provider_answers_from_env_offline(fake_env: FakeProviderServer, provider: str) -> None:
    assert _ask(provider, "warm up") == "First scripted."
    assert _ask(provider, "again") == "Second scripted."
    assert _ask(provider, "What is 2+2?") == ECHO_PREFIX + "What is 2+2?"


def test_streams_and_responses_api_echo(fake_env: FakeProviderServer) -> None:
    from llmsdk import HttpClientOptions

    _ask("openai", "a"), _ask("openai", "b")  # the two scripted replies
    client = LLMClient.from_env("openai")
    stream = client.send(LLMRequest(model="gpt-4o-mini", messages=[LLMMessage.user("stream me")]))
    assert "".join(stream.text_stream()) == ECHO_PREFIX + "stream me"
    responses = LLMClient.new(HttpClientOptions.new_openai("test-key", api_base=fake_env.url, api="responses"))
    reply = responses.complete(LLMRequest(model="gpt-4o-mini", messages=[LLMMessage.user("via responses")]))
    assert reply.text == ECHO_PREFIX + "via responses"


def test_count_tokens_and_embeddings(fake_env: FakeProviderServer) -> None:
    request = LLMRequest(model="claude-haiku-4-5", messages=[LLMMessage.user("count me")])
    assert LLMClient.from_env("anthropic").count_tokens(request) > 0
    gemini = LLMRequest(model="gemini-2.5-flash", messages=[LLMMessage.user("count me")])
    assert LLMClient.from_env("gemini").count_tokens(gemini) > 0
    assert len(LLMClient.from_env("openai").embed(["a", "b"], model="text-embedding-3-small").vectors) == 2


def test_the_command_prints_exports_that_work(tmp_path: os.PathLike) -> None:
    replies = os.path.join(str(tmp_path), "replies.txt")
    with open(replies, "w", encoding="utf-8") as handle:
        handle.write('From the file.\n{"text": "Two\\nlines."}\n')
    child = subprocess.Popen([sys.executable, "-m", "llmsdk", "serve-fake", "--port", "0", "--replies", replies],
                             stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None
        child.stdout.readline()  # the banner
        exports = child.stdout.readline().split()[1:]
        env = dict(item.split("=", 1) for item in exports)
        assert env["ANTHROPIC_API_KEY"] == "test-key"
        saved = {k: os.environ.get(k) for k in env}
        os.environ.update(env)
        try:
            assert _ask("anthropic", "x") == "From the file."
            assert _ask("gemini", "y") == "Two\nlines."
            assert _ask("groq", "z") == ECHO_PREFIX + "z"
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
    finally:
        child.terminate()
        child.wait(timeout=10)


def test_a_port_in_use_is_a_clear_error() -> None:
    with FakeProviderServer() as taken:
        port = taken.url.rsplit(":", 1)[1]
        done = subprocess.run([sys.executable, "-m", "llmsdk", "serve-fake", "--port", port],
                              capture_output=True, text=True, timeout=30)
    assert done.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port}" in done.stderr


def test_schema_instances_fit_their_schema() -> None:
    from llmsdk._structured.schema_check import conform
    from llmsdk.testing.every_provider import schema_instance

    schema = {
        "type": "object", "required": ["n", "when", "tags", "kind", "child"],
        "properties": {
            "n": {"type": "integer"}, "when": {"type": "string", "format": "date"},
            "tags": {"type": "array", "items": {"type": "string"}}, "kind": {"enum": ["a", "b"]},
            "child": {"$ref": "#/$defs/Child"}, "note": {"anyOf": [{"type": "null"}, {"type": "string"}]},
        },
        "$defs": {"Child": {"type": "object", "properties": {"ok": {"type": "boolean"}}, "required": ["ok"]}},
    }
    value = schema_instance(schema)
    assert value == {"n": 1, "when": "2026-01-01", "tags": ["example"], "kind": "a", "child": {"ok": True}}
    conform(value, schema)  # raises SchemaMismatch if it did not fit
