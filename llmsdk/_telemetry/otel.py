"""The OpenTelemetry side, imported only when ``opentelemetry-api`` is installed: the tracer,
the GenAI metric instruments with the conventions' bucket boundaries, and ``CallSpan``, the
one CLIENT span of a call (``"{operation} {model}"``) with its attributes, retry events and
metrics. Attribute names are the registry's ``gen_ai.*`` ones; ours are ``llmsdk.*``."""

from __future__ import annotations

import json
import time
from typing import Any, Dict, List, Optional
from urllib.parse import urlsplit

from opentelemetry import metrics, trace
from opentelemetry.trace import SpanKind, Status, StatusCode

__all__ = ["CallSpan", "Instruments", "PROVIDER_NAMES"]

_SCOPE = "llmsdk"

#: Our provider keys -> the registry's well-known ``gen_ai.provider.name`` values (others
#: are sent as the key itself, which the conventions allow).
PROVIDER_NAMES = {
    "anthropic": "anthropic", "openai": "openai", "gemini": "gcp.gemini", "vertex": "gcp.vertex_ai",
    "azure_openai": "azure.ai.openai", "bedrock": "aws.bedrock", "groq": "groq", "mistral": "mistral_ai",
    "deepseek": "deepseek", "xai": "x_ai",
}

#: Bucket boundaries the GenAI metric conventions specify.
TOKEN_BUCKETS = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864]
SECONDS_BUCKETS = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92]

_FINISH = {"end_turn": "stop", "stop_sequence": "stop", "max_tokens": "length", "tool_use": "tool_call",
           "content_filter": "content_filter", "refusal": "content_filter", "error": "error"}


class Instruments:
    """The tracer and the four GenAI histograms, made once per process."""

    def __init__(self, tracer_provider: Any = None, meter_provider: Any = None) -> None:
        self.tracer = (tracer_provider or trace.get_tracer_provider()).get_tracer(_SCOPE)
        meter = (meter_provider or metrics.get_meter_provider()).get_meter(_SCOPE)
        self.token_usage = meter.create_histogram(
            "gen_ai.client.token.usage", unit="{token}", description="Number of input and output tokens used.",
            explicit_bucket_boundaries_advisory=TOKEN_BUCKETS)
        self.duration = meter.create_histogram(
            "gen_ai.client.operation.duration", unit="s", description="GenAI operation duration.",
            explicit_bucket_boundaries_advisory=SECONDS_BUCKETS)
        self.first_chunk = meter.create_histogram(
            "gen_ai.client.operation.time_to_first_chunk", unit="s",
            description="Time to receive the first chunk of a streaming response.",
            explicit_bucket_boundaries_advisory=SECONDS_BUCKETS)
        self.per_chunk = meter.create_histogram(
            "gen_ai.client.operation.time_per_output_chunk", unit="s",
            description="Time between consecutive output chunks of a streaming response.",
            explicit_bucket_boundaries_advisory=SECONDS_BUCKETS)
        self.cost = meter.create_counter("llmsdk.cost", unit="USD", description="What llmsdk's calls cost.")

    def start_call(self, operation: str, provider_key: str, model: str, *, url: Optional[str] = None,
                   request: Any = None, capture: bool = False) -> "CallSpan":
        return CallSpan(self, operation, provider_key, model, url=url, request=request, capture=capture)

    def tool_span(self, name: str, call_id: str, arguments: Any, capture: bool) -> Any:
        return tool_span(self, name, call_id, arguments, capture)

    def start_map(self, concurrency: int, total: Optional[int]) -> "MapSpan":
        return MapSpan(self, concurrency, total)

    def retry_on_current_span(self, attempt: int, error: BaseException, wait: float) -> None:
        span = trace.get_current_span()
        if span.is_recording():
            span.add_event("llmsdk.retry", retry_attributes(attempt, error, wait))


def _server(url: Optional[str]) -> Dict[str, Any]:
    if not url:
        return {}
    parts = urlsplit(url)
    found: Dict[str, Any] = {}
    if parts.hostname:
        found["server.address"] = parts.hostname
    port = parts.port or {"https": 443, "http": 80}.get(parts.scheme)
    if port:
        found["server.port"] = port
    return found


def _parts(blocks: Any) -> List[Dict[str, Any]]:
    """Content blocks in the conventions' parts form."""
    parts: List[Dict[str, Any]] = []
    for block in blocks or []:
        kind = getattr(block, "type", None)
        if kind == "text":
            parts.append({"type": "text", "content": block.text})
        elif kind == "thinking":
            parts.append({"type": "reasoning", "content": block.thinking})
        elif kind == "tool_use":
            parts.append({"type": "tool_call", "id": block.id, "name": block.name, "arguments": block.input})
        elif kind == "tool_result":
            content = block.content if isinstance(block.content, str) else str(block.content)
            parts.append({"type": "tool_call_response", "id": block.tool_use_id, "response": content})
        elif kind:
            parts.append({"type": str(kind)})
    return parts


class CallSpan:
    """One logical call: started before the request goes out, ended when its stream ends
    (finished, cut or closed). Per-chunk work only while the span records, and O(1)."""

    def __init__(self, instruments: Instruments, operation: str, provider_key: str, model: str,
                 url: Optional[str] = None, request: Any = None, capture: bool = False, stream: bool = True) -> None:
        self._instruments = instruments
        self._provider = PROVIDER_NAMES.get(provider_key, provider_key)
        self._operation = operation
        self._model = model
        self._started = time.monotonic()
        self._last_chunk: Optional[float] = None
        self._first_chunk: Optional[float] = None
        self._ended = False
        self._capture = capture
        attributes: Dict[str, Any] = {"gen_ai.operation.name": operation, "gen_ai.provider.name": self._provider,
                                      "gen_ai.request.model": model, **_server(url)}
        self._base = dict(attributes)
        if request is not None:
            attributes.update(self._request_attributes(request))
        self.span = instruments.tracer.start_span(f"{operation} {model}", kind=SpanKind.CLIENT,
                                                  attributes=attributes)
        self.recording = self.span.is_recording()

    def _request_attributes(self, request: Any) -> Dict[str, Any]:
        found: Dict[str, Any] = {"gen_ai.request.stream": True}
        for name, value in (("gen_ai.request.max_tokens", request.max_tokens),
                            ("gen_ai.request.temperature", request.temperature),
                            ("gen_ai.request.top_p", request.top_p)):
            if value is not None:
                found[name] = value
        if request.stop_sequences:
            found["gen_ai.request.stop_sequences"] = list(request.stop_sequences)
        if request.output_schema is not None:
            found["gen_ai.output.type"] = "json"
        if self._capture:
            system = request.system_prompt()
            if system:
                found["gen_ai.system_instructions"] = json.dumps([{"type": "text", "content": system}])
            found["gen_ai.input.messages"] = json.dumps(
                [{"role": m.role, "parts": _parts(m.blocks)} for m in request.chat_messages()], default=str)
            if request.tools:
                found["gen_ai.tool.definitions"] = json.dumps(
                    [{"type": "function", "name": getattr(t, "name", getattr(t, "type", "")),
                      "description": getattr(t, "description", "")} for t in request.tools])
        return found

    # -- while it runs ---------------------------------------------------------------------------

    def chunk(self, _batch: Any = None) -> None:
        """A batch of events arrived (the channel's tap): time to first chunk, then the time
        per output chunk."""
        now = time.monotonic()
        last = self._last_chunk
        if last is None:
            self._first_chunk = now - self._started
            self._instruments.first_chunk.record(self._first_chunk, self._base)
        else:
            self._instruments.per_chunk.record(now - last, self._base)
        self._last_chunk = now

    # -- the end ---------------------------------------------------------------------------------

    def finish(self, response: Any, error: Optional[BaseException] = None) -> None:
        """End the span once: the reply's attributes and usage, the error if any; the metrics."""
        if self._ended:
            return
        self._ended = True
        span, base = self.span, dict(self._base)
        if response is not None and getattr(response, "model", None):
            base["gen_ai.response.model"] = response.model
        if error is not None:
            base["error.type"] = type(error).__name__
        if self.recording:
            attributes: Dict[str, Any] = dict(base)
            if response is not None:
                attributes.update(self._response_attributes(response))
            if self._first_chunk is not None:
                attributes["gen_ai.response.time_to_first_chunk"] = self._first_chunk
            span.set_attributes(attributes)
            if error is not None:
                span.set_status(Status(StatusCode.ERROR, str(error)[:200]))
        usage = getattr(response, "usage", None)
        if usage is not None:
            billed_input = usage.input_tokens + usage.cache_reads + usage.cache_writes
            if billed_input or usage.output_tokens:
                self._instruments.token_usage.record(billed_input, {**base, "gen_ai.token.type": "input"})
                self._instruments.token_usage.record(usage.output_tokens, {**base, "gen_ai.token.type": "output"})
        cost = getattr(response, "cost", None)
        if cost:
            self._instruments.cost.add(cost, base)
        self._instruments.duration.record(time.monotonic() - self._started, base)
        span.end()

    def activate(self) -> Any:
        """A context manager making this span the current one (children, log correlation)."""
        return trace.use_span(self.span, end_on_exit=False)

    def _response_attributes(self, response: Any) -> Dict[str, Any]:
        found: Dict[str, Any] = {}
        if getattr(response, "id", None):
            found["gen_ai.response.id"] = response.id
        stop = getattr(response, "stop_reason", None)
        reason = getattr(stop, "value", stop)
        if reason is not None:
            found["gen_ai.response.finish_reasons"] = [_FINISH.get(str(reason), str(reason))]
        usage = getattr(response, "usage", None)
        if usage is None:
            return found
        # The conventions' input_tokens include cached input (as OpenAI's prompt_tokens).
        found["gen_ai.usage.input_tokens"] = usage.input_tokens + usage.cache_reads + usage.cache_writes
        found["gen_ai.usage.output_tokens"] = usage.output_tokens
        if usage.cache_reads:
            found["gen_ai.usage.cache_read.input_tokens"] = usage.cache_reads
        if usage.cache_writes:
            found["gen_ai.usage.cache_creation.input_tokens"] = usage.cache_writes
        reasoning = getattr(usage, "reasoning_tokens", 0)
        if reasoning:
            found["gen_ai.usage.reasoning.output_tokens"] = reasoning
        if getattr(response, "cost", None) is not None:
            found["llmsdk.cost"] = response.cost
        if getattr(response, "cached", False):
            found["llmsdk.cached"] = True
        if self._capture and hasattr(response, "content"):
            found["gen_ai.output.messages"] = json.dumps(
                [{"role": "assistant", "parts": _parts(response.content),
                  "finish_reason": found.get("gen_ai.response.finish_reasons", ["stop"])[0]}], default=str)
        return found


class MapSpan:
    """The parent span of one ``map``/``imap`` run (INTERNAL, ``"map"``): its worker threads
    run with it current, so every call of the run is its child."""

    def __init__(self, instruments: Instruments, concurrency: int, total: Optional[int]) -> None:
        attributes: Dict[str, Any] = {"llmsdk.map.concurrency": concurrency}
        if total is not None:
            attributes["llmsdk.map.items"] = total
        self.span = instruments.tracer.start_span("map", kind=SpanKind.INTERNAL, attributes=attributes)
        self._context = trace.set_span_in_context(self.span)

    def wrap(self, work: Any) -> Any:
        """``work`` run with this span current (for a worker thread's target)."""
        from opentelemetry import context

        def run() -> None:
            token = context.attach(self._context)
            try:
                work()
            finally:
                context.detach(token)
        return run

    def finish(self, answered: int, failed: int) -> None:
        self.span.set_attributes({"llmsdk.map.answered": answered, "llmsdk.map.failed": failed})
        self.span.end()


def retry_attributes(attempt: int, error: BaseException, wait: float) -> Dict[str, Any]:
    """A retry event's attributes: which attempt failed, how, and the wait before the next."""
    attributes: Dict[str, Any] = {"llmsdk.retry.attempt": attempt, "llmsdk.retry.wait_s": round(wait, 3),
                                  "error.type": type(error).__name__}
    status = getattr(error, "status", None)
    if isinstance(status, int):
        attributes["http.response.status_code"] = status
    retry_after = getattr(error, "retry_after", None)
    if retry_after is not None:
        attributes["llmsdk.retry.retry_after_s"] = float(retry_after)
    return attributes


def tool_span(instruments: Instruments, name: str, call_id: str, arguments: Any, capture: bool) -> Any:
    """An ``execute_tool`` span (INTERNAL) around running one tool the model asked for."""
    attributes: Dict[str, Any] = {"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": name,
                                  "gen_ai.tool.call.id": call_id, "gen_ai.tool.type": "function"}
    if capture:
        attributes["gen_ai.tool.call.arguments"] = json.dumps(arguments, default=str)
    return instruments.tracer.start_as_current_span(f"execute_tool {name}", kind=SpanKind.INTERNAL,
                                                   attributes=attributes)
