"""Structured output end to end for every provider: real HTTP against FakeProviderServer,
real threads. Parsed object, refusal, truncated JSON, invalid JSON, the forced-tool
fallback, streaming partial objects, run_tools, and bad schemas refused before HTTP."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any, Dict, List, Optional

import pytest

from llmsdk import (
    LLMMessage, LLMModelBuilder, LLMRequest, ModelCapabilitiesBuilder, StopReason,
    get_model,
)
from llmsdk.errors import InvalidRequestError, OutputParseError, RefusalError, StructuredOutputError
from llmsdk.testing import anthropic as A
from llmsdk.testing import gemini as G
from llmsdk.testing import openai as O
from llmsdk.tools import tool

KEY = "sk-test-SECRET-0123456789"


class Unit(enum.Enum):
    C = "C"
    F = "F"


@dataclass
class Reading:
    city: str
    temperature: float
    unit: Unit
    note: Optional[str] = None


@dataclass
class Forecast:
    """A weather forecast."""

    readings: List[Reading]
    summary: str


FORECAST = {"readings": [{"city": "Paris", "temperature": 18.5, "unit": "C", "note": None}], "summary": "Mild"}
EXPECTED = Forecast([Reading("Paris", 18.5, Unit.C)], "Mild")

#: provider -> (model id the registry knows to take the native form, reply builders)
PROVIDERS = ["anthropic", "openai", "groq", "openrouter", "openai_compatible", "gemini"]
MODELS = {"anthropic": "claude-haiku-4-5", "openai": "gpt-4o", "groq": "openai/gpt-oss-120b",
          "openrouter": "openai/gpt-4o", "openai_compatible": "local-model", "gemini": "gemini-2.5-flash"}


def json_reply(provider: str, obj: Any, **kwargs: Any) -> Any:
    if provider == "anthropic":
        return A.json_reply(obj, **kwargs)
    if provider == "gemini":
        return G.json_reply(obj, **kwargs)
    return O.json_reply(obj, dialect=provider, **kwargs)


def text_reply(provider: str, text: str) -> Any:
    if provider == "anthropic":
        return A.text_reply(text)
    if provider == "gemini":
        return G.text_reply(text)
    return O.text_reply(text, dialect=provider)


def refusal_reply(provider: str) -> Any:
    if provider == "anthropic":
        return A.refusal_reply()
    if provider == "gemini":
        return G.safety_reply()
    return O.refusal_reply("I can't help with that.", dialect=provider)


def tool_reply(provider: str, name: str, obj: Dict[str, Any]) -> Any:
    if provider == "anthropic":
        return A.output_tool_reply(name, obj)
    if provider == "gemini":
        return G.output_tool_reply(name, obj)
    return O.output_tool_reply(name, obj, dialect=provider)




def ask(provider: str, schema: Any = Forecast, model: Any = None, **kwargs: Any) -> LLMRequest:
    return LLMRequest(model=model or MODELS[provider], messages=[LLMMessage.user("Weather in Paris?")],
                      output_schema=schema, **kwargs)


@pytest.mark.parametrize("provider", PROVIDERS)
def test_parsed_object(server: Any, make_client: Any, provider: str) -> None:
    server.add_reply(json_reply(provider, FORECAST))
    resp = make_client(provider).complete(ask(provider))
    assert resp.parsed == EXPECTED and resp.refusal is None
    sent = server.requests[0].json
    wire = {"anthropic": "output_config", "gemini": "generationConfig"}.get(provider, "response_format")
    assert wire in sent


@pytest.mark.parametrize("provider", PROVIDERS)
def test_client_parse_and_dict_schema(server: Any, make_client: Any, provider: str) -> None:
    server.add_reply(json_reply(provider, FORECAST), json_reply(provider, {"summary": "Mild"}))
    client = make_client(provider)
    assert client.parse(ask(provider, schema=None), Forecast) == EXPECTED
    schema = {"type": "object", "properties": {"summary": {"type": "string"}}, "required": ["summary"]}
    assert client.parse(ask(provider, schema=None), schema) == {"summary": "Mild"}


@pytest.mark.parametrize("provider", PROVIDERS)
def test_refusal(server: Any, make_client: Any, provider: str) -> None:
    server.add_reply(refusal_reply(provider), refusal_reply(provider))
    client = make_client(provider)
    resp = client.complete(ask(provider))
    assert resp.parsed is None and resp.refusal
    if provider not in ("anthropic", "gemini"):
        assert resp.refusal == "I can't help with that." and resp.stop_reason is StopReason.REFUSAL
    with pytest.raises(RefusalError) as caught:
        client.parse(ask(provider), Forecast)
    assert caught.value.refusal == resp.refusal and caught.value.partial_response.usage.output_tokens >= 0


@pytest.mark.parametrize("provider", PROVIDERS)
def test_truncated_json(server: Any, make_client: Any, provider: str) -> None:
    server.add_reply(json_reply(provider, FORECAST, cut_at=40), json_reply(provider, FORECAST, cut_at=40))
    client = make_client(provider)
    resp = client.complete(ask(provider))
    assert resp.stop_reason is StopReason.MAX_TOKENS
    with pytest.raises(OutputParseError, match="max_tokens") as caught:
        _ = resp.parsed
    assert caught.value.raw_text == resp.text and caught.value.partial_response is resp
    with pytest.raises(OutputParseError, match="max_tokens"):
        client.parse(ask(provider), Forecast)
    assert client.get_usage().output_tokens > 0  # billed all the same


@pytest.mark.parametrize("provider", PROVIDERS)
def test_invalid_json_and_wrong_shape(server: Any, make_client: Any, provider: str) -> None:
    server.add_reply(text_reply(provider, "Sure! {\"summary\": "), json_reply(provider, {"summary": 3}))
    client = make_client(provider)
    with pytest.raises(OutputParseError, match="not valid JSON for Forecast") as caught:
        client.parse(ask(provider), Forecast)
    assert caught.value.raw_text == 'Sure! {"summary": '
    with pytest.raises(StructuredOutputError, match="does not match Forecast: summary: expected string"):
        _ = client.complete(ask(provider)).parsed


def forced_tool_model(provider: str) -> Any:
    if provider == "anthropic":
        return get_model("claude-sonnet-4-20250514")  # the registry says: forced tool
    caps = ModelCapabilitiesBuilder().with_streaming().with_tools().with_structured_output("tool").build()
    return LLMModelBuilder().model_name("tool-only-model").provider(provider).capabilities(caps).build()


@pytest.mark.parametrize("provider", PROVIDERS)
def test_forced_tool_fallback(server: Any, make_client: Any, provider: str) -> None:
    server.add_reply(tool_reply(provider, "Forecast", FORECAST))
    resp = make_client(provider).complete(ask(provider, model=forced_tool_model(provider)))
    assert resp.parsed == EXPECTED and resp.text == ""
    sent = server.requests[0].json
    if provider == "anthropic":
        assert sent["tool_choice"] == {"type": "tool", "name": "Forecast"} and "output_config" not in sent
    elif provider == "gemini":
        assert sent["toolConfig"]["functionCallingConfig"]["allowedFunctionNames"] == ["Forecast"]
    else:
        assert sent["tool_choice"] == {"type": "function", "function": {"name": "Forecast"}}


@pytest.mark.parametrize("provider", ["anthropic", "openai", "gemini"])
def test_stream_partial_objects_then_final_parsed(server: Any, make_client: Any, provider: str) -> None:
    server.add_reply(json_reply(provider, FORECAST))
    with make_client(provider).send(ask(provider)) as stream:
        partials = list(stream.partial_objects())
        final = stream.final_response()
    assert partials[-1] == FORECAST and len(partials) > 2
    assert all(isinstance(p, dict) for p in partials)
    assert partials[0] != FORECAST and final.parsed == EXPECTED


def test_stream_partial_objects_from_the_forced_tool(server: Any, make_client: Any) -> None:
    server.add_reply(A.output_tool_reply("Forecast", FORECAST))
    with make_client("anthropic").send(ask("anthropic", model=forced_tool_model("anthropic"))) as stream:
        assert list(stream.partial_objects()) == [FORECAST]
        assert stream.final_response().parsed == EXPECTED


@tool
def get_temperature(city: str) -> float:
    """Current temperature in Celsius."""
    return 18.5


@pytest.mark.parametrize("provider", ["anthropic", "openai", "gemini"])
def test_run_tools_then_parse_the_final_answer(server: Any, make_client: Any, provider: str) -> None:
    if provider == "anthropic":
        first = A.tool_use_reply("get_temperature", {"city": "Paris"})
    elif provider == "gemini":
        first = G.function_call_reply([("get_temperature", {"city": "Paris"})])
    else:
        first = O.tool_call_reply("get_temperature", {"city": "Paris"})
    # Gemini 2.x refuses a JSON mime type beside function tools: the answer comes as the output tool.
    final = tool_reply(provider, "Forecast", FORECAST) if provider == "gemini" else json_reply(provider, FORECAST)
    server.add_reply(first, final)
    result = make_client(provider).run_tools(ask(provider), [get_temperature])
    assert result.rounds == 2 and result.response.parsed == EXPECTED
    sent = server.requests[0].json
    if provider == "gemini":
        assert "generationConfig" not in sent and sent["toolConfig"]["functionCallingConfig"] == {"mode": "ANY"}
    else:
        assert [t.get("name") or t["function"]["name"] for t in sent["tools"]] == ["get_temperature"]


def test_run_tools_with_the_forced_tool_fallback(server: Any, make_client: Any) -> None:
    server.add_reply(A.tool_use_reply("get_temperature", {"city": "Paris"}),
                     A.output_tool_reply("Forecast", FORECAST, tool_id="toolu_02"))
    result = make_client("anthropic").run_tools(ask("anthropic", model=forced_tool_model("anthropic")),
                                                [get_temperature])
    assert result.rounds == 2 and result.finished and result.response.parsed == EXPECTED
    first, second = (r.json for r in server.requests)
    assert first["tool_choice"] == {"type": "any"} and [t["name"] for t in first["tools"]] == [
        "get_temperature", "Forecast"]
    assert second["tool_choice"] == {"type": "any"}  # "auto" after round one, still answered by a tool


class Opaque:
    pass


@dataclass
class HasOpaque:
    thing: Opaque


@pytest.mark.parametrize("schema, message", [(int, "got int"), (HasOpaque, "field 'thing'")])
def test_bad_schema_is_refused_before_any_http(server: Any, make_client: Any, schema: Any, message: str) -> None:
    client = make_client("openai")
    with pytest.raises(InvalidRequestError, match=message):
        client.complete(ask("openai", schema=schema))
    with pytest.raises(InvalidRequestError, match=message):
        client.parse(ask("openai", schema=None), schema)
    assert server.requests == []
