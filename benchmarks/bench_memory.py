"""Memory a long stream holds while it is read: 20,000 text deltas through ``send()``,
measured with tracemalloc at event 15,000 and at the peak (run by hand).

    python benchmarks/bench_memory.py [--deltas 20000]

The reducer keeps what the response needs (text joined as it grows), not every event.
"""

from __future__ import annotations

import argparse
import os
import sys
import tracemalloc
from typing import List, Optional

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from llmsdk import HttpClientOptions, LLMClient, LLMMessage, LLMRequest  # noqa: E402
from llmsdk.testing import FakeProviderServer  # noqa: E402
from llmsdk.testing import anthropic as A  # noqa: E402


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--deltas", type=int, default=20000)
    args = parser.parse_args(argv)
    with FakeProviderServer() as server:
        server.add_reply(A.text_reply("ab" * args.deltas, chunk=2))
        client = LLMClient.new_anthropic(HttpClientOptions.new_anthropic("k", api_base=server.url))
        stream = client.send(LLMRequest(model="claude-haiku-4-5", messages=[LLMMessage.user("hi")]))
        tracemalloc.start()
        held = 0
        for n, _event in enumerate(stream, 1):
            if n == args.deltas * 3 // 4:
                held = tracemalloc.get_traced_memory()[0]
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    print(f"{args.deltas} deltas: {held / 1e6:.2f} MB held at three quarters, peak {peak / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
