"""Azure OpenAI: routes, auth, content filters, deployments, embeddings, batches."""

from __future__ import annotations

import sys
import types
from typing import Any, List

import pytest

from llmsdk import HttpClientOptions, LLMClient, LLMMessage, LLMRequest, StopReason
from llmsdk.errors import BadRequestError, InvalidConfigError
from llmsdk.testing import FakeProviderServer, ScriptedReply, openai, openai_responses
from llmsdk.testing import azure_openai as azure_replies
from llmsdk.testing.batches import FakeBatchAPI
from llmsdk.testing.clouds import FakeCloud
from llmsdk.testing.embeddings import openai_reply, vectors

KEY = "azure-key-SECRET"


def _request(model: str = "prod-4o", **kw: Any) -> LLMRequest:
    return LLMRequest(model=model, messages=[LLMMessage.user("hi")], max_tokens=5, **kw)


def _client(server: FakeProviderServer, **kw: Any) -> LLMClient:
    kw.setdefault("deployments", {"prod-4o": "gpt-4o"})
    return LLMClient.new(HttpClientOptions.new_azure_openai(server.url, kw.pop("api_key", KEY), **kw))


def test_v1_route_with_api_key_header(server: FakeProviderServer) -> None:
    cloud = FakeCloud(server, "azure_openai", api_key=KEY)
    cloud.add_reply(azure_replies.text_reply("Hello"))
    resp = _client(server).complete(_request())
    assert resp.text == "Hello" and resp.provider == "azure_openai"
    sent = server.requests[0]
    assert sent.path == "/openai/v1/chat/completions" and sent.query == ""
    assert sent.headers["api-key"] == KEY and "authorization" not in {k.lower() for k in sent.headers}
    assert sent.json["model"] == "prod-4o"  # the deployment name goes on the wire


def test_classic_route_with_api_version(server: FakeProviderServer) -> None:
    FakeCloud(server, "azure_openai", api_key=KEY).add_reply(azure_replies.text_reply("Hi"))
    _client(server, api_version="2024-10-21").complete(_request())
    sent = server.requests[0]
    assert (sent.path, sent.query) == ("/openai/deployments/prod-4o/chat/completions", "api-version=2024-10-21")


@pytest.mark.parametrize("endpoint", ["{url}", "{url}/", "{url}/openai", "{url}/openai/v1/"])
def test_endpoint_spellings_reach_the_same_route(server: FakeProviderServer, endpoint: str) -> None:
    FakeCloud(server, "azure_openai", api_key=KEY).add_reply(azure_replies.text_reply("Hi"))
    LLMClient.new(HttpClientOptions.new_azure_openai(endpoint.format(url=server.url), KEY)).complete(_request())
    assert server.requests[0].path == "/openai/v1/chat/completions"


def test_responses_api_v1_and_classic(server: FakeProviderServer) -> None:
    cloud = FakeCloud(server, "azure_openai", api_key=KEY)
    cloud.add_reply(openai_responses.text_reply("one"), openai_responses.text_reply("two"))
    assert _client(server, api="responses").complete(_request()).text == "one"
    assert _client(server, api="responses", api_version="2025-04-01-preview").complete(_request()).text == "two"
    assert [(r.path, r.query) for r in server.requests] == [
        ("/openai/v1/responses", ""), ("/openai/responses", "api-version=2025-04-01-preview")]


def test_a_filtered_completion_stops_with_content_filter(server: FakeProviderServer) -> None:
    FakeCloud(server, "azure_openai", api_key=KEY).add_reply(azure_replies.filtered_reply("Once upon", category="violence"))
    resp = _client(server).complete(_request())
    assert resp.stop_reason is StopReason.CONTENT_FILTER
    assert resp.text == "Once upon"
    assert resp.provider_details["content_filter_results"]["violence"] == {"filtered": True, "severity": "high"}
    assert resp.provider_details["prompt_filter_results"][0]["prompt_index"] == 0
    assert resp.refusal  # a content filter reads as a refusal


def test_prompt_filter_results_are_kept_on_a_clean_answer(server: FakeProviderServer) -> None:
    FakeCloud(server, "azure_openai", api_key=KEY).add_reply(azure_replies.text_reply("fine"))
    resp = _client(server).complete(_request())
    assert resp.stop_reason is StopReason.END_TURN and resp.id == "chatcmpl-fake"  # not the filter chunk's ""
    assert resp.provider_details["prompt_filter_results"][0]["content_filter_results"]["hate"]["filtered"] is False
    assert LLMRequest.from_json(_request().to_json()) == _request()
    assert type(resp).from_json(resp.to_json()).provider_details == resp.provider_details


def test_a_refused_prompt_is_a_400_not_retried(server: FakeProviderServer) -> None:
    body = {"error": {"message": "The response was filtered due to the prompt triggering Azure OpenAI's content "
                                 "management policy.", "type": None, "param": "prompt", "code": "content_filter",
                      "status": 400, "innererror": {"code": "ResponsibleAIPolicyViolation",
                                                    "content_filter_result": {"violence": {"filtered": True}}}}}
    FakeCloud(server, "azure_openai", api_key=KEY).add_reply(ScriptedReply.json(400, body))
    with pytest.raises(BadRequestError, match="content management policy") as caught:
        _client(server).complete(_request())
    assert caught.value.error_type == "content_filter"
    assert len(server.requests) == 1


def test_deployments_map_to_catalog_models_for_cost(server: FakeProviderServer) -> None:
    """Same request, same usage: the same cost as the direct API's gpt-4o."""
    server.add_reply(openai.text_reply("x"))
    direct = LLMClient.new(HttpClientOptions.new_openai("sk", api_base=server.url)).complete(_request("gpt-4o"))
    FakeCloud(server, "azure_openai", api_key=KEY).add_reply(azure_replies.text_reply("x"), azure_replies.text_reply("x"),
                                                             azure_replies.text_reply("x"))
    mapped = _client(server).complete(_request("prod-4o"))
    by_id = _client(server, deployments=None).complete(_request("gpt-4o"))  # unmapped, but a catalog id
    unknown = _client(server).complete(_request("my-own-thing"))
    assert direct.usage == mapped.usage == by_id.usage
    assert (mapped.content, mapped.stop_reason, mapped.id) == (direct.content, direct.stop_reason, direct.id)
    assert direct.cost is not None and mapped.cost == direct.cost == by_id.cost
    assert unknown.cost is None


def test_embeddings_v1_and_classic(server: FakeProviderServer) -> None:
    cloud = FakeCloud(server, "azure_openai", api_key=KEY)
    cloud.add_reply(openai_reply(vectors(0, 2)), openai_reply(vectors(0, 2)))
    assert len(_client(server).embed(["a", "b"], model="emb-3").vectors) == 2
    assert len(_client(server, api_version="2024-10-21").embed(["a", "b"], model="emb-3").vectors) == 2
    assert [(r.path, r.query) for r in server.requests] == [
        ("/openai/v1/embeddings", ""), ("/openai/deployments/emb-3/embeddings", "api-version=2024-10-21")]


def test_batches_use_the_openai_flow_under_openai_v1(server: FakeProviderServer) -> None:
    fake = FakeBatchAPI(server, "azure_openai", polls=1)
    client = _client(server)
    job = client.batches.submit({"a": _request("batch-4o"), "b": _request("batch-4o")})
    job.wait(poll_interval=0.001, progress=False)
    assert dict(job.results())["a"].text == "reply to a"
    paths = {r.path for r in server.requests}
    assert {"/openai/v1/files", "/openai/v1/batches"} <= paths
    assert fake.jobs


def test_no_endpoint_is_typed() -> None:
    with pytest.raises(InvalidConfigError, match="AZURE_OPENAI_ENDPOINT"):
        HttpClientOptions.new_azure_openai(None, KEY)
    with pytest.raises(InvalidConfigError):
        HttpClientOptions.new_azure_openai("not a url", KEY)


def test_from_env(monkeypatch: pytest.MonkeyPatch, server: FakeProviderServer) -> None:
    monkeypatch.delenv("AZURE_OPENAI_BASE_URL", raising=False)
    monkeypatch.delenv("AZURE_OPENAI_ENDPOINT", raising=False)
    with pytest.raises(InvalidConfigError, match="AZURE_OPENAI_ENDPOINT"):
        LLMClient.from_env("azure_openai")
    monkeypatch.setenv("AZURE_OPENAI_ENDPOINT", server.url)
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", KEY)
    monkeypatch.setenv("AZURE_OPENAI_API_VERSION", "2024-10-21")
    FakeCloud(server, "azure_openai", api_key=KEY).add_reply(azure_replies.text_reply("env"))
    assert LLMClient.from_env("azure_openai").complete(_request()).text == "env"
    assert server.requests[0].query == "api-version=2024-10-21"


class _FakeDefaultCredential:
    """Stands in for azure.identity.DefaultAzureCredential (its wiring is what is tested
    here; the real library is exercised in test_azure_identity.py)."""

    created = 0
    scopes: List[str] = []

    def __init__(self) -> None:
        type(self).created += 1

    def get_token(self, scope: str) -> Any:
        type(self).scopes.append(scope)
        return types.SimpleNamespace(token=f"entra-{len(type(self).scopes)}", expires_on=0)


def test_no_key_uses_default_azure_credential_on_first_use(server: FakeProviderServer,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    import azure.identity as identity

    monkeypatch.setattr(identity, "DefaultAzureCredential", _FakeDefaultCredential)
    _FakeDefaultCredential.created, _FakeDefaultCredential.scopes = 0, []
    cloud = FakeCloud(server, "azure_openai")
    cloud.add_reply(azure_replies.text_reply("a"), azure_replies.text_reply("b"))
    client = LLMClient.new(HttpClientOptions.new_azure_openai(server.url))
    assert _FakeDefaultCredential.created == 0  # nothing at construction
    client.complete(_request())
    client.complete(_request())
    assert _FakeDefaultCredential.created == 1
    assert _FakeDefaultCredential.scopes == ["https://cognitiveservices.azure.com/.default"] * 2
    assert cloud.tokens_seen == ["entra-1", "entra-2"]


def test_no_key_without_azure_identity_says_how_to_install(server: FakeProviderServer,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "azure.identity", None)
    client = LLMClient.new(HttpClientOptions.new_azure_openai(server.url))
    with pytest.raises(InvalidConfigError, match=r"llmsdk\[azure\]"):
        client.complete(_request())
    assert server.requests == []
