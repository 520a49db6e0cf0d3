"""Messages and tools as users write them: OpenAI-style message dicts wherever messages
are, a JSON string ``content`` as one text block; tool parameter types checked with an
``InvalidRequestError`` naming the parameter, untyped ones warned about, and a return
value with no JSON form sent back as an error result."""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass

import pytest

from llmsdk import ImageContent, LLMMessage, LLMRequest, TextContent, Tool, ToolUseContent
from llmsdk.errors import InvalidRequestError
from llmsdk.testing import anthropic as A

OPENAI_STYLE = [
    {"role": "system", "content": "Be brief."},
    {"role": "user", "content": "What is 6*7?"},
    {"role": "assistant", "content": None,
     "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": "mul", "arguments": '{"a": 6, "b": 7}'}}]},
    {"role": "tool", "tool_call_id": "call_1", "content": "42"},
    {"role": "user", "content": [{"type": "text", "text": "And this?"},
                                 {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}}]},
]


def test_openai_style_message_dicts_become_llm_messages() -> None:
    request = LLMRequest(model="claude-haiku-4-5", messages=OPENAI_STYLE).validate()
    system, user, assistant, tool, image = request.messages
    assert system == LLMMessage(role="system", text="Be brief.")
    assert user == LLMMessage(role="user", text="What is 6*7?")
    assert assistant.tool_calls == [ToolUseContent(id="call_1", name="mul", input={"a": 6, "b": 7})]
    assert tool.tool_results is not None and tool.tool_results[0].tool_use_id == "call_1"
    assert tool.tool_results[0].content == "42"
    assert image.content is not None and image.content[0] == TextContent("And this?")
    assert isinstance(image.content[1], ImageContent) and image.content[1].media_type == "image/png"


def test_a_json_string_content_is_one_text_block() -> None:
    request = LLMRequest.from_dict({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]})
    assert [b.text for b in request.messages[0].blocks] == ["hi"]  # not "h", "i"
    request.validate()
    assert LLMMessage.from_json('{"role": "user", "content": "hi"}').blocks == [TextContent("hi")]


def test_openai_style_dicts_decode_from_json_too() -> None:
    request = LLMRequest.from_json(json.dumps({"model": "gpt-4o-mini", "messages": OPENAI_STYLE}))
    assert request.messages[2].tool_calls == [ToolUseContent(id="call_1", name="mul", input={"a": 6, "b": 7})]
    assert LLMRequest.from_json(request.to_json()) == request


def test_a_client_sends_openai_style_messages(anthropic_client, server) -> None:
    server.add_reply(A.text_reply("hello"))
    client = anthropic_client()
    reply = client.complete(LLMRequest(model="claude-haiku-4-5", messages=[{"role": "user", "content": "hi"}]))
    assert reply.text == "hello"
    assert server.requests[0].json["messages"] == [{"role": "user", "content": [{"type": "text", "text": "hi"}]}] \
        or server.requests[0].json["messages"] == [{"role": "user", "content": "hi"}]
    client += {"role": "user", "content": "kept"}
    assert client.get_messages() == [LLMMessage(role="user", text="kept")]


def test_a_bad_message_dict_is_an_invalid_request() -> None:
    with pytest.raises(InvalidRequestError, match=r"messages\[0\] has role 'robot'"):
        LLMRequest(model="m", messages=[{"role": "robot", "content": "hi"}])


class Thing:
    pass


def test_a_tool_parameter_of_an_unsupported_type_names_the_parameter() -> None:
    def lookup(city: str, where: Thing) -> str:
        return city

    with pytest.raises(InvalidRequestError, match="tool 'lookup': parameter 'where'"):
        Tool.from_function(lookup)


def test_an_untyped_tool_parameter_is_warned_about() -> None:
    def lookup(city, country: str = "FR") -> str:  # type: ignore[no-untyped-def]
        return city

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        tool = Tool.from_function(lookup)
    assert [str(w.message) for w in caught if "'city'" in str(w.message) and "no type hint" in str(w.message)]
    assert not [w for w in caught if "'country'" in str(w.message)]
    assert tool.input_schema["properties"]["city"] == {}


@dataclass
class Point:
    x: int
    y: int


def test_a_tool_return_with_no_json_form_is_an_error_result() -> None:
    from llmsdk._many.tool_loop import execute_tool_call

    def make() -> Thing:
        return Thing()

    def point() -> Point:
        return Point(1, 2)

    tools = {"make": Tool.from_function(make), "point": Tool.from_function(point)}
    bad = execute_tool_call(ToolUseContent(id="t1", name="make", input={}), tools)
    assert bad.is_error and "Thing" in bad.text and "JSON" in bad.text and "object at 0x" not in bad.text
    good = execute_tool_call(ToolUseContent(id="t2", name="point", input={}), tools)
    assert not good.is_error and json.loads(good.text) == {"x": 1, "y": 2}


def test_a_pydantic_return_is_sent_as_json() -> None:
    pydantic = pytest.importorskip("pydantic")
    from llmsdk._many.tool_loop import execute_tool_call

    class City(pydantic.BaseModel):
        name: str
        people: int

    def city():  # type: ignore[no-untyped-def]
        return City(name="Lyon", people=520000)

    out = execute_tool_call(ToolUseContent(id="t", name="city", input={}), {"city": Tool.from_function(city)})
    assert not out.is_error and json.loads(out.text) == {"name": "Lyon", "people": 520000}
