"""The response cache: one upstream call per distinct request, hits that replay the wire's
events exactly, misses on any change, nothing stored from a failed, cut or closed call,
shared across threads, processes (SQLite) and machines (Redis)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path
from typing import Any, List

import pytest

from llmsdk import (DiskCache, HttpClientOptions, LLMClient, LLMMessage, LLMRequest, MemoryCache, RedisCache,
                    ThinkingOptions, Tool)
from llmsdk.errors import IncompleteStreamError, InvalidConfigError, InvalidRequestError, ServerError
from llmsdk.testing import FakeProviderServer, Pause, ScriptedReply, anthropic, openai

REPO = Path(__file__).resolve().parents[2]
WEATHER = Tool("get_weather", "Weather", {"type": "object", "properties": {"city": {"type": "string"}}})


def _client(server: FakeProviderServer, cache: Any, **kwargs: Any) -> LLMClient:
    return LLMClient.new(HttpClientOptions.new_anthropic("test-key", api_base=server.url, max_retries=0), cache=cache,
                         **kwargs)


def _request(text: str = "Hello", **fields: Any) -> LLMRequest:
    fields.setdefault("model", "claude-haiku-4-5")
    return LLMRequest(messages=[LLMMessage.user(text)], **fields)


def test_two_identical_requests_make_one_upstream_call() -> None:
    with FakeProviderServer() as server:
        server.add_reply(anthropic.text_reply("Hi there!"))
        client = _client(server, MemoryCache())
        first = client.complete(_request())
        again = client.complete(_request())
    assert len(server.requests) == 1
    assert not first.cached and again.cached
    assert again.text == first.text == "Hi there!"
    assert first.cost is not None and first.cost > 0
    assert again.cost == 0.0 and again.saved_cost == first.cost
    assert again.usage == first.usage and again.id == first.id
    assert client.get_cost() == first.cost and client.get_usage() == first.usage  # the hit billed nothing


def test_a_hit_replays_the_wire_events_exactly() -> None:
    reply = anthropic.ScriptedReply.sse(anthropic.stream([
        anthropic.thinking_block(0, "Let me think about the weather.", signature="SigAbc==", chunk=5),
        anthropic.text_block(1, "Checking.", chunk=3),
        anthropic.tool_use_block(2, "get_weather", {"city": "Paris"}, tool_id="toolu_9"),
    ], stop_reason="tool_use", output_tokens=40, cache_reads=7))
    request = _request("Weather?", tools=[WEATHER], thinking=ThinkingOptions(budget_tokens=1024), max_tokens=2048)
    with FakeProviderServer() as server:
        server.add_reply(reply)
        client = _client(server, MemoryCache())
        wire = list(client.send(request))
        replayed = list(client.send(request))
        final = client.send(request).final_response()
    assert len(server.requests) == 1
    assert replayed == wire  # event by event: thinking deltas, the signature, text, the tool call, usage
    assert [type(e).__name__ for e in wire].count("PartialContent") > 5
    assert final.cached and final.tool_uses[0].input == {"city": "Paris"}
    assert final.content[0].signature == "SigAbc==" and final.usage.cache_reads == 7


@pytest.mark.parametrize("change", [
    dict(text="Hello!"), dict(max_tokens=10), dict(temperature=0.5), dict(system="Be brief."),
    dict(tools=[WEATHER]), dict(stop=["END"]), dict(model="claude-sonnet-4-5"),
])
def test_any_field_change_misses(change: Any) -> None:
    with FakeProviderServer(default_reply=anthropic.text_reply("ok")) as server:
        client = _client(server, MemoryCache())
        client.complete(_request())
        fields = dict(change)
        text = fields.pop("text", "Hello")
        assert not client.complete(_request(text, **fields)).cached
    assert len(server.requests) == 2


def test_another_base_url_or_provider_misses() -> None:
    cache = MemoryCache()
    with FakeProviderServer(default_reply=anthropic.text_reply("ok")) as one, \
            FakeProviderServer(default_reply=anthropic.text_reply("ok")) as two:
        _client(one, cache).complete(_request())
        assert not _client(two, cache).complete(_request()).cached
        assert _client(one, cache).complete(_request()).cached
    assert len(one.requests) == 1 and len(two.requests) == 1


def test_cache_false_bypasses_the_cache() -> None:
    with FakeProviderServer(default_reply=anthropic.text_reply("ok")) as server:
        client = _client(server, MemoryCache())
        client.complete(_request(cache=False))
        client.complete(_request())
        assert not client.complete(_request(cache=False)).cached
        assert client.complete(_request()).cached
    assert len(server.requests) == 3


def test_nothing_is_stored_from_a_failed_cut_or_closed_call() -> None:
    with FakeProviderServer() as server:
        server.add_reply(anthropic.error_reply(500, "boom"), anthropic.truncated_reply("Hel"),
                         anthropic.text_reply("a long answer", chunk=1).with_pauses(0.01),
                         anthropic.text_reply("finally"), anthropic.text_reply("not asked"))
        client = _client(server, MemoryCache())
        with pytest.raises(ServerError):
            client.complete(_request())
        with pytest.raises(IncompleteStreamError):
            client.complete(_request())
        stream = client.send(_request())
        next(iter(stream))
        stream.close()  # closed early
        assert client.complete(_request()).text == "finally"
        assert client.complete(_request()).cached
    assert len(server.requests) == 4


def test_sixteen_threads_make_one_upstream_call() -> None:
    with FakeProviderServer() as server:
        server.add_reply(ScriptedReply.sse([Pause(0.2), *anthropic.text_reply("shared").body]))
        client = _client(server, MemoryCache())
        start = threading.Barrier(16)
        texts: List[str] = []
        lock = threading.Lock()

        def call() -> None:
            start.wait(timeout=10)
            text = "".join(client.send(_request()).text_stream())
            with lock:
                texts.append(text)

        threads = [threading.Thread(target=call) for _ in range(16)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
    assert texts == ["shared"] * 16
    assert len(server.requests) == 1


def test_parse_map_and_run_tools_use_the_cache() -> None:
    from dataclasses import dataclass

    @dataclass
    class City:
        name: str

    with FakeProviderServer() as server:
        server.add_reply(anthropic.json_reply({"name": "Paris"}), anthropic.text_reply("one"),
                         anthropic.text_reply("two"))
        client = _client(server, MemoryCache())
        assert client.parse(_request("Capital of France?"), City) == City("Paris")
        assert client.parse(_request("Capital of France?"), City) == City("Paris")  # parsed again from the hit
        requests = [("a", _request("one")), ("b", _request("two"))]
        first = client.map(requests, concurrency=1, progress=False)  # the scripted replies pair in order
        second = client.map(requests, progress=False)
        assert [r.response.text for r in second] == ["one", "two"] and all(r.response.cached for r in second)
        assert not any(r.response.cached for r in first)
        final, _ = client.run_tools(_request("one"), [])
        assert final.cached
    assert len(server.requests) == 3


def test_responses_api_replies_are_cached() -> None:
    from llmsdk.testing import openai_responses

    with FakeProviderServer() as server:
        server.add_reply(openai_responses.text_reply("from responses"))
        client = LLMClient.new(HttpClientOptions.new_openai("k", api_base=server.url, api="responses"),
                               cache=MemoryCache())
        request = LLMRequest(model="gpt-5.4-mini", messages=[LLMMessage.user("hi")])
        assert client.complete(request).text == client.complete(request).text == "from responses"
    assert len(server.requests) == 1


def test_disk_cache_is_shared_by_processes(tmp_path: Path) -> None:
    with FakeProviderServer() as server:
        server.add_reply(anthropic.text_reply("made in a child"))
        child = textwrap.dedent(f"""
            from llmsdk import DiskCache, HttpClientOptions, LLMClient, LLMMessage, LLMRequest
            client = LLMClient.new(HttpClientOptions.new_anthropic("test-key", api_base={server.url!r}),
                                   cache=DiskCache({str(tmp_path)!r}))
            print(client.complete(LLMRequest(model="claude-haiku-4-5", messages=[LLMMessage.user("Hello")])).text)
        """)
        done = subprocess.run([sys.executable, "-c", child], capture_output=True, text=True, timeout=60,
                              env={**os.environ, "PYTHONPATH": str(REPO)})
        assert done.stdout.strip() == "made in a child", done.stderr
        again = _client(server, DiskCache(tmp_path)).complete(_request())
    assert again.cached and again.text == "made in a child"
    assert len(server.requests) == 1
    assert (tmp_path / DiskCache.FILENAME).exists()


def test_redis_cache_is_shared(redis_url: str) -> None:
    with FakeProviderServer() as server:
        server.add_reply(openai.text_reply("from redis"))

        def make() -> LLMClient:
            return LLMClient.new(HttpClientOptions.new_openai("k", api_base=server.url),
                                 cache=RedisCache(redis_url, ttl=60))
        request = LLMRequest(model="gpt-4o-mini", messages=[LLMMessage.user("redis?")])
        assert not make().complete(request).cached
        hit = make().complete(request)
    assert hit.cached and hit.text == "from redis"
    assert len(server.requests) == 1


def test_bad_cache_arguments_are_typed() -> None:
    with pytest.raises(InvalidConfigError):
        MemoryCache(max_entries=0)
    with pytest.raises(InvalidConfigError):
        LLMClient.new(HttpClientOptions.new_anthropic("k"), cache="yes")  # type: ignore[arg-type]
    with pytest.raises(InvalidRequestError):
        _request(cache="sometimes").validate()
