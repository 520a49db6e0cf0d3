"""JSON Schema -> the OpenAPI subset Gemini's ``functionDeclarations[].parameters`` accepts.

Gemini rejects a declaration outright for any field it does not know (``$schema``,
``additionalProperties``, ``default``, ``exclusiveMinimum`` ...), for string formats other
than ``enum``/``date-time``, for non-string ``enum`` values and for an object with an empty
``properties`` map. So a tool schema is rewritten, not passed through:

* unknown keywords are dropped (an allow-list, so new JSON Schema keywords cannot break a call);
* local ``$ref`` (``#/$defs/X``, ``#/definitions/X``) is inlined; a recursive or non-local
  ``$ref`` raises ``InvalidRequestError``, since Gemini's schema has no references;
* ``type: [X, "null"]`` and ``anyOf: [X, {"type": "null"}]`` become ``X`` + ``nullable``;
  ``oneOf`` becomes ``anyOf``; ``allOf`` is merged; ``const`` becomes a one-value ``enum``;
* a non-string ``enum`` is moved into the description ("Allowed values: ...").

>>> reduce_schema({"type": "object", "properties": {"n": {"type": "integer", "default": 1}}}, "t")
{'type': 'object', 'properties': {'n': {'type': 'integer'}}}
"""

from __future__ import annotations

from typing import Any, Dict, FrozenSet, List, Optional, Tuple

from llmsdk.errors import InvalidRequestError

__all__ = ["reduce_schema"]

#: Keywords copied through unchanged (values that are not themselves schemas).
_PLAIN_KEYS = (
    "title", "description", "nullable", "minItems", "maxItems", "minimum", "maximum",
    "minLength", "maxLength", "pattern", "minProperties", "maxProperties", "propertyOrdering",
)

_FORMATS: Dict[str, FrozenSet[str]] = {
    "string": frozenset({"enum", "date-time"}),
    "integer": frozenset({"int32", "int64"}),
    "number": frozenset({"float", "double"}),
}


class _Reducer:
    def __init__(self, root: Dict[str, Any], tool: str) -> None:
        self.tool = tool
        self.defs: Dict[str, Any] = {}
        for key in ("definitions", "$defs"):
            found = root.get(key)
            if isinstance(found, dict):
                self.defs.update(found)

    def fail(self, why: str) -> InvalidRequestError:
        return InvalidRequestError(f"tool {self.tool!r}: {why}")

    def resolve(self, node: Dict[str, Any], seen: Tuple[str, ...]) -> Tuple[Dict[str, Any], Tuple[str, ...]]:
        """Inline ``$ref`` (siblings such as ``description`` win over the target's)."""
        while "$ref" in node:
            ref = node["$ref"]
            name = None
            if isinstance(ref, str):
                for prefix in ("#/$defs/", "#/definitions/"):
                    if ref.startswith(prefix) and "/" not in ref[len(prefix):]:
                        name = ref[len(prefix):]
            if name is None:
                raise self.fail(
                    f"cannot resolve $ref {ref!r} for Gemini: only local '#/$defs/<name>' "
                    "references can be inlined")
            if name in seen:
                raise self.fail(
                    f"recursive $ref {ref!r} cannot be expressed in a Gemini function declaration "
                    "(Gemini schemas have no references); flatten the schema")
            target = self.defs.get(name)
            if not isinstance(target, dict):
                raise self.fail(f"$ref {ref!r} points to no definition in $defs/definitions")
            siblings = {k: v for k, v in node.items() if k != "$ref"}
            node = {**target, **siblings}
            seen = seen + (name,)
        return node, seen

    def reduce(self, node: Any, seen: Tuple[str, ...] = ()) -> Dict[str, Any]:
        if not isinstance(node, dict):
            return {}  # `true` / `{}`: anything goes, which Gemini spells as no constraint
        node, seen = self.resolve(node, seen)
        node = self.merge_all_of(node, seen)
        out: Dict[str, Any] = {}
        nullable = False

        types = node.get("type")
        if isinstance(types, list):
            nullable = "null" in types
            concrete = [t for t in types if t != "null"]
            if len(concrete) == 1:
                out["type"] = concrete[0]
            elif concrete:
                out["anyOf"] = [{"type": t} for t in concrete]
        elif isinstance(types, str) and types != "null":
            out["type"] = types
        elif types == "null":
            nullable = True

        variants = node.get("anyOf", node.get("oneOf"))
        if isinstance(variants, list):
            reduced: List[Dict[str, Any]] = []
            for variant in variants:
                resolved, _ = self.resolve(variant, seen) if isinstance(variant, dict) else (variant, seen)
                if isinstance(resolved, dict) and resolved.get("type") == "null":
                    nullable = True
                    continue
                reduced.append(self.reduce(variant, seen))
            if len(reduced) == 1:  # Optional[X]: X itself, made nullable
                out = {**reduced[0], **out}
            elif reduced:
                out["anyOf"] = reduced

        for key in _PLAIN_KEYS:
            if key in node:
                out[key] = node[key]

        self.copy_enum(node, out)
        fmt = node.get("format")
        if isinstance(fmt, str) and fmt in _FORMATS.get(str(out.get("type")), frozenset()):
            out["format"] = fmt

        props = node.get("properties")
        if isinstance(props, dict) and props:
            out["properties"] = {name: self.reduce(sub, seen) for name, sub in props.items()}
            required = node.get("required")
            if isinstance(required, list):
                kept = [r for r in required if r in props]
                if kept:
                    out["required"] = kept
        items = node.get("items")
        if isinstance(items, list):  # tuple validation has no Gemini equivalent: take the first
            items = items[0] if items else None
        if isinstance(items, dict):
            out["items"] = self.reduce(items, seen)
        if nullable:
            out["nullable"] = True
        return out

    def merge_all_of(self, node: Dict[str, Any], seen: Tuple[str, ...]) -> Dict[str, Any]:
        parts = node.get("allOf")
        if not isinstance(parts, list):
            return node
        merged = {k: v for k, v in node.items() if k != "allOf"}
        for part in parts:
            if not isinstance(part, dict):
                continue
            part, _ = self.resolve(part, seen)
            part = self.merge_all_of(part, seen)
            for key, value in part.items():
                if key == "properties" and isinstance(value, dict):
                    merged["properties"] = {**merged.get("properties", {}), **value}
                elif key == "required" and isinstance(value, list):
                    merged["required"] = list(dict.fromkeys(merged.get("required", []) + value))
                else:
                    merged.setdefault(key, value)
        return merged

    @staticmethod
    def copy_enum(node: Dict[str, Any], out: Dict[str, Any]) -> None:
        values = node.get("enum")
        if "const" in node:
            values = [node["const"]]
        if not isinstance(values, list) or not values:
            return
        if all(isinstance(v, str) for v in values):
            out["enum"] = list(values)
            out.setdefault("type", "string")
            return
        # Gemini only takes string enums; keep the constraint where the model can read it.
        listed = ", ".join(str(v) for v in values)
        note = f"Allowed values: {listed}."
        out["description"] = f"{out['description']} {note}" if out.get("description") else note


def reduce_schema(schema: Dict[str, Any], tool_name: str) -> Optional[Dict[str, Any]]:
    """The Gemini ``parameters`` for a tool's JSON Schema, or ``None`` for a tool without
    parameters (Gemini rejects an object schema with empty ``properties``)."""
    reduced = _Reducer(schema, tool_name).reduce(schema)
    if reduced.get("type", "object") == "object" and not reduced.get("properties"):
        return None
    return reduced
