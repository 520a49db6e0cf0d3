"""Python type hints -> JSON Schema: the one converter behind ``Tool.from_function`` and
``LLMRequest.output_schema``.

Handles ``str``, ``int``, ``float``, ``bool``, ``None``, ``list``/``set``/``tuple``/``Sequence``,
``dict[str, X]``, ``Optional``/``Union``/``X | Y``, ``Literal``, ``Enum``, dataclasses (nested),
``TypedDict``, ``Annotated[X, "description"]``, and ``datetime``/``date``/``time``/``UUID`` as
strings with a ``format``. A type it cannot describe raises ``SchemaTypeError`` (a
``TypeError``) whose message names the field, e.g. ``Invoice.lines[].due``.

>>> schema_for_type(Optional[int])
{'type': ['integer', 'null']}
"""

from __future__ import annotations

import collections.abc
import dataclasses
import datetime
import enum
import inspect
import sys
import typing
import uuid
from typing import Any, Dict, FrozenSet, List, Optional, Tuple, Union

from llmsdk._core.docstrings import Doc, parse_docstring

__all__ = ["SchemaTypeError", "is_typeddict", "schema_for_type"]

_NoneType = type(None)
_UNION_TYPES: Tuple[Any, ...] = (Union,)
if sys.version_info >= (3, 10):  # ``X | None`` builds a types.UnionType
    import types as _types

    _UNION_TYPES = (Union, _types.UnionType)


class SchemaTypeError(TypeError):
    """A type hint with no JSON Schema. ``path`` names where it sits (``("lines", "[]",
    "due")``), so the message can point at the field to fix."""

    def __init__(self, tp: Any, path: Tuple[str, ...] = (), reason: str = "") -> None:
        self.tp = tp
        self.path = path
        self.reason = reason
        super().__init__(self._message())

    def _message(self) -> str:
        where = f" (field {self.where!r})" if self.path else ""
        why = self.reason or f"no JSON Schema for the type {self.tp!r}"
        return f"{why}{where}; use a JSON-friendly type (str, int, float, bool, list, dict, Optional, " \
               "Literal, Enum, datetime, a dataclass or a TypedDict)"

    @property
    def where(self) -> str:
        """The path as one string: ``lines[].due``."""
        out = ""
        for part in self.path:
            out += part if part.startswith("[") or not out else f".{part}"
        return out

    def within(self, name: str) -> "SchemaTypeError":
        """The same error, one level further out (``name`` is the enclosing field)."""
        return SchemaTypeError(self.tp, (name, *self.path), self.reason)


_PRIMITIVES: Dict[Any, Dict[str, Any]] = {
    str: {"type": "string"},
    int: {"type": "integer"},
    float: {"type": "number"},
    bool: {"type": "boolean"},
    _NoneType: {"type": "null"},
    bytes: {"type": "string"},
    # ISO 8601 strings; datetime before date (a datetime is a date)
    datetime.datetime: {"type": "string", "format": "date-time"},
    datetime.date: {"type": "string", "format": "date"},
    datetime.time: {"type": "string", "format": "time"},
    uuid.UUID: {"type": "string", "format": "uuid"},
}

_ARRAY_TYPES = (list, set, frozenset, tuple, collections.abc.Sequence, collections.abc.MutableSequence,
                collections.abc.Iterable, collections.abc.Collection, collections.abc.Set,
                collections.abc.MutableSet)
_MAPPING_TYPES = (dict, collections.abc.Mapping, collections.abc.MutableMapping)


def hints_of(obj: Any) -> Dict[str, Any]:
    """``typing.get_type_hints`` for a function, class or callable object."""
    target = obj
    if not (inspect.isfunction(obj) or inspect.ismethod(obj) or inspect.isclass(obj)):
        target = getattr(obj, "__call__", obj)  # noqa: B004 - a callable object's hints live on __call__
    try:
        return typing.get_type_hints(target, include_extras=True)
    except Exception as exc:  # noqa: BLE001 - a forward reference that cannot be resolved
        raise TypeError(f"cannot resolve the type hints of {obj!r}: {exc}") from exc


def is_union(tp: Any) -> bool:
    return typing.get_origin(tp) in _UNION_TYPES


def is_typeddict(tp: Any) -> bool:
    """A ``TypedDict`` class (from ``typing`` or ``typing_extensions``)."""
    return isinstance(tp, type) and issubclass(tp, dict) and hasattr(tp, "__required_keys__") \
        and hasattr(tp, "__total__")


def json_default(value: Any) -> Any:
    """``value`` as JSON for a schema ``default``, or ``NO_JSON``."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (list, tuple)):
        items = [json_default(v) for v in value]
        return items if all(i is not NO_JSON for i in items) else NO_JSON
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        out = {k: json_default(v) for k, v in value.items()}
        return out if all(v is not NO_JSON for v in out.values()) else NO_JSON
    return NO_JSON


NO_JSON = object()


def schema_for_type(tp: Any, _seen: Optional[Tuple[Any, ...]] = None) -> Dict[str, Any]:
    """The JSON Schema for one Python type annotation."""
    seen = _seen or ()
    if tp is Any or tp is inspect.Parameter.empty or tp is object:
        return {}
    if tp in _PRIMITIVES:
        return dict(_PRIMITIVES[tp])
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin is typing.Annotated:
        schema = schema_for_type(args[0], seen)
        notes = [a for a in args[1:] if isinstance(a, str)]
        if notes:
            schema["description"] = " ".join(notes)
        return schema
    if is_union(tp):
        return _union_schema(args, seen)
    if origin is typing.Literal:
        return _enum_schema(list(args))
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        schema = _enum_schema([m.value for m in tp])
        doc = tp.__dict__.get("__doc__")
        if doc and doc.strip() != "An enumeration.":
            schema["description"] = inspect.cleandoc(doc).split("\n\n")[0]
        return schema
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return _dataclass_schema(tp, seen)
    if is_typeddict(tp):
        return _typeddict_schema(tp, seen)
    if (origin or tp) in _ARRAY_TYPES:
        return _array_schema(tp, origin or tp, args, seen)
    if (origin or tp) in _MAPPING_TYPES:
        mapping: Dict[str, Any] = {"type": "object"}
        if len(args) == 2 and args[1] is not Any:
            try:
                mapping["additionalProperties"] = schema_for_type(args[1], seen)
            except SchemaTypeError as exc:
                raise exc.within("{}") from None
        return mapping
    if isinstance(tp, type) and issubclass(tp, str):
        return {"type": "string"}
    if isinstance(tp, type) and issubclass(tp, (int, float)) and not issubclass(tp, bool):
        return {"type": "integer" if issubclass(tp, int) else "number"}
    raise SchemaTypeError(tp)


def _union_schema(args: Tuple[Any, ...], seen: Tuple[Any, ...]) -> Dict[str, Any]:
    members = [a for a in args if a is not _NoneType]
    nullable = len(members) < len(args)
    if len(members) == 1:
        inner = schema_for_type(members[0], seen)
        if not nullable:
            return inner
        kind = inner.get("type")
        if isinstance(kind, str) and set(inner) <= {"type", "description", "items", "enum", "format",
                                                     "additionalProperties", "properties", "required"}:
            out = dict(inner, type=[kind, "null"])
            if "enum" in out:
                out["enum"] = [*out["enum"], None]
            return out
        return {"anyOf": [inner, {"type": "null"}]}
    schemas = [schema_for_type(m, seen) for m in members]
    if nullable:
        schemas.append({"type": "null"})
    return {"anyOf": schemas}


def _enum_schema(values: List[Any]) -> Dict[str, Any]:
    kinds = {type(v) for v in values}
    schema: Dict[str, Any] = {}
    if len(kinds) == 1:
        kind = kinds.pop()
        if kind in _PRIMITIVES:
            schema["type"] = _PRIMITIVES[kind]["type"]
    schema["enum"] = list(values)
    return schema


def _array_schema(tp: Any, container: Any, args: Tuple[Any, ...], seen: Tuple[Any, ...]) -> Dict[str, Any]:
    schema: Dict[str, Any] = {"type": "array"}
    try:
        if container is tuple and args and not (len(args) == 2 and args[1] is Ellipsis):
            schema["prefixItems"] = [schema_for_type(a, seen) for a in args]
            schema["minItems"] = schema["maxItems"] = len(args)
            return schema
        if args:
            schema["items"] = schema_for_type(args[0], seen)
    except SchemaTypeError as exc:
        raise SchemaTypeError(exc.tp, ("[]", *exc.path), exc.reason) from None
    if container in (set, frozenset):
        schema["uniqueItems"] = True
    return schema


def _class_doc(cls: Any) -> Doc:
    doc = cls.__dict__.get("__doc__")
    if not doc or doc.startswith(cls.__name__ + "("):  # the dataclass-generated signature
        return Doc("", {})
    return parse_docstring(doc)


def _field_schema(name: str, tp: Any, doc: Doc, seen: Tuple[Any, ...]) -> Dict[str, Any]:
    try:
        prop = schema_for_type(tp, seen)
    except SchemaTypeError as exc:
        raise exc.within(name) from None
    if doc.params.get(name) and not annotated_description(tp):
        prop["description"] = doc.params[name]
    return prop


def _object_schema(properties: Dict[str, Any], required: List[str], doc: Doc) -> Dict[str, Any]:
    schema: Dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    if doc.summary:
        schema["description"] = doc.summary
    return schema


def _enter(cls: Any, seen: Tuple[Any, ...], kind: str) -> Tuple[Tuple[Any, ...], Dict[str, Any], Doc]:
    """A class's hints and docstring, with ``cls`` added to the classes being described."""
    if cls in seen:
        raise SchemaTypeError(cls, reason=f"recursive {kind} {cls.__name__} cannot be described without references")
    return (*seen, cls), hints_of(cls), _class_doc(cls)


def _dataclass_schema(cls: Any, seen: Tuple[Any, ...]) -> Dict[str, Any]:
    seen, hints, doc = _enter(cls, seen, "dataclass")
    properties: Dict[str, Any] = {}
    required: List[str] = []
    for f in dataclasses.fields(cls):
        if not f.init:
            continue
        prop = _field_schema(f.name, hints.get(f.name, Any), doc, seen)
        if f.default is not dataclasses.MISSING:
            add_default(prop, f.default)
        elif f.default_factory is dataclasses.MISSING:  # type: ignore[misc]
            required.append(f.name)
        properties[f.name] = prop
    return _object_schema(properties, required, doc)


def _typeddict_schema(cls: Any, seen: Tuple[Any, ...]) -> Dict[str, Any]:
    seen, hints, doc = _enter(cls, seen, "TypedDict")
    required_keys: FrozenSet[str] = getattr(cls, "__required_keys__", frozenset())
    properties: Dict[str, Any] = {}
    required: List[str] = []
    for name, tp in hints.items():
        marker = getattr(typing.get_origin(tp), "_name", None)  # seen even under postponed annotations
        properties[name] = _field_schema(name, _strip_required(tp), doc, seen)
        if marker == "Required" or (name in required_keys and marker != "NotRequired"):
            required.append(name)
    return _object_schema(properties, required, doc)


def _strip_required(tp: Any) -> Any:
    """``Required[X]`` / ``NotRequired[X]`` -> ``X`` (``__required_keys__`` already says which)."""
    name = getattr(typing.get_origin(tp), "_name", None)
    if name in ("Required", "NotRequired") and typing.get_args(tp):
        return typing.get_args(tp)[0]
    return tp


def annotated_description(tp: Any) -> bool:
    """An ``Annotated[X, "text"]`` description wins over the docstring's."""
    return typing.get_origin(tp) is typing.Annotated and any(isinstance(a, str) for a in typing.get_args(tp)[1:])


def add_default(prop: Dict[str, Any], default: Any) -> None:
    value = json_default(default)
    if value is not NO_JSON and value is not None:
        prop["default"] = value
