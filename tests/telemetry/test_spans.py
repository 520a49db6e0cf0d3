"""OpenTelemetry GenAI spans and metrics, checked with the SDK's in-memory exporter and
metric reader: names, kinds and attributes against the installed semantic-convention
registry, values equal to what the fake server reported, retries as events, errors,
parents, and no content unless asked."""

from __future__ import annotations

import asyncio
import json
import threading
from typing import Any, Dict, Iterator, List, Set, Tuple

import pytest

pytest.importorskip("opentelemetry.sdk", reason="opentelemetry-sdk is not installed (test extra)")

from opentelemetry import trace  # noqa: E402
from opentelemetry.sdk.metrics import MeterProvider  # noqa: E402
from opentelemetry.sdk.metrics.export import InMemoryMetricReader  # noqa: E402
from opentelemetry.sdk.trace import TracerProvider  # noqa: E402
from opentelemetry.sdk.trace.export import SimpleSpanProcessor  # noqa: E402
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter  # noqa: E402
from opentelemetry.trace import SpanKind, StatusCode  # noqa: E402

import llmsdk.telemetry  # noqa: E402
from llmsdk import HttpClientOptions, LLMClient, LLMMessage, LLMRequest, tool  # noqa: E402
from llmsdk.errors import AuthenticationError  # noqa: E402
from llmsdk.testing import FakeProviderServer, anthropic, bedrock, gemini, openai, openai_responses  # noqa: E402

from ..conftest import gated_sse  # noqa: E402


def _registry() -> Set[str]:
    """Every attribute name of the installed semantic-convention registry."""
    import importlib
    import pkgutil

    import opentelemetry.semconv._incubating.attributes as incubating
    import opentelemetry.semconv.attributes as stable

    names: Set[str] = set()
    for package in (incubating, stable):
        for info in pkgutil.iter_modules(package.__path__):
            module = importlib.import_module(f"{package.__name__}.{info.name}")
            names.update(v for k, v in vars(module).items() if k.isupper() and isinstance(v, str) and "." in v)
    return names


REGISTRY = _registry()


@pytest.fixture
def otel() -> Iterator[Tuple[InMemorySpanExporter, InMemoryMetricReader]]:
    exporter = InMemorySpanExporter()
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(exporter))
    reader = InMemoryMetricReader()
    llmsdk.telemetry.configure(enabled=True, capture_content=False, tracer_provider=tracer_provider,
                               meter_provider=MeterProvider(metric_readers=[reader]))
    yield exporter, reader
    llmsdk.telemetry.configure(enabled=True, capture_content=False, tracer_provider=trace.NoOpTracerProvider())


def _check_names(attributes: Dict[str, Any]) -> None:
    unknown = [name for name in attributes if name.startswith("gen_ai.") and name not in REGISTRY]
    assert not unknown, f"gen_ai.* names not in the registry: {unknown}"
    assert all(name.startswith(("gen_ai.", "llmsdk.", "server.", "error.", "http.")) for name in attributes)


def _metrics(reader: InMemoryMetricReader) -> Dict[str, List[Any]]:
    found: Dict[str, List[Any]] = {}
    data = reader.get_metrics_data()
    for resource in data.resource_metrics if data else []:
        for scope in resource.scope_metrics:
            for metric in scope.metrics:
                found.setdefault(metric.name, []).extend(metric.data.data_points)
    return found


CASES = {
    "anthropic": (lambda url: HttpClientOptions.new_anthropic("k", api_base=url), "claude-haiku-4-5",
                  lambda: anthropic.text_reply("Hi!", msg_id="msg_77"), "anthropic", "msg_77"),
    "openai": (lambda url: HttpClientOptions.new_openai("k", api_base=url), "gpt-4o-mini",
               lambda: openai.text_reply("Hi!"), "openai", None),
    "responses": (lambda url: HttpClientOptions.new_openai("k", api_base=url, api="responses"), "gpt-5.4-mini",
                  lambda: openai_responses.text_reply("Hi!"), "openai", None),
    "gemini": (lambda url: HttpClientOptions.new_gemini("k", api_base=url), "gemini-2.5-flash",
               lambda: gemini.text_reply("Hi!"), "gcp.gemini", None),
    # the clouds: the same wires under their own provider names
    "azure_openai": (lambda url: HttpClientOptions.new_azure_openai(url, "k"), "gpt-4o-mini",
                     lambda: openai.text_reply("Hi!"), "azure.ai.openai", None),
    "vertex": (lambda url: HttpClientOptions.new_vertex("proj", "us-east5", token_provider=lambda: "ya29.t",
                                                        api_base=url), "gemini-2.5-flash",
               lambda: gemini.text_reply("Hi!"), "gcp.vertex_ai", None),
    "bedrock": (lambda url: HttpClientOptions.new_bedrock("us-east-1", api_key="ABSK-test", api_base=url),
                "amazon.nova-lite-v1:0", lambda: bedrock.text_reply("Hi!"), "aws.bedrock", None),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_one_client_span_per_call_with_the_conventions_attributes(otel: Any, case: str) -> None:
    exporter, reader = otel
    make_options, model, reply, provider_name, response_id = CASES[case]
    with FakeProviderServer() as server:
        server.add_reply(reply())
        client = LLMClient.new(make_options(server.url))
        response = client.complete(LLMRequest(model=model, messages=[LLMMessage.user("Hello")], max_tokens=64,
                                              temperature=0.2))
        port = int(server.url.rsplit(":", 1)[1])
    [span] = exporter.get_finished_spans()
    attributes = dict(span.attributes or {})
    _check_names(attributes)
    assert span.name == f"chat {model}" and span.kind is SpanKind.CLIENT
    assert attributes["gen_ai.operation.name"] == "chat"
    assert attributes["gen_ai.provider.name"] == provider_name
    assert attributes["gen_ai.request.model"] == model
    assert attributes["gen_ai.request.max_tokens"] == 64 and attributes["gen_ai.request.temperature"] == 0.2
    assert attributes["gen_ai.response.model"] == response.model
    assert attributes.get("gen_ai.response.id") == response.id and (response_id is None or response.id == response_id)
    assert attributes["gen_ai.response.finish_reasons"] == ("stop",)
    usage = response.usage
    assert attributes["gen_ai.usage.input_tokens"] == usage.input_tokens + usage.cache_reads + usage.cache_writes
    assert attributes["gen_ai.usage.output_tokens"] == usage.output_tokens
    assert (attributes["server.address"], attributes["server.port"]) == ("127.0.0.1", port)
    assert "gen_ai.input.messages" not in attributes and "gen_ai.output.messages" not in attributes
    metrics = _metrics(reader)
    tokens = {p.attributes["gen_ai.token.type"]: p.sum for p in metrics["gen_ai.client.token.usage"]}
    assert tokens == {"input": attributes["gen_ai.usage.input_tokens"], "output": usage.output_tokens}
    [duration] = metrics["gen_ai.client.operation.duration"]
    assert duration.count == 1 and list(duration.explicit_bounds)[:3] == [0.01, 0.02, 0.04]
    assert metrics["gen_ai.client.operation.time_to_first_chunk"][0].count == 1
    for point in duration, *metrics["gen_ai.client.token.usage"]:
        _check_names(dict(point.attributes))


def test_a_stream_span_ends_when_the_stream_ends(otel: Any) -> None:
    exporter, _ = otel
    gate = threading.Event()
    pieces = anthropic.text_reply("a long answer", chunk=2).body
    with FakeProviderServer() as server:
        server.add_reply(gated_sse([*pieces[:3], gate, *pieces[3:]]))
        client = LLMClient.new(HttpClientOptions.new_anthropic("k", api_base=server.url))
        stream = client.send(LLMRequest(model="claude-haiku-4-5", messages=[LLMMessage.user("Hi")]))
        assert stream.recv(timeout=10) is not None
        assert exporter.get_finished_spans() == ()  # headers and a first event are in; the call is not over
        gate.set()
        text = "".join(stream.text_stream())
    [span] = exporter.get_finished_spans()
    assert text.endswith("answer") and span.attributes["gen_ai.response.time_to_first_chunk"] >= 0


def test_retries_are_events_and_errors_set_the_status(otel: Any) -> None:
    exporter, _ = otel
    with FakeProviderServer() as server:
        server.add_reply(anthropic.error_reply(529, "busy"), anthropic.text_reply("ok"),
                         anthropic.error_reply(401, "bad key"))
        client = LLMClient.new(HttpClientOptions.new_anthropic("k", api_base=server.url, max_retries=2))
        request = LLMRequest(model="claude-haiku-4-5", messages=[LLMMessage.user("Hi")])
        client.complete(request)
        with pytest.raises(AuthenticationError):
            client.complete(request)
    ok, failed = exporter.get_finished_spans()
    [event] = ok.events
    assert event.name == "llmsdk.retry" and event.attributes["error.type"] == "OverloadedError"
    assert event.attributes["http.response.status_code"] == 529 and ok.status.status_code is not StatusCode.ERROR
    assert failed.status.status_code is StatusCode.ERROR and failed.attributes["error.type"] == "AuthenticationError"


def test_parent_child_and_tool_spans(otel: Any) -> None:
    exporter, _ = otel

    @tool
    def get_weather(city: str) -> str:
        """Weather."""
        return f"sunny in {city}"

    tracer = trace.get_tracer("app", tracer_provider=llmsdk._telemetry.settings._providers[0])
    with FakeProviderServer() as server:
        server.add_reply(anthropic.tool_use_reply("get_weather", {"city": "Paris"}), anthropic.text_reply("Sunny."))
        client = LLMClient.new(HttpClientOptions.new_anthropic("k", api_base=server.url))
        with tracer.start_as_current_span("my request handler") as parent:
            client.run_tools(LLMRequest(model="claude-haiku-4-5", messages=[LLMMessage.user("Weather?")]),
                             [get_weather])
    spans = {s.name: s for s in exporter.get_finished_spans()}
    assert set(spans) == {"my request handler", "chat claude-haiku-4-5", "execute_tool get_weather"}
    children = [s for s in exporter.get_finished_spans() if s.parent is not None]
    assert all(s.parent.span_id == parent.get_span_context().span_id for s in children)
    assert len(children) == 3  # two chat calls and the tool
    assert spans["execute_tool get_weather"].attributes["gen_ai.tool.name"] == "get_weather"
    _check_names(dict(spans["execute_tool get_weather"].attributes))


def test_an_asend_call_is_a_child_of_the_awaiting_tasks_span(otel: Any) -> None:
    exporter, _ = otel
    tracer = trace.get_tracer("app", tracer_provider=llmsdk._telemetry.settings._providers[0])

    async def handler(client: LLMClient) -> str:
        with tracer.start_as_current_span("my async handler"):
            stream = await client.asend(LLMRequest(model="claude-haiku-4-5", messages=[LLMMessage.user("Hi")]))
            return "".join([text async for text in stream.atext_stream()])

    with FakeProviderServer(default_reply=anthropic.text_reply("Hello!")) as server:
        client = LLMClient.new(HttpClientOptions.new_anthropic("k", api_base=server.url))
        assert asyncio.run(handler(client)) == "Hello!"
    spans = {s.name: s for s in exporter.get_finished_spans()}
    call, parent = spans["chat claude-haiku-4-5"], spans["my async handler"]
    assert call.parent is not None and call.parent.span_id == parent.context.span_id


def test_content_only_when_asked(otel: Any) -> None:
    exporter, _ = otel
    llmsdk.telemetry.configure(capture_content=True)
    with FakeProviderServer() as server:
        server.add_reply(anthropic.text_reply("Bonjour"))
        client = LLMClient.new(HttpClientOptions.new_anthropic("k", api_base=server.url))
        client.complete(LLMRequest(model="claude-haiku-4-5", system="Be French.",
                                   messages=[LLMMessage.user("Hello")]))
    [span] = exporter.get_finished_spans()
    _check_names(dict(span.attributes))
    assert json.loads(span.attributes["gen_ai.input.messages"]) == [
        {"role": "user", "parts": [{"type": "text", "content": "Hello"}]}]
    assert json.loads(span.attributes["gen_ai.output.messages"])[0]["parts"] == [{"type": "text", "content": "Bonjour"}]
    assert "Be French." in span.attributes["gen_ai.system_instructions"]


def test_configure_enabled_false_emits_nothing(otel: Any) -> None:
    exporter, _ = otel
    llmsdk.telemetry.configure(enabled=False)
    try:
        with FakeProviderServer() as server:
            server.add_reply(anthropic.text_reply("ok"))
            LLMClient.new(HttpClientOptions.new_anthropic("k", api_base=server.url)).complete(
                LLMRequest(model="claude-haiku-4-5", messages=[LLMMessage.user("Hi")]))
    finally:
        llmsdk.telemetry.configure(enabled=True)
    assert exporter.get_finished_spans() == ()


def test_embeddings_and_cached_calls_have_spans(otel: Any) -> None:
    from llmsdk import MemoryCache
    from llmsdk.testing.embeddings import openai_reply, vectors

    exporter, _ = otel
    with FakeProviderServer() as server:
        server.add_reply(openai_reply(vectors(0, 2)), openai.text_reply("once"))
        client = LLMClient.new(HttpClientOptions.new_openai("k", api_base=server.url), cache=MemoryCache())
        client.embed(["a", "b"], model="text-embedding-3-small")
        request = LLMRequest(model="gpt-4o-mini", messages=[LLMMessage.user("Hi")])
        client.complete(request)
        client.complete(request)
    names = [s.name for s in exporter.get_finished_spans()]
    assert names == ["embeddings text-embedding-3-small", "chat gpt-4o-mini", "chat gpt-4o-mini"]
    assert exporter.get_finished_spans()[2].attributes["llmsdk.cached"] is True


_WITHOUT_OTEL = """
import sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name == "opentelemetry" or name.startswith("opentelemetry."):
            raise ImportError("opentelemetry is not installed here")
sys.meta_path.insert(0, Block())
from llmsdk import HttpClientOptions, LLMClient, LLMMessage, LLMRequest
from llmsdk.testing import FakeProviderServer, anthropic
with FakeProviderServer() as server:
    server.add_reply(anthropic.text_reply("fine"))
    client = LLMClient.new(HttpClientOptions.new_anthropic("k", api_base=server.url))
    print(client.complete(LLMRequest(model="claude-haiku-4-5", messages=[LLMMessage.user("Hi")])).text)
print(sorted(m for m in sys.modules if m.startswith("opentelemetry")))
"""


def test_without_opentelemetry_nothing_is_imported_and_calls_work() -> None:
    import os
    import subprocess
    import sys
    from pathlib import Path

    repo = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-c", _WITHOUT_OTEL], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PYTHONPATH": str(repo)})
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:2] == ["fine", "[]"]


def test_map_runs_are_parents_of_their_calls_across_threads(otel: Any) -> None:
    exporter, _ = otel
    with FakeProviderServer(default_reply=anthropic.text_reply("ok")) as server:
        client = LLMClient.new(HttpClientOptions.new_anthropic("k", api_base=server.url))
        requests = [LLMRequest(model="claude-haiku-4-5", messages=[LLMMessage.user(str(i))]) for i in range(6)]
        results = client.map(requests, concurrency=3, progress=False)
    assert all(r.ok for r in results)
    spans = exporter.get_finished_spans()
    [run] = [s for s in spans if s.name == "map"]
    calls = [s for s in spans if s.name == "chat claude-haiku-4-5"]
    assert len(calls) == 6 and all(c.parent is not None and c.parent.span_id == run.context.span_id for c in calls)
    assert run.attributes["llmsdk.map.answered"] == 6 and run.attributes["llmsdk.map.failed"] == 0
