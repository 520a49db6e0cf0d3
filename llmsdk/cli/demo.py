"""``llmsdk demo``: an offline tour through the real client stack.

Starts ``FakeProviderServer`` on 127.0.0.1, then streams a reply and runs a tool call
through ``LLMClient`` exactly as it would against Anthropic — HTTP, the worker thread,
SSE parsing, the event stream — with no network and no API key.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

DEMO_KEY = "demo-key-not-secret"


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser("demo", help="offline demo: stream a reply and a tool call from a local fake server")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from llmsdk import HttpClientOptions, LLMClient, LLMEvent, LLMMessage, LLMRequest, TextContent, Tool
    from llmsdk.testing import FakeProviderServer
    from llmsdk.testing import anthropic as scripted

    out = sys.stdout
    out.write("llmsdk demo — OFFLINE: replies come from a local fake server, not a real model.\n\n")
    weather = Tool("get_weather", "Current weather for a city",
                   {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]})
    with FakeProviderServer() as server:
        server.add_reply(
            scripted.text_reply("Hello! I am streaming through llmsdk: HTTP, a worker thread, SSE parsing "
                                "and typed events, all real.", chunk=6),
            scripted.tool_use_reply("get_weather", {"city": "Paris"}, tool_id="toolu_demo_1",
                                    text="Let me check the weather."),
            scripted.text_reply("It is 18°C and sunny in Paris."),
        )
        options = HttpClientOptions.new_anthropic(DEMO_KEY, api_base=server.url)
        with LLMClient.new_anthropic(options) as client:
            model = "claude-haiku-4-5"
            request = LLMRequest(model=model, messages=[LLMMessage.user("Say hello.")])
            out.write("> Say hello.\n")
            with client.send(request) as stream:
                for text in stream.text_stream():
                    out.write(text)
                    out.flush()
            out.write("\n\n> What's the weather in Paris?\n")
            messages = [LLMMessage.user("What's the weather in Paris?")]
            request = LLMRequest(model=model, messages=messages, tools=[weather])
            response = client.complete(request)
            out.write(response.text + "\n")
            for call in response.tool_uses:
                out.write(f"[tool call] {call.name}({call.input}) -> 18°C, sunny\n")
                messages += [response.to_message(), LLMMessage.tool_result(call.id, "18°C, sunny")]
            request = LLMRequest(model=model, messages=messages, tools=[weather])
            for event in client.send(request):
                if isinstance(event, LLMEvent.PartialContent) and isinstance(event.content, TextContent):
                    out.write(event.content.text)
                elif isinstance(event, LLMEvent.Stop):
                    out.write(f"\n[stop: {event.reason}, usage: {event.usage.input_tokens} in / "
                              f"{event.usage.output_tokens} out]\n")
            total = client.get_usage()
            out.write(f"\nTotal usage over {len(server.requests)} requests: "
                      f"{total.input_tokens} input, {total.output_tokens} output tokens.\n")
    return 0
