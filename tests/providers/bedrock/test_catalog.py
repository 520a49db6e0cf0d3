"""Bedrock catalog rows: the ids users use, cross-region profiles at the same prices,
Claude rows priced as their Claude API row."""

from __future__ import annotations

import pytest

from llmsdk import HttpClientOptions, LLMClient, LLMMessage, LLMRequest, get_model
from llmsdk.testing import FakeProviderServer, bedrock


@pytest.mark.parametrize("model_id", [
    "anthropic.claude-sonnet-4-5-20250929-v1:0", "anthropic.claude-opus-4-7", "amazon.nova-pro-v1:0",
    "meta.llama3-3-70b-instruct-v1:0", "mistral.mistral-large-2407-v1:0", "deepseek.r1-v1:0",
    "openai.gpt-oss-120b-1:0",
])
def test_families_are_priced(model_id: str) -> None:
    model = get_model(model_id, provider="bedrock")
    assert model.provider == "bedrock" and model.input_per_mtok and model.output_per_mtok


@pytest.mark.parametrize("prefix", ["us.", "eu.", "global.", "apac."])
def test_inference_profiles_resolve_to_the_same_prices(prefix: str) -> None:
    base = get_model("anthropic.claude-haiku-4-5-20251001-v1:0", provider="bedrock")
    assert get_model(prefix + base.model_name, provider="bedrock") == base


def test_claude_rows_follow_the_claude_api_row() -> None:
    ours = get_model("anthropic.claude-sonnet-4-5-20250929-v1:0", provider="bedrock")
    theirs = get_model("claude-sonnet-4-5-20250929", provider="anthropic")
    assert (ours.input_per_mtok, ours.output_per_mtok, ours.cache_read_per_mtok, ours.context_window) == (
        theirs.input_per_mtok, theirs.output_per_mtok, theirs.cache_read_per_mtok, theirs.context_window)
    assert get_model("anthropic.claude-3-5-haiku-20241022-v1:0", provider="bedrock").capabilities.structured_output \
        == "tool"


def test_cost_of_a_profile_id_and_its_spelling_on_the_wire() -> None:
    with FakeProviderServer() as server:
        server.add_reply(bedrock.text_reply("hi", input_tokens=1_000_000, output_tokens=0))
        client = LLMClient.new(HttpClientOptions.new_bedrock("us-east-1", api_key="k", api_base=server.url))
        response = client.complete(LLMRequest(model="us.amazon.nova-pro-v1:0", messages=[LLMMessage.user("x")]))
        assert response.cost == pytest.approx(0.8)
        assert server.requests[0].path == "/model/us.amazon.nova-pro-v1%3A0/converse-stream"
