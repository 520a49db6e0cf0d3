"""Many requests: 2,000 tiny streamed calls at concurrency 64 through ``client.map``, vs the
loop a user would write without it (``ThreadPoolExecutor`` + ``client.complete()``) and
the official openai SDK in the same loop.

Per contender: requests/second (wall) and CPU milliseconds per request (every thread of
this process; the server runs in its own), medians over interleaved runs, and the ratio to
the plain llmsdk loop measured in the same run. Target: ``client.map`` with the limiter off
within 10% of the plain loop.

    python benchmarks/bench_map.py [--requests 2000] [--concurrency 64] [--runs 5] [--redis URL]

``--redis redis://127.0.0.1:6379/0`` adds ``client.map`` with a ``RedisRateLimiter`` (one
Lua call per request, two for a probe).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Dict, List, Optional

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402

FMT = "openai"
PLAIN = "ThreadPoolExecutor + llmsdk complete()"


def contenders(server: harness.ServerProcess, requests: int, concurrency: int,
               redis_url: Optional[str] = None) -> Dict[str, Callable[[], Any]]:
    from llmsdk import HttpClientOptions, LLMClient, RateLimiter, RedisRateLimiter

    base = server.base(FMT, "tiny")
    client = LLMClient.new_openai(HttpClientOptions.new_openai(harness.API_KEY, api_base=base))
    request = harness.llmsdk_request(FMT)
    batch = [request] * requests

    def plain() -> List[Any]:
        with ThreadPoolExecutor(concurrency) as pool:
            return list(pool.map(client.complete, batch))

    def mapped(**kwargs: Any) -> Callable[[], List[Any]]:
        def run() -> List[Any]:
            with contextlib.redirect_stderr(io.StringIO()):  # the bar is drawn, then thrown away
                return [r.response for r in client.map(batch, concurrency=concurrency, **kwargs)]
        return run

    players: Dict[str, Callable[[], Any]] = {
        PLAIN: plain,
        "client.map (limiter off, no bar)": mapped(progress=False),
        "client.map + tqdm bar": mapped(progress=True),
        "client.map + RateLimiter() (adaptive only)": mapped(progress=False, limiter=RateLimiter()),
        "client.map + RateLimiter(rpm, tpm) far above the load": mapped(
            progress=False, limiter=RateLimiter(requests_per_minute=10**7, tokens_per_minute=10**10)),
    }
    if redis_url:
        players["client.map + RedisRateLimiter(rpm) far above the load"] = mapped(
            progress=False, limiter=RedisRateLimiter(redis_url, "bench-map", requests_per_minute=10**7))
    if harness.have("openai"):
        import openai

        sdk = openai.OpenAI(api_key=harness.API_KEY, base_url=base + "/v1", max_retries=0)
        kwargs = harness.sdk_request_kwargs("openai")

        def sdk_json() -> List[Any]:
            with ThreadPoolExecutor(concurrency) as pool:
                return list(pool.map(lambda _: sdk.chat.completions.create(**kwargs), range(requests)))

        def sdk_stream() -> List[Any]:
            def one(_: int) -> str:
                stream = sdk.chat.completions.create(**kwargs, stream=True)
                return "".join(c.choices[0].delta.content or "" for c in stream if c.choices)

            with ThreadPoolExecutor(concurrency) as pool:
                return list(pool.map(one, range(requests)))

        players["ThreadPoolExecutor + openai SDK create() (JSON)"] = sdk_json
        players["ThreadPoolExecutor + openai SDK create(stream=True)"] = sdk_stream
    return players


def check(name: str, result: object) -> None:
    assert isinstance(result, list) and all(r is not None for r in result), name


def run(server: harness.ServerProcess, requests: int, concurrency: int, runs: int,
        redis_url: Optional[str] = None) -> Dict[str, Dict[str, float]]:
    samples = harness.run_interleaved(contenders(server, requests, concurrency, redis_url), runs, check)
    return {name: {"rps": requests / harness.median(walls), "cpu_ms": harness.median(cpus) * 1000 / requests}
            for name, (cpus, walls) in samples.items()}


def report(results: Dict[str, Dict[str, float]], requests: int, concurrency: int, runs: int) -> str:
    base = results[PLAIN]
    rows = [[name, f"{r['rps']:,.0f}", harness.ratio(r["rps"], base["rps"]), f"{r['cpu_ms']:.2f}",
             harness.ratio(r["cpu_ms"], base["cpu_ms"])] for name, r in results.items()]
    return "\n".join([
        "## Many requests (client.map)", "",
        f"{requests:,} tiny calls at concurrency {concurrency}, median of {runs} interleaved runs; "
        "ratios to the plain llmsdk loop in the same run.", "",
        harness.table(["contender", "req/s", "req/s ×plain", "CPU ms/req", "CPU ×plain"], rows), "",
    ])


def targets(results: Dict[str, Dict[str, float]]) -> List[List[str]]:
    got = results["client.map (limiter off, no bar)"]["rps"] / results[PLAIN]["rps"]
    return [["client.map (limiter off) req/s ≥ 0.9× the plain loop", f"{got:.2f}×", "met" if got >= 0.9 else "NOT met"]]


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--redis", help="also measure a RedisRateLimiter on this Redis")
    args = parser.parse_args(argv)
    with harness.ServerProcess() as server:
        results = run(server, args.requests, args.concurrency, args.runs, args.redis)
    print(report(results, args.requests, args.concurrency, args.runs))
    print(harness.table(["target", "measured", ""], targets(results)))


if __name__ == "__main__":
    main()
