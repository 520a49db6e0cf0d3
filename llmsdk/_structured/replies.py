"""Structured output after the reply: ``resp.parsed``, ``resp.refusal``, ``client.parse``
and ``stream.partial_objects()``.

The reply's JSON is found where the request asked for it: the arguments of the forced
output tool when the model called it, else the text. It is checked against the schema,
then built into the requested type: dataclasses through dataclasses-json, pydantic models
with ``model_validate_json``, ``TypedDict`` and JSON Schema dicts as plain dicts.

``attach_output(response, request)`` runs once the reply is complete (the client calls it
as it finishes each response); it never raises: a reply that does not parse keeps its
``OutputParseError`` for ``resp.parsed`` to raise when read, so a tool round or a billed
reply is never lost to a parse failure.
"""

from __future__ import annotations

import json
import re
from typing import Any, Dict, Iterator, Optional, Type, TypeVar

from llmsdk._structured.output_schema import OutputSpec, output_spec
from llmsdk._core.partial_json import PartialJSONParser
from llmsdk._structured.schema_check import SchemaMismatch, conform
from llmsdk.errors import OutputParseError, RefusalError
from llmsdk.events import Content, PartialContent
from llmsdk.types import LLMResponse, StopReason, TextContent, ToolUseContent

__all__ = ["StructuredOutput", "attach_output", "output_tool_name", "parse_response", "partial_objects"]

T = TypeVar("T")

_FENCE = re.compile(r"^\s*```[a-zA-Z0-9_-]*\s*\n?(.*?)\n?\s*```\s*$", re.DOTALL)



class StructuredOutput:
    """What ``attach_output`` found: the parsed object, or the error reading it raises."""

    __slots__ = ("spec", "value", "error")

    def __init__(self, spec: OutputSpec, value: Any = None, error: Optional[OutputParseError] = None) -> None:
        self.spec = spec
        self.value = value
        self.error = error

    def get(self) -> Any:
        if self.error is not None:
            raise self.error
        return self.value


def refusal_of(response: LLMResponse) -> Optional[str]:
    """The refusal text of a reply the model refused (or a content filter stopped), else None."""
    return response.refusal


def output_tool_name(request: Any) -> Optional[str]:
    """The name of the forced output tool ``request`` may be answered with (None without
    ``output_schema``)."""
    spec = output_spec(getattr(request, "output_schema", None))
    return spec.name if spec is not None else None


def attach_output(response: LLMResponse, request: Any) -> None:
    """Parse ``response`` for ``request.output_schema`` (a no-op without one)."""
    spec = output_spec(getattr(request, "output_schema", None))
    if spec is None:
        return
    try:
        response._output = _parse(response, spec)
    except RecursionError:  # JSON nested deeper than Python's stack: a reply we cannot read, not a crash
        response._output = StructuredOutput(spec, error=OutputParseError(
            f"the reply's JSON for {spec.name} is nested too deeply to parse", raw_text=response.text,
            partial_response=response))


def _parse(response: LLMResponse, spec: OutputSpec) -> StructuredOutput:
    if refusal_of(response) is not None:
        return StructuredOutput(spec)
    call = _output_call(response, spec)
    raw = json.dumps(call.input, ensure_ascii=False) if call is not None else response.text
    if response.stop_reason is StopReason.MAX_TOKENS:
        return StructuredOutput(spec, error=OutputParseError(
            f"the reply was cut off by max_tokens before its JSON for {spec.name} was complete; raise "
            "max_tokens", raw_text=raw, partial_response=response))
    if call is not None:
        data: Any = call.input
    else:
        text = _unfenced(raw)
        if not text.strip():
            why = "the model called a tool instead" if response.tool_uses else "the reply has no text"
            return StructuredOutput(spec, error=OutputParseError(
                f"expected JSON for {spec.name}, but {why}", raw_text=raw, partial_response=response))
        try:
            data = json.loads(text)
        except ValueError as exc:
            return StructuredOutput(spec, error=OutputParseError(
                f"the reply is not valid JSON for {spec.name}: {exc}", raw_text=raw, partial_response=response))
    try:
        return StructuredOutput(spec, build(data, spec))
    except OutputParseError as exc:
        exc.raw_text, exc.partial_response = raw, response
        return StructuredOutput(spec, error=exc)


def _output_call(response: LLMResponse, spec: OutputSpec) -> Optional[ToolUseContent]:
    for block in response.content:
        if isinstance(block, ToolUseContent) and block.name == spec.name:
            return block
    return None


def _unfenced(text: str) -> str:
    """JSON-mode models sometimes wrap the object in a Markdown code fence."""
    match = _FENCE.match(text)
    return match.group(1) if match else text


def build(data: Any, spec: OutputSpec) -> Any:
    """Decoded JSON ``data`` as ``spec``'s type; ``OutputParseError`` when it does not fit."""
    try:
        data = conform(data, spec.schema, decode_formats=spec.kind in ("dataclass", "typeddict"))
    except SchemaMismatch as exc:
        raise OutputParseError(f"the reply does not match {spec.name}: {exc}") from None
    if spec.kind == "pydantic":
        try:
            return spec.target.model_validate_json(json.dumps(data, ensure_ascii=False))
        except ValueError as exc:  # pydantic.ValidationError is a ValueError
            raise OutputParseError(f"the reply does not match {spec.name}: {exc}") from None
    if spec.kind == "dataclass":
        from dataclasses_json.core import _decode_dataclass

        try:
            return _decode_dataclass(spec.target, data, False)
        except (TypeError, ValueError, KeyError, AttributeError) as exc:
            raise OutputParseError(f"the reply does not match {spec.name}: {exc}") from None
    return data


def parse_response(response: LLMResponse, target: Type[T]) -> T:
    """``response``'s object, raising ``RefusalError`` / ``OutputParseError`` (``client.parse``)."""
    refusal = refusal_of(response)
    if refusal is not None:
        spec = output_spec(target)
        raise RefusalError(f"no {spec.name if spec else 'output'}: {refusal}", refusal=refusal,
                           partial_response=response)
    output = response._output
    if output is None:  # a response that did not come through attach_output (e.g. from JSON)
        spec = output_spec(target)
        assert spec is not None
        output = response._output = _parse(response, spec)
    result: T = output.get()
    return result


# -- streaming ----------------------------------------------------------------------------------


def partial_objects(events: Any) -> Iterator[Any]:
    """The JSON parsed so far, after each text delta that adds to it (for progressive
    UIs); then the output tool's arguments once they are complete (the stream carries no
    argument deltas). Text before the JSON (a code fence, prose) is skipped."""
    parsers: Dict[int, PartialJSONParser] = {}
    last: Any = None
    for event in events:
        kind = type(event)
        if kind is PartialContent and type(event.content) is TextContent:
            parser = parsers.get(event.index)
            if parser is None:
                parser = parsers[event.index] = PartialJSONParser()
            parser.feed(event.content.text)
            value = parser.value()
            if value is not None and value is not last:
                last = value
                yield value
        elif kind is Content and type(event.content) is TextContent and event.index in parsers:
            value = parsers[event.index].value(force=True)  # the block is whole: its last value
            if value is not None and value is not last:
                last = value
                yield value
        elif kind is Content and isinstance(event.content, ToolUseContent) and event.content.input:
            if event.content.input != last:
                last = event.content.input
                yield last
