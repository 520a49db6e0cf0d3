"""The December 2026 catalog (issue 22): every row's prices, tiers included; aliases; null
output limits; the new ``extra_pricing`` keys; retired models warn and show their status."""

from __future__ import annotations

import datetime
import json
import logging
from pathlib import Path
from typing import Any, Dict, List

import pytest

import llmsdk.models as models
from llmsdk import LLMMessage, LLMRequest, Usage
from llmsdk.models import find_model, get_model, warn_if_retired

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "models_catalog.json"
PACKAGED = REPO / "llmsdk" / "_catalog" / "data" / "models_catalog.json"
M = 1_000_000


def rows() -> List[Dict[str, Any]]:
    source = SHARED if SHARED.exists() else PACKAGED
    return json.loads(source.read_text(encoding="utf-8"))["models"]


def _expected(row: Dict[str, Any], prices: Dict[str, Any], usage: Usage) -> float:
    read = prices.get("cache_read_per_mtok")
    write = prices.get("cache_write_per_mtok")
    return (usage.input_tokens * prices["input_per_mtok"] + usage.output_tokens * prices["output_per_mtok"]
            + usage.cache_reads * (read if read is not None else prices["input_per_mtok"])
            + usage.cache_writes * (write if write is not None else prices["input_per_mtok"])) / M


@pytest.mark.parametrize("row", rows(), ids=lambda r: f"{r['provider']}/{r['model_id']}")
def test_cost_of_every_row_is_the_catalog_price_tiers_included(row: Dict[str, Any]) -> None:
    model = find_model(row["model_id"], row["provider"])
    assert model is not None
    small = Usage(input_tokens=1_000, output_tokens=2_000, cache_reads=3_000, cache_writes=4_000)
    assert model.calculate_cost(small) == pytest.approx(_expected(row, row, small))
    for tier in row["pricing_tiers"]:
        above = tier["applies_above_input_tokens"]
        usage = Usage(input_tokens=above - 5_000, output_tokens=2_000, cache_reads=3_000, cache_writes=4_000)
        tier_prices = {**tier}
        if tier.get("cache_write_per_mtok") is None:
            tier_prices["cache_write_per_mtok"] = tier["input_per_mtok"]
        assert model.calculate_cost(usage) == pytest.approx(_expected(row, tier_prices, usage))
        at = Usage(input_tokens=above, output_tokens=2_000)
        assert model.calculate_cost(at) == pytest.approx(_expected(row, row, at))


def test_aliases_resolve_to_the_renamed_model() -> None:
    sol = get_model("gpt-5.6")
    assert sol.model_name == "gpt-5.6-sol" and get_model("openai/gpt-5.6") is sol
    assert get_model("Gpt56") is sol  # the guide name follows the alias
    assert get_model("codestral-latest").model_name == "codestral-2508"


def test_models_without_a_published_output_limit_have_none() -> None:
    assert get_model("grok-4.7").max_output_tokens is None
    assert get_model("mistral-large-latest").max_output_tokens is None
    assert get_model("grok-4.7").to_dict()["max_output_tokens"] is None


def test_haiku_55_tier_and_its_one_hour_write_above_100k() -> None:
    haiku = get_model("claude-haiku-5-5")
    row = next(r for r in rows() if r["model_id"] == "claude-haiku-5-5")
    tier, extra = row["pricing_tiers"][0], row["extra_pricing"]
    assert tier["applies_above_input_tokens"] == 100_000
    usage = Usage(input_tokens=1_000, output_tokens=0, cache_reads=100_000, cache_writes=M, cache_writes_1h=M)
    assert haiku.calculate_cost(usage) == pytest.approx(
        (1_000 * tier["input_per_mtok"] + 100_000 * tier["cache_read_per_mtok"]
         + M * extra["cache_write_1h_above_100k_per_mtok"]) / M)


def test_openai_cache_writes_30_minute_and_12_hour() -> None:
    sol = get_model("gpt-6.1-terra")
    row = next(r for r in rows() if r["model_id"] == "gpt-6.1-terra")
    usage = Usage(input_tokens=0, output_tokens=0, cache_writes=30_000, cache_writes_12h=10_000)
    assert sol.calculate_cost(usage) == pytest.approx(
        (20_000 * row["cache_write_per_mtok"] + 10_000 * row["extra_pricing"]["cache_write_12h_per_mtok"]) / M)


def test_a_priority_reply_is_priced_at_the_priority_rate() -> None:
    row = next(r for r in rows() if r["provider"] == "openai" and "priority_input_per_mtok" in (r["extra_pricing"] or {}))
    model = get_model(row["model_id"], "openai")
    extra = row["extra_pricing"]
    fast = Usage(input_tokens=100_000, output_tokens=M, service_tier="priority")
    assert model.calculate_cost(fast) == pytest.approx(
        extra["priority_input_per_mtok"] / 10 + extra["priority_output_per_mtok"])
    assert model.calculate_cost(Usage(100_000, M, service_tier="default")) == pytest.approx(
        row["input_per_mtok"] / 10 + row["output_per_mtok"])


def test_status_of_retired_retiring_and_active_models() -> None:
    today = datetime.date(2026, 12, 7)
    assert get_model("claude-3-7-sonnet-20250219").status(today) == "retired 2026-02-19"
    assert get_model("gpt-5").status(today) == "retiring 2026-12-11"
    assert get_model("gpt-5").status(datetime.date(2026, 12, 11)) == "retired 2026-12-11"
    assert get_model("claude-opus-5-5").status(today) == "active"


def test_a_retired_model_warns_once(caplog: pytest.LogCaptureFixture) -> None:
    models._warned_retired.clear()
    request = LLMRequest(model="o1", messages=[LLMMessage.user("hi")])
    with caplog.at_level(logging.WARNING, logger="llmsdk.models"):
        assert warn_if_retired(request, "openai", datetime.date(2026, 12, 7))
        assert warn_if_retired(request, "openai", datetime.date(2026, 12, 7))
        assert not warn_if_retired(LLMRequest(model="gpt-6.2-sol", messages=request.messages), "openai")
    assert [r.getMessage() for r in caplog.records].count(caplog.records[0].getMessage()) == 1
    assert "openai/o1" in caplog.text and "retired" in caplog.text


def test_usage_adds_and_round_trips_the_new_fields() -> None:
    a = Usage(10, 100, cache_writes=50, reasoning_tokens=60, cache_writes_12h=20, service_tier="priority")
    b = Usage(5, 10, reasoning_tokens=4, service_tier="priority")
    total = a + b
    assert (total.reasoning_tokens, total.cache_writes_12h, total.service_tier) == (64, 20, "priority")
    assert (a + Usage(1, 1, service_tier="flex")).service_tier is None  # mixed tiers: unknown
    assert (Usage(1, 1) + a).service_tier == "priority"
    assert Usage.from_json(a.to_json()) == a
    assert "reasoning_tokens" not in Usage(1, 2).to_json()  # plain usage JSON unchanged
