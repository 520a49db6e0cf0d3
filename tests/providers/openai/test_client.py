"""Adapters: URLs, auth headers, error bodies and token estimates."""

from __future__ import annotations

import json
import sys
import types
from typing import Any, List

import pytest

from llmsdk import HttpClientOptions, LLMMessage, LLMRequest, Tool
from llmsdk.errors import make_status_error
from llmsdk.providers import get_provider
from llmsdk._core.token_estimate import estimate_tokens
from llmsdk.providers.openai import client as openai_client
from llmsdk.providers.openai.client import OpenAIAdapter
from llmsdk.providers.openrouter.client import OpenRouterAdapter, attribution_headers

REQ = LLMRequest(model="gpt-4.1", messages=[LLMMessage.user("Hello there")])


@pytest.mark.parametrize("key, api_base, url", [
    ("openai", None, "https://api.openai.com/v1/chat/completions"),
    ("groq", None, "https://api.groq.com/openai/v1/chat/completions"),
    ("openrouter", None, "https://openrouter.ai/api/v1/chat/completions"),
    ("openai_compatible", "http://localhost:8000/v1", "http://localhost:8000/v1/chat/completions"),
    ("openai_compatible", "http://localhost:11434/", "http://localhost:11434/v1/chat/completions"),
])
def test_endpoints(key: str, api_base: Any, url: str) -> None:
    options = HttpClientOptions.for_provider(key, "k" if key != "openai_compatible" else None, api_base)
    prepared = get_provider(key).adapter().prepare_request(REQ, options.endpoint)
    assert prepared.url == url


def test_bearer_auth_and_no_header_without_a_key() -> None:
    assert OpenAIAdapter().auth_headers("sk-x") == {"Authorization": "Bearer sk-x"}
    assert get_provider("openai_compatible").adapter().auth_headers(None) == {}


def test_adapters_derive_from_one_implementation() -> None:
    names = {key: type(get_provider(key).adapter()).__mro__ for key in ("groq", "openrouter", "openai_compatible")}
    for mro in names.values():
        assert openai_client.ChatCompletionsAdapter in mro


def test_openrouter_attribution_headers() -> None:
    assert attribution_headers("https://app.example", "My App") == {"HTTP-Referer": "https://app.example",
                                                                    "X-Title": "My App"}
    assert attribution_headers() == {}


def test_openai_error_code_wins_over_generic_type() -> None:
    raw = json.dumps({"error": {"message": "This model's maximum context length is 128000 tokens.",
                                "type": "invalid_request_error", "param": "messages",
                                "code": "context_length_exceeded"}})
    info = OpenAIAdapter().parse_error(400, raw)
    assert info.type == "context_length_exceeded"
    quota = OpenAIAdapter().parse_error(429, json.dumps({"error": {
        "message": "You exceeded your current quota", "type": "insufficient_quota", "code": "insufficient_quota"}}))
    assert quota.type == "insufficient_quota"


def test_openrouter_error_body_numeric_code_and_metadata() -> None:
    raw = json.dumps({"error": {"code": 502, "message": "Provider returned error",
                                "metadata": {"provider_name": "Together", "raw": "upstream 500"}}})
    info = OpenRouterAdapter().parse_error(502, raw)
    assert info.type is None
    assert info.message == "Provider returned error (provider: Together): upstream 500"
    assert type(make_status_error(402, "Insufficient credits", error_type=None)).__name__ == "InvalidResponseCodeError"


def test_count_tokens_falls_back_to_the_character_estimate(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "tiktoken", None)  # as if the [tokens] extra were missing
    openai_client._encoding.cache_clear()
    try:
        assert OpenAIAdapter().count_tokens(REQ, None, None) == estimate_tokens(REQ)  # type: ignore[arg-type]
    finally:
        openai_client._encoding.cache_clear()


def test_count_tokens_uses_tiktoken_when_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: List[str] = []

    class FakeEncoding:
        def encode(self, text: str, disallowed_special: Any = ()) -> List[int]:
            seen.append(text)
            return [0] * len(text.split())

    fake = types.ModuleType("tiktoken")
    fake.encoding_for_model = lambda model: FakeEncoding()  # type: ignore[attr-defined]
    fake.get_encoding = lambda name: FakeEncoding()  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "tiktoken", fake)
    openai_client._encoding.cache_clear()
    try:
        req = LLMRequest(model="gpt-4.1", system="Be brief", messages=[LLMMessage.user("Hello there")],
                         tools=[Tool("f", "does f", {"type": "object"})])
        count = OpenAIAdapter().count_tokens(req, None, None)  # type: ignore[arg-type]
    finally:
        openai_client._encoding.cache_clear()
    # "Be brief" (2) + "Hello there" (2) + tool JSON (1 word-ish piece each) + 3 x 2 messages + 3 priming
    assert seen[:2] == ["Be brief", "Hello there"]
    assert count == 2 + 2 + len(seen[2].split()) + 6 + 3
