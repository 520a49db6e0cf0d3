"""partial_objects() on a ~6 KB structured reply whose strings hold raw newlines (not
strict JSON: the case that went cubic), fed in 4-character deltas. Prints the CPU time
of each of several alternated runs: strict JSON vs raw newlines.

    PYTHONPATH=. python benchmarks/bench_partial_objects.py
"""

from __future__ import annotations

import json
import time

from llmsdk._structured.replies import partial_objects
from llmsdk.events import PartialContent
from llmsdk.types import TextContent


def reply(raw_newlines: bool) -> str:
    items = {f"key_{i}": f"line one\nline two of item {i}" for i in range(180)}
    text = json.dumps(items)
    return text.replace("\\n", "\n") if raw_newlines else text


def run(text: str) -> float:
    events = [PartialContent(0, TextContent(text[i:i + 4])) for i in range(0, len(text), 4)]
    start = time.process_time()
    values = list(partial_objects(events))
    last = values[-1]
    assert isinstance(last, dict) and len(last) == 180
    return time.process_time() - start


def main() -> None:
    strict, raw = reply(False), reply(True)
    print(f"reply: {len(raw)} chars, {len(raw) // 4} deltas")
    for _ in range(5):
        print(f"strict {run(strict) * 1000:7.1f} ms   raw newlines {run(raw) * 1000:7.1f} ms")


if __name__ == "__main__":
    main()
