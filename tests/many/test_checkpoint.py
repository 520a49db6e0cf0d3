"""Checkpoint files: the result-line format, reading them back (torn tails, unreadable
lines, a file that is no checkpoint), and resuming ``client.map`` from one."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from llmsdk import LLMResponse, TextContent, Usage
from llmsdk._many.checkpoint import CheckpointWriter, error_from_dict, parse_result_line, read_results, result_line
from llmsdk.errors import (
    BadRequestError, ConnectionFailedError, InvalidConfigError, LLMError, OverloadedError, ProviderStreamError,
    RateLimitError, make_status_error, make_stream_error,
)
from llmsdk.testing import FakeProviderServer

from .echo import Echo, ask, echo_client, prompt_of


def response(text: str = "hi") -> LLMResponse:
    return LLMResponse(id="msg_1", model="claude-haiku-4-5", content=[TextContent(text)],
                       usage=Usage(10, 5), cost=0.002, provider="anthropic")


def test_a_response_line_round_trips() -> None:
    line = result_line("row-1", response("hello"))

    assert line.endswith("\n") and line.count("\n") == 1
    data = json.loads(line)
    assert data["key"] == "row-1" and data["usage"] == {"input_tokens": 10, "output_tokens": 5,
                                                        "cache_reads": 0, "cache_writes": 0}
    assert data["cost"] == 0.002 and "rate_limit" not in data["response"]
    saved = parse_result_line(line)
    assert saved.ok and saved.key == "row-1" and saved.response == response("hello")


def test_an_error_line_keeps_the_class_and_what_was_billed() -> None:
    error = make_status_error(429, "slow down", error_type="rate_limit_error", provider="anthropic",
                              request_id="req_1", retry_after=3.0)
    stream_error = make_stream_error("Overloaded", error_type="overloaded_error", provider="anthropic")
    stream_error.partial_response = response("partial")

    for original, cls in ((error, RateLimitError), (stream_error, OverloadedError),
                          (ConnectionFailedError("reset"), ConnectionFailedError)):
        saved = parse_result_line(result_line(7, error=original))
        assert saved.key == 7 and saved.response is None and not saved.ok
        assert isinstance(saved.error, cls) and str(saved.error) == str(original)
    rebuilt = parse_result_line(result_line(7, error=error)).error
    assert (rebuilt.status, rebuilt.retry_after, rebuilt.request_id) == (429, 3.0, "req_1")
    assert isinstance(parse_result_line(result_line(1, error=stream_error)).error, ProviderStreamError)
    assert json.loads(result_line(1, error=stream_error))["usage"]["output_tokens"] == 5
    assert type(error_from_dict({"type": "NoSuchError", "message": "m"})) is LLMError


def test_a_line_needs_a_response_or_an_error() -> None:
    with pytest.raises(ValueError):
        result_line("k")
    for text in ('{"key": "k"}', '{"response": {}}', '[1]', '{"key": [1], "error": {}}', "not json"):
        with pytest.raises(ValueError):
            parse_result_line(text)


def test_reading_skips_a_torn_tail_and_unreadable_lines(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "run.jsonl"
    path.write_text(result_line("a", response("A")) + "garbage\n" + result_line("b", error=BadRequestError("no"))
                    + result_line("b", response("B")) + '{"key": "c", "respo', encoding="utf-8")

    with caplog.at_level(logging.WARNING, logger="llmsdk.map"):
        saved = read_results(path)

    assert sorted(saved) == ["a", "b"] and saved["b"].ok  # the last line of a key wins
    assert any("run.jsonl:2" in r.getMessage() for r in caplog.records)
    assert read_results(tmp_path / "missing.jsonl") == {}


def test_a_file_with_no_result_line_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "input.jsonl"
    path.write_text('{"key": "a", "prompt": "hi"}\n{"key": "b", "prompt": "yo"}\n', encoding="utf-8")

    with pytest.raises(InvalidConfigError, match="not a checkpoint"):
        read_results(path)


def test_the_writer_drops_a_torn_tail_before_appending(tmp_path: Path) -> None:
    path = tmp_path / "run.jsonl"
    path.write_text(result_line("a", response()) + '{"key": "b", "resp', encoding="utf-8")

    writer = CheckpointWriter(path)
    writer.write("c", response())
    writer.close()

    assert writer.write("d", response()) is False
    lines = path.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["key"] for line in lines] == ["a", "c"]


def test_a_rerun_skips_answered_keys_and_resends_failed_ones(server: FakeProviderServer, tmp_path: Path) -> None:
    echo = Echo(fail={"q3"})
    server.route("/v1/messages", echo)
    client = echo_client(server)
    checkpoint = tmp_path / "run.jsonl"
    items = [(f"k{i}", ask(f"q{i}")) for i in range(6)]

    first = client.map(items, concurrency=3, progress=False, checkpoint=str(checkpoint))
    assert [r.ok for r in first] == [True, True, True, False, True, True]
    assert len(checkpoint.read_text().splitlines()) == 6

    echo.fail.clear()
    second = client.map(items, concurrency=3, progress=False, checkpoint=checkpoint)

    assert all(r.ok for r in second)
    assert [r.response.text for r in second] == [f"echo: q{i}" for i in range(6)]
    assert [r.response for r in second[:3]] == [r.response for r in first[:3]]
    assert sorted(prompt_of(r) for r in server.requests[6:]) == ["q3"]
    assert read_results(checkpoint)["k3"].ok


def test_resume_with_unreadable_lines_still_answers_every_row(server: FakeProviderServer, tmp_path: Path) -> None:
    server.route("/v1/messages", Echo())
    client = echo_client(server)
    checkpoint = tmp_path / "run.jsonl"
    checkpoint.write_text(result_line("k0", response("saved")) + "{oops\n" + '{"key": "k2", "resp',
                          encoding="utf-8")

    results = client.map([(f"k{i}", ask(f"q{i}")) for i in range(3)], progress=False, checkpoint=checkpoint)

    assert [r.response.text for r in results] == ["saved", "echo: q1", "echo: q2"]
    assert sorted(prompt_of(r) for r in server.requests) == ["q1", "q2"]
    keys = [json.loads(line)["key"] for line in checkpoint.read_text().splitlines() if line.startswith('{"key"')]
    assert sorted(keys) == ["k0", "k1", "k2"]


def test_a_checkpoint_that_is_not_one_stops_before_any_call(server: FakeProviderServer, tmp_path: Path) -> None:
    client = echo_client(server)
    path = tmp_path / "input.jsonl"
    path.write_text('{"key": "a", "prompt": "hi"}\n', encoding="utf-8")

    with pytest.raises(InvalidConfigError):
        client.map([("a", ask("hi"))], progress=False, checkpoint=path)

    assert server.requests == [] and path.read_text() == '{"key": "a", "prompt": "hi"}\n'


def test_a_checkpoint_write_that_fails_stops_the_run(server: FakeProviderServer, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    server.route("/v1/messages", Echo())
    client = echo_client(server)

    def disk_full(self: CheckpointWriter, *args: object, **kwargs: object) -> bool:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(CheckpointWriter, "write", disk_full)

    with pytest.raises(OSError, match="No space left"):
        client.map((ask(f"q{i}") for i in range(50)), concurrency=2, progress=False,
                   checkpoint=tmp_path / "run.jsonl")

    assert len(server.requests) <= 1 + 2 * 2  # stopped at once, not after the whole input
