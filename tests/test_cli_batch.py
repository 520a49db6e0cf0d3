"""``llmsdk batch``: a JSONL file of requests through client.map, against FakeProviderServer."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, List

import pytest

from llmsdk.cli.batch import parse_input_line
from llmsdk.cli import main
from llmsdk.errors import InvalidRequestError
from llmsdk.testing import FakeProviderServer

from .conftest import TEST_KEY
from .many.echo import Echo, prompt_of

REPO = Path(__file__).resolve().parents[1]
MODEL = "claude-haiku-4-5"


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ("ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL", "LLMSDK_PROVIDER"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ANTHROPIC_API_KEY", TEST_KEY)
    return monkeypatch


def write_lines(path: Path, lines: List[Any]) -> Path:
    path.write_text("".join((line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines),
                    encoding="utf-8")
    return path


def output(path: Path) -> List[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_input_lines_become_requests() -> None:
    key, request = parse_input_line('{"key": "q1", "prompt": "Hi"}', 1, MODEL, system="Be brief", max_tokens=9)
    assert key == "q1" and (request.model, request.system, request.max_tokens) == (MODEL, "Be brief", 9)
    assert request.messages[0].text == "Hi"
    key, request = parse_input_line(json.dumps({"key": 7, "request": {
        "model": "claude-sonnet-4-5", "messages": [{"role": "user", "text": "Yo"}], "temperature": 0.5}}), 2, MODEL)
    assert key == 7 and request.model == "claude-sonnet-4-5" and request.temperature == 0.5
    assert parse_input_line('{"prompt": "no key"}', 3, MODEL)[0] is None  # keyed by its hash, not line 3
    for line, words in (("nope", "not JSON"), ("[1]", "JSON object"), ('{"key": [1], "prompt": "x"}', "key must"),
                        ('{"key": "k"}', 'needs "prompt"'), ('{"key": "k", "request": 5}', "must be a JSON object"),
                        ('{"key": "k", "request": {"messages": 5}}', "not an LLMRequest")):
        _, error = parse_input_line(line, 4, MODEL)
        assert isinstance(error, InvalidRequestError) and words in str(error), (line, error)


def test_batch_end_to_end_then_resume(env: Any, server: FakeProviderServer, tmp_path: Path, capsys: Any) -> None:
    echo = Echo(fail={"q2"})
    server.route("/v1/messages", echo)
    source = write_lines(tmp_path / "in.jsonl", [
        {"key": "a", "prompt": "q1"},
        {"key": "b", "prompt": "q2"},
        {"key": "c", "request": {"messages": [{"role": "user", "text": "q3"}], "max_tokens": 30}},
        "not json",
        {"key": "a", "prompt": "duplicate"},
        "",
        {"key": "d", "prompt": "q4"},
    ])
    out = tmp_path / "out.jsonl"
    args = ["batch", str(source), "-o", str(out), "--api-base", server.url, "-m", MODEL,
            "--concurrency", "3", "--rpm", "6000", "--tpm", "1000000", "--system", "Be brief"]

    status = main(args)

    err = capsys.readouterr().err
    assert status == 1
    lines = output(out)
    assert sorted(line["key"] for line in lines) == ["a", "b", "c", "d", "line-4"]  # no line for the duplicate
    by_key = {line["key"]: line for line in lines}
    assert by_key["a"]["response"]["content"][0]["text"] == "echo: q1" and by_key["a"]["usage"]["output_tokens"] == 15
    assert by_key["b"]["error"]["type"] == "BadRequestError" and by_key["b"]["error"]["status"] == 400
    assert by_key["line-4"]["error"]["type"] == "InvalidRequestError"
    assert "3 done, 3 failed" in err and "120 tokens" in err and "failed a: InvalidRequestError" in err
    assert " s → " in err and str(out) in err
    bodies = {prompt_of(r): r.json for r in server.requests}
    assert bodies["q1"]["system"] == "Be brief" and bodies["q3"]["max_tokens"] == 30

    echo.fail.clear()
    sent_before = len(server.requests)
    status = main(args)

    err = capsys.readouterr().err
    assert status == 1  # the unreadable line and the duplicate still fail
    assert sorted(prompt_of(r) for r in server.requests[sent_before:]) == ["q2"]
    assert "4 done, 2 failed (3 from the checkpoint)" in err
    assert {k for k, v in ((line["key"], line) for line in output(out)) if "response" in v} == {"a", "b", "c", "d"}


def test_usage_errors_exit_2_and_touch_nothing(env: Any, server: FakeProviderServer, tmp_path: Path,
                                               capsys: Any) -> None:
    source = write_lines(tmp_path / "in.jsonl", [{"key": "a", "prompt": "q"}])
    not_a_checkpoint = write_lines(tmp_path / "other.jsonl", [{"key": "x", "prompt": "y"}])
    base = ["--api-base", server.url, "-m", MODEL]
    cases = [
        ["batch", str(tmp_path / "missing.jsonl"), "-o", str(tmp_path / "o.jsonl")],
        ["batch", str(source), "-o", str(source)],
        ["batch", str(source), "-o", str(tmp_path / "o.jsonl"), "--rpm", "0"],
        ["batch", str(source), "-o", str(tmp_path / "o.jsonl"), "--concurrency", "0"],
        ["batch", str(source), "-o", str(not_a_checkpoint)],
    ]
    for args in cases:
        assert main(args + base) == 2, args
        assert "llmsdk: error:" in capsys.readouterr().err
    assert server.requests == [] and not (tmp_path / "o.jsonl").exists()
    assert output(not_a_checkpoint) == [{"key": "x", "prompt": "y"}]


def test_batch_runs_as_a_command(server: FakeProviderServer, tmp_path: Path) -> None:
    server.route("/v1/messages", Echo())
    source = write_lines(tmp_path / "in.jsonl", [{"key": f"k{i}", "prompt": f"q{i}"} for i in range(4)])
    out = tmp_path / "out.jsonl"
    env = dict(os.environ, ANTHROPIC_API_KEY=TEST_KEY, PYTHONPATH=str(REPO))

    proc = subprocess.run([sys.executable, "-m", "llmsdk", "batch", str(source), "-o", str(out), "--api-base",
                           server.url, "-m", MODEL], capture_output=True, text=True, timeout=60, env=env)

    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "" and "4 done, 0 failed" in proc.stderr
    assert sorted(line["key"] for line in output(out)) == ["k0", "k1", "k2", "k3"]


def test_provider_batch_end_to_end_then_resume(env: Any, server: FakeProviderServer, tmp_path: Path,
                                                capsys: Any) -> None:
    from llmsdk.testing.batches import FakeBatchAPI

    api = FakeBatchAPI(server, "anthropic", polls=1)
    api.fail("q2")
    source = write_lines(tmp_path / "in.jsonl", [{"key": "q1", "prompt": "one"}, {"key": "q2", "prompt": "two"},
                                                 "not json", {"key": "q4", "prompt": "four"}])
    target = tmp_path / "out.jsonl"
    args = ["batch", str(source), "-o", str(target), "-p", "anthropic", "-m", MODEL, "--api-base", server.url,
            "--provider-batch", "--poll-interval", "0.01", "--no-progress"]
    assert main(args) == 1  # a row failed
    rows = {row["key"]: row for row in output(target)}
    assert set(rows) == {"q1", "q2", "line-3", "q4"}
    assert "response" in rows["q1"] and rows["q1"]["cost"] > 0 and "error" in rows["q2"]
    assert rows["line-3"]["error"]["type"] == "InvalidRequestError"  # the unreadable line is a row, not lost
    assert "at the batch price" in capsys.readouterr().err
    submitted = [r for r in server.requests if r.method == "POST" and r.path.endswith("/v1/messages/batches")]
    assert len(submitted) == 1 and len(submitted[0].json["requests"]) == 3

    assert main(args) == 1  # rerun: only the failed rows go again
    resent = [r for r in server.requests if r.method == "POST" and r.path.endswith("/v1/messages/batches")][1]
    assert sorted(item["custom_id"] for item in resent.json["requests"]) == ["q2"]
