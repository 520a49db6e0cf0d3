"""A provider stream whose events have the wrong shape (a string where an object belongs, a
number for a list, null text) fails with llmsdk's ``MalformedEventError`` — never a bare
``TypeError``/``AttributeError`` from inside a stream processor. Every field of every event
of a short reply is replaced, one at a time, by each wrong kind of JSON value."""

from __future__ import annotations

import copy
import json
from typing import Any, Iterator, List, Tuple

import pytest
from sseclient import SSEClient

from llmsdk._engine.sse import feed
from llmsdk.errors import LLMError, MalformedEventError
from llmsdk.providers.anthropic.stream import AnthropicStreamProcessor
from llmsdk.providers.gemini.stream import GeminiStreamProcessor
from llmsdk.providers.openai.stream import OpenAIStreamProcessor
from llmsdk.testing import anthropic, gemini, openai

WRONG = [None, 5, "x", [], {}, [1], True]
WIRES = {
    "anthropic": (AnthropicStreamProcessor, anthropic.text_reply("Hello there")),
    "openai": (OpenAIStreamProcessor, openai.text_reply("Hello there")),
    "gemini": (GeminiStreamProcessor, gemini.text_reply("Hello there")),
}

Path = Tuple[Any, ...]


def paths(value: Any, prefix: Path = ()) -> Iterator[Path]:
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, inner in items:
        yield prefix + (key,)
        yield from paths(inner, prefix + (key,))


def replaced(value: Any, path: Path, new: Any) -> Any:
    out = copy.deepcopy(value)
    target = out
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = new
    return out


def sse(events: List[Tuple[str, str]]) -> bytes:
    return b"".join((f"event: {name}\n" if name != "message" else "").encode() + f"data: {data}\n\n".encode()
                    for name, data in events)


@pytest.mark.parametrize("wire", sorted(WIRES))
def test_every_field_of_the_wrong_kind_is_an_llm_error(wire: str) -> None:
    processor_class, reply = WIRES[wire]
    events = [(e.event, e.data) for e in SSEClient(iter([reply.body_bytes()])).events()]
    escaped: List[str] = []
    tried = 0
    for position, (_, data) in enumerate(events):
        try:
            payload = json.loads(data)
        except ValueError:
            continue  # [DONE]
        for path in list(paths(payload)):
            for wrong in WRONG:
                changed = list(events)
                changed[position] = (events[position][0], json.dumps(replaced(payload, path, wrong)))
                tried += 1
                try:
                    feed(processor_class(), [sse(changed)])
                except LLMError:
                    pass
                except Exception as exc:  # noqa: BLE001 - what the test is looking for
                    escaped.append(f"{events[position][0]} {path} = {wrong!r}: {exc!r}")
    assert tried > 100 and not escaped, escaped[:10]


def test_the_error_names_the_provider_the_cause_and_the_event() -> None:
    body = sse([("message_start", json.dumps({"type": "message_start", "message": "not an object"}))])
    with pytest.raises(MalformedEventError) as info:
        feed(AnthropicStreamProcessor(), [body])
    text = str(info.value)
    assert text.startswith("the anthropic stream sent an event of a shape llmsdk cannot read (AttributeError:")
    assert "not an object" in text and isinstance(info.value.__cause__, AttributeError)


@pytest.mark.parametrize("body", [{}, {"input_tokens": "many"}, {"input_tokens": None}, []])
def test_a_token_count_reply_without_a_count_is_a_transport_error(body: Any) -> None:
    from llmsdk import HttpClientOptions, LLMClient, LLMMessage, LLMRequest
    from llmsdk.errors import TransportError
    from llmsdk.testing import FakeProviderServer, ScriptedReply

    with FakeProviderServer() as server:
        server.route("/v1/messages/count_tokens", ScriptedReply.json(200, body))
        client = LLMClient.new(HttpClientOptions.new_anthropic("k", api_base=server.url, max_retries=0))
        with pytest.raises(TransportError, match="the token count reply holds no count llmsdk can read"):
            client.count_tokens(LLMRequest(model="claude-haiku-4-5", messages=[LLMMessage.user("Hi")]))
        client.close()
