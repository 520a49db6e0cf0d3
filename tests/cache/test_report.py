"""Run reports from map results, batch results and checkpoint files, against servers with
known delays and failures: exact counts, usage and cost; percentiles within tolerance."""

from __future__ import annotations

from pathlib import Path
from typing import Any, List

import pytest

from llmsdk import HttpClientOptions, LLMClient, LLMMessage, LLMRequest, RunReport, Usage, get_model
from llmsdk.testing import FakeProviderServer, Pause, ScriptedReply, anthropic

MODEL = "claude-haiku-4-5"
PER_CALL = get_model(MODEL).calculate_cost(Usage(input_tokens=25, output_tokens=15))  # text_reply's usage


def _delayed(seconds: float) -> ScriptedReply:
    reply = anthropic.text_reply("ok")
    return ScriptedReply.sse([Pause(seconds), *reply.body])


def _run(tmp_path: Path) -> Any:
    delays = [0.05] * 6 + [0.25] * 2
    with FakeProviderServer() as server:
        server.add_reply(*[_delayed(d) for d in delays], anthropic.error_reply(400, "bad prompt"),
                         anthropic.error_reply(400, "bad prompt"))
        client = LLMClient.new(HttpClientOptions.new_anthropic("k", api_base=server.url, max_retries=0))
        requests = [(f"k{i}", LLMRequest(model=MODEL, messages=[LLMMessage.user(str(i))])) for i in range(10)]
        results = client.map(requests, concurrency=1, progress=False, checkpoint=str(tmp_path / "run.jsonl"))
    return results, client


def test_a_report_of_map_results(tmp_path: Path) -> None:
    results, client = _run(tmp_path)
    report = RunReport.from_results(results)
    assert (report.count, report.failed) == (10, 2)
    assert report.errors_by_type == {"BadRequestError": 2}
    assert report.usage == Usage(input_tokens=25 * 8, output_tokens=15 * 8)
    assert report.cost == pytest.approx(PER_CALL * 8) == pytest.approx(client.get_cost())
    assert 0.04 <= report.latency_p50 < 0.2        # six calls of 50 ms, two of 250 ms
    assert 0.2 <= report.latency_p95 < 0.6 and report.latency_p99 >= report.latency_p95
    assert report.ttft_p50 is not None and report.ttft_p50 <= report.latency_p50
    answered = [m for name, m in report.by_model.items() if name.startswith(MODEL)]  # the model the reply names
    assert [m.count for m in answered] == [8] and answered[0].cost == pytest.approx(report.cost)
    assert sum(m.count for m in report.by_model.values()) == 10
    assert "10 calls, 2 failed" in report.summary()


def test_the_checkpoint_file_gives_the_same_report(tmp_path: Path) -> None:
    results, _ = _run(tmp_path)
    live, saved = RunReport.from_results(results), RunReport.from_results(tmp_path / "run.jsonl")
    assert (saved.count, saved.failed, saved.errors_by_type) == (live.count, live.failed, live.errors_by_type)
    assert saved.usage == live.usage and saved.cost == pytest.approx(live.cost)
    assert saved.latency_p50 == pytest.approx(live.latency_p50)  # timings travel in the file


def test_a_report_of_batch_results() -> None:
    from llmsdk.testing.batches import FakeBatchAPI

    with FakeProviderServer() as server:
        FakeBatchAPI(server, "anthropic", polls=0).fail("row-2", status=400, message="bad")
        client = LLMClient.new(HttpClientOptions.new_anthropic("k", api_base=server.url))
        job = client.batches.submit({f"row-{i}": LLMRequest(model=MODEL, messages=[LLMMessage.user(str(i))])
                                     for i in range(4)}).wait(poll_interval=0.01, progress=False)
        report = RunReport.from_results(job.results())
    assert (report.count, report.failed) == (4, 1)
    assert report.cost == pytest.approx(job.cost)


def test_html_markdown_and_plot(tmp_path: Path) -> None:
    results, _ = _run(tmp_path)
    report = RunReport.from_results(results)
    html = report._repr_html_()
    assert "<table>" in html and "BadRequestError" in html and MODEL in html
    assert "| calls | 10 |" in report.to_markdown()
    pytest.importorskip("matplotlib", reason="matplotlib is not installed (pip install 'llmsdk[plot]')")
    import matplotlib.image

    target = report.plot(tmp_path / "run.png")
    image = matplotlib.image.imread(target)
    assert image.shape[0] >= 300 and image.shape[1] >= 800


def test_an_empty_run_and_a_missing_file() -> None:
    empty = RunReport.from_results([])
    assert (empty.count, empty.latency_p50, empty.cost) == (0, None, 0.0)
    from llmsdk.errors import InvalidRequestError

    with pytest.raises(InvalidRequestError, match="cannot read"):
        RunReport.from_results("/nonexistent/run.jsonl")


def test_percentiles_interpolate_as_numpy_does() -> None:
    from llmsdk._many.report import percentile

    values: List[float] = [1, 2, 3, 4]
    assert percentile(values, 50) == 2.5 and percentile(values, 0) == 1 and percentile(values, 100) == 4
    assert percentile(values, 95) == pytest.approx(3.85)
