"""``RunReport``: one view of a many-requests run — what it cost, how long calls took, what
failed — from ``client.map`` results, a batch job's results or a checkpoint file.

>>> report = RunReport.from_results(client.map(requests))
>>> report.count, report.failed, report.cost, report.latency_p95
>>> report                        # a table in Jupyter (``_repr_html_``)
>>> report.plot("run.png")        # latency histogram and cumulative cost (pip install 'llmsdk[plot]')
"""

from __future__ import annotations

import math
import os
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple, Union

from llmsdk._core.public_name import present_as_public
from llmsdk._core.response import LLMResponse, Usage
from llmsdk.errors import InvalidRequestError

__all__ = ["ModelReport", "RunReport", "percentile"]

#: One finished item: its model, the reply (billed, even beside an error), the error's type.
_Row = Tuple[str, Optional[LLMResponse], Optional[str]]


def percentile(values: Sequence[float], q: float) -> Optional[float]:
    """The ``q``-th percentile (0..100) of ``values``, linearly interpolated between the two
    nearest ranks (numpy's default); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100.0
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass
class ModelReport:
    """The figures of one model within a run."""

    model: str
    count: int = 0
    failed: int = 0
    usage: Usage = field(default_factory=Usage)
    cost: float = 0.0
    latency_p50: Optional[float] = None
    latency_p95: Optional[float] = None


@dataclass
class RunReport:
    """Counts, failures by error type, usage, cost, and latency and time-to-first-event
    percentiles (seconds) of a run, overall and per model. ``from_results`` builds one."""

    count: int = 0
    failed: int = 0
    errors_by_type: Dict[str, int] = field(default_factory=dict)
    usage: Usage = field(default_factory=Usage)
    cost: float = 0.0
    latency_p50: Optional[float] = None
    latency_p95: Optional[float] = None
    latency_p99: Optional[float] = None
    ttft_p50: Optional[float] = None
    ttft_p95: Optional[float] = None
    by_model: Dict[str, ModelReport] = field(default_factory=dict)
    #: ``(finished, latency, cost)`` per answered call, for ``plot``.
    calls: List[Tuple[float, float, float]] = field(default_factory=list, repr=False)

    @classmethod
    def from_results(cls, results: Union[Iterable[Any], str, "os.PathLike[str]"]) -> "RunReport":
        """A report of ``results``: ``MapResult``s (``client.map``/``imap``), ``(key, result)``
        pairs (a batch job's ``job.results()``) or the path of a checkpoint file."""
        if isinstance(results, (str, os.PathLike)):
            return cls._of(_checkpoint_rows(results))
        return cls._of(_rows(results))

    @classmethod
    def _of(cls, rows: Iterable[_Row]) -> "RunReport":
        report = cls()
        errors: Counter = Counter()
        latencies: List[float] = []
        ttfts: List[float] = []
        per_model: Dict[str, List[float]] = {}
        for model, response, error_type in rows:
            report.count += 1
            entry = report.by_model.setdefault(model, ModelReport(model))
            entry.count += 1
            if error_type is not None:
                report.failed += 1
                entry.failed += 1
                errors[error_type] += 1
            if response is None:
                continue
            cost = response.cost or 0.0
            report.usage = report.usage + response.usage
            report.cost += cost
            entry.usage = entry.usage + response.usage
            entry.cost += cost
            timing = response.timing
            if error_type is None and timing is not None and timing.latency is not None:
                latencies.append(timing.latency)
                per_model.setdefault(model, []).append(timing.latency)
                report.calls.append((timing.finished or timing.started, timing.latency, cost))
                if timing.ttft is not None:
                    ttfts.append(timing.ttft)
        report.errors_by_type = dict(errors.most_common())
        report.latency_p50, report.latency_p95, report.latency_p99 = (percentile(latencies, q) for q in (50, 95, 99))
        report.ttft_p50, report.ttft_p95 = percentile(ttfts, 50), percentile(ttfts, 95)
        for model, values in per_model.items():
            report.by_model[model].latency_p50 = percentile(values, 50)
            report.by_model[model].latency_p95 = percentile(values, 95)
        report.calls.sort()
        return report

    # -- views ---------------------------------------------------------------------------------

    def summary(self) -> str:
        """One line: counts, tokens, cost, latency."""
        p50 = f"{self.latency_p50:.2f}s" if self.latency_p50 is not None else "-"
        p95 = f"{self.latency_p95:.2f}s" if self.latency_p95 is not None else "-"
        return (f"{self.count} calls, {self.failed} failed; {self.usage.input_tokens} input / "
                f"{self.usage.output_tokens} output tokens; ${self.cost:.4f}; latency p50 {p50}, p95 {p95}")

    def _table(self) -> List[Tuple[str, str]]:
        def sec(value: Optional[float]) -> str:
            return "-" if value is None else f"{value:.3f} s"

        rows = [("calls", str(self.count)), ("failed", str(self.failed)),
                ("input tokens", str(self.usage.input_tokens)), ("output tokens", str(self.usage.output_tokens)),
                ("cached input read / written", f"{self.usage.cache_reads} / {self.usage.cache_writes}"),
                ("cost", f"${self.cost:.6f}"), ("latency p50 / p95 / p99",
                                                  f"{sec(self.latency_p50)} / {sec(self.latency_p95)} / {sec(self.latency_p99)}"),
                ("time to first event p50 / p95", f"{sec(self.ttft_p50)} / {sec(self.ttft_p95)}")]
        rows += [(f"error: {name}", str(n)) for name, n in self.errors_by_type.items()]
        return rows

    def _model_rows(self) -> List[Tuple[str, ...]]:
        return [(m.model, str(m.count), str(m.failed), str(m.usage.input_tokens), str(m.usage.output_tokens),
                 f"${m.cost:.6f}", "-" if m.latency_p50 is None else f"{m.latency_p50:.3f} s")
                for m in sorted(self.by_model.values(), key=lambda m: -m.count)]

    _MODEL_HEADER = ("model", "calls", "failed", "input", "output", "cost", "latency p50")

    def to_markdown(self) -> str:
        """The report as Markdown tables (overall, then per model)."""
        lines = ["| run | |", "|---|---|", *(f"| {k} | {v} |" for k, v in self._table())]
        if self.by_model:
            lines += ["", "| " + " | ".join(self._MODEL_HEADER) + " |", "|" + "---|" * len(self._MODEL_HEADER)]
            lines += ["| " + " | ".join(row) + " |" for row in self._model_rows()]
        return "\n".join(lines) + "\n"

    def to_html(self) -> str:
        """The report as an HTML fragment (two tables); what Jupyter shows."""
        from html import escape

        def table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
            head = "".join(f"<th>{escape(h)}</th>" for h in header)
            body = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>" for row in rows)
            return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"

        parts = ['<div class="llmsdk-run-report">', table(("run", ""), self._table())]
        if self.by_model:
            parts.append(table(self._MODEL_HEADER, self._model_rows()))
        parts.append("</div>")
        return "".join(parts)

    def _repr_html_(self) -> str:
        return self.to_html()

    def plot(self, path: Union[str, "os.PathLike[str]"]) -> str:
        """Write a PNG: a histogram of call latencies and the cumulative cost over time.
        Needs matplotlib (``pip install 'llmsdk[plot]'``); returns the path."""
        try:
            import matplotlib
        except ImportError:
            raise InvalidRequestError("RunReport.plot needs matplotlib: pip install 'llmsdk[plot]'") from None
        matplotlib.use("Agg", force=False)
        from matplotlib.figure import Figure

        figure = Figure(figsize=(10, 4), dpi=100)
        left, right = figure.subplots(1, 2)
        latencies = [latency for _, latency, _ in self.calls]
        left.hist(latencies or [0.0], bins=min(30, max(5, len(latencies) // 2 or 1)), color="#4c72b0")
        left.set_title("latency per call")
        left.set_xlabel("seconds")
        left.set_ylabel("calls")
        if self.calls:
            start = self.calls[0][0] - self.calls[0][1]
            times, totals, total = [], [], 0.0
            for finished, _, cost in self.calls:
                total += cost
                times.append(finished - start)
                totals.append(total)
            right.step(times, totals, where="post", color="#dd8452")
        right.set_title("cumulative cost")
        right.set_xlabel("seconds since the first call")
        right.set_ylabel("USD")
        figure.suptitle(self.summary(), fontsize=8)
        figure.tight_layout()
        target = os.fspath(path)
        figure.savefig(target, format="png")
        return target


def _model_of(response: Optional[LLMResponse], request_model: Optional[str]) -> str:
    return (response.model if response is not None and response.model else None) or request_model or "unknown"


def _rows(results: Iterable[Any]) -> Iterable[_Row]:
    """Rows of ``MapResult``s or ``(key, LLMResponse | LLMError)`` pairs."""
    for item in results:
        if isinstance(item, tuple) and len(item) == 2:
            _, result = item
            response = result if isinstance(result, LLMResponse) else None
            error = None if response is not None else result
        else:
            response, error = getattr(item, "response", None), getattr(item, "error", None)
        billed = response if response is not None else getattr(error, "partial_response", None)
        billed = billed if isinstance(billed, LLMResponse) else None
        yield _model_of(billed, None), billed, type(error).__name__ if error is not None else None


def _checkpoint_rows(path: Union[str, "os.PathLike[str]"]) -> Iterable[_Row]:
    """Rows of a checkpoint / ``llmsdk batch`` output file, read line by line (the last
    line of a key wins, as on resume)."""
    from llmsdk._many.checkpoint import parse_result_line

    latest: Dict[Any, _Row] = {}
    try:
        with open(os.fspath(path), encoding="utf-8") as handle:
            for text in handle:
                if not text.strip():
                    continue
                try:
                    saved = parse_result_line(text)
                except ValueError:
                    continue  # a torn last line
                latest.pop(saved.key, None)
                billed = saved.response if saved.response is not None else getattr(saved.error, "partial_response",
                                                                                    None)
                billed = billed if isinstance(billed, LLMResponse) else None
                latest[saved.key] = (_model_of(billed, None), billed,
                                     type(saved.error).__name__ if saved.error is not None else None)
    except OSError as exc:
        raise InvalidRequestError(f"cannot read the results file {os.fspath(path)!r}: {exc.strerror}") from None
    return list(latest.values())


present_as_public(globals(), "RunReport")
