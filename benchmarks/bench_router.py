"""What the router adds per request: CPU per tiny call through ``Router`` vs the same call
on the bare client, over keep-alive to the loopback server (its own process, so its CPU
never counts here).

Contenders run interleaved (one batch of each per round) and each figure is the median
over the rounds of CPU seconds of this whole process (every thread) per call. A second,
identical bare-client contender ("bare again") shows the noise: the spread between the two
bare figures is what a ratio can move by chance. Target: the router adds at most 5%.

    python benchmarks/bench_router.py [--pairs 3000] [--calls 400] [--runs 9]

Three views: bare and routed calls alternated call by call (the least noisy); batches of
each interleaved per round (with a second bare contender showing the noise); and the
router's own work measured with stub clients (no wire at all).
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any, Callable, Dict, List, Optional

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402

FMT = "anthropic"
BARE = "bare client complete()"


def contenders(server: harness.ServerProcess, calls: int) -> Dict[str, Callable[[], Any]]:
    import dataclasses

    from llmsdk import Deployment, Router
    from llmsdk.events import PartialContent

    base = server.base(FMT, "tiny")
    clients = [harness.llmsdk_client(FMT, base) for _ in range(3)]
    request = harness.llmsdk_request(FMT)
    routed = dataclasses.replace(request, model="g")

    def trio(strategy: str) -> Router:
        return Router({"g": [Deployment(c, request.model, name=f"d{i}") for i, c in enumerate(clients)]},
                      strategy=strategy, seed=1)

    def loop(call: Callable[[], Any]) -> Callable[[], List[Any]]:
        return lambda: [call() for _ in range(calls)]

    def iterate(stream: Any) -> int:
        return sum(1 for event in stream if type(event) is PartialContent)

    bare, one = clients[0], Router({"g": [Deployment(clients[0], request.model)]})
    ordered, weighted, least_busy, latency = (trio(s) for s in ("ordered", "weighted", "least_busy", "latency"))
    return {
        BARE: loop(lambda: bare.complete(request)),
        "bare again (noise)": loop(lambda: bare.complete(request)),
        "Router, 1 deployment, complete()": loop(lambda: one.complete(routed)),
        "Router, 3 deployments ordered": loop(lambda: ordered.complete(routed)),
        "Router, 3 deployments weighted": loop(lambda: weighted.complete(routed)),
        "Router, 3 deployments least_busy": loop(lambda: least_busy.complete(routed)),
        "Router, 3 deployments latency": loop(lambda: latency.complete(routed)),
        "bare client send() iterated": loop(lambda: iterate(bare.send(request))),
        "Router send() iterated": loop(lambda: iterate(one.send(routed))),
    }


def added_cpu(calls: int = 20000) -> Dict[str, float]:
    """The router's own work per call, without the wire: CPU µs per ``complete()`` through a
    router whose deployments' clients answer at once (a stub), minus the stub called bare.
    Far less noisy than the end-to-end difference, which it should match."""
    import dataclasses
    import time

    from llmsdk import Deployment, HttpClientOptions, LLMClient, LLMResponse, Router, TextContent, Usage

    answer = LLMResponse(id="msg", model="claude-haiku-4-5", content=[TextContent("Hi")],
                         usage=Usage(25, 15), cost=0.0001, provider="anthropic")

    class Answering(LLMClient):
        def complete(self, request: Any) -> LLMResponse:
            return answer

    options = HttpClientOptions.new_anthropic(harness.API_KEY, api_base="http://127.0.0.1:9")
    stubs = [Answering(options) for _ in range(3)]
    request = harness.llmsdk_request(FMT)
    routed = dataclasses.replace(request, model="g")
    players: Dict[str, Callable[[], Any]] = {"stub client (floor)": lambda: stubs[0].complete(request)}
    for strategy in ("ordered", "weighted", "least_busy", "latency"):
        router = Router({"g": [Deployment(c, request.model, name=f"d{i}") for i, c in enumerate(stubs)]},
                        strategy=strategy, seed=1)
        players[f"Router {strategy}, 3 deployments"] = (lambda r: lambda: r.complete(routed))(router)
    out: Dict[str, List[float]] = {name: [] for name in players}
    for _ in range(5):
        for name, call in players.items():
            start = time.process_time()
            for _ in range(calls):
                call()
            out[name].append((time.process_time() - start) * 1e6 / calls)
    floor = harness.median(out["stub client (floor)"])
    return {name: harness.median(v) - floor for name, v in out.items() if name != "stub client (floor)"}


def alternated(server: harness.ServerProcess, pairs: int = 3000) -> List[List[str]]:
    """Bare and routed calls alternated call by call (the order flipped every pair), CPU of
    this process per call (``time.process_time``, all threads): the least noisy end-to-end
    comparison on a shared machine."""
    import dataclasses
    import statistics
    import time

    from llmsdk import Deployment, Router
    from llmsdk.events import PartialContent

    client = harness.llmsdk_client(FMT, base := server.base(FMT, "tiny"))
    others = [harness.llmsdk_client(FMT, base) for _ in range(2)]
    request = harness.llmsdk_request(FMT)
    routed = dataclasses.replace(request, model="g")
    one = Router({"g": [Deployment(client, request.model)]})
    trio = Router({"g": [Deployment(c, request.model, name=f"d{i}") for i, c in enumerate([client, *others])]},
                  strategy="weighted", seed=1)

    def iterate(stream: Any) -> int:
        return sum(1 for event in stream if type(event) is PartialContent)

    cases = {
        "complete(), 1 deployment": (lambda: client.complete(request), lambda: one.complete(routed)),
        "complete(), 3 deployments weighted": (lambda: client.complete(request), lambda: trio.complete(routed)),
        "send() iterated, 1 deployment": (lambda: iterate(client.send(request)), lambda: iterate(one.send(routed))),
    }
    rows = []
    for name, (bare, routed_call) in cases.items():
        for _ in range(50):
            bare(), routed_call()
        times: Dict[str, List[float]] = {"bare": [], "router": []}
        for i in range(pairs):
            order = [("bare", bare), ("router", routed_call)]
            if i % 2:
                order.reverse()
            for label, call in order:
                start = time.process_time()
                call()
                times[label].append(time.process_time() - start)
        b, r = (statistics.mean(times[k]) * 1e6 for k in ("bare", "router"))
        rows.append([name, f"{b:.0f}", f"{r:.0f}", f"{r - b:+.1f}", f"{(r / b - 1) * 100:+.1f}%"])
    return rows


def run(server: harness.ServerProcess, calls: int, runs: int) -> Dict[str, float]:
    samples = harness.run_interleaved(contenders(server, calls), runs)
    return {name: harness.median(cpus) * 1e6 / calls for name, (cpus, _) in samples.items()}


def report(results: Dict[str, float], calls: int, runs: int) -> str:
    send_base = results["bare client send() iterated"]
    rows = []
    for name, us in results.items():
        reference = send_base if "send()" in name else results[BARE]
        rows.append([name, f"{us:.0f}", f"{(us / reference - 1) * 100:+.1f}%"])
    return "\n".join([
        "## Router overhead", "",
        f"{calls} tiny calls per contender per round, median of {runs} interleaved rounds; CPU µs per call "
        "(all threads of the client process) and the difference to the bare client (send() rows: to the bare "
        "send()).", "",
        harness.table(["contender", "CPU µs/call", "vs bare"], rows), "",
    ])


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=400)
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--pairs", type=int, default=3000)
    args = parser.parse_args(argv)
    with harness.ServerProcess() as server:
        pairs = alternated(server, args.pairs)
        results = run(server, args.calls, args.runs)
    print("\n".join(["## Router vs bare client, alternated call by call", "",
                      f"{args.pairs} pairs per case; mean CPU µs per call of this process.", "",
                      harness.table(["case", "bare µs", "router µs", "added µs", "added"], pairs), ""]))
    print(report(results, args.calls, args.runs))
    added = added_cpu()
    bare = results[BARE]
    rows = [[name, f"{us:.1f}", f"{us / bare * 100:.1f}%"] for name, us in added.items()]
    print("\n".join(["## The router's own work per call", "",
                      f"CPU µs a routed complete() adds over the client's (stub clients, no wire; median of 5 x "
                      f"20,000), and as a share of the bare client's {bare:.0f} µs per real call above.", "",
                      harness.table(["router", "added CPU µs/call", "of a bare call"], rows), "",
                      "Target: ≤ 5% of a bare call."]))


if __name__ == "__main__":
    main()
