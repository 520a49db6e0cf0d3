"""The same request through the official clients and through llmsdk, captured at a local
server: paths, queries and the headers that matter (auth, versions, content type) agree.

Official clients: openai's ``AzureOpenAI`` (and ``OpenAI`` on Azure's v1 base URL),
anthropic's ``AnthropicVertex`` and google-genai's ``Client(vertexai=True)``."""

from __future__ import annotations

from typing import Any, Callable, Dict, Tuple

import pytest

from llmsdk import HttpClientOptions, LLMClient, LLMMessage, LLMRequest
from llmsdk.testing import FakeProviderServer, ScriptedReply

pytestmark = pytest.mark.usefixtures("google_env")

#: Headers whose presence and value are part of the wire contract (not user agents,
#: telemetry or Accept, which each client sets its own way).
COMPARED = ("api-key", "authorization", "x-goog-api-key", "anthropic-version", "content-type")
Capture = Tuple[str, str, Dict[str, str], Any]


def _capture(server: FakeProviderServer, call: Callable[[], Any]) -> Capture:
    """Run ``call`` against ``server`` (which answers 400) and return what it sent."""
    before = len(server.requests)
    server.add_reply(ScriptedReply.json(400, {"error": {"code": 400, "message": "captured", "type": "invalid_request_error",
                                                          "status": "INVALID_ARGUMENT"}}))
    try:
        call()
    except Exception:  # noqa: BLE001 - each client raises its own error type for the 400
        pass
    assert len(server.requests) == before + 1, "the client did not send exactly one request"
    sent = server.requests[-1]
    headers = {k.lower(): v for k, v in sent.headers.items() if k.lower() in COMPARED}
    headers["content-type"] = headers.get("content-type", "").split(";")[0]
    return sent.path, sent.query, headers, sent.json


def _ours(options: HttpClientOptions, model: str) -> Callable[[], Any]:
    client = LLMClient.new(options.with_changes(max_retries=0))
    return lambda: client.complete(LLMRequest(model=model, messages=[LLMMessage.user("hi")], max_tokens=10))


@pytest.mark.parametrize("auth", ["key", "token"])
@pytest.mark.parametrize("api_version", [None, "2024-10-21"])
def test_azure_openai_matches_the_official_client(server: FakeProviderServer, auth: str, api_version: Any) -> None:
    openai = pytest.importorskip("openai")
    creds: Dict[str, Any] = {"api_key": "az-key"} if auth == "key" else {"azure_ad_token_provider": lambda: "entra-tok"}
    if api_version:
        official = openai.AzureOpenAI(azure_endpoint=server.url, api_version=api_version, max_retries=0, **creds)
    else:  # Microsoft's documented v1 usage: the OpenAI client on <endpoint>/openai/v1/
        key = creds.get("api_key") or "entra-tok"
        official = openai.OpenAI(base_url=server.url + "/openai/v1/", api_key=key, max_retries=0)
    theirs = _capture(server, lambda: official.chat.completions.create(
        model="prod-4o", max_tokens=10, messages=[{"role": "user", "content": "hi"}], stream=True))
    ours = _capture(server, _ours(HttpClientOptions.new_azure_openai(
        server.url, "az-key" if auth == "key" else None, api_version=api_version,
        token_provider=None if auth == "key" else (lambda: "entra-tok")), "prod-4o"))
    if not api_version and auth == "key":  # the plain OpenAI client can only send a bearer
        theirs[2].pop("authorization")
        theirs[2]["api-key"] = "az-key"
    assert ours[:3] == theirs[:3]
    assert ours[3]["model"] == theirs[3]["model"] == "prod-4o"


def test_anthropic_vertex_matches_the_official_client(server: FakeProviderServer) -> None:
    anthropic = pytest.importorskip("anthropic")
    model = "claude-sonnet-4-5@20250929"
    official = anthropic.AnthropicVertex(region="us-east5", project_id="proj", access_token="ya29.tok",
                                         base_url=server.url + "/v1", max_retries=0)
    theirs = _capture(server, lambda: official.messages.create(
        model=model, max_tokens=10, messages=[{"role": "user", "content": "hi"}], stream=True))
    ours = _capture(server, _ours(HttpClientOptions.new_vertex(
        "proj", "us-east5", token_provider=lambda: "ya29.tok", api_base=server.url), model))
    assert ours[:3] == theirs[:3]
    assert ours[3] == theirs[3]  # the whole body: no model, the same anthropic_version
    count_theirs = _capture(server, lambda: official.messages.count_tokens(
        model=model, messages=[{"role": "user", "content": "hi"}]))
    client = LLMClient.new(HttpClientOptions.new_vertex("proj", "us-east5", token_provider=lambda: "ya29.tok",
                                                        api_base=server.url, max_retries=0))
    count_ours = _capture(server, lambda: client.count_tokens(LLMRequest(model=model, messages=[LLMMessage.user("hi")])))
    assert count_ours == count_theirs


@pytest.mark.parametrize("mode", ["project", "express"])
def test_google_genai_vertex_matches_the_official_client(server: FakeProviderServer, mode: str) -> None:
    genai = pytest.importorskip("google.genai")
    from google.genai import types
    import google.oauth2.credentials

    options = types.HttpOptions(base_url=server.url)
    if mode == "project":
        official = genai.Client(vertexai=True, project="proj", location="us-central1", http_options=options,
                                credentials=google.oauth2.credentials.Credentials(token="ya29.tok"))
        ours_options = HttpClientOptions.new_vertex("proj", "us-central1", token_provider=lambda: "ya29.tok",
                                                    api_base=server.url)
    else:
        official = genai.Client(vertexai=True, api_key="AQ.key", http_options=options)
        ours_options = HttpClientOptions.new_vertex(api_key="AQ.key", api_base=server.url)

    def stream() -> None:
        for _ in official.models.generate_content_stream(model="gemini-2.5-flash", contents="hi",
                                                         config=types.GenerateContentConfig(max_output_tokens=10)):
            pass

    theirs = _capture(server, stream)
    ours = _capture(server, _ours(ours_options, "gemini-2.5-flash"))
    assert ours[:3] == theirs[:3]
    assert ours[3]["contents"] == theirs[3]["contents"]
    assert ours[3]["generationConfig"]["maxOutputTokens"] == theirs[3]["generationConfig"]["maxOutputTokens"]
    embed_theirs = _capture(server, lambda: official.models.embed_content(model="text-embedding-005", contents=["hi"]))
    client = LLMClient.new(ours_options.with_changes(max_retries=0))
    embed_ours = _capture(server, lambda: client.embed(["hi"], model="text-embedding-005"))
    assert embed_ours == embed_theirs
    if mode == "project":
        count_theirs = _capture(server, lambda: official.models.count_tokens(model="gemini-2.5-flash", contents="hi"))
        count_ours = _capture(server, lambda: client.count_tokens(
            LLMRequest(model="gemini-2.5-flash", messages=[LLMMessage.user("hi")])))
        assert count_ours[:3] == count_theirs[:3]


