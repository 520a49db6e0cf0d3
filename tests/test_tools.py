"""Tool.from_function / @tool: schemas from type hints and docstrings, and invoke()."""

from __future__ import annotations

import enum
import sys
import typing
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import pytest

from llmsdk import LLMMessage, LLMRequest, Tool
from llmsdk.tools import ToolInputError, schema_for_type, tool


class Unit(enum.Enum):
    """Temperature unit."""

    CELSIUS = "C"
    FAHRENHEIT = "F"


class Priority(enum.IntEnum):
    LOW = 1
    HIGH = 2


@dataclass
class Address:
    """A postal address.

    Attributes:
        street: Street and number.
        city: City name.
    """

    street: str
    city: str
    tags: List[str] = field(default_factory=list)


# -- schemas of single types ------------------------------------------------------------------


@pytest.mark.parametrize("tp, expected", [
    (str, {"type": "string"}),
    (int, {"type": "integer"}),
    (float, {"type": "number"}),
    (bool, {"type": "boolean"}),
    (Any, {}),
    (list, {"type": "array"}),
    (List[int], {"type": "array", "items": {"type": "integer"}}),
    (list[int], {"type": "array", "items": {"type": "integer"}}),
    (Sequence[str], {"type": "array", "items": {"type": "string"}}),
    (typing.Set[str], {"type": "array", "items": {"type": "string"}, "uniqueItems": True}),
    (Tuple[int, ...], {"type": "array", "items": {"type": "integer"}}),
    (Tuple[int, str], {"type": "array", "prefixItems": [{"type": "integer"}, {"type": "string"}],
                       "minItems": 2, "maxItems": 2}),
    (dict, {"type": "object"}),
    (Dict[str, float], {"type": "object", "additionalProperties": {"type": "number"}}),
    (dict[str, Any], {"type": "object"}),
    (Optional[int], {"type": ["integer", "null"]}),
    (Union[int, None], {"type": ["integer", "null"]}),
    (Union[int, str], {"anyOf": [{"type": "integer"}, {"type": "string"}]}),
    (typing.Literal["a", "b"], {"type": "string", "enum": ["a", "b"]}),
    (typing.Literal[1, 2], {"type": "integer", "enum": [1, 2]}),
    (Unit, {"type": "string", "enum": ["C", "F"], "description": "Temperature unit."}),
    (Priority, {"type": "integer", "enum": [1, 2]}),
    (Optional[typing.Literal["x"]], {"type": ["string", "null"], "enum": ["x", None]}),
    (typing.Annotated[int, "How many"], {"type": "integer", "description": "How many"}),
])
def test_schema_for_type(tp: Any, expected: Dict[str, Any]) -> None:
    assert schema_for_type(tp) == expected


@pytest.mark.skipif(sys.version_info < (3, 10), reason="X | None needs Python 3.10")
def test_pep604_union() -> None:
    assert schema_for_type(eval("int | None")) == {"type": ["integer", "null"]}
    assert schema_for_type(eval("list[str] | None")) == {"type": ["array", "null"], "items": {"type": "string"}}


def test_dataclass_schema() -> None:
    assert schema_for_type(Address) == {
        "type": "object",
        "description": "A postal address.",
        "properties": {
            "street": {"type": "string", "description": "Street and number."},
            "city": {"type": "string", "description": "City name."},
            "tags": {"type": "array", "items": {"type": "string"}},
        },
        "required": ["street", "city"],
    }


def test_unsupported_type_is_a_clear_error() -> None:
    class Opaque:
        pass

    with pytest.raises(TypeError, match="no JSON Schema"):
        schema_for_type(Opaque)


# -- docstrings ---------------------------------------------------------------------------------


def google(city: str, days: int = 3) -> str:
    """Forecast for a city.

    Looks it up in the weather service.

    Args:
        city: City name,
            e.g. "Paris".
        days (int): How many days.

    Returns:
        The forecast.
    """
    return f"{city}:{days}"


def numpy_style(city: str, days: int = 3) -> str:
    """Forecast for a city.

    Parameters
    ----------
    city : str
        City name,
        e.g. "Paris".
    days : int, optional
        How many days.

    Returns
    -------
    str
        The forecast.
    """
    return f"{city}:{days}"


def sphinx_style(city: str, days: int = 3) -> str:
    """Forecast for a city.

    :param city: City name,
        e.g. "Paris".
    :param int days: How many days.
    :returns: The forecast.
    """
    return f"{city}:{days}"


@pytest.mark.parametrize("fn", [google, numpy_style, sphinx_style])
def test_docstring_styles(fn: Any) -> None:
    t = Tool.from_function(fn)
    assert t.name == fn.__name__
    assert t.description.startswith("Forecast for a city.")
    assert "Returns" not in t.description and "param" not in t.description
    props = t.input_schema["properties"]
    assert props["city"] == {"type": "string", "description": 'City name, e.g. "Paris".'}
    assert props["days"] == {"type": "integer", "description": "How many days.", "default": 3}
    assert t.input_schema["required"] == ["city"]


def test_google_summary_keeps_paragraphs() -> None:
    assert Tool.from_function(google).description == "Forecast for a city.\n\nLooks it up in the weather service."


def test_no_docstring_and_no_hints() -> None:
    def bare(x, y=2):  # type: ignore[no-untyped-def]
        return x

    t = Tool.from_function(bare)
    assert t.description == ""
    assert t.input_schema == {"type": "object", "properties": {"x": {}, "y": {"default": 2}}, "required": ["x"]}


# -- the decorator and invoke -------------------------------------------------------------------


@tool
def ship(address: Address, priority: Priority = Priority.LOW, unit: Optional[Unit] = None,
         notes: Optional[List[str]] = None) -> Dict[str, Any]:
    """Ship a parcel.

    Args:
        address: Where to.
        priority: How fast.
    """
    return {"address": address, "priority": priority, "unit": unit, "notes": notes}


def test_decorator_returns_a_callable_tool() -> None:
    assert isinstance(ship, Tool)
    assert ship.name == "ship" and ship.description == "Ship a parcel."
    schema = ship.input_schema
    assert schema["required"] == ["address"]
    assert schema["properties"]["address"]["description"] == "Where to."
    assert schema["properties"]["priority"] == {"type": "integer", "enum": [1, 2], "description": "How fast.",
                                                "default": 1}
    # still a plain function when called directly
    assert ship(Address("1 Main St", "Springfield"))["priority"] is Priority.LOW


def test_decorator_with_arguments() -> None:
    @tool(name="lookup", description="Find a customer")
    def find_customer(email: str) -> str:
        """Ignored docstring."""
        return email

    assert (find_customer.name, find_customer.description) == ("lookup", "Find a customer")
    assert find_customer.invoke({"email": "a@b.c"}) == "a@b.c"


def test_invoke_converts_json_to_the_declared_types() -> None:
    out = ship.invoke({"address": {"street": "1 Main St", "city": "Springfield", "tags": ["x"]},
                       "priority": 2, "unit": "F", "notes": ["fragile"]})
    assert out["address"] == Address("1 Main St", "Springfield", ["x"])
    assert out["priority"] is Priority.HIGH and out["unit"] is Unit.FAHRENHEIT
    assert out["notes"] == ["fragile"]


def test_invoke_numbers() -> None:
    @tool
    def scale(x: float, times: int) -> float:
        return x * times

    assert scale.invoke({"x": 2, "times": 3.0}) == 6.0
    with pytest.raises(ToolInputError, match="integer"):
        scale.invoke({"x": 1, "times": 1.5})
    with pytest.raises(ToolInputError, match="number"):
        scale.invoke({"x": "1", "times": 1})


@pytest.mark.parametrize("arguments, message", [
    ({}, "missing required argument"),
    ({"address": {"street": "s", "city": "c"}, "bogus": 1}, "unexpected argument"),
    ({"address": {"street": "s"}}, "missing field 'city'"),
    ({"address": {"street": "s", "city": "c"}, "unit": "K"}, "matches none|not one of"),
    ({"address": "nowhere"}, "expected an object"),
])
def test_invoke_rejects_bad_arguments(arguments: Dict[str, Any], message: str) -> None:
    with pytest.raises(ToolInputError, match=message):
        ship.invoke(arguments)


def test_methods_and_callable_objects() -> None:
    class Calculator:
        def add(self, a: int, b: int) -> int:
            """Add two integers."""
            return a + b

    class Doubler:
        def __call__(self, x: int) -> int:
            return 2 * x

    add = Tool.from_function(Calculator().add)
    assert add.input_schema["required"] == ["a", "b"] and add.invoke({"a": 1, "b": 2}) == 3
    doubler = Tool.from_function(Doubler(), name="double")
    assert doubler.input_schema["properties"] == {"x": {"type": "integer"}}
    assert doubler.invoke({"x": 4}) == 8


def test_json_round_trip_drops_the_function() -> None:
    data = ship.to_dict()
    assert set(data) == {"name", "description", "input_schema"}
    back = Tool.from_json(ship.to_json())
    assert back == ship and back.function is None
    req = LLMRequest(model="m", messages=[LLMMessage.user("hi")], tools=[ship])
    assert LLMRequest.from_json(req.to_json()).tools == [ship]
    assert "function" not in repr(ship)


def test_plain_tool_is_unchanged() -> None:
    t = Tool("get_weather", "Current weather", {"type": "object", "properties": {}})
    assert Tool.from_dict(t.to_dict()) == t
    with pytest.raises(TypeError, match="no Python function"):
        t.invoke({})


def test_string_annotations_from_future_import() -> None:
    namespace: Dict[str, Any] = {}
    exec(  # a module that uses ``from __future__ import annotations``
        "from __future__ import annotations\n"
        "from typing import Optional\n"
        "def f(a: list[int], b: Optional[str] = None) -> str:\n"
        "    return str(a)\n",
        namespace,
    )
    t = Tool.from_function(namespace["f"])
    assert t.input_schema["properties"]["a"] == {"type": "array", "items": {"type": "integer"}}
    assert t.input_schema["properties"]["b"] == {"type": ["string", "null"]}
