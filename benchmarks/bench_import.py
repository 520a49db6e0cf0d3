"""Import time: each statement timed in-process in a fresh interpreter (median of 10), plus
the number of modules it loaded, and a ``-X importtime`` breakdown for llmsdk.

    python benchmarks/bench_import.py [--runs 10]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from typing import Dict, List, Optional, Tuple

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402

READY = ("from llmsdk import LLMClient, HttpClientOptions, LLMRequest, LLMMessage; "
         "LLMClient.new_anthropic(HttpClientOptions.new_anthropic('k', api_base='http://127.0.0.1:9'))")
STATEMENTS: List[Tuple[str, str, Optional[str]]] = [
    ("import llmsdk", "import llmsdk", None),
    ("llmsdk, ready to send (client built)", READY, None),
    ("Azure OpenAI client built (no azure.identity)",
     "from llmsdk import LLMClient, HttpClientOptions; "
     "LLMClient.new(HttpClientOptions.new_azure_openai('http://127.0.0.1:9', 'k'))", None),
    ("Vertex client built (no google.auth)",
     "from llmsdk import LLMClient, HttpClientOptions; "
     "LLMClient.new(HttpClientOptions.new_vertex('p', token_provider=lambda: 't'))", None),
    ("from llmsdk import *every public name*", "import llmsdk; [getattr(llmsdk, n) for n in llmsdk.__all__]", None),
    ("import requests, sseclient (reference)", "import requests, sseclient", None),
    ("import openai", "import openai", "openai"),
    ("import anthropic", "import anthropic", "anthropic"),
]
PROBE = ("import sys, time; n0 = len(sys.modules); t0 = time.perf_counter(); exec({stmt!r}); "
         "print(time.perf_counter() - t0, len(sys.modules) - n0)")


def measure(stmt: str, runs: int) -> Tuple[float, int]:
    times, modules = [], 0
    env = dict(os.environ, PYTHONPATH=harness.ROOT, PYTHONDONTWRITEBYTECODE="")
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", PROBE.format(stmt=stmt)], capture_output=True,
                             text=True, check=True, env=env, cwd=harness.ROOT).stdout.split()
        times.append(float(out[0]))
        modules = int(out[1])
    return harness.median(times), modules


def breakdown(stmt: str, top: int = 12) -> List[Tuple[str, int]]:
    env = dict(os.environ, PYTHONPATH=harness.ROOT)
    err = subprocess.run([sys.executable, "-X", "importtime", "-c", stmt], capture_output=True, text=True,
                         check=True, env=env, cwd=harness.ROOT).stderr
    rows = []
    for line in err.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        _, cumulative, name = (part.strip() for part in line[len("import time:"):].split("|"))
        rows.append((name.strip(), int(cumulative)))
    return sorted(rows, key=lambda r: -r[1])[:top]


def run(runs: int) -> Dict[str, Tuple[float, int]]:
    return {label: measure(stmt, runs) for label, stmt, need in STATEMENTS if need is None or harness.have(need)}


def report(results: Dict[str, Tuple[float, int]], runs: int) -> str:
    ref = results["import requests, sseclient (reference)"][0]
    rows = [[label, f"{t * 1000:.0f} ms", harness.ratio(t, ref), n] for label, (t, n) in results.items()]
    parts = ["## Import time", "",
             f"In-process time of the statement in a fresh interpreter, median of {runs}; ratio to "
             "`import requests, sseclient` in the same run; modules loaded.", "",
             harness.table(["statement", "time", "×(requests+sseclient)", "modules"], rows), "",
             "`python -X importtime` for the ready-to-send statement, the biggest imports "
             "(cumulative µs, so nested ones overlap their parents):", "",
             harness.table(["module", "cumulative µs"], breakdown(READY)), ""]
    return "\n".join(parts)


def targets(results: Dict[str, Tuple[float, int]]) -> List[List[str]]:
    t = results["import llmsdk"][0] * 1000
    ready = results["llmsdk, ready to send (client built)"][0] * 1000
    return [["`import llmsdk` ≤ 120 ms cold", f"{t:.0f} ms", "met" if t <= 120 else "NOT met"],
            ["ready to send (client built) ≤ 120 ms", f"{ready:.0f} ms", "met" if ready <= 120 else "NOT met"]]


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args(argv)
    results = run(args.runs)
    print(report(results, args.runs))
    print(harness.table(["target", "measured", ""], targets(results)))


if __name__ == "__main__":
    main()
