"""JSON Schema -> what Anthropic's ``output_config.format`` accepts. Pure.

Anthropic compiles the schema into a grammar and rejects keywords it cannot compile
(``minimum`` on an integer is a 400, for example) and any object that does not set
``additionalProperties: false``. So the schema keeps an allow-list of keywords (the rest
move into the description, where the model still reads them), every object is closed,
and string formats outside the supported set become description text too.
"""

from __future__ import annotations

from typing import Any, Dict

from llmsdk._structured.output_schema import OutputSpec, closed_objects, restrict_keywords

__all__ = ["output_format_schema"]

_KEYWORDS = frozenset({
    "type", "properties", "required", "additionalProperties", "items", "enum", "const", "anyOf", "allOf",
    "$ref", "$defs", "definitions", "description", "title", "format",
})
_FORMATS = frozenset({
    "date-time", "time", "date", "duration", "email", "hostname", "uri", "ipv4", "ipv6", "uuid",
})


def output_format_schema(spec: OutputSpec) -> Dict[str, Any]:
    """The ``output_config.format.schema`` for ``spec``."""
    schema = dict(spec.schema)
    if "oneOf" in schema or _has_one_of(schema):
        schema = _one_of_as_any_of(schema)
    return closed_objects(restrict_keywords(schema, _KEYWORDS, _FORMATS), spec.name)


def _has_one_of(node: Any) -> bool:
    if isinstance(node, dict):
        return "oneOf" in node or any(_has_one_of(v) for v in node.values())
    if isinstance(node, list):
        return any(_has_one_of(v) for v in node)
    return False


def _one_of_as_any_of(node: Any) -> Any:
    """``oneOf`` is not compiled; ``anyOf`` is, and a reply matching one variant fits both."""
    if isinstance(node, dict):
        return {("anyOf" if k == "oneOf" else k): _one_of_as_any_of(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_one_of_as_any_of(v) for v in node]
    return node
