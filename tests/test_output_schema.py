"""output_schema resolution, the strict rewriter and the reply checker: pure, no HTTP."""

from __future__ import annotations

import copy
import datetime
import enum
import sys
import uuid
from dataclasses import dataclass, field
from typing import Any, Dict, List, Literal, Optional

import pytest

from llmsdk import LLMMessage, LLMRequest
from llmsdk._structured.output_schema import (
    OutputSpec, closed_objects, nullable, output_spec, restrict_keywords, strict_schema,
)
from llmsdk._structured.schema_check import SchemaMismatch, conform
from llmsdk._structured.replies import build
from llmsdk.errors import InvalidRequestError, OutputParseError
from tests.pydantic_models import maths_model

if sys.version_info >= (3, 11):
    from typing import NotRequired, TypedDict
else:  # pragma: no cover - TypedDict with NotRequired needs typing_extensions before 3.11
    from typing_extensions import NotRequired, TypedDict


class Status(enum.Enum):
    PAID = "paid"
    DUE = "due"


@dataclass
class Line:
    """One invoice line.

    Args:
        sku: Stock-keeping unit.
    """

    sku: str
    qty: int = 1


@dataclass
class Invoice:
    """An invoice read from a document."""

    number: str
    total: float
    lines: List[Line]
    status: Status
    currency: Literal["EUR", "USD"]
    issued: datetime.date
    paid_at: Optional[datetime.datetime] = None
    tags: List[str] = field(default_factory=list)


class Contact(TypedDict):
    name: str
    email: NotRequired[str]


def spec_of(value: Any, kind: str) -> OutputSpec:
    """``output_spec(value)``, which must resolve, and as ``kind``."""
    spec = output_spec(value)
    assert spec is not None and spec.kind == kind, spec
    return spec


INVOICE_JSON = {"number": "F-1", "total": 12.5, "lines": [{"sku": "A", "qty": 2}], "status": "paid",
                "currency": "EUR", "issued": "2024-05-01", "paid_at": "2024-05-02T10:00:00Z", "tags": ["x"]}


def test_dataclass_spec_schema() -> None:
    spec = output_spec(Invoice)
    assert spec is not None and (spec.name, spec.kind, spec.target) == ("Invoice", "dataclass", Invoice)
    assert spec.description == "An invoice read from a document."
    props = spec.schema["properties"]
    assert spec.schema["required"] == ["number", "total", "lines", "status", "currency", "issued"]
    assert props["lines"]["items"]["properties"]["sku"] == {"type": "string", "description": "Stock-keeping unit."}
    assert props["status"] == {"type": "string", "enum": ["paid", "due"]}
    assert props["currency"] == {"type": "string", "enum": ["EUR", "USD"]}
    assert props["issued"] == {"type": "string", "format": "date"}
    assert props["paid_at"] == {"type": ["string", "null"], "format": "date-time"}


def test_typeddict_and_dict_specs() -> None:
    spec = output_spec(Contact)
    assert spec is not None and spec.kind == "typeddict"
    assert spec.schema == {"type": "object", "properties": {"name": {"type": "string"}, "email": {"type": "string"}},
                           "required": ["name"]}
    raw = {"title": "Person record", "type": "object", "properties": {"age": {"type": "integer"}}}
    spec = output_spec(raw)
    assert spec is not None and (spec.name, spec.kind, spec.schema) == ("Person_record", "dict", raw)
    assert output_spec({"type": "object", "properties": {}}).name == "output"  # type: ignore[union-attr]


@pytest.mark.parametrize("value, message", [
    (int, "got int"),
    (str, "got str"),
    ("Invoice", "got 'Invoice'"),
    ({}, "empty dict"),
    ({"type": "array", "items": {}}, "must describe a JSON object"),
])
def test_values_that_are_not_schemas(value: Any, message: str) -> None:
    with pytest.raises(InvalidRequestError, match=message):
        output_spec(value)


class Opaque:
    pass


@dataclass
class Item:
    thing: Opaque


@dataclass
class Order:
    items: List[Item]


@dataclass
class Bag:
    counts: Dict[str, int]


def test_unsupported_field_type_names_the_field() -> None:
    with pytest.raises(InvalidRequestError, match=r"output_schema Order: .*field 'items\[\]\.thing'"):
        output_spec(Order)


def test_bad_output_schema_is_refused_by_request_validation() -> None:
    request = LLMRequest(model="gpt-4o", messages=[LLMMessage.user("x")], output_schema=int)
    with pytest.raises(InvalidRequestError, match="output_schema"):
        request.validate()


# -- strict rewriting ----------------------------------------------------------------------------


def test_strict_schema_closes_objects_requires_everything_and_nulls_optional_fields() -> None:
    spec = spec_of(Invoice, "dataclass")
    before = copy.deepcopy(spec.schema)
    strict = strict_schema(spec.schema, "Invoice")
    assert spec.schema == before  # pure
    assert strict["additionalProperties"] is False
    assert strict["required"] == list(strict["properties"])
    line = strict["properties"]["lines"]["items"]
    assert line == {"type": "object", "description": "One invoice line.",
                    "properties": {"sku": {"type": "string", "description": "Stock-keeping unit."},
                                   "qty": {"type": ["integer", "null"]}},
                    "required": ["sku", "qty"], "additionalProperties": False}
    assert strict["properties"]["tags"] == {"type": ["array", "null"], "items": {"type": "string"}}
    assert strict["properties"]["paid_at"] == {"type": ["string", "null"], "format": "date-time"}


def test_nullable_forms() -> None:
    assert nullable({"type": "string", "enum": ["a"]}) == {"type": ["string", "null"], "enum": ["a", None]}
    assert nullable({"$ref": "#/$defs/X"}) == {"anyOf": [{"$ref": "#/$defs/X"}, {"type": "null"}]}
    assert nullable({"anyOf": [{"type": "string"}]}) == {"anyOf": [{"type": "string"}, {"type": "null"}]}
    assert nullable({}) == {}


def test_strict_inlines_ref_with_siblings_and_rewrites_defs() -> None:
    schema = {"type": "object", "properties": {"a": {"$ref": "#/$defs/A", "description": "the a"}},
              "required": ["a"], "$defs": {"A": {"type": "object", "properties": {"x": {"type": "integer"}}}}}
    strict = strict_schema(schema)
    assert strict["properties"]["a"] == {"type": "object", "description": "the a", "properties": {
        "x": {"type": ["integer", "null"]}}, "required": ["x"], "additionalProperties": False}
    assert strict["$defs"]["A"]["additionalProperties"] is False


def test_strict_refuses_free_form_maps_naming_the_field() -> None:
    spec = spec_of(Bag, "dataclass")
    with pytest.raises(InvalidRequestError, match="field 'counts'.*free-form keys"):
        strict_schema(spec.schema, "Bag")
    with pytest.raises(InvalidRequestError, match="field 'counts'"):
        closed_objects(spec.schema, "Bag")


def test_strict_matches_the_openai_sdk_for_a_pydantic_model() -> None:
    Maths = maths_model()
    sdk = pytest.importorskip("openai.lib._pydantic")
    spec = spec_of(Maths, "pydantic")
    ours = strict_schema(spec.schema, "Maths")
    theirs = sdk.to_strict_json_schema(Maths)
    # Identical but for one documented choice: a field with a non-null default ("exact")
    # is made nullable (a null reply means "use the default"), its default dropped; the
    # SDK keeps it non-nullable with its default.
    for name, default in (("kind", "exact"), ("n", 0)):
        assert theirs["properties"][name].pop("default") == default
        assert ours["properties"][name] == nullable(theirs["properties"][name])
        ours["properties"][name] = theirs["properties"][name]
    assert ours == theirs


def test_restrict_keywords_moves_the_rest_into_the_description() -> None:
    schema = {"type": "object", "properties": {"n": {"type": "integer", "minimum": 1, "description": "count"},
                                               "s": {"type": "string", "format": "binary"}}}
    out = restrict_keywords(schema, frozenset({"type", "properties", "description", "format"}),
                            formats=frozenset({"date"}))
    assert out["properties"]["n"] == {"type": "integer", "description": "count\n\n{minimum: 1}"}
    assert out["properties"]["s"] == {"type": "string", "description": "{format: binary}"}


# -- checking and building replies -----------------------------------------------------------------


def test_dataclass_reply_builds_nested_typed_values() -> None:
    spec = spec_of(Invoice, "dataclass")
    invoice = build(dict(INVOICE_JSON), spec)
    assert invoice == Invoice("F-1", 12.5, [Line("A", 2)], Status.PAID, "EUR", datetime.date(2024, 5, 1),
                              datetime.datetime(2024, 5, 2, 10, tzinfo=datetime.timezone.utc), ["x"])


def test_strict_nulls_for_optional_fields_become_defaults() -> None:
    spec = spec_of(Invoice, "dataclass")
    reply = dict(INVOICE_JSON, lines=[{"sku": "B", "qty": None}], tags=None, paid_at=None)
    invoice = build(reply, spec)
    assert invoice.lines == [Line("B", 1)] and invoice.tags == [] and invoice.paid_at is None


@pytest.mark.parametrize("change, where", [
    ({"total": "12"}, "total: expected number"),
    ({"status": "lost"}, "status: 'lost' is not one of"),
    ({"currency": "GBP"}, "currency"),
    ({"lines": [{"qty": 1}]}, "lines[0]: missing required property 'sku'"),
    ({"lines": [{"sku": "A", "qty": [2]}]}, "lines[0].qty: expected integer"),
    ({"issued": "yesterday"}, "issued: 'yesterday' is not a valid date"),
])
def test_reply_that_does_not_fit_names_the_place(change: Dict[str, Any], where: str) -> None:
    spec = spec_of(Invoice, "dataclass")
    reply = dict(INVOICE_JSON, **change)
    with pytest.raises(OutputParseError, match=f"does not match Invoice: {where}".replace("[", r"\[")
                       .replace("]", r"\]")):
        build(reply, spec)


def test_unknown_properties_are_ignored_unless_the_schema_closes_the_object() -> None:
    spec = spec_of(Line, "dataclass")
    assert build({"sku": "A", "colour": "red"}, spec) == Line("A")
    closed = spec_of({"type": "object", "properties": {"a": {}}, "additionalProperties": False}, "dict")
    with pytest.raises(OutputParseError, match="colour: unexpected property"):
        build({"colour": "red"}, closed)


def test_typeddict_and_dict_replies_stay_dicts() -> None:
    contact = spec_of(Contact, "typeddict")
    assert build({"name": "Ada"}, contact) == {"name": "Ada"}
    with pytest.raises(OutputParseError, match="missing required property 'name'"):
        build({"email": "a@b"}, contact)
    raw = spec_of({"type": "object", "properties": {"id": {"type": "string", "format": "uuid"}}}, "dict")
    value = str(uuid.uuid4())
    assert build({"id": value}, raw) == {"id": value}  # a dict schema keeps strings as sent


def test_pydantic_reply_validates_with_the_model() -> None:
    pydantic = pytest.importorskip("pydantic")

    class Person(pydantic.BaseModel):
        name: str
        age: int = pydantic.Field(ge=0)
        nickname: Optional[str] = None

    spec = spec_of(Person, "pydantic")
    assert build({"name": "Ada", "age": 36, "nickname": None}, spec) == Person(name="Ada", age=36)
    with pytest.raises(OutputParseError, match="does not match Person"):
        build({"name": "Ada", "age": -1}, spec)


def test_conform_follows_refs_and_unions() -> None:
    schema = {"$defs": {"P": {"type": "object", "properties": {"x": {"type": "integer"}}, "required": ["x"]}},
              "type": "object", "properties": {"p": {"anyOf": [{"$ref": "#/$defs/P"}, {"type": "string"}]}}}
    assert conform({"p": {"x": 1.0}}, schema) == {"p": {"x": 1}}
    assert conform({"p": "text"}, schema) == {"p": "text"}
    with pytest.raises(SchemaMismatch, match="matches none"):
        conform({"p": 3}, schema)


def test_a_dataclass_schema_never_imports_pydantic() -> None:
    import subprocess

    code = ("import sys, dataclasses\n"
            "from llmsdk import LLMRequest, LLMMessage\n"
            "from llmsdk.providers.openai.client import OpenAIAdapter\n"
            "@dataclasses.dataclass\n"
            "class A:\n    x: int\n"
            "r = LLMRequest(model='gpt-4o', messages=[LLMMessage.user('hi')], output_schema=A)\n"
            "r.validate(); OpenAIAdapter().request_body(r); r.to_json()\n"
            "assert 'pydantic' not in sys.modules, 'pydantic was imported'\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
