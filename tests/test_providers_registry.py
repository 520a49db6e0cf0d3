"""Provider registration and dispatch: built-ins, user providers through the whole client
(real HTTP against FakeProviderServer), OpenAI-compatible providers from a base URL, and
costs/usage/capability checks through ``LLMClient``."""

from __future__ import annotations

import json
import threading
from typing import Any, Dict, Iterator, List, Optional, Sequence

import pytest

from llmsdk import (
    HttpClientOptions, LLMClient, LLMEvent, LLMMessage, LLMProvider, LLMRequest, TextContent, ThinkingOptions,
    Tool, Usage, register_provider,
)
from llmsdk.errors import InvalidConfigError, InvalidRequestError
from llmsdk.events import _Event
from llmsdk.models import LLMModel, LLMModelBuilder, ModelCapabilitiesBuilder, get_model, unregister_model
from llmsdk.providers import (
    all_providers, get_provider, register_openai_compatible, unregister_provider,
)
from llmsdk.providers.base import ProviderAdapter, StreamProcessor, join_url, parse_json_event
from llmsdk.testing import FakeProviderServer, ScriptedReply, sse_event
from llmsdk.testing import openai as scripted_openai
from llmsdk.types import StopReason

BUILTINS = {
    "anthropic": ("Anthropic", "ANTHROPIC_API_KEY", "https://api.anthropic.com"),
    "openai": ("OpenAI", "OPENAI_API_KEY", "https://api.openai.com"),
    "gemini": ("Google Gemini", "GEMINI_API_KEY", "https://generativelanguage.googleapis.com"),
    "groq": ("Groq", "GROQ_API_KEY", "https://api.groq.com/openai"),
    "openrouter": ("OpenRouter", "OPENROUTER_API_KEY", "https://openrouter.ai/api"),
    "openai_compatible": ("OpenAI-compatible", "OPENAI_COMPATIBLE_API_KEY", None),
}


# -- a user's own provider with its own wire format ----------------------------------------


class LineStreamProcessor(StreamProcessor):
    """``data: {"delta": "..."}`` frames, then ``event: done`` with token counts."""

    provider = "acme"

    def process(self, event: str, data: str) -> Sequence[_Event]:
        payload = parse_json_event(data)
        if event == "done":
            self.done = True
            self.usage = Usage(input_tokens=payload["in"], output_tokens=payload["out"])
            return [LLMEvent.Stop(StopReason.END_TURN, self.usage)]
        return [LLMEvent.PartialContent(0, TextContent(payload["delta"]))]


class AcmeAdapter(ProviderAdapter):
    name = "acme"

    def endpoint(self, api_base: str, request: LLMRequest) -> str:
        return join_url(api_base, "/v2/generate")

    def auth_headers(self, api_key: Optional[str]) -> Dict[str, str]:
        return {"X-Acme-Key": api_key} if api_key else {}

    def request_body(self, request: LLMRequest) -> Dict[str, Any]:
        return {"model": request.model_id, "prompt": [m.text for m in request.chat_messages()], "stream": True}

    def stream_processor(self, request: LLMRequest) -> StreamProcessor:
        return LineStreamProcessor()


def acme_reply(*deltas: str, tokens_in: int = 10, tokens_out: int = 20) -> ScriptedReply:
    events = [sse_event({"delta": d}) for d in deltas]
    events.append(sse_event({"in": tokens_in, "out": tokens_out}, event="done"))
    return ScriptedReply.sse(events)


ACME_MODELS = [
    LLMModelBuilder().model_name("acme-large").provider("acme").prices(2.0, 8.0)
    .capabilities(ModelCapabilitiesBuilder().with_streaming().with_tools()).build(),
    LLMModelBuilder().model_name("acme-small").provider("acme").prices(0.5, 1.0)
    .capabilities(ModelCapabilitiesBuilder().with_streaming()).build(),
]


@pytest.fixture
def acme() -> Iterator[LLMProvider]:
    provider = register_provider(LLMProvider("acme", "Acme AI", adapter=AcmeAdapter, default_model="acme-large",
                                             default_api_base="https://api.acme.invalid"))
    from llmsdk.models import register_model

    for model in ACME_MODELS:
        register_model(model)
    yield provider
    unregister_provider("acme")
    for model in ACME_MODELS:
        unregister_model(model)


@pytest.fixture
def compat_cleanup() -> Iterator[List[str]]:
    keys: List[str] = []
    yield keys
    for key in keys:
        for model in get_provider(key).models():
            unregister_model(model)
        unregister_provider(key)


def ask(model: Any, text: str = "Hi", **kwargs: Any) -> LLMRequest:
    return LLMRequest(model=model, messages=[LLMMessage.user(text)], **kwargs)


# -- built-ins ------------------------------------------------------------------------------


@pytest.mark.parametrize("key", sorted(BUILTINS))
def test_builtin_providers(key: str) -> None:
    provider = get_provider(key)
    name, env_var, base = BUILTINS[key]
    assert (provider.config_key(), provider.name(), provider.env_var(), provider.default_api_base()) == (
        key, name, env_var, base)
    assert provider.is_builtin and provider in all_providers()
    assert getattr(LLMProvider, key.upper()) is provider
    if key != "openai_compatible":
        default = provider.default_model()
        assert isinstance(default, LLMModel) and default.provider == key  # in the catalog
        assert default in provider.models()
    else:
        assert provider.default_model() is None and provider.models() == []


def test_seed_spellings_and_lookup_forms() -> None:
    assert LLMProvider.Anthropic is LLMProvider.ANTHROPIC  # type: ignore[attr-defined]
    assert get_provider("open_router") is get_provider("Open-Router") is LLMProvider.OPENROUTER
    assert get_provider(LLMProvider.GROQ) is LLMProvider.GROQ
    assert LLMProvider.OPENAI == "openai" and str(LLMProvider.GEMINI) == "gemini"
    with pytest.raises(InvalidConfigError, match="known providers"):
        get_provider("acme-nope")


def test_builtins_cannot_be_replaced_or_removed_by_accident() -> None:
    impostor = LLMProvider("openai", "Not OpenAI", adapter=AcmeAdapter)
    with pytest.raises(InvalidConfigError, match="already registered"):
        register_provider(impostor)
    with pytest.raises(InvalidConfigError, match="built in"):
        unregister_provider("openai")
    assert get_provider("openai").name() == "OpenAI"


# -- registration -----------------------------------------------------------------------------


def test_register_by_keywords_and_env_var_default() -> None:
    provider = register_provider("acme_kw", adapter=AcmeAdapter, default_api_base="https://kw.invalid")
    try:
        assert provider.name() == "acme_kw" and provider.env_var() == "ACME_KW_API_KEY"
        assert get_provider("acme-kw") is provider and not provider.is_builtin
        assert provider.default_model() is None
        with pytest.raises(InvalidConfigError, match="already registered"):
            register_provider("acme_kw", adapter=AcmeAdapter)
        replacement = register_provider("acme_kw", adapter=AcmeAdapter, replace=True)
        assert get_provider("acme_kw") is replacement
    finally:
        removed = unregister_provider("acme_kw")
    assert removed is replacement
    assert unregister_provider("acme_kw") is None
    with pytest.raises(InvalidConfigError):
        get_provider("acme_kw")


def test_registration_is_validated() -> None:
    with pytest.raises(InvalidConfigError, match="config key"):
        LLMProvider("bad key!", "Bad", adapter=AcmeAdapter)
    with pytest.raises(InvalidConfigError, match="api_base"):
        LLMProvider("badurl", "Bad", adapter=AcmeAdapter, default_api_base="ftp://x")
    with pytest.raises(InvalidConfigError):
        register_provider(object())  # type: ignore[arg-type]
    with pytest.raises(InvalidConfigError, match="unexpected"):
        register_provider(LLMProvider("x1", "X", adapter=AcmeAdapter), name="y")
    not_an_adapter = LLMProvider("x2", "X", adapter=lambda: object(), default_api_base="https://x.invalid")
    with pytest.raises(InvalidConfigError, match="not a ProviderAdapter"):
        not_an_adapter.adapter()


def test_unknown_provider_default_model_stays_a_string() -> None:
    provider = LLMProvider("acme_ids", "Acme", adapter=AcmeAdapter, default_model="acme-unlisted")
    assert provider.default_model() == "acme-unlisted" and provider.default_model_id() == "acme-unlisted"


# -- dispatch through the client (real HTTP) ---------------------------------------------------


def test_custom_provider_through_new_and_from_env(acme: LLMProvider, server: FakeProviderServer,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    server.add_reply(acme_reply("Hel", "lo!", tokens_in=1_000, tokens_out=500))
    options = HttpClientOptions(provider="acme", api_key="acme-secret", api_base=server.url)
    with LLMClient.new(options) as client:
        assert client.provider is acme
        resp = client.complete(ask("acme-large"))
    assert resp.text == "Hello!" and resp.stop_reason is StopReason.END_TURN
    assert resp.usage == Usage(1_000, 500) and resp.cost == pytest.approx((1_000 * 2 + 500 * 8) / 1e6)
    sent = server.requests[0]
    assert sent.path == "/v2/generate" and sent.headers["x-acme-key"] == "acme-secret"
    assert sent.json == {"model": "acme-large", "prompt": ["Hi"], "stream": True}

    monkeypatch.setenv("ACME_API_KEY", "from-env")
    monkeypatch.setenv("ACME_BASE_URL", server.url)
    server.add_reply(acme_reply("ok"))
    with LLMClient.from_env("acme") as client:
        assert client.complete(ask(get_model("acme-small"))).text == "ok"
    assert server.requests[1].headers["x-acme-key"] == "from-env"


def test_custom_provider_needs_its_key(acme: LLMProvider, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ACME_API_KEY", raising=False)
    with pytest.raises(InvalidConfigError, match="ACME_API_KEY"):
        LLMClient.from_env("acme")


def test_usage_and_cost_totals_per_model(acme: LLMProvider, server: FakeProviderServer) -> None:
    server.add_reply(acme_reply("a", tokens_in=100, tokens_out=10),
                     acme_reply("b", tokens_in=200, tokens_out=20),
                     acme_reply("c", tokens_in=1_000, tokens_out=1_000),
                     acme_reply("d", tokens_in=5, tokens_out=5))
    with LLMClient.new(HttpClientOptions(provider="acme", api_key="k", api_base=server.url)) as client:
        responses = [client.complete(ask("acme-large")), client.complete(ask("acme-large"))]
        responses.append(client.complete(ask("acme-small")))
        responses.append(client.complete(ask("acme-unlisted")))  # unknown id: works, unpriced
        assert responses[3].text == "d" and responses[3].cost is None
        assert client.get_usage() == Usage(1_305, 1_035)
        assert client.get_usage("acme-large") == Usage(300, 30)
        assert client.get_usage_by_model()["acme-unlisted"] == Usage(5, 5)
        assert client.get_cost("acme-large") == pytest.approx((300 * 2 + 30 * 8) / 1e6)
        assert client.get_cost("acme-small") == pytest.approx((1_000 * 0.5 + 1_000 * 1.0) / 1e6)
        assert client.get_cost() == pytest.approx(sum(r.cost or 0 for r in responses))


def test_totals_are_thread_safe(acme: LLMProvider, server: FakeProviderServer) -> None:
    calls = 16
    server.add_reply(*[acme_reply("x", tokens_in=1_000, tokens_out=1_000) for _ in range(calls)])
    with LLMClient.new(HttpClientOptions(provider="acme", api_key="k", api_base=server.url)) as client:
        threads = [threading.Thread(target=client.complete, args=(ask("acme-small"),)) for _ in range(calls)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
        assert not any(t.is_alive() for t in threads)
        assert client.get_usage() == Usage(calls * 1_000, calls * 1_000)
        assert client.get_cost() == pytest.approx(calls * 1.5e-3)


def test_capability_check_through_the_client(acme: LLMProvider, server: FakeProviderServer,
                                             caplog: pytest.LogCaptureFixture) -> None:
    tool = Tool("lookup", "Look something up", {"type": "object", "properties": {}})
    strict = HttpClientOptions(provider="acme", api_key="k", api_base=server.url, strict_capabilities=True)
    with LLMClient.new(strict) as client:
        with pytest.raises(InvalidRequestError, match="tools"):
            client.send(ask("acme-small", tools=[tool]))
        with pytest.raises(InvalidRequestError, match="thinking"):
            client.send(ask("acme-large", thinking=ThinkingOptions(budget_tokens=512)))
    assert server.requests == []  # refused before any HTTP
    server.add_reply(acme_reply("sent anyway"))
    with LLMClient.new(strict.with_changes(strict_capabilities=False)) as client:
        with caplog.at_level("WARNING", logger="llmsdk.models"):
            assert client.complete(ask("acme-small", tools=[tool])).text == "sent anyway"
    assert "acme/acme-small" in caplog.text and "tools" in caplog.text


# -- OpenAI-compatible providers from a base URL ------------------------------------------------


def test_openai_compatible_from_a_base_url(server: FakeProviderServer, compat_cleanup: List[str]) -> None:
    priced = LLMModelBuilder().model_name("house-70b").provider("anything").prices(0.2, 0.6).build()
    provider = register_openai_compatible("house", server.url + "/v1", models=[priced, "house-8b"],
                                          name="House gateway")
    compat_cleanup.append("house")
    assert provider.name() == "House gateway" and provider.env_var() == "HOUSE_API_KEY"
    assert provider.default_model() == get_model("house/house-70b")
    assert [m.full_model_name for m in provider.models()] == ["house/house-70b", "house/house-8b"]
    server.add_reply(scripted_openai.text_reply("Hello from the house", dialect="openai_compatible",
                                                prompt_tokens=1_000, completion_tokens=100, cached_tokens=400))
    server.add_reply(scripted_openai.text_reply("small", dialect="openai_compatible"))
    with LLMClient.new(HttpClientOptions(provider="house")) as client:  # no key needed, base from registration
        resp = client.complete(ask("house-70b"))
        small = client.complete(ask("house-8b"))
    assert resp.text == "Hello from the house"
    assert resp.usage == Usage(input_tokens=600, output_tokens=100, cache_reads=400)
    assert resp.cost == pytest.approx((600 * 0.2 + 100 * 0.6 + 400 * 0.2) / 1e6)  # no cache price: input price
    assert small.text == "small" and small.cost is None  # registered by id only: unpriced
    sent = server.requests[0]
    assert sent.path == "/v1/chat/completions" and "authorization" not in sent.headers
    assert json.loads(sent.body)["model"] == "house-70b"


def test_openai_compatible_with_a_key_and_errors_named_after_it(server: FakeProviderServer,
                                                                compat_cleanup: List[str],
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    register_openai_compatible("keyed", server.url, models=["k-1"], requires_api_key=True, env_var="KEYED_TOKEN")
    compat_cleanup.append("keyed")
    monkeypatch.delenv("KEYED_TOKEN", raising=False)
    with pytest.raises(InvalidConfigError, match="KEYED_TOKEN"):
        LLMClient.from_env("keyed")
    monkeypatch.setenv("KEYED_TOKEN", "tok")
    server.add_reply(scripted_openai.text_reply("hi", dialect="openai_compatible"))
    with LLMClient.from_env("keyed") as client:
        assert client.complete(ask("k-1")).text == "hi"
        assert client.provider.adapter().name == "keyed"
    assert server.requests[0].headers["authorization"] == "Bearer tok"


def test_openai_compatible_validation(compat_cleanup: List[str]) -> None:
    with pytest.raises(InvalidConfigError):
        register_openai_compatible("bad_base", "not a url")
    with pytest.raises(InvalidConfigError):
        register_openai_compatible("bad_models", "http://localhost:1/v1", models=[42])  # type: ignore[list-item]
    with pytest.raises(InvalidConfigError, match="already registered"):
        register_openai_compatible("groq", "http://localhost:1/v1")
