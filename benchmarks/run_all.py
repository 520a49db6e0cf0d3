"""Run every benchmark against one loopback server and write ``benchmarks/RESULTS.md``.

    python benchmarks/run_all.py [--quick]

A few minutes on a 2-core machine. Results are ratios measured in the same run (medians);
the machine is shared, so compare ratios, not absolute times, between runs.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import subprocess
import sys
from typing import List, Optional

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import bench_concurrency  # noqa: E402
import bench_import  # noqa: E402
import bench_latency  # noqa: E402
import bench_map  # noqa: E402
import bench_requests  # noqa: E402
import bench_stream  # noqa: E402
import harness  # noqa: E402


def _versions() -> str:
    out = []
    for name in ("requests", "urllib3", "sseclient-py", "openai", "anthropic"):
        try:
            from importlib.metadata import version

            out.append(f"{name} {version(name)}")
        except Exception:  # noqa: BLE001 - not installed
            out.append(f"{name} (not installed)")
    return ", ".join(out)


def _commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                              cwd=harness.ROOT).stdout.strip()
    except OSError:
        return "?"


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="fewer runs (a smoke test, noisier)")
    parser.add_argument("--output", default=os.path.join(harness.HERE, "RESULTS.md"))
    args = parser.parse_args(argv)
    runs = 3 if args.quick else 7
    targets: List[List[str]] = []
    sections: List[str] = []
    with harness.ServerProcess() as server:
        print("stream consumption ...", flush=True)
        stream = bench_stream.run(server, runs, [20000, 200], ["anthropic", "openai"])
        sections.append(bench_stream.report(stream))
        targets += bench_stream.targets(stream)
        print("first-event latency ...", flush=True)
        latency = bench_latency.run(server, 3 if args.quick else 5, ["anthropic", "openai"])
        sections.append(bench_latency.report(latency))
        targets += bench_latency.targets(latency)
        print("per-request overhead ...", flush=True)
        n = 500 if args.quick else 2000
        per_request = bench_requests.run(server, n, 5)
        sections.append(bench_requests.report(per_request, n, 5))
        targets += bench_requests.targets(per_request)
        print("concurrency ...", flush=True)
        conc = bench_concurrency.run(server, 64, 500)
        sections.append(bench_concurrency.report(conc, 64, 500))
        targets += bench_concurrency.targets(conc)
        print("many requests (client.map) ...", flush=True)
        mapped = bench_map.run(server, n, 64, 3 if args.quick else 5)
        sections.append(bench_map.report(mapped, n, 64, 3 if args.quick else 5))
        targets += bench_map.targets(mapped)
    print("import time ...", flush=True)
    imports = bench_import.run(5 if args.quick else 10)
    sections.append(bench_import.report(imports, 5 if args.quick else 10))
    targets += bench_import.targets(imports)

    head = [
        "# llmsdk benchmark results", "",
        f"`python benchmarks/run_all.py` on {datetime.date.today().isoformat()}, llmsdk commit {_commit()}, "
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs ({platform.machine()}), loopback server "
        f"in its own process. {_versions()}.", "",
        "## Targets (issue 7)", "",
        harness.table(["target", "measured", ""], targets), "",
    ]
    text = "\n".join(head + sections)
    with open(args.output, "w", encoding="utf-8") as fh:
        fh.write(text)
    print(text)


if __name__ == "__main__":
    main()
