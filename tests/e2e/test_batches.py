"""Provider batch jobs end to end: real HTTP against FakeProviderServer's batch emulation
(submit -> wait -> results, partial failures, cancellation, expiry, costs)."""

from __future__ import annotations

import functools
import json
import re
from typing import Any, Dict, List, Tuple

import pytest

from llmsdk import (
    BatchCounts, BatchJob, BatchStatus, HttpClientOptions, LLMClient, LLMMessage, LLMRequest, LLMResponse, Usage,
)
from llmsdk.batches import _gemini
from llmsdk.models import cost_of
from llmsdk.errors import (
    AuthenticationError, BadRequestError, BatchRequestNotRunError, InvalidRequestError, LLMError, TotalTimeoutError,
    UnsupportedFeatureError,
)
from llmsdk.testing import ScriptedReply
from llmsdk.testing import anthropic as anthropic_replies
from llmsdk.testing import gemini as gemini_replies
from llmsdk.testing import openai as openai_replies
from llmsdk.testing.batches import FakeBatchAPI

MODELS = {"openai": "gpt-4o-mini", "groq": "llama-3.3-70b-versatile", "anthropic": "claude-haiku-4-5",
          "gemini": "gemini-2.5-flash"}
PROVIDERS = list(MODELS)
FAST = dict(poll_interval=0.005, timeout=20, progress=False)


@pytest.fixture
def make_client(make_client: Any) -> Any:
    """The e2e client factory (``conftest.py``), without retries: failures are the point."""
    return functools.partial(make_client, max_retries=0)


def requests_for(provider: str, n: int = 4) -> Dict[str, LLMRequest]:
    return {f"row-{i}": LLMRequest(model=MODELS[provider], messages=[LLMMessage.user(f"Question {i}")],
                                   max_tokens=100) for i in range(n)}


def split(results: List[Tuple[str, Any]]) -> Tuple[Dict[str, LLMResponse], Dict[str, LLMError]]:
    ok = {k: r for k, r in results if isinstance(r, LLMResponse)}
    errors = {k: r for k, r in results if isinstance(r, LLMError)}
    assert len(ok) + len(errors) == len(results)
    return ok, errors


@pytest.mark.parametrize("provider", PROVIDERS)
def test_submit_wait_results_with_a_partial_failure(provider, server, make_client):
    fake = FakeBatchAPI(server, provider, polls=2)
    fake.fail("row-2", status=400, message="bad prompt")
    client = make_client(provider)

    job = client.batches.submit(requests_for(provider))
    assert job.status is BatchStatus.IN_PROGRESS and job.provider == provider
    assert job.wait(**FAST) is job
    assert job.status is BatchStatus.COMPLETED
    assert job.counts == BatchCounts(total=4, succeeded=3, failed=1, pending=0)

    ok, errors = split(list(job.results()))
    assert {k: r.text for k, r in ok.items()} == {f"row-{i}": f"reply to row-{i}" for i in (0, 1, 3)}
    assert isinstance(errors["row-2"], BadRequestError) and "bad prompt" in str(errors["row-2"])
    batch_price = cost_of(MODELS[provider], provider, Usage(10, 5), batch=True)
    assert batch_price == pytest.approx(cost_of(MODELS[provider], provider, Usage(10, 5)) / 2)
    for response in ok.values():
        assert response.provider == provider and response.cost == pytest.approx(batch_price)
    assert job.cost == pytest.approx(sum(r.cost for r in ok.values()))
    assert client.get_cost() == pytest.approx(job.cost)
    assert client.get_usage().input_tokens == 30 and client.get_usage().output_tokens == 15


@pytest.mark.parametrize("provider", PROVIDERS)
def test_batch_bodies_are_what_complete_sends(provider, server, make_client):
    FakeBatchAPI(server, provider, polls=0)
    stream_reply = {
        "anthropic": lambda: anthropic_replies.text_reply("hi"),
        "gemini": lambda: gemini_replies.text_reply("hi"),
    }.get(provider, lambda: openai_replies.text_reply("hi", dialect=provider))
    server.add_reply(stream_reply())
    client = make_client(provider)
    request = requests_for(provider, 1)["row-0"]
    client.complete(request)
    streamed = server.requests[-1].json
    client.batches.submit({"row-0": request})
    if provider == "anthropic":
        sent = server.requests[-1].json["requests"][0]["params"]
    elif provider == "gemini":
        sent = server.requests[-1].json["batch"]["inputConfig"]["requests"]["requests"][0]["request"]
    else:
        upload = next(r for r in server.requests if r.path.endswith("/v1/files"))
        line = next(part for part in upload.body.split(b"\r\n") if part.startswith(b'{"custom_id"'))
        sent = json.loads(line)["body"]
    expected = {k: v for k, v in streamed.items() if k not in ("stream", "stream_options")}
    assert sent == expected


def test_jobs_progress_as_they_are_polled(server, make_client):
    FakeBatchAPI(server, "openai", polls=3)
    job = make_client("openai").batches.submit(requests_for("openai", 8))
    seen = []
    for _ in range(10):
        seen.append((job.status, job.counts.done))
        if job.status.done:
            break
        job.refresh()
    assert seen == [(BatchStatus.IN_PROGRESS, 0), (BatchStatus.IN_PROGRESS, 2), (BatchStatus.IN_PROGRESS, 4),
                    (BatchStatus.IN_PROGRESS, 6), (BatchStatus.COMPLETED, 8)]


@pytest.mark.parametrize("provider", PROVIDERS)
def test_cancel_keeps_finished_results_and_reports_the_rest(provider, server, make_client):
    FakeBatchAPI(server, provider, polls=3)
    client = make_client(provider)
    job = client.batches.submit(requests_for(provider, 8))
    job.refresh()  # 2 of 8 finished
    job.cancel()
    job.wait(**FAST)
    assert job.status is BatchStatus.CANCELLED
    ok, errors = split(list(job.results()))
    assert sorted(ok) == ["row-0", "row-1"]
    assert sorted(errors) == [f"row-{i}" for i in range(2, 8)]
    assert all(isinstance(e, BatchRequestNotRunError) and e.reason == "cancelled" for e in errors.values())
    assert client.get_usage().input_tokens == 20


@pytest.mark.parametrize("provider", PROVIDERS)
def test_expired_jobs_report_what_never_ran(provider, server, make_client):
    FakeBatchAPI(server, provider, polls=1, expire=True)
    job = make_client(provider).batches.submit(requests_for(provider, 6)).wait(**FAST)
    assert job.status is BatchStatus.EXPIRED
    ok, errors = split(list(job.results()))
    assert sorted(ok) == ["row-0", "row-1", "row-2"]
    assert {e.reason for e in errors.values()} == {"expired"} and len(errors) == 3


@pytest.mark.parametrize("provider", ["openai", "gemini"])
def test_a_job_that_fails_validation(provider, server, make_client):
    fake = FakeBatchAPI(server, provider)
    fake.fail_validation = "Invalid input file"
    job = make_client(provider).batches.submit(requests_for(provider, 2)).wait(**FAST)
    assert job.status is BatchStatus.FAILED
    assert {type(r).__name__ for _, r in job.results()} == {"BatchRequestNotRunError"}


@pytest.mark.parametrize("provider", ["openrouter", "openai_compatible"])
def test_providers_without_a_batch_api(provider, server, make_client):
    client = make_client(provider)
    request = LLMRequest(model="some-model", messages=[LLMMessage.user("x")])
    for call in (lambda: client.batches.submit({"a": request}), lambda: client.batches.get("batch_1"),
                 lambda: client.batches.list()):
        with pytest.raises(UnsupportedFeatureError) as info:
            call()
        assert isinstance(info.value, InvalidRequestError)
    assert server.requests == []


def test_bad_keys_and_requests_fail_before_any_upload(server, make_client):
    FakeBatchAPI(server, "anthropic")
    client = make_client("anthropic")
    good = requests_for("anthropic", 1)["row-0"]
    with pytest.raises(InvalidRequestError, match="'row 1' is not allowed by anthropic"):
        client.batches.submit([("row-0", good), ("row 1", good)])
    with pytest.raises(InvalidRequestError, match="batch key 'bad'"):
        client.batches.submit({"ok": good, "bad": LLMRequest(model=MODELS["anthropic"], messages=[])})
    with pytest.raises(InvalidRequestError, match="at least one request"):
        client.batches.submit({})
    with pytest.raises(InvalidRequestError, match="not a \\(key, LLMRequest\\) pair"):
        client.batches.submit(["just a string"])
    assert server.requests == []


def test_bare_requests_are_named_by_position(server, make_client):
    FakeBatchAPI(server, "anthropic", polls=0)
    job = make_client("anthropic").batches.submit([requests_for("anthropic", 1)["row-0"]] * 2).wait(**FAST)
    assert sorted(k for k, _ in job.results()) == ["request-0", "request-1"]


@pytest.mark.parametrize("provider", PROVIDERS)
def test_get_and_list_from_another_client(provider, server, make_client):
    FakeBatchAPI(server, provider, polls=0)
    job = make_client(provider).batches.submit(requests_for(provider, 3))
    other = make_client(provider)
    found = other.batches.get(job.id)
    assert isinstance(found, BatchJob) and found.id == job.id
    assert [j.id for j in other.batches.list()] == [job.id]
    found.wait(**FAST)
    results = dict(found.results())
    assert sorted(results) == ["row-0", "row-1", "row-2"]
    assert all(r.cost for r in results.values())  # priced from the job's / reply's model
    assert other.get_cost() == pytest.approx(found.cost)


def test_results_read_twice_are_billed_once(server, make_client):
    FakeBatchAPI(server, "openai", polls=0)
    client = make_client("openai")
    job = client.batches.submit(requests_for("openai", 3)).wait(**FAST)
    first = [k for k, _ in job.results()]
    cost = client.get_cost()
    second = [k for k, _ in job.results()]
    assert first == second and client.get_cost() == cost == job.cost


def test_results_before_the_end_and_wait_timeout(server, make_client):
    FakeBatchAPI(server, "anthropic", polls=1000)
    job = make_client("anthropic").batches.submit(requests_for("anthropic", 2))
    with pytest.raises(InvalidRequestError, match="wait\\(\\) for it first"):
        next(job.results())
    with pytest.raises(TotalTimeoutError, match="still in_progress"):
        job.wait(poll_interval=0.005, timeout=0.05, progress=False)
    with pytest.raises(InvalidRequestError):
        job.wait(poll_interval=0)


def test_progress_bar(server, make_client, capsys):
    FakeBatchAPI(server, "openai", polls=2)
    make_client("openai").batches.submit(requests_for("openai", 4)).wait(poll_interval=0.005, timeout=20)
    err = capsys.readouterr().err
    assert "batch batch_" in err and "4/4" in err


def test_gemini_large_batches_go_through_a_file(server, make_client, monkeypatch):
    monkeypatch.setattr(_gemini, "INLINE_LIMIT", 10)
    fake = FakeBatchAPI(server, "gemini", polls=1)
    fake.fail("row-1", status=429, message="quota")
    job = make_client("gemini").batches.submit(requests_for("gemini", 3)).wait(**FAST)
    assert any(r.path.endswith("/upload/v1beta/files") for r in server.requests)
    create = next(r for r in server.requests if r.path.endswith(":batchGenerateContent"))
    assert create.json["batch"]["inputConfig"]["fileName"].startswith("files/")
    ok, errors = split(list(job.results()))
    assert sorted(ok) == ["row-0", "row-2"] and errors["row-1"].status == 429


def test_many_rows_stream_from_the_result_file(server, make_client):
    FakeBatchAPI(server, "anthropic", polls=0, chunk_size=4096)
    client = make_client("anthropic")
    n = 2000
    job = client.batches.submit(requests_for("anthropic", n)).wait(**FAST)
    count = sum(1 for _, r in job.results() if isinstance(r, LLMResponse))
    assert count == n and client.get_usage().input_tokens == 10 * n


def test_upload_errors_are_mapped_like_other_calls(server, make_client):
    server.route("/v1/files", ScriptedReply.json(401, {"error": {
        "message": "Incorrect API key provided", "type": "invalid_request_error", "code": "invalid_api_key"}}))
    with pytest.raises(AuthenticationError):
        make_client("openai").batches.submit(requests_for("openai", 1))


def test_wait_rides_out_a_failed_poll(server, make_client, caplog):
    fake_calls = {"n": 0}
    emulation: List[FakeBatchAPI] = []

    def flaky(request):
        if request.method == "GET" and "/v1/batches/" in request.path:
            fake_calls["n"] += 1
            if fake_calls["n"] == 1:
                return ScriptedReply.json(503, {"error": {"message": "busy", "type": "server_error"}})
        return emulation[0]._handle(request)

    server.route(re.compile(r"/v1/(files|batches)"), flaky)  # tried before the emulation's own route
    emulation.append(FakeBatchAPI(server, "openai", polls=1))
    client = make_client("openai")  # max_retries=0: the 503 reaches wait()
    job = client.batches.submit(requests_for("openai", 2)).wait(**FAST)
    assert job.status is BatchStatus.COMPLETED and fake_calls["n"] >= 3
    assert "polling batch" in caplog.text


def test_a_poll_that_cannot_succeed_is_raised(server, make_client):
    FakeBatchAPI(server, "anthropic", polls=5)
    job = make_client("anthropic").batches.submit(requests_for("anthropic", 1))
    job.id = "msgbatch_gone"
    with pytest.raises(LLMError) as info:
        job.wait(**FAST)
    assert info.value.status == 404


def test_user_registered_providers_have_no_batch_api(server):
    from llmsdk.providers import register_openai_compatible, unregister_provider

    register_openai_compatible("batchless_local", server.url)  # no models: the registry stays as it was
    try:
        client = LLMClient.new(HttpClientOptions(provider="batchless_local"))
        with pytest.raises(UnsupportedFeatureError, match="'batchless_local' has no batch API"):
            client.batches.submit({"a": LLMRequest(model="local-model", messages=[LLMMessage.user("x")])})
        client.close()
    finally:
        unregister_provider("batchless_local")
    assert server.requests == []


@pytest.mark.parametrize("provider", PROVIDERS)
def test_structured_output_results_are_parsed(provider, server, make_client):
    from dataclasses import dataclass

    @dataclass
    class Answer:
        value: int
        unit: str

    fake = FakeBatchAPI(server, provider, polls=0)
    fake.reply_with(lambda key, body: json.dumps({"value": int(key[-1]), "unit": "cm"}))
    requests = {k: LLMRequest(model=r.model, messages=r.messages, max_tokens=100, output_schema=Answer)
                for k, r in requests_for(provider, 2).items()}
    job = make_client(provider).batches.submit(requests)
    results = dict(job.wait(**FAST).results())
    assert results["row-1"].parsed == Answer(1, "cm") and results["row-0"].parsed == Answer(0, "cm")
