"""``LLMRequest.output_schema`` resolved: an ``OutputSpec`` (wire name, JSON Schema, the
Python type to parse into). It lives in the value layer because a request checks and
serialises its ``output_schema`` with it; the per-provider rewrites of the schema are in
``llmsdk._structured.output_schema``.

``output_schema`` may be a dataclass type, a pydantic ``BaseModel`` type (pydantic is
imported only when one is passed), a ``TypedDict`` or a JSON Schema dict. Anything else
(``int``, a class with a field of an unsupported type) is an ``InvalidRequestError`` naming
the field, raised before any HTTP call.
"""

from __future__ import annotations

import dataclasses
import functools
import re
import sys
from dataclasses import dataclass
from typing import Any, Callable, Dict, Optional

from llmsdk.errors import InvalidRequestError

__all__ = ["OutputSpec", "output_spec"]

_NAME_CHARS = re.compile(r"[^a-zA-Z0-9_-]+")


@dataclass(frozen=True)
class OutputSpec:
    """One structured-output request, resolved. ``kind`` is ``"dataclass"``,
    ``"pydantic"``, ``"typeddict"`` or ``"dict"``; ``target`` the type to build (None for
    a dict schema); ``name`` the wire name (``[a-zA-Z0-9_-]{1,64}``), also the name of
    the forced tool where one is used."""

    name: str
    schema: Dict[str, Any]
    kind: str
    target: Any = None
    description: Optional[str] = None

    def as_tool(self) -> Any:
        """The forced tool whose input is the output."""
        from llmsdk._core.tools import Tool

        description = self.description or f"Reply with the final answer as {self.name}."
        return Tool(self.name, description, self.schema)


# -- resolving output_schema ---------------------------------------------------------------


def output_spec(value: Any) -> Optional[OutputSpec]:
    """The ``OutputSpec`` for ``LLMRequest.output_schema`` (None when unset); raises
    ``InvalidRequestError`` for a value that cannot become a schema."""
    if value is None:
        return None
    if isinstance(value, dict):
        return _dict_spec(value)
    try:
        return _type_spec(value)
    except TypeError:  # unhashable: not a type anyway
        return _build_type_spec(value)


def _dict_spec(schema: Dict[str, Any]) -> OutputSpec:
    if not schema:
        raise InvalidRequestError("output_schema is an empty dict; give a JSON Schema object")
    kind = schema.get("type")
    if kind is not None and kind != "object" and "properties" not in schema:
        raise InvalidRequestError(
            f"output_schema must describe a JSON object (type 'object'), got type {kind!r}; "
            "wrap the value in an object with one property")
    title = schema.get("title")
    name = _wire_name(title if isinstance(title, str) else "output")
    description = schema.get("description") if isinstance(schema.get("description"), str) else None
    return OutputSpec(name, schema, "dict", None, description)


@functools.lru_cache(maxsize=256)
def _type_spec(tp: Any) -> OutputSpec:
    return _build_type_spec(tp)


def _build_type_spec(tp: Any) -> OutputSpec:
    from llmsdk._core.type_schema import SchemaTypeError, is_typeddict, schema_for_type

    if not isinstance(tp, type):
        raise InvalidRequestError(
            f"output_schema must be a dataclass type, a pydantic BaseModel type, a TypedDict or a JSON "
            f"Schema dict, got {tp!r}")
    name = _wire_name(tp.__name__)
    if _is_pydantic_model(tp):
        return _pydantic_spec(tp, name)
    if dataclasses.is_dataclass(tp):
        kind = "dataclass"
    elif is_typeddict(tp):
        kind = "typeddict"
    else:
        raise InvalidRequestError(
            f"output_schema must be a dataclass type, a pydantic BaseModel type, a TypedDict or a JSON "
            f"Schema dict, got {tp.__name__} (the reply is always a JSON object)")
    try:
        schema = schema_for_type(tp)
    except SchemaTypeError as exc:
        raise InvalidRequestError(f"output_schema {tp.__name__}: {exc}") from None
    except TypeError as exc:  # unresolvable forward references
        raise InvalidRequestError(f"output_schema {tp.__name__}: {exc}") from None
    return OutputSpec(name, schema, kind, tp, schema.get("description"))


def _is_pydantic_model(tp: type) -> bool:
    """Whether ``tp`` subclasses ``pydantic.BaseModel``, without importing pydantic: a
    class can only be one if pydantic is already imported."""
    pydantic = sys.modules.get("pydantic")
    base = getattr(pydantic, "BaseModel", None)
    return base is not None and issubclass(tp, base)


def _pydantic_spec(tp: type, name: str) -> OutputSpec:
    schema_of: Optional[Callable[[], Dict[str, Any]]] = getattr(tp, "model_json_schema", None)
    if schema_of is None or not hasattr(tp, "model_validate_json"):
        raise InvalidRequestError(f"output_schema {tp.__name__}: pydantic v2 models are supported (v1 is not)")
    try:
        schema = schema_of()
    except Exception as exc:  # noqa: BLE001 - pydantic's own schema errors name the field
        raise InvalidRequestError(f"output_schema {tp.__name__}: pydantic cannot build its JSON Schema: {exc}") \
            from None
    description = schema.get("description") if isinstance(schema.get("description"), str) else None
    return OutputSpec(name, schema, "pydantic", tp, description)


def _wire_name(name: str) -> str:
    return _NAME_CHARS.sub("_", name).strip("_")[:64] or "output"
