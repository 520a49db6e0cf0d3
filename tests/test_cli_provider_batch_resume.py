"""``llmsdk batch --provider-batch`` is resumable by construction: killed (SIGKILL) while
it waits, a rerun finds the recorded job instead of paying for a second one;
``--new-job`` forces one; ``batches results -o FILE`` merges by key and never destroys a
line; the Ctrl-C hint names commands that are safe to run."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any, List

import pytest

from llmsdk.cli import main
from llmsdk.cli.batches import state_path
from llmsdk.testing import FakeProviderServer
from llmsdk.testing.batches import FakeBatchAPI

from .conftest import TEST_KEY, wait_until

REPO = Path(__file__).resolve().parents[1]
MODEL = "gpt-4o-mini"


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ("OPENAI_BASE_URL", "ANTHROPIC_BASE_URL", "LLMSDK_PROVIDER"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OPENAI_API_KEY", TEST_KEY)
    monkeypatch.setenv("ANTHROPIC_API_KEY", TEST_KEY)
    return monkeypatch


def questions(path: Path, n: int = 4, keyed: bool = True) -> Path:
    path.write_text("".join(json.dumps({"key": f"q{i}", "prompt": f"Question {i}"} if keyed else
                                       {"prompt": f"Question {i}"}) + "\n" for i in range(n)), encoding="utf-8")
    return path


def lines(path: Path) -> List[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def batch_args(server: FakeProviderServer, source: Path, target: Path, provider: str = "openai",
               model: str = MODEL) -> List[str]:
    return ["batch", str(source), "-o", str(target), "-p", provider, "-m", model, "--api-base", server.url,
            "--provider-batch", "--poll-interval", "0.01", "--no-progress"]


def test_a_sigkill_while_waiting_then_a_rerun_makes_one_job(env: Any, server: FakeProviderServer,
                                                           tmp_path: Path) -> None:
    fake = FakeBatchAPI(server, "openai", polls=10_000)  # in progress until we say so
    source, target = questions(tmp_path / "in.jsonl"), tmp_path / "out.jsonl"
    record = Path(state_path(str(target)))
    child_env = dict(os.environ, PYTHONPATH=str(REPO), OPENAI_API_KEY=TEST_KEY)
    proc = subprocess.Popen([sys.executable, "-m", "llmsdk", *batch_args(server, source, target)],
                            env=child_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        def waiting() -> bool:
            return record.exists() and json.loads(record.read_text()).get("job_id") is not None and \
                any(r.method == "GET" and "/v1/batches/" in r.path for r in server.requests)

        assert wait_until(waiting, timeout=30), (proc.poll(), server.requests)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    [job_id] = fake.jobs
    fake.polls = 1
    fake.jobs[job_id].reads = 10_000  # the job ends at the next poll

    assert main(batch_args(server, source, target)) == 0

    assert list(fake.jobs) == [job_id]  # the old code submitted the whole batch again: 2 jobs
    assert sorted(line["key"] for line in lines(target)) == ["q0", "q1", "q2", "q3"]
    assert not record.exists()  # every result is written: nothing left to resume
    assert main(batch_args(server, source, target)) == 0 and len(fake.jobs) == 1  # all answered: nothing sent


@pytest.mark.parametrize("provider, model", [("openai", MODEL), ("anthropic", "claude-haiku-4-5")])
def test_a_crash_between_create_and_record_finds_the_job_by_its_token(
        env: Any, server: FakeProviderServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        provider: str, model: str) -> None:
    from llmsdk.batches.job import BatchJob

    fake = FakeBatchAPI(server, provider, polls=1)
    fake.lose_create_replies = 1  # and the create's reply is lost on the way
    source, target = questions(tmp_path / "in.jsonl"), tmp_path / "out.jsonl"
    record = Path(state_path(str(target)))
    args = batch_args(server, source, target, provider, model)
    real_wait = BatchJob.wait

    def crash(self: BatchJob, *a: Any, **k: Any) -> BatchJob:
        raise KeyboardInterrupt

    monkeypatch.setattr(BatchJob, "wait", crash)
    assert main(args) == 130
    state = json.loads(record.read_text())
    record.write_text(json.dumps(dict(state, job_id=None)))  # as if killed before the id was recorded
    monkeypatch.setattr(BatchJob, "wait", real_wait)

    assert main(args) == 0

    assert len(fake.jobs) == 1 and len(lines(target)) == 4


def test_new_job_forces_another_and_another_input_is_refused(env: Any, server: FakeProviderServer,
                                                             tmp_path: Path, capsys: Any) -> None:
    fake = FakeBatchAPI(server, "openai", polls=10_000)
    source, target = questions(tmp_path / "in.jsonl"), tmp_path / "out.jsonl"
    record = Path(state_path(str(target)))
    record.write_text(json.dumps({"fingerprint": "another input", "token": "1-abc", "job_id": "batch_9999"}))

    assert main(batch_args(server, source, target)) == 2
    assert "--new-job" in capsys.readouterr().err and fake.jobs == {}

    fake.polls = 1
    assert main(batch_args(server, source, target) + ["--new-job"]) == 0
    assert len(fake.jobs) == 1 and len(lines(target)) == 4


def test_results_into_a_checkpoint_merge_by_key_and_lose_no_row(env: Any, server: FakeProviderServer,
                                                                tmp_path: Path, capsys: Any) -> None:
    fake = FakeBatchAPI(server, "openai", polls=1)
    source, target = questions(tmp_path / "in.jsonl"), tmp_path / "out.jsonl"
    assert main(batch_args(server, source, target)) == 0
    [job_id] = fake.jobs
    before = target.read_text()
    target.write_text(before + '{"key": "q9", "respo')  # and a torn last line, as after a crash
    extra = '{"key":"mine","response":{"id":"x","model":"m","content":[],"usage":{"input_tokens":1,"output_tokens":1}}}\n'
    with open(target, "a", encoding="utf-8") as fh:
        fh.write("\n" + extra)  # (the torn line is now complete but unreadable: refused below)

    assert main(["batches", "results", job_id, "--api-base", server.url, "-o", str(target)]) == 2
    assert "not result lines" in capsys.readouterr().err

    target.write_text(before + extra)
    assert main(["batches", "results", job_id, "--api-base", server.url, "-o", str(target)]) == 0
    assert target.read_text() == before + extra  # every row was already there: nothing lost, nothing doubled

    target.write_text("".join(line + "\n" for line in before.splitlines()[:2]))
    assert main(["batches", "results", job_id, "--api-base", server.url, "-o", str(target)]) == 0
    assert sorted(line["key"] for line in lines(target)) == ["q0", "q1", "q2", "q3"]

    notes = tmp_path / "notes.txt"
    notes.write_text("my notes\n")
    assert main(["batches", "results", job_id, "--api-base", server.url, "-o", str(notes)]) == 2
    assert notes.read_text() == "my notes\n"


def test_ctrl_c_while_waiting_names_safe_commands(env: Any, server: FakeProviderServer, tmp_path: Path,
                                                  capsys: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from llmsdk.batches.job import BatchJob

    FakeBatchAPI(server, "openai", polls=10_000)
    source, target = questions(tmp_path / "in.jsonl"), tmp_path / "out.jsonl"

    def interrupted(self: BatchJob, *args: Any, **kwargs: Any) -> BatchJob:
        raise KeyboardInterrupt

    monkeypatch.setattr(BatchJob, "wait", interrupted)
    assert main(batch_args(server, source, target)) == 130
    err = capsys.readouterr().err
    assert f"llmsdk batch {source} -o {target} -p openai -m {MODEL} --provider-batch" in err
    assert f"-o {target}" in err and "no line" in err


def test_lines_without_keys_go_by_their_hash(env: Any, server: FakeProviderServer, tmp_path: Path) -> None:
    fake = FakeBatchAPI(server, "anthropic", polls=1)
    source, target = questions(tmp_path / "in.jsonl", keyed=False), tmp_path / "out.jsonl"
    assert main(batch_args(server, source, target, "anthropic", "claude-haiku-4-5")) == 0
    keys = [line["key"] for line in lines(target)]
    assert len(set(keys)) == 4 and all(key.startswith("req-") for key in keys)
    reordered = tmp_path / "reordered.jsonl"
    reordered.write_text("".join(reversed(source.read_text().splitlines(keepends=True))))
    assert main(batch_args(server, reordered, target, "anthropic", "claude-haiku-4-5")) == 0
    assert len(fake.jobs) == 1  # every line found its answer by its request
