"""``llmsdk models``: the registry as a table and as JSON."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Tuple

import pytest

from llmsdk.cli import main
from llmsdk.models import LLMModel, LLMModelBuilder, ModelCapabilitiesBuilder, register_model, unregister_model

REPO = Path(__file__).resolve().parents[1]


def run(capsys: pytest.CaptureFixture, *argv: str) -> Tuple[int, str, str]:
    code = main(["models", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def table_rows(out: str) -> Dict[str, List[str]]:
    """Rows keyed by model id, split on runs of two or more spaces."""
    lines = out.splitlines()
    assert lines[0].split()[:2] == ["ID", "PROVIDER"]
    assert set(lines[1].replace(" ", "")) == {"-"}
    body = [line for line in lines[2:] if line.strip() and not line.startswith(tuple("0123456789"))]
    return {cells[0]: cells for cells in (re.split(r"\s{2,}", line.strip()) for line in body)}


def test_table_has_every_column(capsys: pytest.CaptureFixture) -> None:
    code, out, _ = run(capsys)
    assert code == 0
    header = out.splitlines()[0]
    for column in ("ID", "PROVIDER", "CONTEXT", "MAX OUT", "$/M IN", "$/M OUT", "STATUS", "CAPABILITIES"):
        assert column in header
    rows = table_rows(out)
    assert len(out.split("\n\n")[0].splitlines()) - 2 >= 90  # a line per model (some ids repeat)
    assert re.search(r"^openai/gpt-oss-120b +groq ", out, re.M) and re.search(r"^openai/gpt-oss-120b +openrouter ", out, re.M)
    assert rows["claude-3-7-sonnet-20250219"] == [
        "claude-3-7-sonnet-20250219", "anthropic", "200,000", "64,000", "3", "15", "retired 2026-02-19",
        "stream tools vision thinking json cache pdf"]
    assert rows["o3-mini"][1:7] == ["openai", "200,000", "100,000", "1.1", "4.4", "retired 2026-10-23"]
    assert "vision" not in rows["o3-mini"][7]
    assert rows["gpt-6.2-sol"][6] == "active" and rows["mistral-large-latest"][3] == "-"  # no published output limit
    assert rows["gemini-2.5-pro"][4:6] == ["1.25*", "10*"]  # long-context tier marked
    assert rows["text-embedding-3-small"] == [
        "text-embedding-3-small", "openai", "8,192", "-", "0.02", "0", "active", "embed"]
    # 90 chat models from the catalog, 4 embedding models, 28 Bedrock ids (data/bedrock_models.json)
    assert "122 models." in out.split("\n\n")[1]


def test_provider_filter(capsys: pytest.CaptureFixture) -> None:
    code, out, _ = run(capsys, "--provider", "groq")
    rows = table_rows(out)
    assert code == 0 and len(rows) == 9 and {r[1] for r in rows.values()} == {"groq"}
    assert rows["llama-3.3-70b-versatile"][2:6] == ["128,000", "32,768", "0.59", "0.79"]


def test_unknown_provider_is_an_error(capsys: pytest.CaptureFixture) -> None:
    code, out, err = run(capsys, "--provider", "nope")
    assert code == 2 and out == "" and "unknown provider 'nope'" in err


def test_json_output_is_the_registry(capsys: pytest.CaptureFixture) -> None:
    code, out, _ = run(capsys, "--json", "-p", "anthropic")
    data = json.loads(out)
    assert code == 0 and len(data) == 20
    assert next(d for d in data if d["model_id"] == "claude-opus-4-20250514")["status"] == "retired 2026-06-15"
    haiku55 = next(d for d in data if d["model_id"] == "claude-haiku-5-5")
    assert haiku55["extra_pricing"]["cache_write_1h_above_100k_per_mtok"] > haiku55["extra_pricing"]["cache_write_1h_per_mtok"]
    sonnet45 = next(d for d in data if d["model_id"] == "claude-sonnet-4-5-20250929")
    assert sonnet45["aliases"] == ["claude-sonnet-4-5"]
    assert sonnet45["pricing_tiers"][0] == {"applies_above_input_tokens": 200000, "input_per_mtok": 6.0,
                                           "output_per_mtok": 22.5, "cache_read_per_mtok": 0.6,
                                           "cache_write_per_mtok": 7.5}
    assert sonnet45["capabilities"]["thinking"] is True


def test_registered_models_are_listed(capsys: pytest.CaptureFixture) -> None:
    priced = (LLMModelBuilder().model_name("cli-model").provider("cli_acme").prices(1, 2)
              .capabilities(ModelCapabilitiesBuilder().with_streaming().with_tools()).build())
    by_function = LLMModel("cli-fn", "cli_acme", cost_function=lambda usage: 0.0)
    unknown = LLMModel("cli-bare", "cli_acme")
    for model in (priced, by_function, unknown):
        register_model(model)
    try:
        code, out, _ = run(capsys)
        rows = table_rows(out)
        assert rows["cli-model"] == ["cli-model", "cli_acme", "-", "-", "1", "2", "active", "stream tools"]
        assert rows["cli-fn"][4:6] == ["fn", "fn"]
        assert rows["cli-bare"][4:] == ["-", "-", "active", "?"]
    finally:
        for model in (priced, by_function, unknown):
            unregister_model(model)


def test_python_dash_m(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "llmsdk", "models", "--provider", "openrouter"],
                            cwd=REPO, capture_output=True, text=True, timeout=60, check=True)
    rows = table_rows(result.stdout)
    assert rows["deepseek/deepseek-r1"][2] == "65,336" and len(rows) == 15
