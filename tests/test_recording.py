"""``LLMSDK_RECORD_DIR``: every exchange written as a transcript the pure tests can
replay, the API key never in it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Dict, List

import pytest

from llmsdk import HttpClientOptions, LLMClient, LLMEvent, TextContent
from llmsdk._core.accumulate import accumulate
from llmsdk._engine.recording import ENV_VAR
from llmsdk._engine.sse import feed
from llmsdk.errors import AuthenticationError
from llmsdk.providers.anthropic.stream import AnthropicStreamProcessor
from llmsdk.providers.openai.stream import OpenAIStreamProcessor
from llmsdk.testing import ScriptedReply
from llmsdk.testing import anthropic as A
from llmsdk.testing import openai as O

from .conftest import TEST_KEY, gated_sse, simple_request, stream_threads, wait_until


def exchanges(directory: Path) -> Dict[str, List[Path]]:
    """Recorded files grouped by exchange name."""
    out: Dict[str, List[Path]] = {}
    for path in sorted(directory.iterdir()):
        out.setdefault(path.name.split(".", 1)[0], []).append(path)
    return out


def assert_key_absent(directory: Path) -> None:
    for path in directory.iterdir():
        assert TEST_KEY.encode() not in path.read_bytes(), path.name


def test_a_streamed_exchange_is_recorded_and_replays(server, anthropic_client, tmp_path, monkeypatch):
    monkeypatch.setenv(ENV_VAR, str(tmp_path))
    reply = A.text_reply("Recorded, then replayed.", chunk=5)
    server.add_reply(reply)
    resp = anthropic_client().complete(simple_request("Hi"))

    (name, files), = exchanges(tmp_path).items()
    assert name.startswith("anthropic-") and [p.suffix for p in files] == [".json", ".json", ".sse"]
    request = json.loads((tmp_path / f"{name}.request.json").read_text())
    assert request["method"] == "POST" and request["url"].endswith("/v1/messages")
    assert request["body"]["model"] == "claude-haiku-4-5"
    assert not {"x-api-key", "authorization"} & {k.lower() for k in request["headers"]}
    response = json.loads((tmp_path / f"{name}.response.json").read_text())
    assert response["status"] == 200 and response["body_file"] == f"{name}.sse"
    raw = (tmp_path / f"{name}.sse").read_bytes()
    assert raw == reply.body_bytes()  # as sent, chunk framing undone
    replayed = accumulate(feed(AnthropicStreamProcessor(), [raw]))
    assert replayed.text == resp.text and replayed.usage == resp.usage
    assert_key_absent(tmp_path)


def test_an_error_reply_is_recorded_with_the_key_masked(server, anthropic_client, tmp_path, monkeypatch):
    monkeypatch.setenv(ENV_VAR, str(tmp_path))
    server.add_reply(A.error_reply(401, f"invalid x-api-key {TEST_KEY}", error_type="authentication_error"))
    with pytest.raises(AuthenticationError):
        anthropic_client(max_retries=0).complete(simple_request())
    (name, _files), = exchanges(tmp_path).items()
    body = json.loads((tmp_path / f"{name}.json").read_text())
    assert body["error"]["type"] == "authentication_error" and "**********" in body["error"]["message"]
    assert json.loads((tmp_path / f"{name}.response.json").read_text())["status"] == 401
    assert_key_absent(tmp_path)


def test_a_stream_closed_early_keeps_what_arrived(server, anthropic_client, tmp_path, monkeypatch, gate):
    monkeypatch.setenv(ENV_VAR, str(tmp_path))
    pieces = A.text_reply("xyz", chunk=1).body
    server.add_reply(gated_sse([*pieces[:3], gate, *pieces[3:]]))
    stream = anthropic_client().send(simple_request())
    assert stream.recv(timeout=10) == LLMEvent.PartialContent(0, TextContent("x"))
    stream.close()
    (name, _files), = exchanges(tmp_path).items()
    # the worker writes the body as it stops, on its own thread: wait for the thread to end
    # (the file exists a moment before its bytes are in)
    assert wait_until(lambda: not stream_threads(), timeout=10)
    raw = (tmp_path / f"{name}.sse").read_bytes()
    assert raw.startswith(b"event: message_start") and b"message_stop" not in raw  # what arrived, no more


def test_every_provider_records_the_same_way(server, tmp_path, monkeypatch):
    monkeypatch.setenv(ENV_VAR, str(tmp_path))
    server.add_reply(O.text_reply("openai says hi"))
    options = HttpClientOptions.new_openai(TEST_KEY, api_base=server.url, max_retries=0)
    with LLMClient.new(options) as client:
        assert client.complete(simple_request(model="gpt-4o-mini")).text == "openai says hi"
    (name, _files), = exchanges(tmp_path).items()
    raw = (tmp_path / f"{name}.sse").read_bytes()
    assert accumulate(feed(OpenAIStreamProcessor(), [raw])).text == "openai says hi"
    request = json.loads((tmp_path / f"{name}.request.json").read_text())
    assert "authorization" not in {k.lower() for k in request["headers"]}
    assert_key_absent(tmp_path)


def test_json_calls_are_recorded_too(server, anthropic_client, tmp_path, monkeypatch):
    monkeypatch.setenv(ENV_VAR, str(tmp_path))
    server.route("/v1/messages/count_tokens", ScriptedReply.json(200, {"input_tokens": 12}))
    assert anthropic_client().count_tokens(simple_request()) == 12
    (name, _files), = exchanges(tmp_path).items()
    assert json.loads((tmp_path / f"{name}.json").read_text()) == {"input_tokens": 12}


def test_nothing_is_written_without_the_variable(server, anthropic_client, tmp_path, monkeypatch):
    monkeypatch.delenv(ENV_VAR, raising=False)
    monkeypatch.chdir(tmp_path)
    server.add_reply(A.text_reply("quiet"))
    anthropic_client().complete(simple_request())
    assert list(tmp_path.iterdir()) == []
