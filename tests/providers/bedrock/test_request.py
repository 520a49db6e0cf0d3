"""Bedrock request bodies: Converse bodies serialize exactly as boto3 sends the same
parameters (botocore's own validation against the service model runs on the way), and
Claude invoke bodies equal what ``AnthropicBedrock`` sends."""

from __future__ import annotations

import base64
import copy
from typing import Any, Dict, Iterator

import pytest

from llmsdk import (
    DocumentContent, ImageContent, LLMMessage, LLMRequest, RedactedThinkingContent, TextContent, ThinkingContent,
    ThinkingOptions, Tool, ToolResultContent, ToolUseContent,
)
from llmsdk.errors import InvalidRequestError
from llmsdk.providers.bedrock.client import BedrockAdapter, claude_invoke_body
from llmsdk.providers.bedrock.converse import build_converse_body
from llmsdk.providers.anthropic.versions import body_anthropic_version
from llmsdk.testing import FakeProviderServer, anthropic, bedrock

boto3 = pytest.importorskip("boto3")

PNG = base64.b64encode(b"\x89PNG\r\n\x1a\nfake").decode()
PDF = base64.b64encode(b"%PDF-1.4 fake").decode()
WEATHER = Tool("get_weather", "Weather for a city", {"type": "object", "properties": {"city": {"type": "string"}},
                                                      "required": ["city"]})


def rich_request(model: str = "amazon.nova-pro-v1:0", **kwargs: Any) -> LLMRequest:
    return LLMRequest(
        model=model,
        system=[TextContent("You are terse.", cache="5m")],
        messages=[
            LLMMessage(role="user", content=[
                TextContent("Look at these."), ImageContent.from_base64(PNG, "image/png"),
                DocumentContent.from_base64(PDF, title="Q3 report.pdf", citations=True),
                DocumentContent.from_text("plain notes", title="notes", cache="1h"),
            ]),
            LLMMessage(role="assistant", content=[
                ThinkingContent("I should call the tool.", signature="c2ln"),
                RedactedThinkingContent("cmVkYWN0ZWQ="),
                ToolUseContent("tooluse_1", "get_weather", {"city": "Paris"}),
            ]),
            LLMMessage.tool_result("tooluse_1", "18C and sunny"),
            LLMMessage(role="user", tool_results=[ToolResultContent("tooluse_2", [TextContent("oops")], is_error=True)]),
        ],
        tools=[WEATHER], tool_choice="auto", max_tokens=300, temperature=0.2, top_p=0.9, stop=["END"],
        **kwargs,
    )


def as_boto3_params(body: Dict[str, Any]) -> Dict[str, Any]:
    """Our wire body as boto3 parameters: blobs (base64 on the wire) back to bytes."""
    params = copy.deepcopy(body)

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("bytes", "redactedContent") and isinstance(value, str):
                    node[key] = base64.b64decode(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(params)
    return params


@pytest.fixture
def aws_server() -> Iterator[FakeProviderServer]:
    with FakeProviderServer() as server:
        yield server


def boto3_sent(server: FakeProviderServer, model: str, body: Dict[str, Any]) -> Dict[str, Any]:
    """The JSON boto3 sends for ``converse_stream(modelId=model, **body)`` (after botocore
    validated the parameters against the service model)."""
    client = boto3.client("bedrock-runtime", region_name="us-east-1", endpoint_url=server.url,
                          aws_access_key_id="AKIDTEST", aws_secret_access_key="secret")
    server.add_reply(bedrock.text_reply("ok"))
    response = client.converse_stream(modelId=model, **as_boto3_params(body))
    list(response["stream"])
    return server.requests[-1].json


def test_converse_body_is_what_boto3_sends(aws_server: FakeProviderServer) -> None:
    body = build_converse_body(rich_request())
    assert boto3_sent(aws_server, "amazon.nova-pro-v1:0", body) == body
    assert body["system"] == [{"text": "You are terse."}, {"cachePoint": {"type": "default"}}]
    user = body["messages"][0]["content"]
    assert user[2]["document"] == {"format": "pdf", "name": "Q3 report pdf", "source": {"bytes": PDF},
                                   "citations": {"enabled": True}}
    assert user[3:] == [{"document": {"format": "txt", "name": "notes", "source": {"text": "plain notes"}}},
                        {"cachePoint": {"type": "default", "ttl": "1h"}}]
    assistant = body["messages"][1]["content"]
    assert assistant[0] == {"reasoningContent": {"reasoningText": {"text": "I should call the tool.",
                                                                   "signature": "c2ln"}}}
    tool_results = body["messages"][2]["content"]  # two user turns merged: Converse alternates roles
    assert tool_results[1] == {"toolResult": {"toolUseId": "tooluse_2", "content": [{"text": "oops"}],
                                              "status": "error"}}
    assert body["toolConfig"]["toolChoice"] == {"auto": {}}
    assert body["inferenceConfig"] == {"maxTokens": 300, "temperature": 0.2, "topP": 0.9, "stopSequences": ["END"]}


@pytest.mark.parametrize("choice, wire", [("any", {"any": {}}), ({"name": "get_weather"}, {"tool": {"name": "get_weather"}})])
def test_tool_choice(aws_server: FakeProviderServer, choice: Any, wire: Dict[str, Any]) -> None:
    body = build_converse_body(LLMRequest(model="mistral.mistral-large-2407-v1:0", messages=[LLMMessage.user("hi")],
                                          tools=[WEATHER], tool_choice=choice))
    assert body["toolConfig"]["toolChoice"] == wire
    assert boto3_sent(aws_server, "mistral.mistral-large-2407-v1:0", body) == body


def test_structured_output_and_thinking_on_converse(aws_server: FakeProviderServer) -> None:
    schema = {"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"],
              "additionalProperties": False}
    request = LLMRequest(model="us.anthropic.claude-sonnet-4-5-20250929-v1:0", messages=[LLMMessage.user("hi")],
                         output_schema=schema, thinking=ThinkingOptions(budget_tokens=2048))
    body = build_converse_body(request)
    assert body["outputConfig"]["textFormat"]["type"] == "json_schema"
    assert body["additionalModelRequestFields"] == {"thinking": {"type": "enabled", "budget_tokens": 2048}}
    assert body["inferenceConfig"]["maxTokens"] > 2048
    assert boto3_sent(aws_server, "us.anthropic.claude-sonnet-4-5-20250929-v1:0", body) == body


def test_bad_converse_input_fails_before_sending() -> None:
    with pytest.raises(InvalidRequestError, match="URL"):
        build_converse_body(LLMRequest(model="amazon.nova-pro-v1:0", messages=[
            LLMMessage(role="user", content=[ImageContent.from_url("https://example.com/a.png")])]))
    with pytest.raises(InvalidRequestError, match="thinking"):
        build_converse_body(LLMRequest(model="amazon.nova-pro-v1:0", messages=[LLMMessage.user("hi")],
                                       thinking=ThinkingOptions(budget_tokens=2048)))


@pytest.mark.parametrize("model, version", [
    ("anthropic.claude-3-5-sonnet-20240620-v1:0", "bedrock-2023-05-31"),
    ("us.anthropic.claude-sonnet-4-5-20250929-v1:0", "bedrock-2023-05-31"),
    ("global.anthropic.claude-opus-4-6-v1:0", "bedrock-2023-05-31"),
    ("us.anthropic.claude-opus-4-7", "2026-10-21"),
    ("anthropic.claude-haiku-5-5", "2026-10-21"),
    ("anthropic.claude-opus-4-8-v1:0", "bedrock-2023-05-31"),  # ARN-versioned: legacy (versions.py)
])
def test_body_version_per_model(model: str, version: str) -> None:
    assert body_anthropic_version("bedrock", model) == version


def anthropic_bedrock_sent(server: FakeProviderServer, **params: Any) -> Dict[str, Any]:
    from anthropic import AnthropicBedrock

    client = AnthropicBedrock(aws_access_key="AKIDTEST", aws_secret_key="secret", aws_region="us-east-1",
                              base_url=server.url, max_retries=0)
    server.add_reply(bedrock.claude_reply(anthropic.text_reply("ok")))
    for _ in client.messages.create(stream=True, **params):
        pass
    return server.requests[-1].json


def test_claude_invoke_body_equals_anthropic_bedrock(aws_server: FakeProviderServer) -> None:
    model = "us.anthropic.claude-opus-4-7"
    request = LLMRequest(
        model=model, max_tokens=1024, system=[TextContent("Be brief.", cache="5m")],
        messages=[LLMMessage(role="user", content=[TextContent("Summarise."), DocumentContent.from_base64(PDF)]),
                  LLMMessage(role="assistant", content=[ThinkingContent("hm", signature="c2ln"), TextContent("Sure")]),
                  LLMMessage.user("Go on")],
        tools=[WEATHER], tool_choice="auto", thinking=ThinkingOptions(budget_tokens=None),
    )
    ours = claude_invoke_body(request)
    params = {k: v for k, v in ours.items() if k != "anthropic_version"}
    theirs = anthropic_bedrock_sent(aws_server, model=model, **params)
    assert aws_server.requests[-1].path == "/model/us.anthropic.claude-opus-4-7/invoke-with-response-stream"
    assert theirs == ours and ours["anthropic_version"] == "2026-10-21"


def test_claude_invoke_body_for_legacy_ids(aws_server: FakeProviderServer) -> None:
    model = "anthropic.claude-3-5-sonnet-20240620-v1:0"
    request = LLMRequest(model=model, max_tokens=64, temperature=0.5, messages=[LLMMessage.user("hi")])
    ours = claude_invoke_body(request)
    assert ours["anthropic_version"] == "bedrock-2023-05-31" and ours["temperature"] == 0.5
    theirs = anthropic_bedrock_sent(aws_server, model=model, max_tokens=64, messages=ours["messages"],
                                    extra_body={"anthropic_version": "bedrock-2023-05-31", "temperature": 0.5})
    assert theirs == ours


def test_claude_on_the_new_version_drops_sampling() -> None:
    dropped: list = []
    body = claude_invoke_body(LLMRequest(model="anthropic.claude-opus-4-7", temperature=0.3,
                                         messages=[LLMMessage.user("hi")]), on_dropped=dropped.extend)
    assert "temperature" not in body and dropped == ["temperature"]
    pinned = claude_invoke_body(LLMRequest(model="anthropic.claude-opus-4-6", temperature=0.3,
                                           messages=[LLMMessage.user("hi")]), pinned="2023-06-01")
    assert pinned["anthropic_version"] == "bedrock-2023-05-31" and pinned["temperature"] == 0.3


def test_routes_by_model() -> None:
    adapter = BedrockAdapter()
    claude = LLMRequest(model="eu.anthropic.claude-sonnet-4-5-20250929-v1:0", messages=[LLMMessage.user("hi")])
    llama = LLMRequest(model="meta.llama3-3-70b-instruct-v1:0", messages=[LLMMessage.user("hi")])
    assert adapter.endpoint("https://x", claude).endswith(
        "/model/eu.anthropic.claude-sonnet-4-5-20250929-v1%3A0/invoke-with-response-stream")
    assert adapter.endpoint("https://x", llama).endswith("/model/meta.llama3-3-70b-instruct-v1%3A0/converse-stream")
