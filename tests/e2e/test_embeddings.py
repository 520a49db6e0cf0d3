"""``client.embed`` end to end: real HTTP against FakeProviderServer for OpenAI, Gemini,
OpenRouter and a compatible server; refusals before any HTTP elsewhere."""

from __future__ import annotations

import pytest

from llmsdk import EmbeddingResponse, Usage, get_model
from llmsdk.errors import InvalidRequestError, RateLimitError, UnsupportedFeatureError
from llmsdk.testing import embeddings as E
from llmsdk.testing import openai as O

from .conftest import KEY

def test_openai_embeds_and_counts_usage_and_cost(server, make_client):
    server.add_reply(E.openai_reply(E.vectors(0, 2), prompt_tokens=8))
    client = make_client("openai")
    resp = client.embed(["hello", "wörld"], model="text-embedding-3-small", dimensions=3)
    assert isinstance(resp, EmbeddingResponse)
    assert resp.vectors == E.vectors(0, 2) and resp.model == "text-embedding-3-small"
    assert resp.usage == Usage(input_tokens=8) and resp.cost == pytest.approx(8 * 0.02 / 1e6)
    sent = server.requests[0]
    assert sent.path == "/v1/embeddings" and sent.headers["authorization"] == f"Bearer {KEY}"
    assert sent.headers["accept"] == "application/json"
    assert sent.json == {"model": "text-embedding-3-small", "input": ["hello", "wörld"], "dimensions": 3}
    assert client.get_usage() == Usage(input_tokens=8)
    assert client.get_usage("text-embedding-3-small") == Usage(input_tokens=8)
    assert client.get_cost() == pytest.approx(resp.cost)
    assert EmbeddingResponse.from_json(resp.to_json()) == resp


def test_large_inputs_are_batched_in_order(server, make_client):
    texts = [f"text {i}" for i in range(2050)]
    server.add_reply(E.openai_reply(E.vectors(0, 2048), reverse=True), E.openai_reply(E.vectors(2048, 2)))
    resp = make_client("openai").embed(texts, model=get_model("text-embedding-3-large"))
    assert [len(r.json["input"]) for r in server.requests] == [2048, 2]
    assert server.requests[1].json["input"] == ["text 2048", "text 2049"]
    assert resp.vectors == E.vectors(0, 2050)
    assert resp.usage == Usage(input_tokens=5 * 2050)
    assert resp.cost == pytest.approx(5 * 2050 * 0.13 / 1e6)


def test_gemini_batches_by_100_with_task_type(server, make_client):
    server.add_reply(E.gemini_reply(E.vectors(0, 100)), E.gemini_reply(E.vectors(100, 100)),
                     E.gemini_reply(E.vectors(200, 50)))
    client = make_client("gemini")
    texts = ["abcd"] * 250
    resp = client.embed(texts, model="gemini-embedding-001", dimensions=768, input_type="document")
    assert resp.vectors == E.vectors(0, 250)
    assert resp.usage == Usage(input_tokens=250)  # estimated: the Gemini API reports none
    assert resp.cost == pytest.approx(250 * 0.15 / 1e6)
    first = server.requests[0]
    assert first.path == "/v1beta/models/gemini-embedding-001:batchEmbedContents"
    assert first.headers["x-goog-api-key"] == KEY and "key=" not in first.query
    assert [len(r.json["requests"]) for r in server.requests] == [100, 100, 50]
    assert first.json["requests"][0] == {"model": "models/gemini-embedding-001", "content": {"parts": [{"text": "abcd"}]},
                                         "taskType": "RETRIEVAL_DOCUMENT", "outputDimensionality": 768}
    assert client.get_cost() == pytest.approx(resp.cost)


def test_openrouter_reports_its_own_cost_and_takes_input_type(server, make_client):
    server.add_reply(E.openai_reply(E.vectors(0, 1), model="openai/text-embedding-3-small", cost=0.0000021))
    client = make_client("openrouter")
    resp = client.embed(["find me"], model="openai/text-embedding-3-small", input_type="query")
    assert resp.cost == 0.0000021 and client.get_cost() == 0.0000021
    sent = server.requests[0]
    assert sent.path == "/v1/embeddings"  # under the base: https://openrouter.ai/api/v1/embeddings
    assert sent.json["input_type"] == "search_query"


def test_compatible_server_embeds_without_a_key_unpriced(server, make_client):
    server.add_reply(E.openai_reply(E.vectors(0, 1), model="nomic-embed-text", as_base64=True))
    client = make_client("openai_compatible")
    resp = client.embed("one text", model="nomic-embed-text")
    assert resp.vectors == E.vectors(0, 1) and resp.cost is None and client.get_cost() == 0.0
    assert client.get_usage() == Usage(input_tokens=5)
    assert "authorization" not in server.requests[0].headers


def test_a_responses_client_embeds_too(server, make_client):
    server.add_reply(E.openai_reply(E.vectors(0, 1)))
    client = make_client("openai", api="responses")
    assert client.embed(["x"], model="text-embedding-3-small").vectors == E.vectors(0, 1)
    assert server.requests[0].path == "/v1/embeddings"


@pytest.mark.parametrize("provider", ["anthropic", "groq"])
def test_providers_without_embeddings_refuse_before_any_http(server, make_client, provider):
    with pytest.raises(UnsupportedFeatureError) as caught:
        make_client(provider).embed(["x"], model="any")
    assert isinstance(caught.value, InvalidRequestError) and provider in str(caught.value)
    assert server.requests == []


@pytest.mark.parametrize("texts, kwargs, match", [
    (["ok", ""], {}, "texts\\[1\\] is empty"),
    (["ok", 3], {}, "texts\\[1\\] must be a string"),
    ({"a": 1}, {}, "list of strings"),
    (["ok"], {"dimensions": 0}, "dimensions"),
    (["ok"], {"model": ""}, "model"),
])
def test_bad_input_fails_before_any_http(server, make_client, texts, kwargs, match):
    kwargs.setdefault("model", "text-embedding-3-small")
    with pytest.raises(InvalidRequestError, match=match):
        make_client("openai").embed(texts, **kwargs)
    assert server.requests == []


def test_bad_gemini_input_type_fails_before_any_http(server, make_client):
    with pytest.raises(InvalidRequestError, match="input_type"):
        make_client("gemini").embed(["x"] * 150, model="gemini-embedding-001", input_type="searching")
    assert server.requests == []


def test_a_failed_batch_keeps_the_finished_ones_and_bills_them(server, make_client):
    server.add_reply(E.gemini_reply(E.vectors(0, 100)),
                     O.error_reply(429, "Resource has been exhausted", error_type="RESOURCE_EXHAUSTED"))
    client = make_client("gemini", max_retries=0)  # the 429 is the point: not retried
    with pytest.raises(RateLimitError) as caught:
        client.embed(["abcd"] * 150, model="gemini-embedding-001")
    partial = caught.value.partial_response
    assert isinstance(partial, EmbeddingResponse) and partial.vectors == E.vectors(0, 100)
    assert client.get_usage() == Usage(input_tokens=100) == partial.usage
    assert client.get_cost() == pytest.approx(100 * 0.15 / 1e6)


def test_no_texts_no_call(server, make_client):
    resp = make_client("openai").embed([], model="text-embedding-3-small")
    assert resp.vectors == [] and resp.cost == 0.0 and server.requests == []
