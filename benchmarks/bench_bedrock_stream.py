"""Stream CPU per event: Bedrock's AWS event-stream paths against the Anthropic SSE path
on the same content (issue 24's target: within 1.5x).

Pure parsing, no HTTP: each body is built once (N text deltas of 8 characters, a
tool call and usage, each event its own read, as a server that flushes per event
sends it) and fed through ``llmsdk._engine.sse.feed`` with the matching processor:

* ``anthropic-sse``: the Anthropic SSE body, ``AnthropicStreamProcessor``;
* ``bedrock-claude``: the same Anthropic events, base64 in ``chunk`` frames
  (InvokeModelWithResponseStream), ``ClaudeInvokeStreamProcessor``;
* ``bedrock-converse``: the same text as ConverseStream frames, ``ConverseStreamProcessor``.

Runs alternate (A, B, C, A, B, C, ...) so drift on a shared machine hits every contender
alike; the median of ``--rounds`` process-CPU timings is reported with the spread
(min-max) as the noise estimate.

Run: ``python benchmarks/bench_bedrock_stream.py [--events 5000] [--rounds 15]``
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from typing import Callable, Dict, List, Tuple

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from llmsdk._engine.sse import feed  # noqa: E402
from llmsdk.providers.anthropic.stream import AnthropicStreamProcessor  # noqa: E402
from llmsdk.providers.bedrock.stream import ClaudeInvokeStreamProcessor, ConverseStreamProcessor  # noqa: E402
from llmsdk.testing import ScriptedReply, anthropic, bedrock  # noqa: E402


def bodies(events: int) -> Dict[str, Tuple[List[bytes], Callable[[], object]]]:
    text = "".join(f"word{i:03d} " for i in range(events))[: events * 8]
    sse = ScriptedReply.sse(anthropic.stream([anthropic.text_block(0, text, chunk=8),
                            anthropic.tool_use_block(1, "get_weather", {"city": "Paris"})]))
    claude = bedrock.claude_reply(sse)
    converse = bedrock.stream([bedrock.text_block(0, text, chunk=8),
                               bedrock.tool_use_block(1, "get_weather", {"city": "Paris"})])
    pieces = lambda reply: [p for p in reply.body if isinstance(p, bytes)]  # noqa: E731
    return {
        "anthropic-sse": (pieces(sse), AnthropicStreamProcessor),
        "bedrock-claude": (pieces(claude), ClaudeInvokeStreamProcessor),
        "bedrock-converse": (pieces(converse), ConverseStreamProcessor),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    contenders = bodies(args.events)
    counts = {name: len(feed(make(), chunks)) for name, (chunks, make) in contenders.items()}
    timings: Dict[str, List[float]] = {name: [] for name in contenders}
    for _ in range(args.rounds):
        for name, (chunks, make) in contenders.items():
            started = time.process_time()
            feed(make(), chunks)
            timings[name].append(time.process_time() - started)
    base = statistics.median(timings["anthropic-sse"])
    print(f"{args.events} text deltas + a tool call, {args.rounds} alternated rounds, process CPU")
    for name, values in timings.items():
        median = statistics.median(values)
        per_event = median / counts[name] * 1e6
        print(f"{name:18s} median {median * 1000:7.2f} ms  ({min(values) * 1000:.2f}-{max(values) * 1000:.2f})  "
              f"{per_event:5.2f} us/event  {median / base:4.2f}x anthropic-sse  ({counts[name]} events)")


if __name__ == "__main__":
    main()
