"""stream.partial_objects(): CPU per text delta for structured replies of growing size,
the incremental scanner (what partial_objects uses) against re-parsing the whole text with
parse_partial_json after every delta. Pure: no HTTP, run by hand.

    python benchmarks/bench_partial_objects.py
"""

from __future__ import annotations

import functools
import json
import time
from typing import Any, Callable, List

from llmsdk._core.partial_json import parse_partial_json
from llmsdk._structured.replies import partial_objects
from llmsdk.events import PartialContent
from llmsdk.types import TextContent

DELTA = 16  # characters per text delta, about 4 tokens


def reply(items: int) -> Any:
    return {"items": [{"name": f"item {i}", "price": i * 1.5, "tags": ["a", "b"]} for i in range(items)],
            "summary": "x" * 50}


def rescan(pieces: List[str]) -> None:
    text = ""
    for piece in pieces:
        text += piece
        try:
            parse_partial_json(text)
        except ValueError:
            pass


def consume(events: List[Any]) -> None:
    for _ in partial_objects(events):
        pass


def timed(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    print("| JSON chars | deltas | partial_objects total | per delta | re-parse each delta total | per delta |")
    print("|---:|---:|---:|---:|---:|---:|")
    for items in (20, 100, 400):
        text = json.dumps(reply(items))
        pieces = [text[i:i + DELTA] for i in range(0, len(text), DELTA)]
        events = [PartialContent(0, TextContent(p)) for p in pieces]
        ours = min(timed(functools.partial(consume, events)) for _ in range(3))
        theirs = min(timed(functools.partial(rescan, pieces)) for _ in range(3))
        n = len(pieces)
        print(f"| {len(text):,} | {n:,} | {ours * 1e3:.1f} ms | {ours / n * 1e6:.0f} us | "
              f"{theirs * 1e3:.1f} ms | {theirs / n * 1e6:.0f} us |")


if __name__ == "__main__":
    main()
