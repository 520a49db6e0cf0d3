"""First-event latency: the server sends one text delta whose text is its own send time
(``time.monotonic()``, shared by processes on one machine), then pauses 1 s. Measured:
how long after that send the caller holds the event. Chunked and close-delimited bodies.

    python benchmarks/bench_latency.py [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from typing import Dict, List, Optional, Tuple

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import contenders  # noqa: E402
import harness  # noqa: E402

FRAMINGS = ("chunked", "close")
Results = Dict[Tuple[str, str], Dict[str, float]]  # (fmt, framing) -> client -> median ms


def first_event_delay(player: object) -> float:
    gen, close = player.texts()  # type: ignore[attr-defined]
    try:
        for text in gen:
            if text.startswith("t="):
                return time.monotonic() - float(text[2:])
        raise AssertionError("the stamped event never arrived")
    finally:
        close()


def run(server: harness.ServerProcess, runs: int, formats: List[str]) -> Results:
    results: Results = {}
    for fmt in formats:
        for framing in FRAMINGS:
            base = server.base(fmt, f"lat-{framing}")
            players = {cls.label: cls(fmt, base) for cls in contenders.available(fmt, helper=False)}
            samples: Dict[str, List[float]] = {name: [] for name in players}
            for _ in range(runs):
                for name, player in players.items():
                    samples[name].append(first_event_delay(player))
            results[(fmt, framing)] = {name: harness.median(v) * 1000 for name, v in samples.items()}
    return results


def report(results: Results) -> str:
    out = ["## First-event latency", "",
           "Time from the server's send of the first text delta to the caller holding it "
           "(median; the server then pauses 1 s). Absolute milliseconds are the target here; "
           "the floor column gives the same-run reference.", ""]
    names: List[str] = []
    for rows in results.values():
        names += [n for n in rows if n not in names]
    header = ["body framing"] + names
    table_rows = []
    for (fmt, framing), rows in results.items():
        table_rows.append([f"{fmt}, {framing}"] + [f"{rows[n]:.1f} ms" if n in rows else "–" for n in names])
    out.append(harness.table(header, table_rows))
    out.append("")
    return "\n".join(out)


def targets(results: Results) -> List[List[str]]:
    rows = []
    for (fmt, framing), r in results.items():
        me = r.get(contenders.Llmsdk.label)
        if me is not None:
            rows.append([f"first event ≤ 5 ms after its bytes ({fmt}, {framing})", f"{me:.1f} ms",
                         "met" if me <= 5.0 else "NOT met"])
    return rows


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--formats", nargs="+", default=["anthropic", "openai"])
    args = parser.parse_args(argv)
    with harness.ServerProcess() as server:
        results = run(server, args.runs, args.formats)
    print(report(results))
    print(harness.table(["target", "measured", ""], targets(results)))


if __name__ == "__main__":
    main()
