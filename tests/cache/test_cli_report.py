"""``llmsdk batch --report``: the run's report written as HTML, Markdown or a PNG."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from llmsdk.cli import main
from llmsdk.testing import FakeProviderServer, anthropic

from ..conftest import TEST_KEY


@pytest.mark.parametrize("name", ["report.html", "report.md"])
def test_batch_writes_the_report(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: Any, name: str) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", TEST_KEY)
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps({"key": f"k{i}", "prompt": f"q{i}"}) + "\n" for i in range(3)))
    with FakeProviderServer(default_reply=anthropic.text_reply("ok")) as server:
        status = main(["batch", str(source), "-o", str(tmp_path / "out.jsonl"), "--api-base", server.url,
                       "-m", "claude-haiku-4-5", "--no-progress", "--report", str(tmp_path / name)])
    assert status == 0
    text = (tmp_path / name).read_text(encoding="utf-8")
    assert ("<table>" in text) if name.endswith(".html") else ("| calls | 3 |" in text)
    assert "report" in capsys.readouterr().err
