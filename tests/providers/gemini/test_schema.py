"""JSON Schema reduction for Gemini function declarations."""

from __future__ import annotations

import pytest

from llmsdk.errors import InvalidRequestError
from llmsdk.providers.gemini.schema import reduce_schema


def test_unsupported_keywords_are_stripped() -> None:
    schema = {
        "$schema": "http://json-schema.org/draft-07/schema#", "$id": "x", "title": "Args",
        "type": "object", "additionalProperties": False,
        "properties": {
            "city": {"type": "string", "description": "City", "default": "Paris", "examples": ["Rome"],
                     "format": "hostname", "minLength": 1},
            "when": {"type": "string", "format": "date-time"},
            "days": {"type": "integer", "format": "int32", "minimum": 1, "exclusiveMaximum": 10},
        },
        "required": ["city", "ghost"],
    }
    assert reduce_schema(schema, "t") == {
        "type": "object", "title": "Args",
        "properties": {
            "city": {"type": "string", "description": "City", "minLength": 1},
            "when": {"type": "string", "format": "date-time"},
            "days": {"type": "integer", "format": "int32", "minimum": 1},
        },
        "required": ["city"],
    }


def test_local_refs_are_inlined() -> None:
    schema = {
        "type": "object",
        "properties": {"home": {"$ref": "#/$defs/Address", "description": "Home"},
                       "work": {"$ref": "#/definitions/Address"}},
        "$defs": {"Address": {"type": "object", "properties": {"street": {"type": "string"}},
                              "required": ["street"], "additionalProperties": False}},
        "definitions": {},
    }
    address = {"type": "object", "properties": {"street": {"type": "string"}}, "required": ["street"]}
    assert reduce_schema(schema, "t") == {"type": "object", "properties": {
        "home": {**address, "description": "Home"}, "work": address}}


def test_recursive_ref_is_rejected_clearly() -> None:
    schema = {"type": "object", "properties": {"root": {"$ref": "#/$defs/Node"}},
              "$defs": {"Node": {"type": "object", "properties": {"children": {
                  "type": "array", "items": {"$ref": "#/$defs/Node"}}}}}}
    with pytest.raises(InvalidRequestError, match=r"tool 'tree': recursive \$ref '#/\$defs/Node'"):
        reduce_schema(schema, "tree")


@pytest.mark.parametrize("ref", ["https://example.com/s.json", "#/properties/a", "#/$defs/Missing"])
def test_unresolvable_refs_are_rejected(ref: str) -> None:
    with pytest.raises(InvalidRequestError, match=r"\$ref"):
        reduce_schema({"type": "object", "properties": {"a": {"$ref": ref}}}, "t")


def test_nullable_forms() -> None:
    schema = {"type": "object", "properties": {
        "a": {"type": ["string", "null"]},
        "b": {"anyOf": [{"type": "integer"}, {"type": "null"}], "default": None, "title": "B"},
        "c": {"anyOf": [{"type": "integer"}, {"type": "string"}]},
        "d": {"oneOf": [{"type": "integer"}, {"type": "boolean"}]},
        "e": {"type": ["integer", "string"]},
    }}
    assert reduce_schema(schema, "t")["properties"] == {
        "a": {"type": "string", "nullable": True},
        "b": {"type": "integer", "title": "B", "nullable": True},
        "c": {"anyOf": [{"type": "integer"}, {"type": "string"}]},
        "d": {"anyOf": [{"type": "integer"}, {"type": "boolean"}]},
        "e": {"anyOf": [{"type": "integer"}, {"type": "string"}]},
    }


def test_enums_const_and_all_of() -> None:
    schema = {"type": "object", "properties": {
        "unit": {"enum": ["C", "F"]},
        "mode": {"const": "fast"},
        "level": {"type": "integer", "enum": [1, 2, 3], "description": "Level."},
        "merged": {"allOf": [{"type": "object", "properties": {"x": {"type": "number"}}, "required": ["x"]},
                             {"properties": {"y": {"type": "number"}}, "required": ["y"]}]},
    }}
    assert reduce_schema(schema, "t")["properties"] == {
        "unit": {"type": "string", "enum": ["C", "F"]},
        "mode": {"type": "string", "enum": ["fast"]},
        "level": {"type": "integer", "description": "Level. Allowed values: 1, 2, 3."},
        "merged": {"type": "object", "properties": {"x": {"type": "number"}, "y": {"type": "number"}},
                   "required": ["x", "y"]},
    }


def test_arrays_and_free_form_objects() -> None:
    schema = {"type": "object", "properties": {
        "tags": {"type": "array", "items": {"type": "string", "default": "x"}, "minItems": 1, "uniqueItems": True},
        "pair": {"type": "array", "items": [{"type": "number"}, {"type": "number"}]},
        "meta": {"type": "object", "additionalProperties": {"type": "string"}},
        "anything": {},
    }}
    assert reduce_schema(schema, "t")["properties"] == {
        "tags": {"type": "array", "items": {"type": "string"}, "minItems": 1},
        "pair": {"type": "array", "items": {"type": "number"}},
        "meta": {"type": "object"},  # never an empty "properties": Gemini rejects it
        "anything": {},
    }


def test_parameterless_tools_have_no_parameters() -> None:
    assert reduce_schema({"type": "object", "properties": {}}, "t") is None
    assert reduce_schema({"type": "object", "additionalProperties": False}, "t") is None
    assert reduce_schema({}, "t") is None
