"""Vertex AI: Gemini and Claude routes and bodies, credentials through the real
google-auth against a local token endpoint, express mode, count_tokens, embeddings."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from llmsdk import HttpClientOptions, LLMClient, LLMMessage, LLMRequest
from llmsdk.errors import AuthenticationError, InvalidConfigError, InvalidRequestError, RateLimitError, UnsupportedFeatureError
from llmsdk.providers.vertex.settings import host_for
from llmsdk.testing import FakeProviderServer, ScriptedReply, anthropic, gemini
from llmsdk.testing.clouds import FakeCloud, GoogleTokenEndpoint

pytestmark = pytest.mark.usefixtures("google_env")

GEMINI = "gemini-2.5-flash"
CLAUDE = "claude-sonnet-4-5@20250929"


def _request(model: str = GEMINI, **kw: Any) -> LLMRequest:
    kw.setdefault("max_tokens", 64)
    return LLMRequest(model=model, messages=[LLMMessage.user("hi")], **kw)


def _client(server: FakeProviderServer, **kw: Any) -> LLMClient:
    kw.setdefault("token_provider", lambda: "ya29.static")
    kw.setdefault("project", "proj")
    return LLMClient.new(HttpClientOptions.new_vertex(location=kw.pop("location", "us-east5"), api_base=server.url, **kw))


def test_gemini_route_and_body(server: FakeProviderServer) -> None:
    FakeCloud(server, "vertex").add_reply(gemini.text_reply("Hello"))
    resp = _client(server).complete(_request())
    assert resp.text == "Hello" and resp.provider == "vertex"
    sent = server.requests[0]
    assert sent.path == "/v1beta1/projects/proj/locations/us-east5/publishers/google/models/gemini-2.5-flash:streamGenerateContent"
    assert sent.query == "alt=sse" and sent.headers["authorization"] == "Bearer ya29.static"
    assert sent.json["contents"] == [{"role": "user", "parts": [{"text": "hi"}]}]


def test_claude_route_body_without_model_and_with_anthropic_version(server: FakeProviderServer) -> None:
    FakeCloud(server, "vertex").add_reply(anthropic.text_reply("Hi"))
    assert _client(server).complete(_request(CLAUDE)).text == "Hi"
    sent = server.requests[0]
    assert sent.path == "/v1/projects/proj/locations/us-east5/publishers/anthropic/models/claude-sonnet-4-5@20250929:streamRawPredict"
    assert "model" not in sent.json and sent.json["anthropic_version"] == "2026-10-21"
    assert sent.json["stream"] is True


def test_claude_versions_follow_the_anthropic_rules(server: FakeProviderServer, caplog: pytest.LogCaptureFixture) -> None:
    """2026-10-21 refuses sampling fields (dropped, one warning per client); pinning
    ``anthropic_version="2023-06-01"`` sends Vertex's legacy body version and keeps them."""
    FakeCloud(server, "vertex").add_reply(*(anthropic.text_reply(t) for t in "abc"))
    client = _client(server)
    client.complete(_request(CLAUDE, temperature=0.2))
    client.complete(_request(CLAUDE, temperature=0.3))
    _client(server, anthropic_version="2023-06-01").complete(_request(CLAUDE, temperature=0.2))
    latest, again, legacy = (r.json for r in server.requests)
    assert latest["anthropic_version"] == "2026-10-21" and "temperature" not in latest  # never into a certain 400
    assert "temperature" not in again
    assert legacy["anthropic_version"] == "vertex-2023-10-16" and legacy["temperature"] == 0.2
    assert caplog.text.count("not sent") == 1
    with pytest.raises(InvalidConfigError):
        HttpClientOptions.new_vertex("p", token_provider=lambda: "t", anthropic_version="yesterday")


def test_anthropic_managed_surface_with_a_workspace(server: FakeProviderServer) -> None:
    FakeCloud(server, "vertex").add_reply(anthropic.text_reply("managed"), ScriptedReply.json(200, {"input_tokens": 11}))
    client = _client(server, location="global", workspace="wrkspc_01")
    assert client.complete(_request("claude-opus-4-5")).text == "managed"
    assert client.count_tokens(_request("claude-opus-4-5")) == 11
    sent, counted = server.requests
    assert sent.path == "/v1/projects/proj/locations/global/workspaces/wrkspc_01/invoke/v1/messages"
    assert sent.json["model"] == "claude-opus-4-5" and "anthropic_version" not in sent.json
    assert sent.headers["anthropic-version"] == "2026-10-21" and sent.headers["authorization"] == "Bearer ya29.static"
    assert counted.path.endswith("/invoke/v1/messages/count_tokens")


def test_count_tokens_on_both_families(server: FakeProviderServer) -> None:
    FakeCloud(server, "vertex").add_reply(gemini.count_tokens_reply(5), ScriptedReply.json(200, {"input_tokens": 9}))
    client = _client(server)
    assert client.count_tokens(_request()) == 5
    assert client.count_tokens(_request(CLAUDE)) == 9
    gem, claude = server.requests
    assert gem.path.endswith("/publishers/google/models/gemini-2.5-flash:countTokens")
    assert claude.path == "/v1/projects/proj/locations/us-east5/publishers/anthropic/models/count-tokens:rawPredict"
    assert claude.json["model"] == CLAUDE and claude.json["anthropic_version"] == "2026-10-21"


def test_express_mode_api_key(server: FakeProviderServer) -> None:
    FakeCloud(server, "vertex", api_key="AQ.express-SECRET").add_reply(gemini.text_reply("fast"))
    client = LLMClient.new(HttpClientOptions.new_vertex(api_key="AQ.express-SECRET", api_base=server.url))
    assert client.complete(_request()).text == "fast"
    sent = server.requests[0]
    assert sent.path == "/v1beta1/publishers/google/models/gemini-2.5-flash:streamGenerateContent"
    assert sent.headers["x-goog-api-key"] == "AQ.express-SECRET"
    with pytest.raises(InvalidRequestError, match="Gemini models only"):
        client.complete(_request(CLAUDE))
    assert len(server.requests) == 1


def test_hosts_by_location() -> None:
    assert host_for("global") == "https://aiplatform.googleapis.com"
    assert host_for("us-central1") == "https://us-central1-aiplatform.googleapis.com"
    assert host_for("eu") == "https://aiplatform.eu.rep.googleapis.com"
    assert HttpClientOptions.new_vertex("p", token_provider=lambda: "t").api_base == "https://aiplatform.googleapis.com"
    assert HttpClientOptions.new_vertex("p", "europe-west4", token_provider=lambda: "t").api_base \
        == "https://europe-west4-aiplatform.googleapis.com"


def test_errors_in_googles_shape_are_typed(server: FakeProviderServer) -> None:
    cloud = FakeCloud(server, "vertex", token_ok=lambda token: token != "ya29.revoked")
    cloud.add_reply(gemini.error_reply(429, "Resource exhausted"))
    with pytest.raises(RateLimitError):
        _client(server, max_retries=0).complete(_request())
    with pytest.raises(AuthenticationError):
        _client(server, token_provider=lambda: "ya29.revoked").complete(_request())


def test_same_response_shape_usage_and_cost_as_the_direct_apis(server: FakeProviderServer) -> None:
    server.add_reply(gemini.text_reply("same"), anthropic.text_reply("same"))
    direct_gemini = LLMClient.new(HttpClientOptions.new_gemini("k", api_base=server.url)).complete(_request())
    direct_claude = LLMClient.new(HttpClientOptions.new_anthropic("k", api_base=server.url)).complete(
        _request("claude-sonnet-4-5"))
    FakeCloud(server, "vertex").add_reply(gemini.text_reply("same"), anthropic.text_reply("same"))
    client = _client(server)
    via_gemini, via_claude = client.complete(_request()), client.complete(_request(CLAUDE))
    for direct, via in ((direct_gemini, via_gemini), (direct_claude, via_claude)):
        assert (via.text, via.stop_reason, via.usage, via.id, via.model) == \
            (direct.text, direct.stop_reason, direct.usage, direct.id, direct.model)
        assert direct.cost is not None and via.cost == direct.cost


def test_embeddings_through_predict(server: FakeProviderServer) -> None:
    reply = {"predictions": [{"embeddings": {"values": [0.1, 0.2], "statistics": {"token_count": 3}}},
                             {"embeddings": {"values": [0.3, 0.4], "statistics": {"token_count": 4}}}]}
    FakeCloud(server, "vertex").add_reply(ScriptedReply.json(200, reply))
    result = _client(server).embed(["a", "b"], model="text-embedding-005", dimensions=2, input_type="query")
    assert result.vectors == [[0.1, 0.2], [0.3, 0.4]] and result.usage.input_tokens == 7
    sent = server.requests[0]
    assert sent.path.endswith("/publishers/google/models/text-embedding-005:predict")
    assert sent.json == {"instances": [{"content": "a", "task_type": "RETRIEVAL_QUERY"},
                                       {"content": "b", "task_type": "RETRIEVAL_QUERY"}],
                         "parameters": {"outputDimensionality": 2}}


def test_batches_are_unsupported_before_any_http(server: FakeProviderServer) -> None:
    with pytest.raises(UnsupportedFeatureError):
        _client(server).batches.submit({"a": _request()})
    assert server.requests == []


# -- credentials -------------------------------------------------------------------------------


def test_service_account_through_google_auth_refreshes_only_when_expired(
        server: FakeProviderServer, token_endpoint: GoogleTokenEndpoint) -> None:
    cloud = FakeCloud(server, "vertex", token_ok=token_endpoint.is_valid)
    cloud.add_reply(*(gemini.text_reply(f"r{i}") for i in range(3)))
    info = token_endpoint.service_account(project_id="sa-project")
    client = LLMClient.new(HttpClientOptions.new_vertex(credentials=info, location="us-central1", api_base=server.url))
    assert token_endpoint.issued == []  # nothing fetched at construction
    for i in range(3):
        assert client.complete(_request()).text == f"r{i}"
    assert token_endpoint.issued == ["ya29.fake-2"] and token_endpoint.rejected == []
    assert cloud.tokens_seen == ["ya29.fake-2"] * 3
    assert "/projects/sa-project/" in server.requests[-1].path  # the key's project


def test_a_token_inside_google_auths_expiry_margin_is_refreshed_per_attempt(server: FakeProviderServer) -> None:
    short = GoogleTokenEndpoint(server, "/short-token", expires_in=30)  # under google-auth's refresh margin
    cloud = FakeCloud(server, "vertex", token_ok=short.is_valid)
    cloud.add_reply(gemini.error_reply(503, "busy"), gemini.text_reply("ok"))
    options = HttpClientOptions.new_vertex(credentials=short.service_account(), location="us-central1",
                                           api_base=server.url, retry_policy=__import__("llmsdk").config.RetryPolicy(
                                               max_retries=1, initial_delay=0.001))
    assert LLMClient.new(options).complete(_request()).text == "ok"
    assert len(short.issued) == 2 and cloud.tokens_seen == short.issued  # never reused across the retry


def test_service_account_file_path_and_adc(server: FakeProviderServer, token_endpoint: GoogleTokenEndpoint,
                                           tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    key_file = tmp_path / "key.json"
    key_file.write_text(json.dumps(token_endpoint.service_account(project_id="file-project")))
    cloud = FakeCloud(server, "vertex", token_ok=token_endpoint.is_valid)
    cloud.add_reply(gemini.text_reply("path"), gemini.text_reply("adc"))
    by_path = HttpClientOptions.new_vertex(credentials=str(key_file), api_base=server.url)
    assert LLMClient.new(by_path).complete(_request()).text == "path"
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(key_file))
    monkeypatch.setenv("VERTEX_BASE_URL", server.url)
    assert LLMClient.from_env("vertex").complete(_request()).text == "adc"  # ADC, project from the key
    model_calls = [r.path.split("/publishers")[0] for r in server.requests if "/publishers/" in r.path]
    assert model_calls == ["/v1beta1/projects/file-project/locations/global"] * 2


def test_a_google_auth_credentials_object(server: FakeProviderServer) -> None:
    import google.oauth2.credentials

    creds = google.oauth2.credentials.Credentials(token="ya29.user-object")
    FakeCloud(server, "vertex").add_reply(gemini.text_reply("obj"))
    client = LLMClient.new(HttpClientOptions.new_vertex("proj", credentials=creds, api_base=server.url))
    assert client.complete(_request()).text == "obj"
    assert server.requests[0].headers["authorization"] == "Bearer ya29.user-object"


def test_missing_project_location_and_credentials_are_named(server: FakeProviderServer, tmp_path: Path) -> None:
    with pytest.raises(InvalidConfigError, match="project.*GOOGLE_CLOUD_PROJECT"):
        HttpClientOptions.new_vertex(token_provider=lambda: "t")
    with pytest.raises(InvalidConfigError, match="location.*GOOGLE_CLOUD_LOCATION"):
        HttpClientOptions.new_vertex("p", "not a region!", token_provider=lambda: "t")
    no_adc = LLMClient.new(HttpClientOptions.new_vertex("proj", api_base=server.url))  # ADC looked up on first use
    with pytest.raises(InvalidConfigError, match="GOOGLE_APPLICATION_CREDENTIALS"):
        no_adc.complete(_request())
    bad = tmp_path / "key.json"
    bad.write_text("this is not json")
    with pytest.raises(InvalidConfigError, match="not JSON"):
        HttpClientOptions.new_vertex("proj", credentials=str(bad))
    with pytest.raises(InvalidConfigError, match="service-account"):
        HttpClientOptions.new_vertex("proj", credentials={"type": "authorized_user"})
    with pytest.raises(InvalidConfigError, match="one of"):
        HttpClientOptions.new_vertex("proj", api_key="k", token_provider=lambda: "t")
    assert server.requests == []


def test_a_refused_assertion_is_typed_and_chained(server: FakeProviderServer, token_endpoint: GoogleTokenEndpoint) -> None:
    info = token_endpoint.service_account()
    other = GoogleTokenEndpoint(server, "/other")
    info["private_key"] = other.service_account()["private_key"]  # signed with a key the endpoint does not know
    client = LLMClient.new(HttpClientOptions.new_vertex(credentials=info, api_base=server.url))
    with pytest.raises(InvalidConfigError, match="refused") as caught:
        client.complete(_request())
    assert caught.value.__cause__ is not None and token_endpoint.rejected == ["bad signature"]
    assert info["private_key"][40:80] not in repr(HttpClientOptions.new_vertex(credentials=info))


def test_a_revoked_google_token_is_refreshed_once_after_a_401(server: FakeProviderServer,
                                                             token_endpoint: GoogleTokenEndpoint) -> None:
    revoked = {"ya29.fake-2"}  # the first token issued: valid by its expiry, refused by the server
    cloud = FakeCloud(server, "vertex", token_ok=lambda t: token_endpoint.is_valid(t) and t not in revoked)
    cloud.add_reply(gemini.text_reply("after refresh"))
    client = LLMClient.new(HttpClientOptions.new_vertex(credentials=token_endpoint.service_account(),
                                                        api_base=server.url, max_retries=0))
    assert client.complete(_request()).text == "after refresh"
    assert token_endpoint.issued == ["ya29.fake-2", "ya29.fake-3"] and cloud.tokens_seen == token_endpoint.issued
