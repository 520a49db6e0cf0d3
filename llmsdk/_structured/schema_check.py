"""Check decoded JSON against a JSON Schema, as far as a reply needs checking: types,
required and unknown properties, ``enum``/``const``, array items, ``anyOf``/``oneOf``/
``allOf`` and local ``$ref``. Numeric bounds, patterns and lengths are not checked (the
providers enforce what they accept; the target type's own validation does the rest).

``conform(value, schema)`` also undoes strict mode's one rewrite of the data: an optional
field sent back as ``null`` only because strict mode made every field required is dropped,
so the field's default applies. With ``decode_formats`` it turns ``date-time``/``date``/
``time``/``uuid`` strings into ``datetime``/``date``/``time``/``UUID`` values.
"""

from __future__ import annotations

import datetime
import uuid
from typing import Any, Callable, Dict, List, Optional

__all__ = ["SchemaMismatch", "conform"]

_TYPES: Dict[str, Callable[[Any], bool]] = {
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: (isinstance(v, int) and not isinstance(v, bool)) or (isinstance(v, float) and v.is_integer()),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
}

_FORMATS: Dict[str, Callable[[str], Any]] = {
    "date-time": lambda s: datetime.datetime.fromisoformat(s.replace("Z", "+00:00")),
    "date": datetime.date.fromisoformat,
    "time": datetime.time.fromisoformat,
    "uuid": uuid.UUID,
}


class SchemaMismatch(ValueError):
    """The value does not match the schema; ``path`` says where (``lines[0].qty``)."""

    def __init__(self, path: str, message: str) -> None:
        self.path = path
        super().__init__(f"{path or '(root)'}: {message}")


def conform(value: Any, schema: Dict[str, Any], *, decode_formats: bool = False) -> Any:
    """``value`` checked against ``schema`` (raises ``SchemaMismatch``), with strict-mode
    nulls for optional fields dropped and, with ``decode_formats``, ISO strings decoded."""
    return _Checker(schema, decode_formats).check(value, schema, "")


class _Checker:
    def __init__(self, root: Dict[str, Any], decode_formats: bool) -> None:
        self.root = root
        self.decode_formats = decode_formats

    def resolve(self, node: Dict[str, Any], path: str) -> Dict[str, Any]:
        seen = 0
        while isinstance(node.get("$ref"), str):
            ref = node["$ref"]
            target: Any = self.root
            if not ref.startswith("#"):
                raise SchemaMismatch(path, f"cannot follow $ref {ref!r}")
            for part in [p for p in ref[1:].split("/") if p]:
                target = target.get(part) if isinstance(target, dict) else None
            if not isinstance(target, dict):
                raise SchemaMismatch(path, f"$ref {ref!r} points nowhere")
            node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
            seen += 1
            if seen > 64:
                raise SchemaMismatch(path, f"$ref {ref!r} loops")
        return node

    def check(self, value: Any, schema: Any, path: str) -> Any:
        if not isinstance(schema, dict) or not schema:
            return value
        schema = self.resolve(schema, path)
        for part in schema.get("allOf") or ():
            value = self.check(value, part, path)
        variants = schema.get("anyOf", schema.get("oneOf"))
        if isinstance(variants, list) and variants:
            value = self.first_match(value, variants, path)
        kinds = schema.get("type")
        if kinds is not None:
            names: List[str] = kinds if isinstance(kinds, list) else [kinds]
            if not any(_TYPES.get(k, lambda v: True)(value) for k in names):
                raise SchemaMismatch(path, f"expected {' or '.join(names)}, got {_describe(value)}")
        if "enum" in schema and isinstance(schema["enum"], list) and value not in schema["enum"]:
            raise SchemaMismatch(path, f"{value!r} is not one of {schema['enum']!r}")
        if "const" in schema and value != schema["const"]:
            raise SchemaMismatch(path, f"expected {schema['const']!r}, got {value!r}")
        if isinstance(value, dict):
            return self.check_object(value, schema, path)
        if isinstance(value, list):
            return self.check_array(value, schema, path)
        if isinstance(value, str) and self.decode_formats and schema.get("format") in _FORMATS:
            try:
                return _FORMATS[schema["format"]](value)
            except ValueError:
                raise SchemaMismatch(path, f"{value!r} is not a valid {schema['format']}") from None
        if isinstance(value, float) and value.is_integer() and "integer" in _type_names(schema):
            return int(value)
        return value

    def first_match(self, value: Any, variants: List[Any], path: str) -> Any:
        errors: List[SchemaMismatch] = []
        for variant in variants:
            try:
                return self.check(value, variant, path)
            except SchemaMismatch as exc:
                errors.append(exc)
        if len(errors) == 1:
            raise errors[0]
        raise SchemaMismatch(path, f"{_describe(value)} matches none of the {len(variants)} allowed shapes")

    def check_object(self, value: Dict[str, Any], schema: Dict[str, Any], path: str) -> Dict[str, Any]:
        found = schema.get("properties")
        properties: Dict[str, Any] = found if isinstance(found, dict) else {}
        listed = schema.get("required")
        required: List[Any] = listed if isinstance(listed, list) else []
        extra = schema.get("additionalProperties")
        out: Dict[str, Any] = {}
        for key, item in value.items():
            where = f"{path}.{key}" if path else key
            if key in properties:
                sub = properties[key]
                if item is None and key not in required and not _allows_null(self.resolve_quiet(sub)):
                    continue  # strict mode's stand-in for "absent": let the default apply
                out[key] = self.check(item, sub, where)
            elif extra is False:
                raise SchemaMismatch(where, "unexpected property")
            else:
                out[key] = self.check(item, extra, where) if isinstance(extra, dict) else item
        missing = [k for k in required if k not in value]
        if missing:
            raise SchemaMismatch(path, f"missing required propert{'y' if len(missing) == 1 else 'ies'} "
                                       f"{', '.join(map(repr, missing))}")
        return out

    def check_array(self, value: List[Any], schema: Dict[str, Any], path: str) -> List[Any]:
        prefix = schema.get("prefixItems")
        items = schema.get("items")
        out = []
        for i, item in enumerate(value):
            sub: Optional[Any] = items
            if isinstance(prefix, list) and i < len(prefix):
                sub = prefix[i]
            out.append(self.check(item, sub, f"{path}[{i}]"))
        return out

    def resolve_quiet(self, schema: Any) -> Any:
        if not isinstance(schema, dict):
            return schema
        try:
            return self.resolve(schema, "")
        except SchemaMismatch:
            return schema


def _type_names(schema: Dict[str, Any]) -> List[str]:
    kinds = schema.get("type")
    return kinds if isinstance(kinds, list) else [kinds] if isinstance(kinds, str) else []


def _allows_null(schema: Any) -> bool:
    """Whether the user's (not strict-rewritten) schema accepts ``null`` itself."""
    if not isinstance(schema, dict) or not schema:
        return True
    if "null" in _type_names(schema):
        return True
    if isinstance(schema.get("enum"), list) and None in schema["enum"]:
        return True
    variants = schema.get("anyOf", schema.get("oneOf"))
    if isinstance(variants, list):
        return any(isinstance(v, dict) and (v.get("type") == "null" or not v) for v in variants)
    return False


def _describe(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return f"the number {value!r}"
    if isinstance(value, str):
        return f"the string {value[:40]!r}"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__
