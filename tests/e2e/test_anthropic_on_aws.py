"""The Anthropic Messages wire hosted on AWS — Bedrock Mantle and Claude Platform on AWS —
through the Anthropic code and the same SigV4 signer (service names per PROVIDERS.md §9.3),
checked against what the anthropic SDK's AnthropicBedrockMantle / AnthropicAWS send."""

from __future__ import annotations

import os
from typing import Any, Iterator

import pytest

from llmsdk import HttpClientOptions, LLMClient, LLMMessage, LLMRequest
from llmsdk.errors import InvalidConfigError, PermissionDeniedError
from llmsdk.testing import FakeProviderServer, anthropic, bedrock

pytest.importorskip("botocore")

KEYS = {"AKIDTEST": ("test-secret", None)}


@pytest.fixture(autouse=True)
def no_ambient_aws(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith(("AWS_", "ANTHROPIC_")):
            monkeypatch.delenv(name)


@pytest.fixture
def mantle() -> Iterator[FakeProviderServer]:
    with FakeProviderServer() as server:
        bedrock.routes(server, KEYS, service="bedrock-mantle", match=bedrock.MESSAGES_ROUTE)
        yield server


@pytest.fixture
def claude_aws() -> Iterator[FakeProviderServer]:
    with FakeProviderServer() as server:
        bedrock.routes(server, KEYS, service="aws-external-anthropic", match=bedrock.MESSAGES_ROUTE)
        yield server


def ask() -> LLMRequest:
    return LLMRequest(model="anthropic.claude-opus-4-8", messages=[LLMMessage.user("Hi")], max_tokens=64)


def test_mantle_sigv4(mantle: FakeProviderServer) -> None:
    mantle.add_reply(anthropic.text_reply("from mantle"))
    options = HttpClientOptions.new_bedrock_mantle("us-east-1", credentials=("AKIDTEST", "test-secret"),
                                                   api_base=mantle.url + "/anthropic", max_retries=0)
    assert LLMClient.new(options).complete(ask()).text == "from mantle"
    sent = mantle.requests[0]
    assert sent.path == "/anthropic/v1/messages" and sent.json["model"] == "anthropic.claude-opus-4-8"
    assert "/us-east-1/bedrock-mantle/aws4_request" in sent.headers["authorization"]
    assert HttpClientOptions.new_bedrock_mantle("eu-west-1", api_key="k").api_base == \
        "https://bedrock-mantle.eu-west-1.api.aws/anthropic"


def test_mantle_wrong_service_is_refused(mantle: FakeProviderServer) -> None:
    options = HttpClientOptions.new_bedrock("us-east-1", credentials=("AKIDTEST", "test-secret"),
                                            api_base=mantle.url, max_retries=0)  # signs for "bedrock"
    client = LLMClient.new(HttpClientOptions.for_provider("anthropic", None, mantle.url + "/anthropic",
                                                          signer=options.signer, max_retries=0))
    with pytest.raises(PermissionDeniedError):
        client.complete(ask())


def test_claude_platform_on_aws(claude_aws: FakeProviderServer) -> None:
    claude_aws.add_reply(anthropic.text_reply("from Claude Platform on AWS"))
    options = HttpClientOptions.new_anthropic_aws("us-west-2", workspace_id="wrkspc_01", api_base=claude_aws.url,
                                                  credentials=("AKIDTEST", "test-secret"), max_retries=0)
    assert LLMClient.new(options).complete(ask()).text == "from Claude Platform on AWS"
    sent = claude_aws.requests[0]
    assert sent.path == "/v1/messages" and sent.headers["anthropic-workspace-id"] == "wrkspc_01"
    assert "/us-west-2/aws-external-anthropic/aws4_request" in sent.headers["authorization"]
    assert "anthropic-workspace-id" in sent.headers["authorization"]  # the workspace header is signed too
    with pytest.raises(InvalidConfigError, match="workspace"):
        HttpClientOptions.new_anthropic_aws("us-west-2", api_key="k")


def test_same_requests_as_the_anthropic_sdk(claude_aws: FakeProviderServer, mantle: FakeProviderServer) -> None:
    from anthropic import AnthropicAWS
    from anthropic.lib.bedrock._mantle import AnthropicBedrockMantle

    def sdk_sent(server: FakeProviderServer, client: Any) -> Any:
        server.add_reply(anthropic.text_reply("ok"))
        for _ in client.messages.create(model="anthropic.claude-opus-4-8", max_tokens=64, stream=True,
                                        messages=[{"role": "user", "content": "Hi"}]):
            pass
        return server.requests[-1]

    theirs = sdk_sent(claude_aws, AnthropicAWS(aws_access_key="AKIDTEST", aws_secret_key="test-secret",
                                               aws_region="us-west-2", workspace_id="wrkspc_01",
                                               base_url=claude_aws.url, max_retries=0))
    claude_aws.add_reply(anthropic.text_reply("ok"))
    LLMClient.new(HttpClientOptions.new_anthropic_aws("us-west-2", workspace_id="wrkspc_01", api_base=claude_aws.url,
                                                      credentials=("AKIDTEST", "test-secret"))).complete(ask())
    ours = claude_aws.requests[-1]
    assert (ours.path, ours.json["model"], ours.json["messages"]) == (theirs.path, theirs.json["model"],
                                                                      theirs.json["messages"])
    assert bedrock.sigv4_check(theirs, KEYS, service="aws-external-anthropic") is None

    theirs = sdk_sent(mantle, AnthropicBedrockMantle(aws_access_key="AKIDTEST", aws_secret_key="test-secret",
                                                     aws_region="us-east-1", base_url=mantle.url + "/anthropic",
                                                     max_retries=0))
    assert theirs.path == "/anthropic/v1/messages"
    assert bedrock.sigv4_check(theirs, KEYS, service="bedrock-mantle") is None
