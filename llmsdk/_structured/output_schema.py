"""``LLMRequest.output_schema`` turned into what the wire needs: an ``OutputSpec`` (name,
JSON Schema, the Python type to parse into) and pure schema rewrites per provider.

``output_schema`` may be a dataclass type, a pydantic ``BaseModel`` type (pydantic is
imported only when one is passed), a ``TypedDict`` or a JSON Schema dict. Anything else
(``int``, a class with a field of an unsupported type) is an ``InvalidRequestError`` naming
the field, raised before any HTTP call.

The rewrites are pure functions of a schema:

* ``strict_schema`` — what OpenAI-style ``strict: true`` accepts: ``additionalProperties:
  false`` on every object, every property required (optional ones made nullable, so
  "absent" becomes ``null``), no ``default``, ``oneOf`` as ``anyOf``, ``$ref`` with sibling
  keywords inlined;
* ``restrict_keywords`` — keep an allow-list of keywords, moving the rest into the
  description where the model can still read them (Anthropic, Gemini).
"""

from __future__ import annotations

import copy
import dataclasses
import json
from typing import Any, Dict, FrozenSet, List, Optional, Tuple

from llmsdk._core.output_spec import OutputSpec, output_spec
from llmsdk.errors import InvalidRequestError

__all__ = [
    "OutputSpec",
    "STRUCTURED_OUTPUT_MODES",
    "closed_objects",
    "output_spec",
    "restrict_keywords",
    "schema_prompt",
    "strict_of",
    "strict_schema",
    "structured_mode",
    "with_output_tool",
    "with_schema_prompt",
]

#: How a model is asked for structured output (``ModelCapabilities.structured_output``):
#: ``json_schema`` the provider's native schema-constrained form (OpenAI-style
#: ``response_format`` with ``strict: true``, Anthropic ``output_config.format``, Gemini
#: ``responseJsonSchema``); ``json_schema_best_effort`` the same with ``strict: false`` (Groq
#: models without constrained decoding); ``json_object`` JSON mode plus the schema in the
#: system prompt; ``tool`` one forced tool whose input is the output; ``response_schema``
#: Gemini's OpenAPI-subset ``responseSchema``.
STRUCTURED_OUTPUT_MODES = ("json_schema", "json_schema_best_effort", "json_object", "tool", "response_schema")

def strict_of(spec: OutputSpec) -> Dict[str, Any]:
    """``strict_schema`` of ``spec``'s schema, computed once per spec (kept in the frozen
    instance's ``__dict__``, as ``functools.cached_property`` would)."""
    cached: Optional[Dict[str, Any]] = spec.__dict__.get("_strict")
    if cached is None:
        cached = strict_schema(spec.schema, spec.name)
        spec.__dict__["_strict"] = cached
    return cached


def structured_mode(request: Any, default: str) -> str:
    """The way ``request``'s model takes structured output: its registry capability, else
    ``default`` (the provider's choice for a model id the registry does not know)."""
    capabilities = getattr(request.model, "capabilities", None)
    mode = getattr(capabilities, "structured_output", None)
    return mode if mode in STRUCTURED_OUTPUT_MODES else default


# -- strict mode ----------------------------------------------------------------------------


def strict_schema(schema: Dict[str, Any], name: str = "output_schema") -> Dict[str, Any]:
    """``schema`` rewritten to what OpenAI-style strict structured output accepts. Pure
    (the input is not modified). Raises ``InvalidRequestError`` for what strict mode
    cannot express: an object with free-form keys (``dict[str, X]``)."""
    root = copy.deepcopy(schema)
    return _Strict(root, name).rewrite(root, ())


class _Strict:
    def __init__(self, root: Dict[str, Any], name: str) -> None:
        self.root = root
        self.name = name

    def fail(self, path: Tuple[str, ...], why: str) -> InvalidRequestError:
        where = ".".join(path) or "(root)"
        return InvalidRequestError(f"output_schema {self.name}: field {where!r}: {why}")

    def rewrite(self, node: Any, path: Tuple[str, ...]) -> Any:
        if not isinstance(node, dict):
            return node
        for key in ("$defs", "definitions"):
            defs = node.get(key)
            if isinstance(defs, dict):
                node[key] = {n: self.rewrite(d, (*path, n)) for n, d in defs.items()}
        ref = node.get("$ref")
        if isinstance(ref, str) and len(node) > 1:  # $ref takes no siblings in strict mode
            del node["$ref"]
            node = {**self.resolve(ref, path), **node}
            return self.rewrite(node, path)
        node.pop("default", None)
        if "oneOf" in node and "anyOf" not in node:
            node["anyOf"] = node.pop("oneOf")
        properties = node.get("properties")
        if node.get("type") == "object" or isinstance(properties, dict):
            self.strict_object(node, path)
        if isinstance(node.get("items"), dict):
            node["items"] = self.rewrite(node["items"], (*path, "[]"))
        if isinstance(node.get("prefixItems"), list):
            node["prefixItems"] = [self.rewrite(s, (*path, f"[{i}]")) for i, s in enumerate(node["prefixItems"])]
        for key in ("anyOf", "allOf"):
            if isinstance(node.get(key), list):
                node[key] = [self.rewrite(s, path) for s in node[key]]
        return node

    def strict_object(self, node: Dict[str, Any], path: Tuple[str, ...]) -> None:
        extra = node.get("additionalProperties")
        properties = node.get("properties")
        if not isinstance(properties, dict) or not properties:
            if extra not in (None, False) or not isinstance(properties, dict):
                raise self.fail(path, "an object with free-form keys (a dict) cannot be expressed in strict "
                                      "structured output; give it named fields (a dataclass or TypedDict)")
        listed = node.get("required")
        required: List[Any] = listed if isinstance(listed, list) else []
        if extra not in (None, False):
            raise self.fail(path, "additionalProperties other than false cannot be expressed in strict "
                                  "structured output")
        node["additionalProperties"] = False
        rewritten = {}
        for key, sub in properties.items():
            sub = self.rewrite(sub, (*path, key))
            rewritten[key] = sub if key in required else nullable(sub)
        node["properties"] = rewritten
        node["required"] = list(properties)

    def resolve(self, ref: str, path: Tuple[str, ...]) -> Dict[str, Any]:
        target: Any = self.root
        if not ref.startswith("#/"):
            raise self.fail(path, f"cannot resolve $ref {ref!r}: only local '#/...' references")
        for part in ref[2:].split("/"):
            target = target.get(part) if isinstance(target, dict) else None
        if not isinstance(target, dict):
            raise self.fail(path, f"$ref {ref!r} points nowhere")
        return copy.deepcopy(target)


def nullable(schema: Dict[str, Any]) -> Dict[str, Any]:
    """``schema`` that also accepts ``null`` (an optional field under strict mode)."""
    if not schema:
        return schema  # anything, null included
    kind = schema.get("type")
    if isinstance(kind, str) and "$ref" not in schema:
        if kind == "null":
            return schema
        out = dict(schema, type=[kind, "null"])
        if isinstance(out.get("enum"), list) and None not in out["enum"]:
            out["enum"] = [*out["enum"], None]
        return out
    if isinstance(kind, list):
        return schema if "null" in kind else dict(schema, type=[*kind, "null"])
    variants = schema.get("anyOf")
    if isinstance(variants, list) and "$ref" not in schema:
        if any(isinstance(v, dict) and v.get("type") == "null" for v in variants):
            return schema
        return dict(schema, anyOf=[*variants, {"type": "null"}])
    if isinstance(schema.get("enum"), list):
        return schema if None in schema["enum"] else dict(schema, enum=[*schema["enum"], None])
    return {"anyOf": [schema, {"type": "null"}]}


# -- keyword allow-lists ----------------------------------------------------------------------

#: Keywords whose values are schemas (or maps / lists of them), walked by ``restrict_keywords``.
_SCHEMA_MAPS = ("properties", "$defs", "definitions")
_SCHEMA_LISTS = ("anyOf", "oneOf", "allOf", "prefixItems")


def restrict_keywords(schema: Dict[str, Any], allowed: FrozenSet[str],
                      formats: Optional[FrozenSet[str]] = None) -> Dict[str, Any]:
    """A copy of ``schema`` keeping only ``allowed`` keywords (and, for strings, only the
    ``formats`` given); whatever is dropped is appended to the description as
    ``{minimum: 1, ...}`` so the model still sees the constraint. Pure."""

    def walk(node: Any) -> Any:
        if not isinstance(node, dict):
            return node
        out: Dict[str, Any] = {}
        moved: List[str] = []
        for key, value in node.items():
            if key in _SCHEMA_MAPS and isinstance(value, dict) and key in allowed:
                out[key] = {k: walk(v) for k, v in value.items()}
            elif key in _SCHEMA_LISTS and isinstance(value, list) and key in allowed:
                out[key] = [walk(v) for v in value]
            elif key in ("items", "additionalProperties") and isinstance(value, dict) and key in allowed:
                out[key] = walk(value)
            elif key == "format" and formats is not None and value not in formats:
                moved.append(f"format: {value}")
            elif key in allowed:
                out[key] = value
            else:
                moved.append(f"{key}: {json.dumps(value, ensure_ascii=False)}")
        if moved and "description" in allowed:
            note = "{" + ", ".join(moved) + "}"
            out["description"] = f"{out['description']}\n\n{note}" if out.get("description") else note
        return out

    result: Dict[str, Any] = walk(schema)
    return result


def inline_ref_siblings(schema: Dict[str, Any]) -> Dict[str, Any]:
    """A copy of ``schema`` in which a ``$ref`` with sibling keywords (pydantic writes
    ``{"$ref": "#/$defs/Address", "description": "..."}``) is replaced by its target merged
    with those siblings (theirs win), as ``strict_schema`` does: Gemini's
    ``responseJsonSchema`` (google-genai documents it) gives a ``$ref`` no siblings. A
    ``$ref`` alone stays a reference, so recursive types still work; one that cannot be
    resolved locally keeps the reference and loses its siblings. Pure."""

    def walk(node: Any, depth: int) -> Any:
        if isinstance(node, list):
            return [walk(v, depth) for v in node]
        if not isinstance(node, dict):
            return node
        ref = node.get("$ref")
        if isinstance(ref, str) and len(node) > 1:
            siblings = {k: v for k, v in node.items() if k != "$ref"}
            target = _local_target(schema, ref) if depth < 32 else None
            if target is None:
                return {"$ref": ref}
            return walk({**copy.deepcopy(target), **siblings}, depth + 1)
        return {k: walk(v, depth) for k, v in node.items()}

    result: Dict[str, Any] = walk(schema, 0)
    return result


def _local_target(root: Dict[str, Any], ref: str) -> Optional[Dict[str, Any]]:
    if not ref.startswith("#/"):
        return None
    target: Any = root
    for part in ref[2:].split("/"):
        target = target.get(part) if isinstance(target, dict) else None
    return target if isinstance(target, dict) else None


def schema_prompt(spec: OutputSpec) -> str:
    """The system-prompt text that asks for the schema where the wire has no schema field
    (JSON mode); it names "JSON", which OpenAI's ``json_object`` mode requires."""
    return ("Reply with one JSON object, and nothing else, that matches this JSON Schema:\n"
            + json.dumps(spec.schema, ensure_ascii=False, separators=(",", ":")))


def closed_objects(schema: Dict[str, Any], name: str = "output_schema") -> Dict[str, Any]:
    """A copy of ``schema`` with ``additionalProperties: false`` on every object (what
    Anthropic's ``output_config.format`` requires); an object with free-form keys raises
    ``InvalidRequestError``, since closing it would leave it always empty."""

    def walk(node: Any, path: Tuple[str, ...]) -> Any:
        if isinstance(node, list):
            return [walk(v, path) for v in node]
        if not isinstance(node, dict):
            return node
        out: Dict[str, Any] = {}
        for key, value in node.items():
            if key in _SCHEMA_MAPS and isinstance(value, dict):
                out[key] = {k: walk(v, (*path, k) if key == "properties" else path) for k, v in value.items()}
            elif key in ("items", *_SCHEMA_LISTS):
                out[key] = walk(value, (*path, "[]") if key == "items" else path)
            else:
                out[key] = value
        if out.get("type") == "object" or isinstance(out.get("properties"), dict):
            extra = out.get("additionalProperties")
            if extra not in (None, False) or not isinstance(out.get("properties"), dict):
                where = ".".join(path) or "(root)"
                raise InvalidRequestError(
                    f"output_schema {name}: field {where!r}: an object with free-form keys (a dict) cannot "
                    "be expressed in structured output; give it named fields (a dataclass or TypedDict)")
            out["additionalProperties"] = False
        return out

    result: Dict[str, Any] = walk(schema, ())
    return result


def with_schema_prompt(request: Any, spec: OutputSpec) -> Any:
    """``request`` with the schema appended to its system prompt (JSON mode)."""
    system = "\n\n".join(p for p in (request.system, schema_prompt(spec)) if p)
    return dataclasses.replace(request, system=system)


def with_output_tool(request: Any, spec: OutputSpec, *, can_force: bool = True) -> Any:
    """``request`` with the output tool added and chosen: forced when it is the only tool,
    else "any" (the model may call the caller's tools first, in ``run_tools``, and answers
    by calling the output tool). Where a forced choice is not allowed (Anthropic with
    thinking), the choice stays "auto" and the system prompt asks for the tool."""
    tools = [*(request.tools or []), spec.as_tool()]
    system = request.system
    choice: Any
    if not can_force:
        choice = "auto"
        hint = f"When you have the final answer, give it by calling the tool {spec.name}."
        system = "\n\n".join(p for p in (request.system, hint) if p)
    elif not request.tools or request.tool_choice == "none":
        choice = {"name": spec.name}
    elif isinstance(request.tool_choice, dict):
        choice = request.tool_choice  # the caller's forced first round (run_tools)
    else:
        choice = "any"
    return dataclasses.replace(request, tools=tools, tool_choice=choice, system=system)
