"""``examples/custom_provider.py`` end to end: its pure pieces, the whole client stack over
real HTTP (FakeProviderServer), and the script itself as a subprocess."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any, Iterator, List

import pytest

from llmsdk import HttpClientOptions, LLMClient, LLMEvent, LLMMessage, LLMRequest, TextContent, Usage
from llmsdk.errors import (
    AuthenticationError, IncompleteStreamError, MalformedEventError, OverloadedError, ProviderStreamError,
)
from llmsdk.models import get_model, unregister_model
from llmsdk.providers import get_provider, unregister_provider
from llmsdk.testing import FakeProviderServer, ScriptedReply, sse_event
from llmsdk.types import StopReason

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "custom_provider.py"


@pytest.fixture
def example() -> Iterator[ModuleType]:
    """The example, imported as a user's module would be, and registered; unregistered after."""
    spec = importlib.util.spec_from_file_location("custom_provider_example", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.register()
    yield module
    unregister_provider(module.PROVIDER_KEY)
    unregister_model(module.MyCustomModel)


def client_for(example: ModuleType, server: FakeProviderServer) -> LLMClient:
    return LLMClient.new(HttpClientOptions.for_provider(example.PROVIDER_KEY, "test-key", server.url))


def ask(model: Any, text: str = "Say hello.") -> LLMRequest:
    return LLMRequest(model=model, messages=[LLMMessage.user(text)])


# -- the pure pieces ------------------------------------------------------------------------


def test_request_formatting_is_pure_data(example: ModuleType) -> None:
    request = LLMRequest(model="my-custom-model", system="Be brief.", max_tokens=50, temperature=0.2, stop="END",
                         messages=[LLMMessage.user("Hi"), LLMMessage.assistant("Hello"), LLMMessage.user("Again")])
    assert example.format_request(request) == {
        "model": "my-custom-model",
        "messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"},
                     {"role": "assistant", "content": "Hello"}, {"role": "user", "content": "Again"}],
        "stream": True, "stream_options": {"include_usage": True},
        "max_tokens": 50, "temperature": 0.2, "stop": ["END"],
    }


def test_stream_processor_from_a_transcript(example: ModuleType) -> None:
    processor = example.MyCustomStreamProcessor()
    events: List[Any] = []
    for data in [
        '{"id":"c1","model":"my-custom-model","choices":[{"index":0,"delta":{"role":"assistant","content":""}}]}',
        '{"id":"c1","choices":[{"index":0,"delta":{"content":"Hi "}}]}',
        '{"id":"c1","choices":[{"index":0,"delta":{"content":"there"},"finish_reason":"length"}]}',
        '{"id":"c1","choices":[],"usage":{"prompt_tokens":50,"completion_tokens":7,'
        '"prompt_tokens_details":{"cached_tokens":20}}}',
        "[DONE]",
    ]:
        events.extend(processor.process("message", data))
    usage = Usage(input_tokens=30, output_tokens=7, cache_reads=20)
    assert events == [LLMEvent.PartialContent(0, TextContent("Hi ")), LLMEvent.PartialContent(0, TextContent("there")),
                      LLMEvent.Stop(StopReason.MAX_TOKENS, usage)]
    assert (processor.response_id, processor.model, processor.done) == ("c1", "my-custom-model", True)
    assert processor.finish() == ()


def test_stream_processor_errors(example: ModuleType) -> None:
    with pytest.raises(IncompleteStreamError):
        example.MyCustomStreamProcessor().finish()  # no [DONE]: the connection dropped
    with pytest.raises(MalformedEventError):
        example.MyCustomStreamProcessor().process("message", "{not json")
    with pytest.raises(ProviderStreamError) as info:
        example.MyCustomStreamProcessor().process("message", '{"error":{"type":"overloaded_error","message":"busy"}}')
    assert isinstance(info.value, OverloadedError) and "busy" in str(info.value)


def test_cost_function(example: ModuleType) -> None:
    model = example.MyCustomModel
    assert model.calculate_cost(Usage(1_000_000, 1_000_000)) == pytest.approx(3.00)
    assert model.calculate_cost(Usage(1_200, 800)) == pytest.approx(0.0028)
    assert model.calculate_cost(Usage(0, 0, cache_reads=1_000_000)) == pytest.approx(1.00)


# -- registered, through the whole client ---------------------------------------------------


def test_registration_is_visible_everywhere(example: ModuleType) -> None:
    provider = get_provider("my_custom_provider")
    assert provider is example.MyCustomProvider and provider.name() == "My Custom Provider"
    assert provider.default_model() is example.MyCustomModel
    assert get_model("my-custom-model") is get_model("my_custom_provider/my-custom-model") is example.MyCustomModel
    caps = example.MyCustomModel.capabilities
    assert caps.streaming and not caps.tools
    example.register()  # idempotent: the same objects stay registered
    assert get_provider("my_custom_provider") is provider and get_model("my-custom-model") is example.MyCustomModel


def test_streams_and_prices_over_http(example: ModuleType, server: FakeProviderServer) -> None:
    server.add_reply(example.scripted_reply("One two three", prompt_tokens=1_000, completion_tokens=500),
                     example.scripted_reply("four", prompt_tokens=10, completion_tokens=10))
    with client_for(example, server) as client:
        with client.send(ask(example.MyCustomModel)) as stream:
            events = list(stream)
        assert [e.content.text for e in events if isinstance(e, LLMEvent.PartialContent)] == ["One ", "two ", "three"]
        assert events[-1] == LLMEvent.Stop(StopReason.END_TURN, Usage(1_000, 500))
        second = client.complete(ask("my-custom-model"))  # a plain id string finds the same model
        assert second.text == "four" and second.cost == pytest.approx(30 / 1e6)
        assert second.id == "chatcmpl-demo" and second.model == "my-custom-model"
        assert client.get_usage() == Usage(1_010, 510)
        assert client.get_cost() == pytest.approx((1_000 + 500 * 2) / 1e6 + 30 / 1e6)
        assert client.get_cost("my-custom-model") == pytest.approx(client.get_cost())
    sent = server.requests[0]
    assert (sent.method, sent.path) == ("POST", "/v1/chat/completions")
    assert sent.headers["authorization"] == "Bearer test-key" and sent.headers["accept"] == "text/event-stream"
    assert sent.json["model"] == "my-custom-model" and sent.json["stream"] is True


def test_engine_errors_apply_to_the_custom_provider(example: ModuleType, server: FakeProviderServer) -> None:
    reply = example.scripted_reply("cut short here", prompt_tokens=5, completion_tokens=5)
    raw = reply.body_bytes()
    server.add_reply(ScriptedReply.json(401, {"error": {"type": "authentication_error", "message": "bad key"}}),
                     reply.truncated(raw.index(b'"here"')))  # the body ends inside the third chunk
    with client_for(example, server) as client:
        with pytest.raises(AuthenticationError, match="bad key"):
            client.complete(ask("my-custom-model"))
        with pytest.raises(IncompleteStreamError) as info:
            client.complete(ask("my-custom-model"))
    assert info.value.partial_response.text == "cut short "  # what arrived before the cut is kept


def test_mid_stream_error_event(example: ModuleType, server: FakeProviderServer) -> None:
    server.add_reply(ScriptedReply.sse([
        sse_event({"id": "c9", "choices": [{"index": 0, "delta": {"content": "Partial"}}]}),
        sse_event({"error": {"type": "overloaded_error", "message": "try later"}}),
    ]))
    options = HttpClientOptions.for_provider(example.PROVIDER_KEY, "test-key", server.url, max_retries=0)
    with LLMClient.new(options) as client:
        with pytest.raises(OverloadedError) as info:
            client.complete(ask("my-custom-model"))
    assert isinstance(info.value, ProviderStreamError) and "try later" in str(info.value)
    assert info.value.partial_response.text == "Partial"  # the text before the error is kept


def test_main_prints_the_reply_and_its_cost(example: ModuleType, capsys: pytest.CaptureFixture) -> None:
    assert example.main() == 0
    out = capsys.readouterr().out
    assert "Hello from my-custom-model, streamed through llmsdk." in out
    assert "cost: $0.002800" in out and "POST /v1/chat/completions" in out


def test_the_script_runs_as_a_subprocess() -> None:
    result = subprocess.run([sys.executable, str(EXAMPLE)], cwd=REPO, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "Hello from my-custom-model, streamed through llmsdk."
    assert lines[-1] == "cost: $0.002800  (client total $0.002800)"
