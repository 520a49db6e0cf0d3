"""cProfile of llmsdk consuming one long stream: the worker thread's ``pump`` and the
consumer thread profiled separately (cProfile sees one thread at a time).

    python benchmarks/profile_stream.py [--format anthropic|openai] [--deltas 20000] [--top 25]

For a whole-process sampling view, use py-spy on the same loop instead:
    py-spy record -o /tmp/llmsdk.svg -- python benchmarks/profile_stream.py --repeat 30 --no-cprofile
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
from typing import Any, List, Optional

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import contenders  # noqa: E402
import harness  # noqa: E402


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--format", default="anthropic", choices=["anthropic", "openai"])
    parser.add_argument("--deltas", type=int, default=20000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--no-cprofile", action="store_true")
    args = parser.parse_args(argv)

    import llmsdk._engine.worker as worker

    worker_profile = cProfile.Profile()
    real_pump = worker.pump

    def profiled_pump(*a: Any, **kw: Any) -> Any:
        worker_profile.enable()
        try:
            return real_pump(*a, **kw)
        finally:
            worker_profile.disable()

    if not args.no_cprofile:
        worker.pump = profiled_pump  # type: ignore[assignment]
    consumer_profile = cProfile.Profile()
    with harness.ServerProcess() as server:
        player = contenders.Llmsdk(args.format, server.base(args.format, f"s{args.deltas}"))
        for _ in range(args.repeat):
            if not args.no_cprofile:
                consumer_profile.enable()
            gen, close = player.texts()
            for _text in gen:
                pass
            close()
            consumer_profile.disable()
    if args.no_cprofile:
        return
    for name, prof in (("worker thread (pump)", worker_profile), ("consumer thread", consumer_profile)):
        out = io.StringIO()
        pstats.Stats(prof, stream=out).sort_stats("tottime").print_stats(args.top)
        print(f"==== {name} ====")
        print(out.getvalue())


if __name__ == "__main__":
    main()
