"""Behaviour from the registry, not from model names: OpenAI's ``developer`` role and
Groq's gpt-oss reasoning controls follow ``ModelCapabilities`` dialect flags (filled for
catalog models from ``_catalog.DIALECT_FACTS``), with the documented fallback for ids the
registry does not know."""

from __future__ import annotations

from typing import Any, Dict

import pytest

from llmsdk import (
    HttpClientOptions, LLMClient, LLMMessage, LLMModelBuilder, LLMRequest, ModelCapabilitiesBuilder, ThinkingOptions,
)
from llmsdk._catalog.builtin import DIALECT_FACTS, load_catalog
from llmsdk.models import get_model
from llmsdk.providers.groq.client import GroqAdapter
from llmsdk.providers.openai.client import OpenAIAdapter
from llmsdk.testing import FakeProviderServer
from llmsdk.testing import openai as O


def body(adapter: Any, model: Any, **kwargs: Any) -> Dict[str, Any]:
    return adapter.request_body(  # type: ignore[no-any-return]
        LLMRequest(model=model, messages=[LLMMessage.user("Hi")], system="Rules.", **kwargs))


# -- OpenAI: developer role --------------------------------------------------------------------


@pytest.mark.parametrize("model_id, role", [("o3", "developer"), ("gpt-5.4-mini", "developer"),
                                            ("gpt-4.1", "system"), ("gpt-4o-mini", "system")])
def test_the_registry_entry_picks_the_system_role(model_id: str, role: str) -> None:
    got = body(OpenAIAdapter(), get_model(model_id, provider="openai"))
    assert got["messages"][0] == {"role": role, "content": "Rules."}


def test_fallback_for_an_unknown_id_is_the_system_role() -> None:
    """A plain string the registry does not know gets ``system``, whatever its name looks like."""
    for model_id in ("o9-preview", "gpt-7", "ft:gpt-4.1:acme::abc123"):
        assert body(OpenAIAdapter(), model_id)["messages"][0]["role"] == "system"


def test_a_registered_model_can_ask_for_the_developer_role() -> None:
    model = (LLMModelBuilder().model_name("o9-preview").provider("openai")
             .capabilities(ModelCapabilitiesBuilder().with_streaming().with_thinking().with_developer_role()).build())
    assert body(OpenAIAdapter(), model)["messages"][0]["role"] == "developer"


def test_through_the_client_a_known_id_or_alias_gets_its_entry(server: FakeProviderServer) -> None:
    server.add_reply(O.text_reply("a"), O.text_reply("b"), O.text_reply("c"))
    with LLMClient.new(HttpClientOptions.new_openai("k", api_base=server.url)) as client:
        for model_id in ("o3", "gpt-5-mini-2025-08-07", "gpt-4.1"):
            client.complete(LLMRequest(model=model_id, system="Rules.", messages=[LLMMessage.user("Hi")]))
    sent = [(r.json["model"], r.json["messages"][0]["role"]) for r in server.requests]
    assert sent == [("o3", "developer"), ("gpt-5-mini-2025-08-07", "developer"), ("gpt-4.1", "system")]


# -- Groq: include_reasoning and effort levels (gpt-oss) ------------------------------------------


def test_gpt_oss_from_the_registry_takes_include_reasoning_and_effort_levels() -> None:
    model = get_model("openai/gpt-oss-120b", provider="groq")
    got = body(GroqAdapter(), model, thinking=ThinkingOptions(budget_tokens=20000, include_thoughts=False))
    assert (got["reasoning_effort"], got["include_reasoning"]) == ("high", False)
    assert "reasoning_format" not in got


def test_qwen3_from_the_registry_takes_reasoning_format() -> None:
    model = get_model("qwen/qwen3-32b", provider="groq")
    got = body(GroqAdapter(), model, thinking=ThinkingOptions(budget_tokens=0))
    assert (got["reasoning_effort"], got["reasoning_format"]) == ("none", "parsed")
    assert "include_reasoning" not in got
    assert "reasoning_effort" not in body(GroqAdapter(), model, thinking=ThinkingOptions(budget_tokens=8000))


def test_groq_fallback_for_an_unknown_id_is_reasoning_format() -> None:
    """Documented in ``groq/request.py``: an id the registry does not know gets
    ``reasoning_format``, and an effort only as ``none`` for a zero budget."""
    got = body(GroqAdapter(), "openai/gpt-oss-safeguard-20b", thinking=ThinkingOptions(budget_tokens=8000))
    assert got["reasoning_format"] == "parsed"
    assert "include_reasoning" not in got and "reasoning_effort" not in got


def test_a_registered_groq_model_can_take_the_gpt_oss_controls() -> None:
    caps = ModelCapabilitiesBuilder().with_thinking().with_reasoning_effort().with_include_reasoning()
    model = LLMModelBuilder().model_name("openai/gpt-oss-safeguard-20b").provider("groq").capabilities(caps).build()
    got = body(GroqAdapter(), model, thinking=ThinkingOptions(budget_tokens=1000))
    assert (got["reasoning_effort"], got["include_reasoning"]) == ("low", True)


def test_through_the_groq_client(server: FakeProviderServer) -> None:
    server.add_reply(O.text_reply("a", dialect="groq"), O.text_reply("b", dialect="groq"))
    with LLMClient.new(HttpClientOptions.new_groq("k", api_base=server.url)) as client:
        for model_id in ("openai/gpt-oss-20b", "qwen/qwen3-32b"):
            client.complete(LLMRequest(model=model_id, messages=[LLMMessage.user("Hi")],
                                       thinking=ThinkingOptions(effort="low")))
    first, second = (r.json for r in server.requests)
    assert first["include_reasoning"] is True and "reasoning_format" not in first
    assert second["reasoning_format"] == "parsed" and "include_reasoning" not in second


# -- the facts table ------------------------------------------------------------------------------


def test_every_fact_names_a_catalog_model_and_a_dialect_flag() -> None:
    catalog = {m.full_model_name: m for m in load_catalog()}
    for key, facts in DIALECT_FACTS.items():
        assert key in catalog, key
        caps = catalog[key].capabilities
        assert caps is not None and all(getattr(caps, fact) is True for fact in facts)


def test_dialect_facts_are_not_listed_as_capabilities() -> None:
    caps = get_model("o3", provider="openai").capabilities
    assert caps is not None and caps.developer_role and caps.reasoning_effort
    assert "developer_role" not in caps.names() and "thinking" in caps.names()
