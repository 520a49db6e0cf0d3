"""Plug your own provider into llmsdk without forking it.

``MyCustomProvider`` serves ``my-custom-model`` ($1.00 / $2.00 per million input /
output tokens) and streams OpenAI-style Server-Sent Events from
``POST {api_base}/v1/chat/completions``. Everything provider-specific lives in this file:

1. ``format_request``        -- pure: ``LLMRequest`` -> JSON body;
2. ``MyCustomStreamProcessor`` -- pure: SSE events -> ``LLMEvent``s;
3. ``MyCustomAdapter``        -- the endpoint, the headers, and the two pieces above;
4. ``MyCustomProvider`` / ``MyCustomModel`` and ``register()`` -- tell llmsdk about them.

Threads, retries, timeouts, errors, usage totals, costs and history then come from
llmsdk, exactly as for the built-in providers.

Run it: ``python examples/custom_provider.py``. It starts a local fake server that
answers like the real service would, so it needs no network and no key. Walkthrough:
``docs/custom_providers.md``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Union

try:
    import llmsdk  # noqa: F401
except ImportError:  # run from a source checkout without installing: use the checkout
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from llmsdk import (  # noqa: E402
    HttpClientOptions, LLMClient, LLMEvent, LLMMessage, LLMModelBuilder, LLMProvider, LLMRequest,
    ModelCapabilitiesBuilder, StopReason, TextContent, Usage, register_model, register_provider,
)
from llmsdk.errors import make_stream_error  # noqa: E402
from llmsdk.events import PartialContent, Stop  # noqa: E402  (the classes behind LLMEvent.*)
from llmsdk.providers.base import ProviderAdapter, StreamProcessor, join_url, parse_json_event  # noqa: E402

PROVIDER_KEY = "my_custom_provider"
MODEL_ID = "my-custom-model"
INPUT_PRICE_PER_MTOK = 1.00
OUTPUT_PRICE_PER_MTOK = 2.00


# 1. Request formatting: pure data in, pure data out. ------------------------------------


def format_request(request: LLMRequest) -> Dict[str, Any]:
    """The JSON body for ``request``: OpenAI Chat Completions shape, streaming on."""
    messages: List[Dict[str, Any]] = []
    system = request.system_prompt()
    if system:
        messages.append({"role": "system", "content": system})
    for message in request.chat_messages():
        text = "".join(b.text for b in message.blocks if isinstance(b, TextContent))
        messages.append({"role": message.role, "content": text})
    body: Dict[str, Any] = {
        "model": request.model_id,
        "messages": messages,
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    if request.max_tokens is not None:
        body["max_tokens"] = request.max_tokens
    if request.temperature is not None:
        body["temperature"] = request.temperature
    if request.stop_sequences:
        body["stop"] = request.stop_sequences
    return body


# 2. Stream processing: one SSE event in, zero or more LLMEvents out. ---------------------

StreamEvent = Union[PartialContent, Stop]  # the LLMEvents this provider produces

FINISH_REASONS = {"stop": StopReason.END_TURN, "length": StopReason.MAX_TOKENS}


class MyCustomStreamProcessor(StreamProcessor):
    """Reads ``data: {chunk}`` events until ``data: [DONE]``.

    Text deltas become ``LLMEvent.PartialContent(0, TextContent(delta))``; the terminator
    becomes ``LLMEvent.Stop(reason, usage)``. ``prompt_tokens`` counts cached tokens too,
    so they are split out: llmsdk's ``Usage.input_tokens`` is uncached input only.
    """

    provider = PROVIDER_KEY

    def __init__(self) -> None:
        super().__init__()
        self.stop_reason: Optional[StopReason] = None

    def process(self, event: str, data: str) -> Sequence[StreamEvent]:
        if data.strip() == "[DONE]":
            self.done = True  # without this, finish() reports a dropped connection
            return [LLMEvent.Stop(self.stop_reason, self.usage)]
        chunk = parse_json_event(data)  # raises MalformedEventError on bad JSON
        if "error" in chunk:
            error = chunk["error"]
            raise make_stream_error(error.get("message", "error"), error_type=error.get("type"),
                                    provider=self.provider)
        self.response_id = chunk.get("id", self.response_id)
        self.model = chunk.get("model", self.model)
        if chunk.get("usage"):
            self.usage = self._usage(chunk["usage"])
        events: List[StreamEvent] = []
        for choice in chunk.get("choices") or []:
            delta = choice.get("delta") or {}
            if delta.get("content"):
                events.append(LLMEvent.PartialContent(0, TextContent(delta["content"])))
            if choice.get("finish_reason"):
                self.stop_reason = FINISH_REASONS.get(choice["finish_reason"], StopReason.OTHER)
        return events

    @staticmethod
    def _usage(raw: Dict[str, Any]) -> Usage:
        cached = (raw.get("prompt_tokens_details") or {}).get("cached_tokens") or 0
        return Usage(input_tokens=raw.get("prompt_tokens", 0) - cached,
                     output_tokens=raw.get("completion_tokens", 0), cache_reads=cached)


# 3. The adapter: where to send, how to authenticate, which pieces to use. ----------------


class MyCustomAdapter(ProviderAdapter):
    """``POST {api_base}/v1/chat/completions`` with a bearer key."""

    name = PROVIDER_KEY

    def endpoint(self, api_base: str, request: LLMRequest) -> str:
        return join_url(api_base, "/v1/chat/completions")

    def auth_headers(self, api_key: Optional[str]) -> Dict[str, str]:
        return {"Authorization": f"Bearer {api_key}"} if api_key else {}

    def request_body(self, request: LLMRequest) -> Dict[str, Any]:
        return format_request(request)

    def stream_processor(self, request: LLMRequest) -> StreamProcessor:
        return MyCustomStreamProcessor()


# 4. The provider, its model and its price. -------------------------------------------------


def my_custom_model_cost(usage: Usage) -> float:
    """USD for one call: $1.00 per million input tokens (cached or not), $2.00 per million output."""
    input_tokens = usage.input_tokens + usage.cache_reads + usage.cache_writes
    return (input_tokens * INPUT_PRICE_PER_MTOK + usage.output_tokens * OUTPUT_PRICE_PER_MTOK) / 1_000_000


MyCustomProvider = LLMProvider(
    PROVIDER_KEY,
    "My Custom Provider",
    adapter=MyCustomAdapter,
    default_model=MODEL_ID,
    env_var="MY_CUSTOM_PROVIDER_API_KEY",
    default_api_base="https://api.my-custom-provider.example",
)

MyCustomModel = (
    LLMModelBuilder()
    .model_name(MODEL_ID)
    .display_name("My Custom Model")
    .provider(MyCustomProvider)
    .capabilities(ModelCapabilitiesBuilder().with_streaming().build())
    .context_window(128_000)
    .max_output_tokens(8_192)
    .cost_calculation(my_custom_model_cost)
    .build()
)


def register() -> None:
    """Make ``my_custom_provider`` and ``my-custom-model`` known to llmsdk (idempotent)."""
    register_provider(MyCustomProvider)
    register_model(MyCustomModel)


# -- run it against a local stand-in for the real service ------------------------------------


def scripted_reply(text: str, *, prompt_tokens: int, completion_tokens: int) -> Any:
    """What the service streams for ``text``: OpenAI-style chunks, usage, ``[DONE]``."""
    from llmsdk.testing import ScriptedReply, sse_event

    def chunk(**fields: Any) -> Dict[str, Any]:
        return {"id": "chatcmpl-demo", "object": "chat.completion.chunk", "model": MODEL_ID, **fields}

    words = [w + " " for w in text.split(" ")]
    words[-1] = words[-1].rstrip()
    events = [sse_event(chunk(choices=[{"index": 0, "delta": {"role": "assistant", "content": ""},
                                        "finish_reason": None}]))]
    events += [sse_event(chunk(choices=[{"index": 0, "delta": {"content": w}, "finish_reason": None}]))
               for w in words]
    events.append(sse_event(chunk(choices=[{"index": 0, "delta": {}, "finish_reason": "stop"}])))
    events.append(sse_event(chunk(choices=[], usage={"prompt_tokens": prompt_tokens,
                                                     "completion_tokens": completion_tokens,
                                                     "total_tokens": prompt_tokens + completion_tokens})))
    events.append(sse_event("[DONE]"))
    return ScriptedReply.sse(events)


def main() -> int:
    from llmsdk.testing import FakeProviderServer

    register()
    reply = "Hello from my-custom-model, streamed through llmsdk."
    with FakeProviderServer() as server:
        server.add_reply(scripted_reply(reply, prompt_tokens=1_200, completion_tokens=800))
        options = HttpClientOptions.for_provider(PROVIDER_KEY, api_key="demo-key", api_base=server.url)
        with LLMClient.new(options) as client:
            request = LLMRequest(model=MyCustomModel, messages=[LLMMessage.user("Say hello.")], max_tokens=100)
            stream = client.send(request)
            for text in stream.text_stream():
                print(text, end="", flush=True)
            print()
            response = stream.final_response()
            sent = server.requests[0]
            print(f"sent: POST {sent.path} {json.dumps(sent.json['messages'])}")
            print(f"usage: {response.usage.input_tokens} input + {response.usage.output_tokens} output tokens")
            print(f"cost: ${response.cost:.6f}  (client total ${client.get_cost():.6f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
