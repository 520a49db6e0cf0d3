"""Per-request overhead: many tiny calls over one keep-alive client, requests/second.

llmsdk has no separate non-streaming path: ``client.complete()`` streams a tiny reply and
returns the ``LLMResponse``. The official SDKs, plain ``requests`` and the raw floor make
non-streaming JSON calls (their cheapest path).

    python benchmarks/bench_requests.py [--requests 2000] [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from typing import Dict, List, Optional

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import contenders  # noqa: E402
import harness  # noqa: E402

Results = Dict[str, float]  # label -> median req/s

OPENAI_SDK = "openai SDK chat.completions.create()"
ANTHROPIC_SDK = "anthropic SDK messages.create()"
LABELS = {contenders.Floor: "raw floor (http.client + json.loads)",
          contenders.RequestsSSE: "plain requests (JSON)",
          contenders.Llmsdk: "llmsdk complete() [{fmt}]",
          contenders.OpenAISDK: OPENAI_SDK,
          contenders.AnthropicSDK: ANTHROPIC_SDK}


def run(server: harness.ServerProcess, requests: int, runs: int) -> Results:
    players: Dict[str, object] = {}
    for fmt in ("anthropic", "openai"):
        base = server.base(fmt, "tiny")
        for cls in contenders.available(fmt, helper=False):
            if cls in (contenders.Floor, contenders.RequestsSSE) and fmt == "openai":
                continue  # one format is enough for the references
            players[LABELS[cls].format(fmt=fmt)] = cls(fmt, base)
    per_run = max(1, requests // runs)
    rates: Dict[str, List[float]] = {name: [] for name in players}
    for player in players.values():
        for _ in range(20):
            player.call()  # type: ignore[attr-defined]  # warm-up: connection, imports, caches
    for _ in range(runs):
        for name, player in players.items():
            call = player.call  # type: ignore[attr-defined]
            start = time.perf_counter()
            for _ in range(per_run):
                call()
            rates[name].append(per_run / (time.perf_counter() - start))
    return {name: harness.median(r) for name, r in rates.items()}


def report(results: Results, requests: int, runs: int) -> str:
    floor = results[LABELS[contenders.Floor]]
    rows = [[name, harness.ratio(rate, floor)] for name, rate in results.items()]
    return "\n".join([
        "## Per-request overhead", "",
        f"{requests:,} tiny requests per client over keep-alive ({runs} runs of {requests // runs:,}); "
        "throughput (req/s) as a multiple of the raw floor's in the same run (higher is better).", "",
        harness.table(["client", "req/s ×floor"], rows), "",
    ])


def targets(results: Results) -> List[List[str]]:
    rows = []
    for name, rate in results.items():
        if not name.startswith("llmsdk"):
            continue
        for sdk in (OPENAI_SDK, ANTHROPIC_SDK):
            if sdk in results:
                got = rate / results[sdk]
                rows.append([f"{name} req/s ≥ 1.5× {sdk}", f"{got:.2f}×", "met" if got >= 1.5 else "NOT met"])
    return rows


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    with harness.ServerProcess() as server:
        results = run(server, args.requests, args.runs)
    print(report(results, args.requests, args.runs))
    print(harness.table(["target", "measured", ""], targets(results)))


if __name__ == "__main__":
    main()
