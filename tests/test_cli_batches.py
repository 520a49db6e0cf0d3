"""``llmsdk batches list|status|results|cancel`` and ``run_provider_batch``, in-process
through ``cli.main`` against FakeProviderServer's batch emulation."""

from __future__ import annotations

import json
from typing import Any

import pytest

from llmsdk import HttpClientOptions, LLMClient, LLMMessage, LLMRequest, Timeouts
from llmsdk.cli.batches import provider_for, run_provider_batch
from llmsdk.cli import main
from llmsdk.testing import FakeProviderServer
from llmsdk.testing.batches import FakeBatchAPI

from .conftest import TEST_KEY


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ("ANTHROPIC_BASE_URL", "OPENAI_BASE_URL", "LLMSDK_PROVIDER"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ANTHROPIC_API_KEY", TEST_KEY)
    monkeypatch.setenv("OPENAI_API_KEY", TEST_KEY)
    return monkeypatch


def submit(server: FakeProviderServer, provider: str, model: str, n: int = 3) -> Any:
    client = LLMClient.new(HttpClientOptions.for_provider(provider, TEST_KEY, api_base=server.url,
                                                          timeouts=Timeouts(connect=5, read=10)))
    requests = {f"row-{i}": LLMRequest(model=model, messages=[LLMMessage.user(f"q{i}")]) for i in range(n)}
    return client.batches.submit(requests)


def test_provider_from_the_id_prefix(env):
    assert provider_for("msgbatch_01", None) == "anthropic"
    assert provider_for("batches/123", None) == "gemini"
    assert provider_for("batch_abc", None) == "openai"
    assert provider_for("batch_abc", "groq") == "groq"
    env.setenv("LLMSDK_PROVIDER", "groq")
    assert provider_for("unknown", None) == "groq"


def test_status_wait_and_results(env, server, capsys, tmp_path):
    fake = FakeBatchAPI(server, "anthropic", polls=2)
    fake.fail("row-1", status=400, message="bad")
    job = submit(server, "anthropic", "claude-haiku-4-5")

    assert main(["batches", "status", job.id, "--api-base", server.url]) == 0
    assert capsys.readouterr().out.startswith(f"{job.id}\tin_progress\t")

    assert main(["batches", "status", job.id, "--api-base", server.url, "--wait", "--poll-interval", "0.01",
                 "--json"]) == 0
    out = capsys.readouterr().out
    assert json.loads(out) == {"id": job.id, "provider": "anthropic", "status": "completed", "total": 3,
                               "succeeded": 2, "failed": 1, "pending": 0}

    target = tmp_path / "results.jsonl"
    assert main(["batches", "results", job.id, "--api-base", server.url, "-o", str(target)]) == 0
    assert "2 succeeded, 1 failed" in capsys.readouterr().err
    lines = [json.loads(line) for line in target.read_text().splitlines()]
    by_key = {line["key"]: line for line in lines}
    assert by_key["row-0"]["response"]["content"][0]["text"] == "reply to row-0"
    assert by_key["row-1"]["error"]["type"] == "BadRequestError" and by_key["row-1"]["error"]["status"] == 400


def test_list_and_cancel(env, server, capsys):
    FakeBatchAPI(server, "openai", polls=5)
    job = submit(server, "openai", "gpt-4o-mini")
    assert main(["batches", "list", "-p", "openai", "--api-base", server.url, "--json"]) == 0
    assert [json.loads(line)["id"] for line in capsys.readouterr().out.splitlines()] == [job.id]
    assert main(["batches", "cancel", job.id, "--api-base", server.url]) == 0
    assert f"{job.id}\tin_progress" in capsys.readouterr().out
    assert main(["batches", "status", job.id, "--api-base", server.url]) == 0
    assert f"{job.id}\tcancelled" in capsys.readouterr().out


def test_errors_are_one_line(env, server, capsys):
    FakeBatchAPI(server, "anthropic")
    assert main(["batches", "status", "msgbatch_nope", "--api-base", server.url]) == 1
    assert capsys.readouterr().err.startswith("llmsdk: error: NotFoundError")
    env.setenv("OPENROUTER_API_KEY", TEST_KEY)
    sent = len(server.requests)
    assert main(["batches", "list", "-p", "openrouter"]) == 1
    assert capsys.readouterr().err.startswith("llmsdk: error: UnsupportedFeatureError")
    assert len(server.requests) == sent


def test_results_of_an_unfinished_job(env, server, capsys):
    FakeBatchAPI(server, "anthropic", polls=100)
    job = submit(server, "anthropic", "claude-haiku-4-5")
    assert main(["batches", "results", job.id, "--api-base", server.url]) == 1
    assert "wait() for it first" in capsys.readouterr().err


def test_run_provider_batch(server, tmp_path):
    FakeBatchAPI(server, "gemini", polls=1)
    client = LLMClient.new(HttpClientOptions.for_provider("gemini", TEST_KEY, api_base=server.url))
    pairs = [(f"k{i}", LLMRequest(model="gemini-2.5-flash", messages=[LLMMessage.user("hi")])) for i in range(3)]
    target = tmp_path / "out.jsonl"
    summary = run_provider_batch(client, pairs, str(target), progress=False, poll_interval=0.01)
    assert (summary.status, summary.total, summary.succeeded, summary.failed) == ("completed", 3, 3, 0)
    assert summary.cost == pytest.approx(client.get_cost()) and summary.cost > 0
    assert [json.loads(line)["key"] for line in target.read_text().splitlines()] == ["k0", "k1", "k2"]


def test_bare_batches_prints_help(capsys):
    assert main(["batches"]) == 2
    assert "ACTION" in capsys.readouterr().err



def test_run_provider_batch_skips_answered_keys_and_keeps_unreadable_rows(server, tmp_path):
    from llmsdk.errors import InvalidRequestError

    FakeBatchAPI(server, "openai", polls=0)
    client = LLMClient.new(HttpClientOptions.for_provider("openai", TEST_KEY, api_base=server.url))
    request = LLMRequest(model="gpt-4o-mini", messages=[LLMMessage.user("hi")])
    target = tmp_path / "out.jsonl"
    target.write_text('{"key":1,"response":{}}\n')
    pairs = [(1, request), (2, request), ("line-3", InvalidRequestError("line 3: not JSON"))]
    summary = run_provider_batch(client, pairs, str(target), progress=False, poll_interval=0.01, skip={1})
    assert (summary.total, summary.succeeded, summary.failed) == (2, 1, 1)
    lines = [json.loads(line) for line in target.read_text().splitlines()]
    assert [line["key"] for line in lines] == [1, "line-3", 2]  # integer keys come back as given
    assert lines[1]["error"]["type"] == "InvalidRequestError"
    uploaded = next(r for r in server.requests if r.path.endswith("/v1/files"))
    assert b'"custom_id":"2"' in uploaded.body and b'"custom_id":"1"' not in uploaded.body
