"""Stream CPU with telemetry absent, no-op and exporting, beside the bare requests+sseclient
loop on the same server: N text deltas consumed, process CPU per run, contenders interleaved.
With ``--pin`` the server runs on core 0 and the client on core 1 (as the checks measure);
the ratio reported is the median over runs of each run's ratio to the bare loop, and beside
it the ratio of the fastest runs (each contender's least CPU over the bare loop's least): on
a noisy machine single runs swing ±30%, and the fastest run is the least disturbed one.

    python benchmarks/bench_telemetry.py [--runs 3] [--deltas 20000] [--formats anthropic openai] [--pin]

- absent: ``llmsdk.telemetry.configure(enabled=False)`` (one global read per call, the same
  path as without opentelemetry installed);
- no-op: opentelemetry-api with no SDK configured (the API's no-op tracer and meter);
- exporting: the OpenTelemetry SDK with a batch span processor (a discarding exporter) and
  an in-memory metric reader.

Last, the telemetry a call pays apart from the stream (span, 80 batches, finish), per call
without HTTP: what it adds to a stream is that figure over the stream's CPU.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from typing import Any, Callable, Dict, List

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import bodies  # noqa: E402
import contenders  # noqa: E402
import harness  # noqa: E402

import llmsdk.telemetry  # noqa: E402


def _exporting() -> Dict[str, Any]:
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import InMemoryMetricReader
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult

    class Discard(SpanExporter):
        def export(self, spans: Any) -> SpanExportResult:
            return SpanExportResult.SUCCESS

    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(BatchSpanProcessor(Discard()))
    return dict(tracer_provider=tracer_provider, meter_provider=MeterProvider(metric_readers=[InMemoryMetricReader()]))


def per_call_cost(modes: Dict[str, Dict[str, Any]], repeats: int = 7, calls: int = 2000) -> Dict[str, float]:
    """CPU µs per call of the telemetry a call pays (no HTTP): a call span started, made
    current, told of 80 batches of events (a 20,000-delta stream's), and finished with a
    reply's usage and cost — the fastest of ``repeats`` rounds of ``calls`` calls."""
    import time

    from llmsdk import LLMMessage, LLMRequest, LLMResponse, Usage
    from llmsdk._telemetry.settings import instruments

    request = LLMRequest(model="claude-haiku-4-5", messages=[LLMMessage.user("Hello")], max_tokens=64)
    response = LLMResponse(id="msg_1", model="claude-haiku-4-5", usage=Usage(input_tokens=25, output_tokens=20000),
                           cost=0.1)
    found: Dict[str, float] = {}
    for name, settings in modes.items():
        llmsdk.telemetry.configure(**settings)
        best = float("inf")
        for _ in range(repeats):
            started = time.process_time()
            for _ in range(calls):
                telemetry = instruments()
                if telemetry is None:
                    continue
                span = telemetry.start_call("chat", "anthropic", "claude-haiku-4-5",
                                            url="https://api.anthropic.com/v1/messages", request=request)
                with span.activate():
                    pass
                if span.recording:
                    for _ in range(80):
                        span.chunk()
                span.finish(response, None)
            best = min(best, time.process_time() - started)
        found[name] = best / calls * 1e6
    return found


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--deltas", type=int, default=20000)
    parser.add_argument("--formats", nargs="+", default=["anthropic", "openai"])
    parser.add_argument("--pin", action="store_true", help="server on core 0, client on core 1")
    args = parser.parse_args()
    from opentelemetry import metrics, trace

    noop = dict(tracer_provider=trace.NoOpTracerProvider(), meter_provider=metrics.NoOpMeterProvider())
    exporting = _exporting()
    server = harness.ServerProcess()
    try:
        if args.pin:
            os.sched_setaffinity(server.proc.pid, {0})
            os.sched_setaffinity(0, {1})
        for fmt in args.formats:
            base = server.base(fmt, f"s{args.deltas}")
            bare = contenders.RequestsSSE(fmt, base)
            ours = contenders.Llmsdk(fmt, base)
            expected = bodies.expected_text(args.deltas)

            def consume(player: Any, setup: Callable[[], None] = lambda: None) -> str:
                setup()
                gen, close = player.texts()
                try:
                    return "".join(gen)
                finally:
                    close()

            runs: Dict[str, Callable[[], object]] = {
                "requests + sseclient (bare)": lambda bare=bare: consume(bare),
                "llmsdk, telemetry absent": lambda ours=ours: consume(
                    ours, lambda: llmsdk.telemetry.configure(enabled=False)),
                "llmsdk, no-op OpenTelemetry": lambda ours=ours: consume(
                    ours, lambda: llmsdk.telemetry.configure(enabled=True, **noop)),
                "llmsdk, exporting (SDK)": lambda ours=ours: consume(
                    ours, lambda: llmsdk.telemetry.configure(enabled=True, **exporting)),
            }

            def check(name: str, text: object, expected: str = expected) -> None:
                if text != expected:
                    raise AssertionError(f"{name} read the wrong text")

            samples = harness.run_interleaved(runs, args.runs, check)
            bare_cpu = samples["requests + sseclient (bare)"][0]
            print(f"\n{fmt}, {args.deltas:,} deltas, {args.runs} interleaved runs, "
                  f"{'pinned (server core 0, client core 1)' if args.pin else 'unpinned'}")
            for name, (cpu, _) in samples.items():
                ratios: List[float] = [c / b for c, b in zip(cpu, bare_cpu)]
                print(f"  {name:32s} CPU {statistics.median(cpu) * 1000:8.1f} ms   "
                      f"×bare median {statistics.median(ratios):.2f}, fastest {min(cpu) / min(bare_cpu):.2f} "
                      f"(runs {', '.join(f'{r:.2f}' for r in ratios)})")
    finally:
        server.close()
    costs = per_call_cost({"llmsdk, telemetry absent": dict(enabled=False),
                           "llmsdk, no-op OpenTelemetry": dict(enabled=True, **noop),
                           "llmsdk, exporting (SDK)": dict(enabled=True, **exporting)})
    print("\nper call, no HTTP (span, 80 batches of events, finish): CPU µs per call")
    for name, micros in costs.items():
        print(f"  {name:32s} {micros:8.1f} µs")


if __name__ == "__main__":
    main()
