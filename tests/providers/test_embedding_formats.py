"""Embeddings request bodies and reply parsing per provider, and batch planning (pure)."""

from __future__ import annotations

import json
from typing import Any, Dict, Tuple

import pytest

from llmsdk import Usage, all_models
from llmsdk._catalog.builtin import EMBEDDING_RESOURCE, read_catalog
from llmsdk._engine.embeddings import plan_batches
from llmsdk.errors import InvalidRequestError, MalformedEventError
from llmsdk.providers import get_provider
from llmsdk.providers.embedding_api import decode_vector, estimate_embedding_tokens
from llmsdk.providers.gemini.embeddings import GeminiEmbeddings
from llmsdk.providers.openai.embeddings import OpenAIEmbeddings
from llmsdk.providers.openrouter.embeddings import OpenRouterEmbeddings
from llmsdk.testing import embeddings as E


def reply_json(reply: Any) -> Dict[str, Any]:
    data: Dict[str, Any] = json.loads(reply.body_bytes())
    return data


# -- OpenAI and OpenAI-style -----------------------------------------------------------------


def test_openai_body_and_url() -> None:
    api = OpenAIEmbeddings()
    assert api.url("https://api.openai.com", "text-embedding-3-small") == "https://api.openai.com/v1/embeddings"
    assert api.url("http://localhost:8000/v1", "m") == "http://localhost:8000/v1/embeddings"
    assert api.body(["a", "b"], "text-embedding-3-large", 256, "query") == {
        "model": "text-embedding-3-large", "input": ["a", "b"], "dimensions": 256}  # no input_type on OpenAI
    assert api.body(["a"], "m", None, None) == {"model": "m", "input": ["a"]}


def test_openai_body_validates_against_the_sdk_request_type() -> None:
    pydantic = pytest.importorskip("pydantic")
    params = pytest.importorskip("openai.types.embedding_create_params")
    adapter = pydantic.TypeAdapter(Tuple[params.EmbeddingCreateParams], config=pydantic.ConfigDict(extra="forbid"))
    adapter.validate_python((OpenAIEmbeddings().body(["a", "b"], "text-embedding-3-small", 512, None),))
    with pytest.raises(pydantic.ValidationError):
        adapter.validate_python((OpenRouterEmbeddings().body(["a"], "m", None, "query"),))  # input_type: not OpenAI's


def test_openai_parse_orders_by_index_and_reads_base64() -> None:
    vecs = E.vectors(0, 3)
    batch = OpenAIEmbeddings().parse(reply_json(E.openai_reply(vecs, reverse=True, prompt_tokens=12)), ["a", "b", "c"])
    assert batch.vectors == vecs and batch.usage == Usage(input_tokens=12) and batch.cost is None
    assert batch.model == "text-embedding-3-small"
    packed = OpenAIEmbeddings().parse(reply_json(E.openai_reply(vecs, as_base64=True)), ["a", "b", "c"])
    assert packed.vectors == vecs  # these floats are exact in float32


def test_openai_parse_refuses_a_reply_that_does_not_match_the_inputs() -> None:
    with pytest.raises(MalformedEventError, match="2 vectors for 3 inputs"):
        OpenAIEmbeddings().parse(reply_json(E.openai_reply(E.vectors(0, 2))), ["a", "b", "c"])
    data = reply_json(E.openai_reply(E.vectors(0, 2)))
    data["data"][1]["index"] = 0
    with pytest.raises(MalformedEventError, match="repeated"):
        OpenAIEmbeddings().parse(data, ["a", "b"])
    with pytest.raises(MalformedEventError):
        decode_vector(["x"], "test")


def test_openrouter_sends_input_type_and_reads_its_cost() -> None:
    api = OpenRouterEmbeddings()
    assert api.url("https://openrouter.ai/api", "m") == "https://openrouter.ai/api/v1/embeddings"
    assert api.body(["q"], "openai/text-embedding-3-small", None, "query")["input_type"] == "search_query"
    assert api.body(["d"], "m", None, "document")["input_type"] == "search_document"
    assert api.body(["d"], "m", None, "classification")["input_type"] == "classification"
    batch = api.parse(reply_json(E.openai_reply(E.vectors(0, 1), cost=0.000002)), ["q"])
    assert batch.cost == 0.000002


# -- Gemini ----------------------------------------------------------------------------------------


def test_gemini_body_maps_input_type_to_task_type_and_dimensions() -> None:
    api = GeminiEmbeddings()
    url = api.url("https://generativelanguage.googleapis.com", "gemini-embedding-001")
    assert url == "https://generativelanguage.googleapis.com/v1beta/models/gemini-embedding-001:batchEmbedContents"
    assert api.body(["a", "b"], "gemini-embedding-001", 768, "query") == {"requests": [
        {"model": "models/gemini-embedding-001", "content": {"parts": [{"text": "a"}]},
         "taskType": "RETRIEVAL_QUERY", "outputDimensionality": 768},
        {"model": "models/gemini-embedding-001", "content": {"parts": [{"text": "b"}]},
         "taskType": "RETRIEVAL_QUERY", "outputDimensionality": 768},
    ]}
    assert api.body(["a"], "models/x", None, "semantic_similarity")["requests"][0]["taskType"] == "SEMANTIC_SIMILARITY"
    assert api.body(["a"], "m", None, "document")["requests"][0]["taskType"] == "RETRIEVAL_DOCUMENT"
    assert "taskType" not in api.body(["a"], "m", None, None)["requests"][0]
    with pytest.raises(InvalidRequestError, match="retrieval_query"):
        api.body(["a"], "m", None, "search")


def test_gemini_parse_estimates_usage_when_the_api_reports_none() -> None:
    vecs = E.vectors(0, 2)
    batch = GeminiEmbeddings().parse(reply_json(E.gemini_reply(vecs)), ["12345678", "1234"])
    assert batch.vectors == vecs and batch.usage == Usage(input_tokens=3)  # (8 + 3)//4 + (4 + 3)//4
    reported = GeminiEmbeddings().parse(reply_json(E.gemini_reply(vecs, prompt_tokens=9)), ["a", "b"])
    assert reported.usage == Usage(input_tokens=9)
    with pytest.raises(MalformedEventError):
        GeminiEmbeddings().parse(reply_json(E.gemini_reply(vecs)), ["a"])


# -- which providers embed, and the registry ---------------------------------------------------------


def test_providers_with_and_without_embeddings() -> None:
    embedders = {key: get_provider(key).adapter().embeddings for key in
                 ("anthropic", "openai", "gemini", "groq", "openrouter", "openai_compatible")}
    assert embedders["anthropic"] is None and embedders["groq"] is None
    assert isinstance(embedders["openai"], OpenAIEmbeddings) and isinstance(embedders["gemini"], GeminiEmbeddings)
    assert isinstance(embedders["openrouter"], OpenRouterEmbeddings)
    assert type(embedders["openai_compatible"]) is OpenAIEmbeddings
    assert isinstance(get_provider("openai").adapter("responses").embeddings, OpenAIEmbeddings)


def test_embedding_models_are_in_the_registry_with_their_prices() -> None:
    rows = read_catalog(EMBEDDING_RESOURCE)["models"]
    found = {(m.provider, m.model_name): m for m in all_models() if m.capabilities and m.capabilities.embeddings}
    assert set(found) == {(r["provider"], r["model_id"]) for r in rows} == {
        ("openai", "text-embedding-3-small"), ("openai", "text-embedding-3-large"),
        ("openai", "text-embedding-ada-002"), ("gemini", "gemini-embedding-001")}
    prices = {name: m.input_per_mtok for (_, name), m in found.items()}
    assert prices == {"text-embedding-3-small": 0.02, "text-embedding-3-large": 0.13,
                      "text-embedding-ada-002": 0.10, "gemini-embedding-001": 0.15}
    assert found[("openai", "text-embedding-3-small")].calculate_cost(Usage(input_tokens=1_000_000)) == 0.02


# -- batches ---------------------------------------------------------------------------------------------


def test_batches_respect_the_input_count_in_order() -> None:
    assert plan_batches(["a"] * 250, 100, None) == [(0, 100), (100, 200), (200, 250)]
    assert plan_batches(["a"] * 100, 100, None) == [(0, 100)]
    assert plan_batches([], 100, None) == []


def test_batches_respect_the_token_limit_and_a_huge_text_goes_alone() -> None:
    texts = ["x" * 300, "x" * 300, "x" * 300, "y" * 3000, "z"]
    per = estimate_embedding_tokens("x" * 300)
    assert per == 101
    assert plan_batches(texts, 2048, 250) == [(0, 2), (2, 3), (3, 4), (4, 5)]
    assert estimate_embedding_tokens("東京") == 3  # 6 UTF-8 bytes: CJK is not under-counted
