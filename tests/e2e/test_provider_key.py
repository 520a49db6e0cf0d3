"""The provider key is one name everywhere: an OpenAI-compatible provider registered as
``local_llm`` names ``local_llm`` in HTTP errors, mid-stream errors, truncation errors and
responses (the processor takes its name from the adapter that builds it)."""

from __future__ import annotations

from typing import Iterator

import pytest

from llmsdk import HttpClientOptions, LLMClient, LLMMessage, LLMRequest
from llmsdk.errors import BadRequestError, IncompleteStreamError, ProviderStreamError, ServerError
from llmsdk.models import unregister_model
from llmsdk.providers import get_provider, register_openai_compatible, unregister_provider
from llmsdk.testing import FakeProviderServer
from llmsdk.testing import openai as O


@pytest.fixture
def ollama(server: FakeProviderServer) -> Iterator[LLMClient]:
    register_openai_compatible("local_llm", server.url + "/v1", models=["llama3.2"])
    client = LLMClient.new(HttpClientOptions(provider="local_llm"))
    yield client
    client.close()
    for model in get_provider("local_llm").models():
        unregister_model(model)
    unregister_provider("local_llm")


def ask() -> LLMRequest:
    return LLMRequest(model="llama3.2", messages=[LLMMessage.user("Hi")])


def test_a_mid_stream_error_names_the_registered_key(server: FakeProviderServer, ollama: LLMClient) -> None:
    server.add_reply(O.stream_error_reply(dialect="openai_compatible", text_before="partial"))
    with pytest.raises(ProviderStreamError) as caught:
        ollama.complete(ask())
    assert isinstance(caught.value, ServerError)
    assert caught.value.provider == "local_llm"
    assert str(caught.value).startswith("local_llm returned")
    assert caught.value.partial_response.text == "partial"
    assert caught.value.partial_response.provider == "local_llm"


def test_a_truncated_stream_names_the_registered_key(server: FakeProviderServer, ollama: LLMClient) -> None:
    whole = O.text_reply("Hello there, a long enough answer", dialect="openai_compatible")
    server.add_reply(whole.truncated(len(whole.body_bytes()) // 2))
    with pytest.raises(IncompleteStreamError, match="local_llm") as caught:
        ollama.complete(ask())
    assert "openai_compatible" not in str(caught.value)
    assert caught.value.partial_response.provider == "local_llm"


def test_http_errors_and_responses_name_the_registered_key(server: FakeProviderServer, ollama: LLMClient) -> None:
    server.add_reply(O.error_reply(400, "bad", dialect="openai_compatible"))
    with pytest.raises(BadRequestError) as caught:
        ollama.complete(ask())
    assert caught.value.provider == "local_llm"
    server.add_reply(O.text_reply("hi", dialect="openai_compatible"))
    assert ollama.complete(ask()).provider == "local_llm"


def test_the_adapter_is_built_with_its_name() -> None:
    from llmsdk.providers.openai_compatible.client import OpenAICompatibleAdapter

    adapter = OpenAICompatibleAdapter("local_llm")
    assert adapter.name == "local_llm"
    assert adapter.stream_processor(ask()).provider == "local_llm"
    assert OpenAICompatibleAdapter().stream_processor(ask()).provider == "openai_compatible"


@pytest.mark.parametrize("key", ["anthropic", "openai", "gemini", "groq", "openrouter", "openai_compatible"])
def test_every_builtin_processor_carries_its_adapters_name(key: str) -> None:
    adapter = get_provider(key).adapter()
    assert adapter.name == key
    assert adapter.stream_processor(LLMRequest(model="m", messages=[LLMMessage.user("Hi")])).provider == key
