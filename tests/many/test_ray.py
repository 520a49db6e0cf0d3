"""``llmsdk.ray.LLMPredictor`` on a local Ray instance (``ray.init(num_cpus=2)``) against
FakeProviderServer. Few and small: starting Ray is the expensive part."""

from __future__ import annotations

import math
import uuid
from typing import Any, Iterator

import pytest

from llmsdk import RedisRateLimiter
from llmsdk.errors import InvalidConfigError
from llmsdk.testing import FakeProviderServer

from ..conftest import TEST_KEY
from .echo import Echo, prompt_of

ray = pytest.importorskip("ray", reason="ray is not installed (pip install 'llmsdk[ray]')")


@pytest.fixture(scope="module")
def local_ray() -> Iterator[Any]:
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False,
             runtime_env={"env_vars": {"ANTHROPIC_API_KEY": TEST_KEY}})
    ray.data.DataContext.get_current().enable_progress_bars = False
    try:
        yield ray
    finally:
        ray.shutdown()


def test_a_dataset_gets_answers_and_error_rows(local_ray: Any, server: FakeProviderServer) -> None:
    from llmsdk.ray import LLMPredictor

    echo = Echo(fail={"q3"})
    server.route("/v1/messages", echo)
    ds = local_ray.data.from_items([{"id": i, "prompt": f"q{i}"} for i in range(8)])

    rows = ds.map_batches(
        LLMPredictor,
        fn_constructor_kwargs=dict(provider="anthropic", model="claude-haiku-4-5", prompt_column="prompt",
                                   concurrency=2, max_tokens=64, client_options={"api_base": server.url}),
        concurrency=2, batch_size=3,
    ).take_all()

    rows.sort(key=lambda r: r["id"])
    assert [r["id"] for r in rows] == list(range(8))
    for row in rows:
        if row["id"] == 3:
            assert row["response_text"] is None and row["error"].startswith("BadRequestError")
            assert row["output_tokens"] == 0 and math.isnan(row["cost"])
        else:
            assert row["response_text"] == f"echo: q{row['id']}" and row["error"] is None
            assert (row["input_tokens"], row["output_tokens"]) == (25, 15) and row["cost"] > 0
    assert sorted(prompt_of(r) for r in server.requests) == sorted(f"q{i}" for i in range(8))
    assert all(r.headers["x-api-key"] == TEST_KEY for r in server.requests)  # from each worker's environment
    assert all(r.json["max_tokens"] == 64 for r in server.requests)


def test_request_fn_pandas_batches_and_a_shared_redis_limiter(local_ray: Any, server: FakeProviderServer,
                                                              redis_url: str) -> None:
    from llmsdk.ray import LLMPredictor

    server.route("/v1/messages", Echo())
    limiter = RedisRateLimiter(redis_url, f"ray-{uuid.uuid4().hex[:8]}", requests_per_minute=6000)

    def request_fn(row: dict) -> Any:  # defined here, so Ray pickles it by value
        from llmsdk import LLMMessage, LLMRequest

        if row["n"] == 2:
            raise ValueError("no request for this row")
        return LLMRequest(model="claude-haiku-4-5", messages=[LLMMessage.user(f"{row['word']} x{row['n']}")])

    rows = local_ray.data.from_items([{"n": i, "word": "hi"} for i in range(5)]).map_batches(
        LLMPredictor,
        fn_constructor_kwargs=dict(provider="anthropic", request_fn=request_fn, limiter=limiter,
                                   client_options={"api_base": server.url}),
        batch_format="pandas", concurrency=1, batch_size=5,
    ).take_all()

    rows.sort(key=lambda r: r["n"])
    assert [r["response_text"] for r in rows] == ["echo: hi x0", "echo: hi x1", None, "echo: hi x3", "echo: hi x4"]
    assert "request_fn failed: ValueError" in rows[2]["error"]
    assert len(server.requests) == 4


def test_exactly_one_way_to_make_requests(monkeypatch: pytest.MonkeyPatch) -> None:
    from llmsdk.ray import LLMPredictor

    monkeypatch.setenv("ANTHROPIC_API_KEY", TEST_KEY)
    for kwargs in ({}, {"prompt_column": "p", "request_fn": print}):
        with pytest.raises(InvalidConfigError):
            LLMPredictor("anthropic", **kwargs)
