"""Batch prices: the catalog's batch prices where it has them, else half; the same
arithmetic as ``calculate_cost`` (cache prices and long-context tiers included)."""

import pytest

from llmsdk import LLMModel, Usage, get_model
from llmsdk.models import cost_of


def test_catalog_batch_prices_are_used():
    model = get_model("gpt-4o-mini", provider="openai")
    assert model.extra_pricing["batch_input_per_mtok"] == 0.075
    usage = Usage(input_tokens=1_000_000, output_tokens=1_000_000)
    assert model.calculate_cost(usage, batch=True) == pytest.approx(0.075 + 0.3)
    assert model.calculate_cost(usage) == pytest.approx(0.15 + 0.6)


def test_without_catalog_batch_prices_half_of_everything_cache_included():
    model = LLMModel("m", "anthropic", input_per_mtok=3.0, output_per_mtok=15.0, cache_read_per_mtok=0.3,
                     cache_write_per_mtok=3.75)
    usage = Usage(input_tokens=1000, output_tokens=2000, cache_reads=10_000, cache_writes=4000)
    full = model.calculate_cost(usage)
    assert model.calculate_cost(usage, batch=True) == pytest.approx(full / 2)


def test_a_catalog_discount_also_applies_to_cache_and_long_context_tiers():
    model = get_model("gpt-5.6", provider="openai")  # batch 2.5/15 against 5/30; a tier above 272k
    long = Usage(input_tokens=300_000, output_tokens=10_000, cache_reads=50_000)
    assert model.calculate_cost(long, batch=True) == pytest.approx(model.calculate_cost(long) / 2)


def test_custom_cost_functions_are_halved():
    model = LLMModel("m", "p", cost_function=lambda u: u.output_tokens * 1e-6)
    assert model.calculate_cost(Usage(output_tokens=100), batch=True) == pytest.approx(50e-6)


def test_unpriced_models_stay_unpriced():
    assert LLMModel("m", "p").calculate_cost(Usage(input_tokens=5), batch=True) is None
    assert cost_of("no-such-model", "openai", Usage(input_tokens=5), batch=True) is None
