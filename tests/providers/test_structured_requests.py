"""Request bodies for ``output_schema``, per provider and per kind of schema (dataclass,
pydantic model, TypedDict, JSON Schema dict). Pure: formatters only, no HTTP."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any, Dict, List, Optional

import pytest

from llmsdk import (
    LLMMessage, LLMModelBuilder, LLMRequest, ModelCapabilitiesBuilder, ThinkingOptions, Tool, get_model,
)
from llmsdk._structured.output_schema import output_spec, strict_schema
from llmsdk.errors import InvalidRequestError
from llmsdk.providers.anthropic.request import build_body as anthropic_body
from llmsdk.providers.gemini.request import build_request_body as gemini_body
from llmsdk.providers.groq.client import GroqAdapter
from llmsdk.providers.openai.client import OpenAIAdapter
from llmsdk.providers.openai_compatible.client import OpenAICompatibleAdapter
from llmsdk.providers.openrouter.client import OpenRouterAdapter
from tests.pydantic_models import maths_model

if sys.version_info >= (3, 11):
    from typing import TypedDict
else:  # pragma: no cover
    from typing_extensions import TypedDict


@dataclass
class City:
    """A city and its country."""

    name: str
    country: str
    population: Optional[int] = None


class CityDict(TypedDict):
    name: str
    country: str


CITY_SCHEMA: Dict[str, Any] = {"title": "City", "type": "object", "properties": {
    "name": {"type": "string"}, "country": {"type": "string", "minLength": 2}}, "required": ["name", "country"]}

STRICT_CITY = {
    "type": "object", "description": "A city and its country.",
    "properties": {"name": {"type": "string"}, "country": {"type": "string"},
                   "population": {"type": ["integer", "null"]}},
    "required": ["name", "country", "population"], "additionalProperties": False,
}


def pydantic_city() -> Any:
    pydantic = pytest.importorskip("pydantic")

    class PyCity(pydantic.BaseModel):
        name: str
        country: str
        population: Optional[int] = None

    return PyCity


SCHEMAS = {"dataclass": lambda: City, "pydantic": pydantic_city, "typeddict": lambda: CityDict,
           "dict": lambda: CITY_SCHEMA}


def request(model: Any, schema: Any, **kwargs: Any) -> LLMRequest:
    return LLMRequest(model=model, messages=[LLMMessage.user("Paris?")], output_schema=schema, **kwargs)


def custom_model(provider: str, mode: str) -> Any:
    caps = ModelCapabilitiesBuilder().with_streaming().with_tools().with_structured_output(mode).build()
    return LLMModelBuilder().model_name("custom-model").provider(provider).capabilities(caps).build()


# -- OpenAI-style --------------------------------------------------------------------------------


def test_openai_json_schema_strict_body_for_a_dataclass() -> None:
    body = OpenAIAdapter().request_body(request(get_model("gpt-4o"), City))
    assert body["response_format"] == {"type": "json_schema", "json_schema": {
        "name": "City", "description": "A city and its country.", "schema": STRICT_CITY, "strict": True}}
    assert body["messages"] == [{"role": "user", "content": "Paris?"}] and "tools" not in body


@pytest.mark.parametrize("kind", list(SCHEMAS))
def test_openai_every_kind_of_schema_is_sent_strict(kind: str) -> None:
    schema = SCHEMAS[kind]()
    spec = output_spec(schema)
    assert spec is not None and spec.kind == kind
    body = OpenAIAdapter().request_body(request("gpt-4.1-unknown-snapshot", schema))
    sent = body["response_format"]["json_schema"]
    assert sent["strict"] is True and sent["schema"] == strict_schema(spec.schema)
    assert sent["name"] == {"dict": "City", "pydantic": "PyCity", "typeddict": "CityDict"}.get(kind, "City")
    assert sent["schema"]["additionalProperties"] is False
    assert sent["schema"]["required"] == list(sent["schema"]["properties"])


def test_openai_body_matches_the_sdk_response_format_for_pydantic() -> None:
    parsing = pytest.importorskip("openai.lib._parsing._completions")
    model = pydantic_city()
    ours = OpenAIAdapter().request_body(request(get_model("gpt-4o"), model))["response_format"]
    theirs = parsing.type_to_response_format_param(model)
    assert ours == theirs


@pytest.mark.parametrize("adapter, model, expected", [
    (GroqAdapter(), "openai/gpt-oss-20b", {"type": "json_schema", "strict": True}),
    (GroqAdapter(), "meta-llama/llama-4-scout-17b-16e-instruct", {"type": "json_schema", "strict": False}),
    (GroqAdapter(), "llama-3.3-70b-versatile", {"type": "json_object"}),
    (GroqAdapter(), "some-new-groq-model", {"type": "json_object"}),
    (OpenRouterAdapter(), "openai/gpt-4o", {"type": "json_schema", "strict": True}),
    (OpenRouterAdapter(), "deepseek/deepseek-r1", {"type": "json_object"}),
    (OpenAICompatibleAdapter(), "my-local-model", {"type": "json_schema", "strict": True}),
])
def test_openai_family_modes(adapter: Any, model: str, expected: Dict[str, Any]) -> None:
    provider = adapter.name if adapter.name != "openai_compatible" else None
    from llmsdk.models import find_model

    entry = find_model(model, provider) if provider else None
    body = adapter.request_body(request(entry or model, City))
    fmt = body["response_format"]
    assert fmt["type"] == expected["type"]
    if expected["type"] == "json_schema":
        assert fmt["json_schema"]["strict"] is expected["strict"]
        if not expected["strict"]:  # best effort: the schema as given, optional fields optional
            assert fmt["json_schema"]["schema"]["required"] == ["name", "country"]
    else:  # JSON mode: the schema travels in the system prompt, which names "JSON"
        system = body["messages"][0]
        assert system["role"] == "system" and "JSON Schema" in system["content"]
        assert '"population"' in system["content"]


def test_openai_forced_tool_mode_and_run_tools_shape() -> None:
    model = custom_model("openai_compatible", "tool")
    body = OpenAICompatibleAdapter().request_body(request(model, City))
    assert "response_format" not in body
    assert body["tools"][-1]["function"]["name"] == "City"
    assert body["tool_choice"] == {"type": "function", "function": {"name": "City"}}
    weather = Tool("get_weather", "Weather", {"type": "object", "properties": {"city": {"type": "string"}}})
    body = OpenAICompatibleAdapter().request_body(request(model, City, tools=[weather], tool_choice="auto"))
    assert [t["function"]["name"] for t in body["tools"]] == ["get_weather", "City"]
    assert body["tool_choice"] == "required"  # answer through a tool: a user tool first, or City


def test_strict_mode_refuses_a_free_form_dict_field_before_http() -> None:
    @dataclass
    class Loose:
        extra: Dict[str, int]

    with pytest.raises(InvalidRequestError, match="field 'extra'"):
        OpenAIAdapter().request_body(request("gpt-4o", Loose))


# -- Anthropic -------------------------------------------------------------------------------------


def test_anthropic_output_config_for_models_that_take_it() -> None:
    body = anthropic_body(request(get_model("claude-haiku-4-5"), CITY_SCHEMA))
    assert body["output_config"] == {"format": {"type": "json_schema", "schema": {
        "title": "City", "type": "object", "properties": {
            "name": {"type": "string"}, "country": {"type": "string", "description": "{minLength: 2}"}},
        "required": ["name", "country"], "additionalProperties": False}}}
    assert "tools" not in body and "tool_choice" not in body


@pytest.mark.parametrize("kind", list(SCHEMAS))
def test_anthropic_every_kind_of_schema(kind: str) -> None:
    body = anthropic_body(request("claude-some-future-model", SCHEMAS[kind]()))
    schema = body["output_config"]["format"]["schema"]
    assert schema["additionalProperties"] is False and set(schema["properties"]) >= {"name", "country"}


def test_anthropic_forced_tool_for_older_models() -> None:
    body = anthropic_body(request(get_model("claude-sonnet-4-20250514"), City))
    assert "output_config" not in body
    assert body["tools"] == [{"name": "City", "description": "A city and its country.", "input_schema": {
        "type": "object", "description": "A city and its country.",
        "properties": {"name": {"type": "string"}, "country": {"type": "string"},
                       "population": {"type": ["integer", "null"]}},
        "required": ["name", "country"]}}]
    assert body["tool_choice"] == {"type": "tool", "name": "City"}


def test_anthropic_forced_tool_with_thinking_asks_in_the_prompt() -> None:
    body = anthropic_body(request(get_model("claude-sonnet-4-20250514"), City, system="Be terse.",
                                  thinking=ThinkingOptions(budget_tokens=2048)))
    assert body["tool_choice"] == {"type": "auto"}
    assert body["system"].startswith("Be terse.\n\n") and "calling the tool City" in body["system"]


def test_anthropic_effort_in_extra_body_merges_with_the_format() -> None:
    body = anthropic_body(request(get_model("claude-haiku-4-5"), City, extra_body={"output_config": {"effort": "low"}}))
    assert body["output_config"]["effort"] == "low" and body["output_config"]["format"]["type"] == "json_schema"


# -- Gemini ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(SCHEMAS))
def test_gemini_response_json_schema(kind: str) -> None:
    body = gemini_body(request(get_model("gemini-2.5-flash"), SCHEMAS[kind](), temperature=0.1))
    config = body["generationConfig"]
    assert config["temperature"] == 0.1 and config["responseMimeType"] == "application/json"
    schema = config["responseJsonSchema"]
    assert schema["propertyOrdering"][:2] == ["name", "country"] and "responseSchema" not in config


def test_gemini_response_json_schema_exact() -> None:
    body = gemini_body(request("gemini-9-pro", CITY_SCHEMA))
    assert body["generationConfig"] == {"responseMimeType": "application/json", "responseJsonSchema": {
        "title": "City", "type": "object", "properties": {
            "name": {"type": "string"}, "country": {"type": "string", "description": "{minLength: 2}"}},
        "required": ["name", "country"], "propertyOrdering": ["name", "country"]}}


def test_gemini_response_schema_and_json_object_and_tool_modes() -> None:
    body = gemini_body(request(custom_model("gemini", "response_schema"), City))
    assert body["generationConfig"]["responseSchema"] == {
        "type": "object", "description": "A city and its country.",
        "properties": {"name": {"type": "string"}, "country": {"type": "string"},
                       "population": {"type": "integer", "nullable": True}},
        "required": ["name", "country"]}
    body = gemini_body(request(custom_model("gemini", "json_object"), City))
    assert body["generationConfig"] == {"responseMimeType": "application/json"}
    assert "JSON Schema" in body["systemInstruction"]["parts"][0]["text"]
    body = gemini_body(request(custom_model("gemini", "tool"), City))
    assert body["tools"][0]["functionDeclarations"][0]["name"] == "City"
    assert body["toolConfig"] == {"functionCallingConfig": {"mode": "ANY", "allowedFunctionNames": ["City"]}}


def test_a_tool_named_like_the_output_is_refused() -> None:
    clash = Tool("City", "", {"type": "object", "properties": {}})
    with pytest.raises(InvalidRequestError, match="named 'City'"):
        request("gpt-4o", City, tools=[clash]).validate()


def test_list_of_dataclasses_in_the_schema() -> None:
    @dataclass
    class Trip:
        stops: List[City]

    body = OpenAIAdapter().request_body(request("gpt-4o", Trip))
    items = body["response_format"]["json_schema"]["schema"]["properties"]["stops"]["items"]
    assert items == STRICT_CITY


def test_with_tools_gemini_and_groq_answer_through_the_output_tool() -> None:
    weather = Tool("get_weather", "Weather", {"type": "object", "properties": {"city": {"type": "string"}}})
    body = gemini_body(request(get_model("gemini-2.5-flash"), City, tools=[weather]))
    assert "generationConfig" not in body
    assert [d["name"] for d in body["tools"][0]["functionDeclarations"]] == ["get_weather", "City"]
    assert body["toolConfig"] == {"functionCallingConfig": {"mode": "ANY"}}
    body = GroqAdapter().request_body(request(get_model("openai/gpt-oss-20b", "groq"), City, tools=[weather]))
    assert "response_format" not in body and body["tool_choice"] == "required"
    body = OpenAIAdapter().request_body(request(get_model("gpt-4o"), City, tools=[weather]))
    assert body["response_format"]["type"] == "json_schema" and "tool_choice" not in body


def _without_notes(node: Any) -> Any:
    """Drop the two cosmetic differences from the Anthropic SDK: how a moved keyword is
    written in the description (we write JSON: ``null``, ``"exact"``) and ``type`` kept
    beside ``enum``."""
    if isinstance(node, list):
        return [_without_notes(v) for v in node]
    if not isinstance(node, dict):
        return node
    out = {k: _without_notes(v) for k, v in node.items()
           if not (k == "description" and isinstance(v, str) and v.startswith("{"))}
    if "enum" in out:
        out.pop("type", None)
    return out


def test_anthropic_schema_matches_the_sdk_transform_for_a_pydantic_model() -> None:
    Maths = maths_model()
    transform = pytest.importorskip("anthropic.lib._parse._transform")
    body = anthropic_body(request(get_model("claude-sonnet-4-5"), Maths))
    ours = body["output_config"]["format"]["schema"]
    assert ours["properties"]["n"]["description"] == "{default: 0, minimum: 0}"
    assert _without_notes(ours) == _without_notes(transform.transform_schema(Maths))
