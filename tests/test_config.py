"""Options, secrets, timeouts, URL joining."""

import logging

import pytest

from llmsdk import HttpClientOptions, LLMClient, LLMProvider, SecretString, Timeouts
from llmsdk.errors import InvalidConfigError
from llmsdk._core.urls import join_url

KEY = "sk-very-secret-key-123"


def test_secret_is_masked_everywhere():
    opts = HttpClientOptions.new_anthropic(KEY)
    for text in (repr(opts), str(opts), repr(opts.api_key), str(opts.api_key), f"{opts.api_key}",
                 repr(LLMClient.new_anthropic(opts))):
        assert KEY not in text
    assert opts.api_key.expose_secret() == KEY


@pytest.mark.parametrize("factory, provider, base", [
    (HttpClientOptions.new_anthropic, "anthropic", "https://api.anthropic.com"),
    (HttpClientOptions.new_openai, "openai", "https://api.openai.com"),
    (HttpClientOptions.new_gemini, "gemini", "https://generativelanguage.googleapis.com"),
    (HttpClientOptions.new_groq, "groq", "https://api.groq.com/openai"),
    (HttpClientOptions.new_openrouter, "openrouter", "https://openrouter.ai/api"),
])
def test_constructors(factory, provider, base):
    opts = factory(KEY, timeouts=Timeouts(read=30), max_retries=5, extra_headers={"X-A": "b"})
    assert opts.provider == provider and opts.provider == LLMProvider(provider, "x", default_model=None,
                                                                       env_var=None, default_api_base=None,
                                                                       adapter="x:y")
    assert opts.api_base == base and opts.timeouts.read == 30 and opts.max_retries == 5
    assert opts.retry.max_retries == 5 and opts.extra_headers == {"X-A": "b"}


def test_openai_compatible_needs_no_key():
    opts = HttpClientOptions.new_openai_compatible("http://localhost:8000/v1")
    assert opts.api_key is None and opts.api_base == "http://localhost:8000/v1"


def test_missing_key_and_bad_url():
    with pytest.raises(InvalidConfigError, match="ANTHROPIC_API_KEY"):
        HttpClientOptions.new_anthropic(None)
    with pytest.raises(InvalidConfigError, match="api_base"):
        HttpClientOptions.new_anthropic(KEY, api_base="not a url")
    with pytest.raises(InvalidConfigError, match="unknown provider"):
        HttpClientOptions.for_provider("nope", KEY)


def test_from_env(monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", KEY)
    monkeypatch.setenv("ANTHROPIC_BASE_URL", "http://127.0.0.1:9")
    opts = HttpClientOptions.from_env("anthropic")
    assert opts.api_key.expose_secret() == KEY and opts.api_base == "http://127.0.0.1:9"
    assert LLMClient.from_env("anthropic").get_config().api_key == SecretString(KEY)
    monkeypatch.delenv("ANTHROPIC_API_KEY")
    with pytest.raises(InvalidConfigError, match="ANTHROPIC_API_KEY"):
        LLMClient.from_env("anthropic")


def test_timeouts_validate():
    with pytest.raises(InvalidConfigError):
        Timeouts(read=0)
    assert Timeouts() == Timeouts(connect=10.0, read=600.0, content_idle=600.0, total=None)


def test_client_constructor_checks_provider():
    with pytest.raises(InvalidConfigError):
        LLMClient.new_openai(HttpClientOptions.new_anthropic(KEY))
    assert LLMClient.new(HttpClientOptions.new_anthropic(KEY)).provider == "anthropic"


@pytest.mark.parametrize("base, path, url", [
    ("https://api.openai.com", "/v1/chat/completions", "https://api.openai.com/v1/chat/completions"),
    ("http://localhost:8000/v1", "/v1/chat/completions", "http://localhost:8000/v1/chat/completions"),
    ("http://localhost:8000/v1/", "/v1/chat/completions", "http://localhost:8000/v1/chat/completions"),
    ("https://api.groq.com/openai", "/v1/chat/completions", "https://api.groq.com/openai/v1/chat/completions"),
    ("https://g.test/v1beta", "/v1beta/models/x:countTokens", "https://g.test/v1beta/models/x:countTokens"),
])
def test_join_url(base, path, url):
    assert join_url(base, path) == url


def test_options_repr_is_readable(caplog):
    opts = HttpClientOptions.new_anthropic(KEY, extra_headers={"X-Title": "app"})
    with caplog.at_level(logging.DEBUG):
        logging.getLogger("llmsdk").debug("options: %s %r", opts, opts)
    assert KEY not in caplog.text and "anthropic" in caplog.text
