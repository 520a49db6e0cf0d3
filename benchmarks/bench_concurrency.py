"""Concurrency: 64 threads stream 500 deltas each through ONE shared client, two rounds.

Per client: wall time of each round (as a multiple of bare requests + sseclient-py in the
same run), errors, urllib3 "Connection pool is full" warnings, new server connections in
round two (0 = every connection was reused), threads before and after.

    python benchmarks/bench_concurrency.py [--threads 64] [--deltas 500]
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import threading
import time
from typing import Any, Dict, List, Optional

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import bodies  # noqa: E402
import contenders  # noqa: E402
import harness  # noqa: E402


class _PoolFull(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        if "pool is full" in record.getMessage().lower():
            self.count += 1


def one_round(player: Any, threads: int, expected: str) -> Dict[str, Any]:
    errors: List[str] = []
    barrier = threading.Barrier(threads)

    def work() -> None:
        try:
            barrier.wait(30)
            gen, close = player.texts()
            try:
                text = "".join(gen)
            finally:
                close()
            if text != expected:
                errors.append(f"wrong text ({len(text)} chars)")
        except Exception as exc:  # noqa: BLE001 - counted and reported
            errors.append(repr(exc)[:200])

    workers = [threading.Thread(target=work) for _ in range(threads)]
    start = time.perf_counter()
    for w in workers:
        w.start()
    for w in workers:
        w.join(120)
    return {"wall": time.perf_counter() - start, "errors": errors}


def settle(baseline: int, limit: float = 3.0) -> int:
    """Thread count once stray threads are gone (bounded wait)."""
    end = time.monotonic() + limit
    while threading.active_count() > baseline and time.monotonic() < end:
        time.sleep(0.01)
    return threading.active_count()


def run(server: harness.ServerProcess, threads: int, deltas: int) -> Dict[str, Dict[str, Any]]:
    pool_full = _PoolFull()
    logging.getLogger("urllib3.connectionpool").addHandler(pool_full)
    expected = bodies.expected_text(deltas)
    results: Dict[str, Dict[str, Any]] = {}
    for fmt in ("anthropic", "openai"):
        base = server.base(fmt, f"s{deltas}")
        for cls in contenders.available(fmt, helper=False):
            if cls is contenders.Floor:
                continue  # one http.client connection cannot be shared
            if cls is contenders.RequestsSSE and fmt == "openai":
                continue
            label = f"{cls.label} [{fmt}]" if cls is contenders.Llmsdk else cls.label
            before = threading.active_count()
            player = cls(fmt, base, pool=threads) if cls is not contenders.Llmsdk else cls(fmt, base)
            pool_full.count = 0
            start = server.stats()["connections"]
            r1 = one_round(player, threads, expected)
            opened = server.stats()["connections"]
            r2 = one_round(player, threads, expected)
            new_conns = server.stats()["connections"] - opened - 1  # minus the stats call's own
            first_conns = opened - start - 1
            after = settle(before)
            results[label] = {"round1": r1["wall"], "round2": r2["wall"],
                              "errors": len(r1["errors"]) + len(r2["errors"]),
                              "first_error": (r1["errors"] + r2["errors"] or [""])[0],
                              "pool_full": pool_full.count, "new_conns": new_conns,
                              "first_conns": first_conns,
                              "threads": f"{before} → {after}"}
    return results


def report(results: Dict[str, Dict[str, Any]], threads: int, deltas: int) -> str:
    ref = results.get(contenders.RequestsSSE.label)
    rows = []
    for name, r in results.items():
        rows.append([name,
                     harness.ratio(r["round1"], ref["round1"]) if ref else "n/a",
                     harness.ratio(r["round2"], ref["round2"]) if ref else "n/a",
                     r["errors"], r["pool_full"], f"{r['first_conns']} / {r['new_conns']}", r["threads"]])
    notes = [f"- {n}: first error: `{r['first_error']}`" for n, r in results.items() if r["errors"]]
    return "\n".join([
        "## Concurrency", "",
        f"{threads} threads × {deltas} deltas through one shared client, two rounds. Wall time as a "
        "multiple of bare requests + sseclient-py (shared Session, pool size = threads) in the same run.", "",
        harness.table(["client", "round 1 wall ×req", "round 2 wall ×req", "errors", "pool-full warnings",
                       "connections opened, round 1 / round 2", "threads before → after"], rows), "",
        "Round 2 reuses round 1's pooled connections and opens new ones only where more streams "
        "overlap than in round 1; a total above the thread count would mean connections were discarded.", "",
        *notes, "",
    ])


def targets(results: Dict[str, Dict[str, Any]]) -> List[List[str]]:
    rows = []
    for name, r in results.items():
        if name.startswith(contenders.Llmsdk.label):
            before, after = r["threads"].split(" → ")
            total = r["first_conns"] + r["new_conns"]
            ok = (r["errors"] == 0 and r["pool_full"] == 0 and r["new_conns"] < 64 and total <= 64
                  and before == after)
            rows.append([f"{name}: 64 streams ×2, 0 errors, no pool-full, reuse, threads back",
                         f"{r['errors']} errors, {r['pool_full']} warnings, connections {r['first_conns']} + "
                         f"{r['new_conns']} (round 2 reused {64 - r['new_conns']}/64), threads {r['threads']}",
                         "met" if ok else "NOT met"])
    return rows


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=64)
    parser.add_argument("--deltas", type=int, default=500)
    args = parser.parse_args(argv)
    with harness.ServerProcess() as server:
        results = run(server, args.threads, args.deltas)
    print(report(results, args.threads, args.deltas))
    print(harness.table(["target", "measured", ""], targets(results)))


if __name__ == "__main__":
    main()
