"""Stream consumption: N text deltas consumed to the end, CPU and wall time, as multiples
of the raw floor measured in the same run.

    python benchmarks/bench_stream.py [--runs 7] [--deltas 20000 200] [--formats anthropic openai]
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Dict, List, Optional, Tuple

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import bodies  # noqa: E402
import contenders  # noqa: E402
import harness  # noqa: E402

# name -> (cpu median, wall median), per (fmt, deltas): kept for run_all's summary
Results = Dict[Tuple[str, int], Dict[str, Tuple[float, float]]]


def measure(server: harness.ServerProcess, fmt: str, deltas: int, runs: int) -> Dict[str, Tuple[float, float]]:
    base = server.base(fmt, f"s{deltas}")
    players = {cls.label: cls(fmt, base) for cls in contenders.available(fmt)}
    expected = bodies.expected_text(deltas)

    def consume(player: object) -> str:
        gen, close = player.texts()  # type: ignore[attr-defined]
        try:
            return "".join(gen)
        finally:
            close()

    def check(name: str, text: object) -> None:
        if text != expected:
            raise AssertionError(f"{name} read the wrong text ({len(str(text))} chars, expected {len(expected)})")

    samples = harness.run_interleaved({name: (lambda p=p: consume(p)) for name, p in players.items()}, runs, check)
    return {name: (harness.median(cpu), harness.median(wall)) for name, (cpu, wall) in samples.items()}


def report(results: Results) -> str:
    out = ["## Stream consumption", "",
           "CPU = process CPU time (all threads) from request to last delta; wall likewise. "
           "Each cell is the median over the runs divided by the raw floor's median in the same run.", ""]
    for (fmt, deltas), rows in results.items():
        floor_cpu, floor_wall = rows[contenders.Floor.label]
        req_cpu = rows[contenders.RequestsSSE.label][0]
        table_rows = []
        for name, (cpu, wall) in rows.items():
            table_rows.append([name, harness.ratio(cpu, floor_cpu), harness.ratio(wall, floor_wall),
                               harness.ratio(cpu, req_cpu)])
        out.append(f"### {fmt} format, {deltas:,} deltas")
        out.append("")
        out.append(harness.table(["client", "CPU ×floor", "wall ×floor", "CPU ×(requests+sseclient)"], table_rows))
        out.append("")
        for note in contenders.skipped(fmt):
            out.append(f"- {note}")
        out.append("")
    return "\n".join(out)


def targets(results: Results) -> List[List[str]]:
    """Issue 7's stream targets, checked against this run."""
    rows = []
    for (fmt, deltas), r in results.items():
        me = r.get(contenders.Llmsdk.label)
        if me is None:
            continue
        req = r[contenders.RequestsSSE.label][0]
        rows.append([f"{fmt} {deltas:,}: llmsdk CPU ≤ 1.25× requests+sseclient", harness.ratio(me[0], req),
                     "met" if me[0] <= 1.25 * req else "NOT met"])
        for label, need in ((contenders.OpenAISDK.label, 10.0), (contenders.AnthropicSDK.label, 4.0)):
            if label in r:
                speedup = r[label][0] / me[0]
                rows.append([f"{fmt} {deltas:,}: {label} CPU ÷ llmsdk CPU ≥ {need:g}×", f"{speedup:.2f}×",
                             "met" if speedup >= need else "NOT met"])
    return rows


def run(server: harness.ServerProcess, runs: int, deltas: List[int], formats: List[str]) -> Results:
    results: Results = {}
    for fmt in formats:
        for n in deltas:
            results[(fmt, n)] = measure(server, fmt, n, runs if n >= 5000 else max(runs, 15))
    return results


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--deltas", type=int, nargs="+", default=[20000, 200])
    parser.add_argument("--formats", nargs="+", default=["anthropic", "openai"])
    args = parser.parse_args(argv)
    with harness.ServerProcess() as server:
        results = run(server, args.runs, args.deltas, args.formats)
    print(report(results))
    print(harness.table(["target", "measured", ""], targets(results)))


if __name__ == "__main__":
    main()
