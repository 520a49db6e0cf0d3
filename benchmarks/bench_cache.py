"""Cache hits: ``complete()`` and ``send()`` + read on a 1 KB reply served from a
``MemoryCache`` and a ``DiskCache``, next to the live call on a local fake server.
Alternated rounds (each round times every contender once), median per call of each round,
and the spread across rounds as the noise.

    python benchmarks/bench_cache.py [--rounds 5] [--calls 300]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from typing import Callable, Dict, List

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from llmsdk import DiskCache, HttpClientOptions, LLMClient, LLMMessage, LLMRequest, MemoryCache  # noqa: E402
from llmsdk.testing import FakeProviderServer, anthropic  # noqa: E402

REPLY = ("The quick brown fox jumps over the lazy dog. " * 23)[:1024]  # 1 KB of text


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--calls", type=int, default=300)
    args = parser.parse_args()
    request = LLMRequest(model="claude-haiku-4-5", messages=[LLMMessage.user("Tell me about foxes.")])
    with FakeProviderServer(default_reply=anthropic.text_reply(REPLY, chunk=64)) as server, \
            tempfile.TemporaryDirectory() as folder:
        options = HttpClientOptions.new_anthropic("k", api_base=server.url)
        memory = LLMClient.new(options, cache=MemoryCache())
        disk = LLMClient.new(options, cache=DiskCache(folder))
        live = LLMClient.new(options)
        for client in (memory, disk):
            assert not client.complete(request).cached and client.complete(request).cached

        contenders: Dict[str, Callable[[], object]] = {
            "complete, MemoryCache hit": lambda: memory.complete(request),
            "complete, DiskCache hit": lambda: disk.complete(request),
            "send + read, MemoryCache hit": lambda: list(memory.send(request)),
            "complete, live (fake server)": lambda: live.complete(request),
        }
        per_round: Dict[str, List[float]] = {name: [] for name in contenders}
        for _ in range(args.rounds):
            for name, call in contenders.items():
                calls = args.calls if "live" not in name else max(20, args.calls // 10)
                times = []
                for _ in range(calls):
                    start = time.perf_counter()
                    call()
                    times.append(time.perf_counter() - start)
                per_round[name].append(statistics.median(times) * 1000)
    print(f"{args.rounds} alternated rounds; median ms per call (min..max over rounds)")
    for name, values in per_round.items():
        print(f"  {name:32s} {statistics.median(values):7.3f} ms  ({min(values):.3f}..{max(values):.3f})")


if __name__ == "__main__":
    main()
