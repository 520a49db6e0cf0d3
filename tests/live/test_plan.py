"""The live tier without keys: its models and budget against the catalog, its skip lines,
and its tests run end to end against a fake Anthropic (so they cannot rot unseen)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Dict, Optional

import pytest

from llmsdk.models import find_model
from llmsdk.testing import FakeProviderServer, ScriptedReply
from llmsdk.testing import anthropic as A

from . import test_live
from .plan import PROVIDERS, STRUCTURED_TESTS, LiveProvider, estimated_cost, live_selected, skip_reason

REPO = Path(__file__).resolve().parents[2]
KEYS = {"anthropic": "ANTHROPIC_API_KEY", "openai": "OPENAI_API_KEY", "gemini": "GEMINI_API_KEY",
        "groq": "GROQ_API_KEY", "openrouter": "OPENROUTER_API_KEY"}


def run_live_tests(*args: str, env: Optional[Dict[str, str]] = None) -> "subprocess.CompletedProcess[str]":
    """``pytest tests/live/test_live.py`` in a child, with no real key or base URL."""
    clean = {k: v for k, v in os.environ.items() if not k.endswith(("_API_KEY", "_BASE_URL"))}
    clean.update(env or {})
    return subprocess.run([sys.executable, "-m", "pytest", "tests/live/test_live.py", "-rs", *args],
                          capture_output=True, text=True, timeout=120, cwd=str(REPO), env=clean)


def skip_lines(output: str) -> list:
    return [line for line in output.splitlines() if line.startswith("SKIPPED")]


def test_every_provider_of_the_issue_is_covered_with_its_key() -> None:
    assert {p.name: p.env_var for p in PROVIDERS} == KEYS


@pytest.mark.parametrize("provider", PROVIDERS, ids=[p.name for p in PROVIDERS])
def test_models_are_in_the_catalog_with_what_the_tests_use(provider: LiveProvider) -> None:
    model = find_model(provider.model, provider.name)
    structured = find_model(provider.structured_model, provider.name)
    assert model is not None and model.supports("tools") and not model.is_retired()  # still offered
    assert structured is not None and structured.supports("json_mode") and not structured.is_retired()


@pytest.mark.parametrize("provider", PROVIDERS, ids=[p.name for p in PROVIDERS])
def test_a_whole_live_run_costs_well_under_a_cent(provider: LiveProvider) -> None:
    costs = estimated_cost(provider)
    assert set(costs) >= STRUCTURED_TESTS
    assert sum(costs.values()) < 0.005  # USD, every test spending its whole budget


def test_the_docs_state_these_costs() -> None:
    readme = (REPO / "docs" / "development.md").read_text(encoding="utf-8")  # "Live tests" (was in the README)
    rows = {line.split("|")[1].strip().lower(): line for line in readme.splitlines() if line.startswith("| ")}
    for provider in PROVIDERS:
        stated = float(re.findall(r"\$([0-9.]+)", rows[provider.name])[-1])
        assert sum(estimated_cost(provider).values()) <= stated < 0.005, provider.name


@pytest.mark.parametrize("markexpr, selected", [
    ("", False), ("live", True), ("live and not slow", True), ("slow or live", True),
    ("not live", False), ("not slow", False), ("delivery", False),
])
def test_live_selected(markexpr: str, selected: bool) -> None:
    assert live_selected(markexpr) is selected


def test_skip_reasons_name_the_missing_key() -> None:
    openai = next(p for p in PROVIDERS if p.name == "openai")
    assert skip_reason(openai, {}, "live") == "OPENAI_API_KEY is not set: live openai tests skipped"
    assert skip_reason(openai, {"OPENAI_API_KEY": "  "}, "live") == \
        "OPENAI_API_KEY is not set: live openai tests skipped"
    assert skip_reason(openai, {"OPENAI_API_KEY": "sk-x"}, "live") is None
    assert "OPENAI_API_KEY is not set" in str(skip_reason(openai, {}, ""))
    assert "pytest -m live" in str(skip_reason(openai, {"OPENAI_API_KEY": "sk-x"}, ""))  # keys alone never spend


@pytest.mark.parametrize("args", [(), ("-m", "live")], ids=["default run", "-m live"])
def test_without_keys_each_provider_gets_one_skip_line(args: tuple) -> None:
    result = run_live_tests(*args)

    assert result.returncode == 0, result.stdout + result.stderr
    lines = skip_lines(result.stdout)
    assert len(lines) == len(KEYS), result.stdout
    per_provider = len([name for name in vars(test_live) if name.startswith("test_")])
    for key, line in zip(KEYS.values(), lines):
        assert key in line and f"[{per_provider}]" in line  # every test of that provider, folded


def test_the_live_tests_pass_against_a_fake_anthropic(server: FakeProviderServer) -> None:
    """The live tests' own logic, checked without a key: each Anthropic test in file order
    gets a scripted reply that a real model could have given."""
    server.route("/v1/messages/count_tokens", ScriptedReply.json(200, {"input_tokens": 30}))
    server.add_reply(
        A.text_reply("pong", output_tokens=2),                                    # test_complete
        A.text_reply("1 2 3 4 5", chunk=2, output_tokens=9),                      # test_stream
        A.tool_use_reply("get_weather", {"city": "Paris"}, output_tokens=40),     # test_tool_round_trip
        A.text_reply("It is 21 degrees and sunny in Paris.", output_tokens=12),
        A.text_reply("Fox jumps dog.", output_tokens=5),                          # test_count_tokens
        A.error_reply(401, "authentication_error", "invalid x-api-key"),          # test_bad_key_...
        A.text_reply('{"city": "Paris", "country": "France"}', output_tokens=12),  # test_structured_output
    )

    result = run_live_tests("-m", "live", "-k", "anthropic", env={
        "ANTHROPIC_API_KEY": "sk-ant-fake-live-dry-run", "ANTHROPIC_BASE_URL": server.url})

    assert result.returncode == 0 and "6 passed" in result.stdout, result.stdout + result.stderr
    assert server.pending_replies == 0
