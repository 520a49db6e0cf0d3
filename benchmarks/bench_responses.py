"""OpenAI Responses streams: how fast llmsdk reads one long reply, next to the official
``openai`` SDK reading the same bytes, and the pure processor next to Chat Completions'.
Run by hand (it is not a test):

    pip install openai
    python benchmarks/bench_responses.py [--deltas 20000] [--repeat 5]

Served by FakeProviderServer on 127.0.0.1 (chunked, every event its own write). Prints
the best of ``--repeat`` runs.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Callable, List

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from llmsdk import HttpClientOptions, LLMClient, LLMMessage, LLMRequest  # noqa: E402
from llmsdk._engine.sse import feed  # noqa: E402
from llmsdk.providers.openai.responses_stream import ResponsesStreamProcessor  # noqa: E402
from llmsdk.providers.openai.stream import OpenAIStreamProcessor  # noqa: E402
from llmsdk.testing import FakeProviderServer, ScriptedReply  # noqa: E402
from llmsdk.testing.openai import ChatStream  # noqa: E402
from llmsdk.testing.openai_responses import ResponsesStream  # noqa: E402


def best(fn: Callable[[], object], repeat: int) -> float:
    times: List[float] = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--deltas", type=int, default=20000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    text = "word " * args.deltas
    responses = ResponsesStream().created().text(text, chunk=5).completed().events()
    chat = ChatStream("openai").role().text(text, chunk=5).finish().done().events()

    pure_responses = best(lambda: feed(ResponsesStreamProcessor(), responses), args.repeat)
    pure_chat = best(lambda: feed(OpenAIStreamProcessor(), chat), args.repeat)
    print(f"pure processor, {args.deltas} text deltas:")
    print(f"  responses  {pure_responses * 1000:8.1f} ms  ({args.deltas / pure_responses:,.0f} deltas/s)")
    print(f"  chat       {pure_chat * 1000:8.1f} ms  ({args.deltas / pure_chat:,.0f} deltas/s)")

    with FakeProviderServer() as server:
        options = HttpClientOptions.new_openai("k", api_base=server.url, api="responses")
        request = LLMRequest(model="gpt-5.4-mini", messages=[LLMMessage.user("hi")])
        with LLMClient.new(options) as client:
            def ours() -> None:
                server.add_reply(ScriptedReply.sse(responses))
                assert client.complete(request).text == text

            ours_time = best(ours, args.repeat)
        try:
            import openai
        except ImportError:
            print("end to end: llmsdk", f"{ours_time * 1000:.1f} ms; install openai to compare")
            return
        sdk = openai.OpenAI(api_key="k", base_url=server.url + "/v1", max_retries=0)

        def theirs() -> None:
            server.add_reply(ScriptedReply.sse(responses))
            got = "".join(e.delta for e in sdk.responses.create(model="gpt-5.4-mini", input="hi", stream=True)
                          if e.type == "response.output_text.delta")
            assert got == text

        theirs_time = best(theirs, args.repeat)
        sdk.close()
    print(f"end to end over HTTP, {args.deltas} deltas (best of {args.repeat}):")
    print(f"  llmsdk complete()               {ours_time * 1000:8.1f} ms")
    print(f"  openai SDK responses.create()   {theirs_time * 1000:8.1f} ms  ({theirs_time / ours_time:.2f}x llmsdk)")


if __name__ == "__main__":
    main()
