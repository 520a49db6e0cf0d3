"""Tool definitions given to the model, and tools built from plain Python functions.

>>> @tool
... def get_weather(city: str, unit: Literal["C", "F"] = "C") -> str:
...     '''Current weather for a city.
...
...     Args:
...         city: City name, e.g. "Paris".
...         unit: Temperature unit.
...     '''
...     return f"18{unit}, sunny in {city}"
>>> get_weather.input_schema["required"]
['city']
>>> get_weather.invoke({"city": "Paris"})
'18C, sunny in Paris'

The schema comes from the type hints (``str``, ``int``, ``float``, ``bool``, ``list[...]``,
``dict[str, ...]``, ``Optional``, ``Union``, ``Literal``, ``Enum``, dataclasses, ``TypedDict``,
``datetime``/``date``/``UUID`` (ISO strings),
``Annotated[X, "description"]``) and the parameter descriptions from the docstring
(Google, NumPy or Sphinx style). ``invoke`` turns the model's JSON arguments back into
those types (enum members, dataclass instances) before calling the function.
"""

from __future__ import annotations

import collections.abc
import dataclasses
import datetime
import enum
import inspect
import typing
import uuid
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Tuple, TypeVar, overload

from llmsdk._core.docstrings import parse_docstring
from llmsdk.errors import InvalidRequestError
from llmsdk._core.json_codec import JsonMixin, json_field
from llmsdk._core.type_schema import (
    _ARRAY_TYPES, _MAPPING_TYPES, SchemaTypeError, add_default, annotated_description, hints_of, is_union,
    schema_for_type,
)
from llmsdk._core.public_name import present_as_public

__all__ = ["ProviderTool", "SchemaTypeError", "Tool", "ToolInputError", "schema_for_type", "tool"]

F = TypeVar("F", bound=Callable[..., Any])

_NoneType = type(None)
_hints = hints_of
_is_union = is_union


class ToolInputError(ValueError):
    """The model's arguments do not fit the function (missing, unknown or mistyped).
    The tool loop reports it back to the model as an ``is_error`` result."""


def _exclude_always(_: Any) -> bool:
    return True


@dataclass
class Tool(JsonMixin):
    """A function the model may call. ``input_schema`` is a JSON Schema object.

    >>> Tool("get_weather", "Current weather", {"type": "object",
    ...      "properties": {"city": {"type": "string"}}, "required": ["city"]})
    >>> Tool.from_function(get_weather)       # schema from type hints and docstring

    A tool built from a function keeps it in ``function``: ``tool.invoke(arguments)``
    runs it with the model's arguments, and calling the tool calls the function.
    ``function`` is not part of the JSON form or of equality. ``cache="5m" | "1h"`` puts a
    prompt-cache breakpoint after this tool's definition (Anthropic; usually the last tool).
    """

    name: str
    description: str = ""
    input_schema: Dict[str, Any] = field(default_factory=lambda: {"type": "object", "properties": {}})
    function: Optional[Callable[..., Any]] = field(
        default=None, repr=False, compare=False, metadata={"dataclasses_json": {"exclude": _exclude_always}},
    )
    cache: Optional[str] = field(default=None, metadata=json_field(omit_none=True))

    @classmethod
    def from_function(cls, fn: Callable[..., Any], *, name: Optional[str] = None,
                      description: Optional[str] = None) -> Tool:
        """A tool whose schema is read from ``fn``'s signature, type hints and docstring."""
        if isinstance(fn, Tool):
            return fn
        if not callable(fn):
            raise TypeError(f"Tool.from_function needs a callable, got {type(fn).__name__}")
        doc = parse_docstring(inspect.getdoc(fn) or "")
        tool_name = name or getattr(fn, "__name__", None) or type(fn).__name__
        schema = _function_schema(fn, doc.params, tool_name)
        return cls(name=tool_name, description=description if description is not None else doc.summary,
                   input_schema=schema, function=fn)

    def invoke(self, arguments: Optional[Dict[str, Any]] = None) -> Any:
        """Call the function with the model's JSON ``arguments``, converted to the
        parameter types. Raises ``ToolInputError`` when they do not fit."""
        if self.function is None:
            raise TypeError(f"tool {self.name!r} has no Python function to call")
        args, kwargs = _bind_arguments(self.function, arguments or {})
        return self.function(*args, **kwargs)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self.function is None:
            raise TypeError(f"tool {self.name!r} has no Python function to call")
        return self.function(*args, **kwargs)


@dataclass
class ProviderTool(JsonMixin):
    """A tool the provider runs itself, named by the provider's own type string, with its
    settings in ``config`` (sent as given). Goes in ``LLMRequest.tools`` beside your tools.

    >>> ProviderTool("web_search_20250305", {"max_uses": 3})   # Anthropic web search
    >>> ProviderTool("web_search")       # OpenAI (Responses tool; Chat: web_search_options)
    >>> ProviderTool("google_search")    # Gemini grounding with Google Search

    The blocks it produces come back as ``ProviderToolContent``.
    """

    type: str
    config: Optional[Dict[str, Any]] = None


@overload
def tool(fn: F) -> Tool: ...


@overload
def tool(*, name: Optional[str] = None, description: Optional[str] = None) -> Callable[[F], Tool]: ...


def tool(fn: Optional[Callable[..., Any]] = None, *, name: Optional[str] = None,
         description: Optional[str] = None) -> Any:
    """Decorator: turn a function into a ``Tool`` (still callable as before).

    >>> @tool
    ... def add(a: int, b: int) -> int:
    ...     "Add two integers."
    ...     return a + b
    >>> @tool(name="lookup", description="Find a customer by email")
    ... def find_customer(email: str) -> dict: ...
    """
    if fn is not None:
        return Tool.from_function(fn, name=name, description=description)
    return lambda f: Tool.from_function(f, name=name, description=description)


# -- schemas from type hints (the converter lives in llmsdk._core.type_schema) --------------------


def _parameters(fn: Callable[..., Any]) -> List[inspect.Parameter]:
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"cannot read the signature of {fn!r}") from exc
    return [p for p in signature.parameters.values()
            if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD) and p.name not in ("self", "cls")]


def _function_schema(fn: Callable[..., Any], descriptions: Dict[str, str], tool_name: str) -> Dict[str, Any]:
    """The JSON Schema of ``fn``'s parameters. A parameter type with no JSON Schema is an
    ``InvalidRequestError`` naming it; an untyped one is warned about (the model then gets
    ``{}``: any JSON at all)."""
    hints = _hints(fn)
    properties: Dict[str, Any] = {}
    required: List[str] = []
    for param in _parameters(fn):
        if param.name not in hints:
            warnings.warn(f"tool {tool_name!r}: parameter {param.name!r} has no type hint, so the model may pass "
                          f"any JSON for it; annotate it (e.g. {param.name}: str)", UserWarning, stacklevel=4)
        try:
            prop = schema_for_type(hints.get(param.name, Any))
        except SchemaTypeError as exc:
            inner = exc.within(param.name)
            raise InvalidRequestError(f"tool {tool_name!r}: parameter {param.name!r}: {inner}") from None
        if descriptions.get(param.name) and not annotated_description(hints.get(param.name)):
            prop["description"] = descriptions[param.name]
        if param.default is inspect.Parameter.empty:
            required.append(param.name)
        else:
            add_default(prop, param.default)
        properties[param.name] = prop
    schema: Dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    return schema


# -- the model's arguments -> Python values --------------------------------------------------


def _bind_arguments(fn: Callable[..., Any], arguments: Dict[str, Any]) -> Tuple[List[Any], Dict[str, Any]]:
    if not isinstance(arguments, dict):
        raise ToolInputError(f"arguments must be a JSON object, got {type(arguments).__name__}")
    hints = _hints(fn)
    params = _parameters(fn)
    known = {p.name for p in params}
    unknown = sorted(set(arguments) - known)
    if unknown:
        raise ToolInputError(f"unexpected argument(s): {', '.join(unknown)}")
    missing = [p.name for p in params if p.default is inspect.Parameter.empty and p.name not in arguments]
    if missing:
        raise ToolInputError(f"missing required argument(s): {', '.join(missing)}")
    args: List[Any] = []
    kwargs: Dict[str, Any] = {}
    for p in params:
        if p.name not in arguments:
            continue
        value = _convert(arguments[p.name], hints.get(p.name, Any), p.name)
        if p.kind is p.POSITIONAL_ONLY:
            args.append(value)
        else:
            kwargs[p.name] = value
    return args, kwargs


def _convert(value: Any, tp: Any, where: str) -> Any:
    """``value`` (decoded JSON) as the annotated type; checks what JSON can get wrong."""
    if tp is Any or tp is inspect.Parameter.empty or tp is object:
        return value
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin is typing.Annotated:
        return _convert(value, args[0], where)
    if _is_union(tp):
        if value is None and _NoneType in args:
            return None
        errors = []
        for member in args:
            if member is _NoneType:
                continue
            try:
                return _convert(value, member, where)
            except ToolInputError as exc:
                errors.append(str(exc))
        raise ToolInputError(errors[0] if len(errors) == 1 else f"{where}: {value!r} matches none of the allowed types")
    if origin is typing.Literal:
        if value not in args:
            raise ToolInputError(f"{where}: {value!r} is not one of {list(args)!r}")
        return value
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        try:
            return tp(value)
        except ValueError:
            raise ToolInputError(f"{where}: {value!r} is not one of {[m.value for m in tp]!r}") from None
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        if not isinstance(value, dict):
            raise ToolInputError(f"{where}: expected an object, got {type(value).__name__}")
        return _convert_dataclass(value, tp, where)
    if tp is bool:
        if not isinstance(value, bool):
            raise ToolInputError(f"{where}: expected true or false, got {value!r}")
        return value
    if tp is int:
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if not isinstance(value, int) or isinstance(value, bool):
            raise ToolInputError(f"{where}: expected an integer, got {value!r}")
        return value
    if tp is float:
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            raise ToolInputError(f"{where}: expected a number, got {value!r}")
        return float(value)
    if tp is str:
        if not isinstance(value, str):
            raise ToolInputError(f"{where}: expected a string, got {value!r}")
        return value
    if tp in _FROM_STRING:
        if isinstance(value, tp):
            return value
        try:
            return _FROM_STRING[tp](value)
        except (TypeError, ValueError):
            raise ToolInputError(f"{where}: expected an ISO 8601 / UUID string, got {value!r}") from None
    container = origin or tp
    if container in _ARRAY_TYPES:
        if not isinstance(value, list):
            raise ToolInputError(f"{where}: expected an array, got {type(value).__name__}")
        if container is tuple and args and not (len(args) == 2 and args[1] is Ellipsis):
            if len(value) != len(args):
                raise ToolInputError(f"{where}: expected {len(args)} items, got {len(value)}")
            return tuple(_convert(v, a, f"{where}[{i}]") for i, (v, a) in enumerate(zip(value, args)))
        item_type = args[0] if args else Any
        items = [_convert(v, item_type, f"{where}[{i}]") for i, v in enumerate(value)]
        if container in (set, frozenset, tuple):
            return container(items)
        if container in (collections.abc.Set, collections.abc.MutableSet):
            return set(items)
        return items
    if container in _MAPPING_TYPES:
        if not isinstance(value, dict):
            raise ToolInputError(f"{where}: expected an object, got {type(value).__name__}")
        if len(args) == 2:
            return {k: _convert(v, args[1], f"{where}.{k}") for k, v in value.items()}
        return value
    return value


#: Types that travel as strings (see ``_type_schema``), and how to read them back.
_FROM_STRING: Dict[Any, Callable[[Any], Any]] = {
    datetime.datetime: lambda v: datetime.datetime.fromisoformat(v.replace("Z", "+00:00")),
    datetime.date: datetime.date.fromisoformat,
    datetime.time: datetime.time.fromisoformat,
    uuid.UUID: uuid.UUID,
}


def _convert_dataclass(value: Dict[str, Any], cls: Any, where: str) -> Any:
    hints = _hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls) if f.init}
    unknown = sorted(set(value) - set(fields))
    if unknown:
        raise ToolInputError(f"{where}: unexpected field(s): {', '.join(unknown)}")
    kwargs = {}
    for name, f in fields.items():
        if name in value:
            kwargs[name] = _convert(value[name], hints.get(name, Any), f"{where}.{name}")
        elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:  # type: ignore[misc]
            raise ToolInputError(f"{where}: missing field {name!r}")
    return cls(**kwargs)


present_as_public(globals(), "ProviderTool", "Tool", "ToolInputError")
