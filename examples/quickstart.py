"""llmsdk in one plain script: a whole reply, a streamed reply, a tool loop, usage and cost.

    ANTHROPIC_API_KEY=sk-ant-... python examples/quickstart.py    # the real API
    python examples/quickstart.py                                 # offline: a local fake server answers

No asyncio anywhere: ``send()`` starts a worker thread that reads the HTTP stream, and you
iterate its events like any other iterator.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any, Optional, Tuple

try:
    import llmsdk  # noqa: F401
except ImportError:  # run from a source checkout without installing: use the checkout
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from llmsdk import HttpClientOptions, LLMClient, LLMMessage, LLMRequest, Timeouts  # noqa: E402
from llmsdk.errors import LLMError  # noqa: E402
from llmsdk.tools import tool  # noqa: E402

MODEL = "claude-haiku-4-5"


@tool
def get_weather(city: str) -> str:
    """Current weather for a city.

    Args:
        city: City name, e.g. "Paris".
    """
    return f"18°C and sunny in {city}"


def make_client() -> Tuple[LLMClient, Optional[Any]]:
    """The real API when ANTHROPIC_API_KEY is set, else a scripted local server."""
    timeouts = Timeouts(connect=10, read=120)
    if os.environ.get("ANTHROPIC_API_KEY"):
        return LLMClient.from_env("anthropic", timeouts=timeouts), None
    from llmsdk.testing import FakeProviderServer
    from llmsdk.testing import anthropic as scripted

    fake = FakeProviderServer().start()
    fake.add_reply(
        scripted.text_reply("Hello! (offline: this is a local fake server)"),
        scripted.text_reply("Threads share memory; processes do not. Use threads for I/O-bound work.", chunk=6),
        scripted.tool_use_reply("get_weather", {"city": "Paris"}),
        scripted.text_reply("It is 18°C and sunny in Paris."),
    )
    print("(offline mode: set ANTHROPIC_API_KEY to use the real API)\n")
    return LLMClient.new_anthropic(HttpClientOptions.new_anthropic("offline-demo", api_base=fake.url,
                                                                   timeouts=timeouts)), fake


def main() -> int:
    client, fake = make_client()
    try:
        with client:
            # 1. one request, the whole reply
            response = client.complete(LLMRequest(model=MODEL, messages=[LLMMessage.user("Say hello.")],
                                                  max_tokens=200))
            print("complete():", response.text)

            # 2. streaming: text deltas as they arrive
            print("\nstream:     ", end="")
            request = LLMRequest(model=MODEL, messages=[LLMMessage.user("Threads vs processes, in two sentences.")],
                                 max_tokens=200)
            with client.send(request) as stream:
                for text in stream.text_stream():
                    print(text, end="", flush=True)
            print()

            # 3. tools from plain functions: the loop runs get_weather and feeds the result back
            final, transcript = client.run_tools(
                LLMRequest(model=MODEL, messages=[LLMMessage.user("What's the weather in Paris?")], max_tokens=300),
                [get_weather])
            print("\nrun_tools():", final.text, f"({len(transcript)} messages)")

            # 4. usage and cost over everything this client sent
            cost = client.get_cost()
            print(f"\nusage: {client.get_usage()}\ncost:  ${cost:.6f}")
    except LLMError as exc:
        print(f"error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    finally:
        if fake is not None:
            fake.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
