"""The model registry (pure tier): catalog data, costs, lookup, builders, capability checks."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, Iterator, List

import pytest

import llmsdk.models as models
from llmsdk import (
    ImageContent, LLMMessage, LLMRequest, ThinkingOptions, Tool, ToolResultContent, ToolUseContent, Usage,
)
from llmsdk._catalog.builtin import DIALECT_FACTS, GUIDE_NAMES, read_catalog, structured_output_mode
from llmsdk.errors import InvalidConfigError, InvalidRequestError, LLMError
from llmsdk.models import (
    AllModels,
    LLMModel,
    LLMModelBuilder,
    ModelCapabilities,
    ModelCapabilitiesBuilder,
    UnknownModelError,
    all_models,
    check_capabilities,
    cost_of,
    find_model,
    get_model,
    register_model,
    unregister_model,
)

REPO = Path(__file__).resolve().parents[1]
PACKAGED = REPO / "llmsdk" / "_catalog" / "data" / "models_catalog.json"
SHARED = REPO.parent / "shared" / "models_catalog.json"
M = 1_000_000


@pytest.fixture
def registered() -> Iterator[List[LLMModel]]:
    """Models a test registers; removed afterwards so tests stay independent."""
    added: List[LLMModel] = []
    yield added
    for model in added:
        unregister_model(model)


def rows() -> List[Dict[str, Any]]:
    return json.loads(PACKAGED.read_text(encoding="utf-8"))["models"]


# -- the catalog -------------------------------------------------------------------------


def test_packaged_catalog_matches_the_shared_one() -> None:
    if not SHARED.exists():
        pytest.skip("../shared/models_catalog.json is not beside the repo")
    assert json.loads(SHARED.read_text(encoding="utf-8")) == json.loads(PACKAGED.read_text(encoding="utf-8"))


@pytest.mark.parametrize("provider, model_id, price_in, price_out, cache_read, cache_write, context", [
    ("anthropic", "claude-3-7-sonnet-20250219", 3, 15, 0.3, 3.75, 200_000),
    ("anthropic", "claude-haiku-4-5-20251001", 1, 5, 0.1, 1.25, 200_000),
    ("openai", "gpt-4o", 2.5, 10, 1.25, None, 128_000),
    ("openai", "o3-mini", 1.1, 4.4, 0.55, None, 200_000),
    ("gemini", "gemini-2.5-pro", 1.25, 10, 0.125, None, 1_048_576),
    ("groq", "llama-3.3-70b-versatile", 0.59, 0.79, None, None, 128_000),
    ("openrouter", "deepseek/deepseek-r1", 0.55, 2.19, 0.14, None, 65_336),
])
def test_a_handful_of_prices_against_the_catalog_file(provider: str, model_id: str, price_in: float,
                                                      price_out: float, cache_read: Any, cache_write: Any,
                                                      context: int) -> None:
    source = SHARED if SHARED.exists() else PACKAGED
    row = next(r for r in json.loads(source.read_text(encoding="utf-8"))["models"]
               if r["provider"] == provider and r["model_id"] == model_id)
    assert (row["input_per_mtok"], row["output_per_mtok"], row["cache_read_per_mtok"],
            row["cache_write_per_mtok"], row["context_window"]) == (price_in, price_out, cache_read, cache_write, context)
    model = get_model(model_id, provider=provider)
    assert (model.input_per_mtok, model.output_per_mtok, model.cache_read_per_mtok,
            model.cache_write_per_mtok, model.context_window) == (price_in, price_out, cache_read, cache_write, context)


def test_every_catalog_row_is_registered_exactly() -> None:
    data = rows()
    assert len(data) == 90
    for row in data:
        model = find_model(row["model_id"], row["provider"])
        assert model is not None, row["model_id"]
        assert model.context_window == row["context_window"]
        assert model.max_output_tokens == row["max_output_tokens"]
        assert (model.input_per_mtok, model.output_per_mtok) == (row["input_per_mtok"], row["output_per_mtok"])
        assert (model.cache_read_per_mtok, model.cache_write_per_mtok) == (
            row["cache_read_per_mtok"], row["cache_write_per_mtok"])
        assert [t.applies_above_input_tokens for t in model.pricing_tiers] == [
            t["applies_above_input_tokens"] for t in row["pricing_tiers"]]
        assert model.aliases == tuple(row["aliases"]) and model.display_name == row["display_name"]
        caps = row["capabilities"]
        facts = DIALECT_FACTS.get(f"{row['provider']}/{row['model_id']}", ())
        assert model.capabilities == ModelCapabilities(
            streaming=caps["streaming"], tools=caps["tools"], vision=caps["vision"], thinking=caps["reasoning"],
            json_mode=caps["json_mode"], prompt_caching=caps["prompt_caching"], **{f: True for f in facts},
            documents=model.capabilities.documents,
            structured_output=structured_output_mode(row["provider"], row["model_id"]))  # derived in _catalog.py (tested in test_documents)


def test_counts_per_provider() -> None:
    counts = {p: len([m for m in all_models(p) if not m.capabilities.embeddings])
              for p in ("anthropic", "openai", "gemini", "groq", "openrouter", "mistral", "deepseek", "xai")}
    assert counts == read_catalog()["counts"] == {"anthropic": 20, "openai": 27, "gemini": 10, "groq": 9,
                                                  "openrouter": 15, "mistral": 4, "deepseek": 2, "xai": 3}


def test_catalog_loads_lazily_not_at_import() -> None:
    code = ("import sys, llmsdk, llmsdk.models; "
            "assert 'llmsdk._catalog.builtin' not in sys.modules; "
            "llmsdk.models.get_model('gpt-4o'); assert 'llmsdk._catalog.builtin' in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO, timeout=60)


# -- costs -------------------------------------------------------------------------------


def test_plain_cost() -> None:
    assert get_model("claude-3-7-sonnet-20250219").calculate_cost(Usage(1_000, 500)) == pytest.approx(0.0105)
    assert get_model("gpt-4o").calculate_cost(Usage(M, M)) == pytest.approx(12.5)


def test_cache_reads_and_writes_use_cache_prices() -> None:
    sonnet = get_model("claude-sonnet-4-6")  # 3 / 15, cache read 0.3, cache write 3.75
    usage = Usage(input_tokens=100_000, output_tokens=10_000, cache_reads=50_000, cache_writes=20_000)
    expected = (100_000 * 3 + 10_000 * 15 + 50_000 * 0.3 + 20_000 * 3.75) / M
    assert sonnet.calculate_cost(usage) == pytest.approx(expected)


def test_missing_cache_prices_fall_back_to_the_input_price() -> None:
    gpt4o = get_model("gpt-4o")  # no cache-write price in the catalog
    assert gpt4o.calculate_cost(Usage(0, 0, cache_writes=M)) == pytest.approx(2.5)
    llama = get_model("llama-3.3-70b-versatile")  # no cache prices at all
    assert llama.calculate_cost(Usage(0, 0, cache_reads=M)) == pytest.approx(0.59)


def test_long_context_tier_applies_to_the_whole_request_above_the_threshold() -> None:
    sonnet45 = get_model("claude-sonnet-4-5")  # > 200k: 6 / 22.5, cache 0.6 / 7.5
    at = Usage(input_tokens=200_000, output_tokens=1_000)
    assert sonnet45.calculate_cost(at) == pytest.approx((200_000 * 3 + 1_000 * 15) / M)
    above = Usage(input_tokens=200_001, output_tokens=1_000)
    assert sonnet45.calculate_cost(above) == pytest.approx((200_001 * 6 + 1_000 * 22.5) / M)


def test_cached_tokens_count_toward_the_tier_threshold() -> None:
    sonnet45 = get_model("claude-sonnet-4-5")
    usage = Usage(input_tokens=1_000, output_tokens=1_000, cache_reads=150_000, cache_writes=60_000)
    expected = (1_000 * 6 + 1_000 * 22.5 + 150_000 * 0.6 + 60_000 * 7.5) / M
    assert sonnet45.calculate_cost(usage) == pytest.approx(expected)


def test_tier_without_a_cache_write_price_falls_back_to_the_tier_input_price() -> None:
    pro = get_model("gemini-2.5-pro")  # > 200k: 2.5 / 15, cache read 0.25, no cache write
    usage = Usage(input_tokens=300_000, output_tokens=0, cache_reads=M, cache_writes=10_000)
    assert pro.calculate_cost(usage) == pytest.approx((300_000 * 2.5 + M * 0.25 + 10_000 * 2.5) / M)
    gpt56 = get_model("gpt-5.6")  # its 272k tier does give a cache write price
    assert gpt56.rates_for(272_001).cache_write_per_mtok == 12.5  # type: ignore[union-attr]


def test_custom_cost_function_replaces_the_arithmetic(registered: List[LLMModel]) -> None:
    model = (LLMModelBuilder().model_name("flat-fee").provider("acme_costs")
             .prices(100, 100).cost_calculation(lambda usage: 0.5 + usage.output_tokens * 1e-6).build())
    registered.append(register_model(model))
    assert model.calculate_cost(Usage(10, 1_000)) == pytest.approx(0.501)
    assert cost_of("flat-fee", "acme_costs", Usage(10, 1_000)) == pytest.approx(0.501)


def test_unknown_and_unpriced_models_cost_none(registered: List[LLMModel]) -> None:
    assert cost_of("my-finetune-xyz", "openai", Usage(10, 10)) is None
    assert cost_of("gpt-4o", "openai_compatible", Usage(10, 10)) is None  # a self-hosted "gpt-4o" is not OpenAI's
    registered.append(register_model(LLMModel("no-price", "acme_costs")))
    assert cost_of("no-price", "acme_costs", Usage(10, 10)) is None


def test_cost_of_resolves_aliases_and_the_clients_provider() -> None:
    assert cost_of("gpt-4o-2024-08-06", "openai", Usage(M, 0)) == pytest.approx(2.5)
    # an LLMModel of another provider is re-resolved at the provider the request went to
    assert cost_of(get_model("openai/gpt-4o"), "openrouter", Usage(M, M)) == pytest.approx(12.5)
    assert cost_of(get_model("groq/openai/gpt-oss-120b"), "openrouter", Usage(0, M)) == pytest.approx(0.8)


def test_a_failing_cost_function_is_logged_not_raised(registered: List[LLMModel],
                                                      caplog: pytest.LogCaptureFixture) -> None:
    def broken(usage: Usage) -> float:
        raise ZeroDivisionError("oops")

    registered.append(register_model(LLMModel("broken", "acme_costs", cost_function=broken)))
    with caplog.at_level(logging.WARNING, logger="llmsdk.models"):
        assert cost_of("broken", "acme_costs", Usage(1, 1)) is None
    assert "acme_costs/broken" in caplog.text


# -- lookup ------------------------------------------------------------------------------


def test_lookup_by_id_alias_and_provider_model() -> None:
    assert get_model("claude-opus-4-7").model_name == "claude-opus-4-7-20260416"
    assert get_model("anthropic/claude-3-7-sonnet-20250219") is get_model("claude-3-7-sonnet-20250219")
    assert get_model("openai/gpt-5").provider == "openai"  # provider/model beats OpenRouter's "openai/gpt-5" id
    assert get_model("openrouter/openai/gpt-5").provider == "openrouter"
    assert get_model("openai/gpt-5", provider="openrouter").provider == "openrouter"
    assert get_model("models/gemini-2.5-flash").provider == "gemini"
    assert find_model("gpt-4o-mini-2024-07-18", "openai") is get_model("gpt-4o-mini")
    assert find_model("gpt-4o", "anthropic") is None
    assert get_model(get_model("gpt-4o")) is get_model("gpt-4o")


def test_guide_names() -> None:
    assert get_model("Sonnet37").model_name == "claude-3-7-sonnet-20250219"
    assert get_model("Haiku35").model_name == "claude-3-5-haiku-20241022"
    assert get_model("Gpt4o").model_name == "gpt-4o"
    assert get_model("Gpt3oMini").model_name == "o3-mini"
    assert get_model("gpt3omini").model_name == "o3-mini"
    assert models.Sonnet37 is get_model("claude-3-7-sonnet-20250219")
    from llmsdk.models import Gpt3oMini, Llama4

    assert (Gpt3oMini.provider, Llama4.provider) == ("openai", "groq")
    assert "Sonnet37" in dir(models)
    with pytest.raises(AttributeError):
        models.QuasarAlpha  # noqa: B018 - the guide's model is not in the catalog


@pytest.mark.parametrize("guide_name", sorted(GUIDE_NAMES))
def test_every_guide_name_resolves(guide_name: str) -> None:
    assert get_model(guide_name).full_model_name.startswith(GUIDE_NAMES[guide_name].split("/")[0] + "/")


def test_case_insensitive_fallback() -> None:
    assert get_model("GPT-4o").model_name == "gpt-4o"
    assert get_model("Anthropic/Claude-Sonnet-4-6").model_name == "claude-sonnet-4-6"


def test_typos_get_suggestions() -> None:
    with pytest.raises(UnknownModelError) as info:
        get_model("claude-sonet-4-6")
    err = info.value
    assert isinstance(err, LookupError) and isinstance(err, LLMError)
    assert err.suggestions[0] == "anthropic/claude-sonnet-4-6"
    assert "did you mean anthropic/claude-sonnet-4-6" in str(err)
    with pytest.raises(UnknownModelError) as info:
        get_model("Sonet37")
    assert "Sonnet37" in info.value.suggestions
    with pytest.raises(UnknownModelError) as info:
        get_model("gpt-4o", provider="anthropic")
    assert all(s.startswith("anthropic/") for s in info.value.suggestions)


def test_an_id_at_two_providers_is_ambiguous() -> None:
    with pytest.raises(UnknownModelError, match="ambiguous") as info:
        get_model("openai/gpt-oss-120b")
    assert info.value.suggestions == ["groq/openai/gpt-oss-120b", "openrouter/openai/gpt-oss-120b"]
    assert find_model("openai/gpt-oss-120b") is None
    assert get_model("openai/gpt-oss-120b", provider="groq").provider == "groq"


# -- builders and registration -----------------------------------------------------------


def test_capabilities_builder() -> None:
    caps = (ModelCapabilitiesBuilder.new().with_streaming().with_tools().with_vision().with_thinking()
            .with_json_mode().with_prompt_caching().build())
    assert caps.names() == ["streaming", "tools", "vision", "thinking", "json_mode", "prompt_caching"]
    assert ModelCapabilitiesBuilder().with_cache().with_reasoning().build() == ModelCapabilities(
        prompt_caching=True, thinking=True)
    assert ModelCapabilitiesBuilder().build() == ModelCapabilities()


def test_model_builder(registered: List[LLMModel]) -> None:
    model = (LLMModelBuilder.new().model_name("acme-1").display_name("Acme One").provider("acme_models")
             .capabilities(ModelCapabilitiesBuilder().with_streaming()).context_window(32_000)
             .max_output_tokens(4_096).prices(1.0, 2.0, cache_read_per_mtok=0.1)
             .pricing_tier(16_000, 2.0, 4.0).aliases("acme-latest").build())
    assert model.full_model_name == "acme_models/acme-1" and str(model) == "acme-1"
    assert model.supports("streaming") is True and model.supports("tools") is False
    assert model.calculate_cost(Usage(16_001, 0)) == pytest.approx(16_001 * 2.0 / M)
    registered.append(register_model(model))
    assert get_model("acme-latest") is model and model in AllModels and model in all_models("acme_models")
    assert model.to_dict()["pricing_tiers"][0]["applies_above_input_tokens"] == 16_000
    assert LLMModel("bare", "acme_models").supports("tools") is None  # unknown


def test_builder_needs_a_name_and_a_provider() -> None:
    with pytest.raises(InvalidConfigError, match="model_name and provider"):
        LLMModelBuilder().build()
    with pytest.raises(InvalidConfigError):
        LLMModelBuilder().model_name("x").cost_calculation(42)  # type: ignore[arg-type]


def test_register_conflict_replace_and_unregister(registered: List[LLMModel]) -> None:
    first = register_model(LLMModel("dup", "acme_models", input_per_mtok=1, output_per_mtok=1))
    registered.append(first)
    assert register_model(LLMModel("dup", "acme_models", input_per_mtok=1, output_per_mtok=1)) == first  # same: ok
    with pytest.raises(InvalidConfigError, match="already registered"):
        register_model(LLMModel("dup", "acme_models", input_per_mtok=9, output_per_mtok=9))
    cheaper = register_model(LLMModel("dup", "acme_models", input_per_mtok=0.5, output_per_mtok=0.5), replace=True)
    assert get_model("acme_models/dup") is cheaper
    before = len(AllModels)
    assert unregister_model("dup", provider="acme_models") is cheaper
    assert len(AllModels) == before - 1 and find_model("dup") is None
    with pytest.raises(InvalidConfigError):
        register_model("gpt-4o")  # type: ignore[arg-type]


def test_overriding_a_catalog_price_needs_replace() -> None:
    original = get_model("gpt-4o")
    discounted = LLMModel("gpt-4o", "openai", input_per_mtok=1.0, output_per_mtok=4.0)
    with pytest.raises(InvalidConfigError):
        register_model(discounted)
    try:
        register_model(discounted, replace=True)
        assert cost_of("gpt-4o", "openai", Usage(M, 0)) == pytest.approx(1.0)
    finally:
        register_model(original, replace=True)


# -- capability checks -------------------------------------------------------------------

WEATHER = Tool("get_weather", "Weather", {"type": "object", "properties": {}})
IMAGE = ImageContent.from_url("https://example.com/cat.png")


def request(model: Any, **kwargs: Any) -> LLMRequest:
    return LLMRequest(model=model, messages=[LLMMessage.user("hi")], **kwargs)


@pytest.mark.parametrize("provider, model, kwargs, capability", [
    ("openrouter", "deepseek/deepseek-chat", {"tools": [WEATHER]}, "tools"),
    ("openai", "o3-mini", {"messages": [LLMMessage.user("what is this?", IMAGE)]}, "vision"),
    ("openai", "gpt-4o", {"thinking": ThinkingOptions(effort="high")}, "thinking"),
])
def test_missing_capability_warns_by_default_and_raises_when_strict(
        provider: str, model: str, kwargs: Dict[str, Any], capability: str,
        caplog: pytest.LogCaptureFixture) -> None:
    req = LLMRequest(model=model, messages=kwargs.pop("messages", [LLMMessage.user("hi")]), **kwargs)
    with caplog.at_level(logging.WARNING, logger="llmsdk.models"):
        check_capabilities(req, provider, strict=False)
    assert capability in caplog.text and model in caplog.text
    with pytest.raises(InvalidRequestError, match=capability):
        check_capabilities(req, provider, strict=True)


def test_images_inside_tool_results_count_as_vision() -> None:
    msgs = [LLMMessage.user("look"),
            LLMMessage(role="assistant", tool_calls=[ToolUseContent(id="t1", name="shot", input={})]),
            LLMMessage(role="user", tool_results=[ToolResultContent(tool_use_id="t1", content=[IMAGE])])]
    with pytest.raises(InvalidRequestError, match="vision"):
        check_capabilities(LLMRequest(model="o3-mini", messages=msgs), "openai", strict=True)


def test_capable_unknown_and_unchecked_models_pass(caplog: pytest.LogCaptureFixture,
                                                   registered: List[LLMModel]) -> None:
    registered.append(register_model(LLMModel("mystery", "acme_caps")))  # capabilities unknown
    everything = {"tools": [WEATHER], "thinking": ThinkingOptions(budget_tokens=1024)}
    with caplog.at_level(logging.WARNING, logger="llmsdk.models"):
        check_capabilities(request("claude-sonnet-4-6", **everything), "anthropic", strict=True)
        check_capabilities(request("my-own-finetune", **everything), "openai", strict=True)
        check_capabilities(request("mystery", **everything), "acme_caps", strict=True)
        check_capabilities(request(get_model("claude-haiku-4-5"), **everything), "anthropic", strict=True)
    assert caplog.text == ""


def test_all_capabilities_missing_are_named_together() -> None:
    req = request(get_model("deepseek/deepseek-chat"), tools=[WEATHER], thinking=ThinkingOptions(budget_tokens=1))
    with pytest.raises(InvalidRequestError, match="tools, thinking"):
        check_capabilities(req, "openrouter", strict=True)


def test_provider_spellings_in_lookup() -> None:
    assert get_model("openai/gpt-5", provider="open_router").provider == "openrouter"
    assert get_model("Open-Router/x-ai/grok-4").model_name == "x-ai/grok-4"
