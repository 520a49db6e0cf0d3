"""A batch create is never repeated blindly: a 502 after the body was received (the job
started, its reply lost) adopts the job the list shows; a refusal before any job (429)
is retried; the same idempotency key given again finds the job instead of a second one."""

from __future__ import annotations

from typing import Any, Dict

import pytest

from llmsdk import BatchStatus, LLMMessage, LLMRequest
from llmsdk.errors import ServerError
from llmsdk.testing.batches import FakeBatchAPI

MODELS = {"openai": "gpt-4o-mini", "groq": "llama-3.3-70b-versatile", "anthropic": "claude-haiku-4-5",
          "gemini": "gemini-2.5-flash"}
PROVIDERS = list(MODELS)
FAST = dict(poll_interval=0.005, timeout=20, progress=False)
CREATE = {"openai": "/v1/batches", "groq": "/v1/batches", "anthropic": "/v1/messages/batches",
          "gemini": ":batchGenerateContent"}


def requests_for(provider: str, n: int = 3) -> Dict[str, LLMRequest]:
    return {f"row-{i}": LLMRequest(model=MODELS[provider], messages=[LLMMessage.user(f"Question {i}")],
                                   max_tokens=50) for i in range(n)}


def creates(server: Any, provider: str) -> int:
    return sum(1 for r in server.requests if r.method == "POST" and r.path.endswith(CREATE[provider]))


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_502_after_the_create_body_adopts_the_job_it_started(provider, server, make_client):
    fake = FakeBatchAPI(server, provider, polls=1)
    fake.lose_create_replies = 1
    client = make_client(provider, max_retries=3)

    job = client.batches.submit(requests_for(provider))

    assert len(fake.jobs) == 1 and job.id in fake.jobs  # the old code sent the create again: 2 jobs
    assert creates(server, provider) == 1
    assert job.wait(**FAST).status is BatchStatus.COMPLETED
    assert sorted(key for key, _ in job.results()) == ["row-0", "row-1", "row-2"]


@pytest.mark.parametrize("provider", ["openai", "anthropic"])
def test_a_refused_create_is_tried_again(provider, server, make_client):
    fake = FakeBatchAPI(server, provider, polls=1)
    fake.refuse_creates = 1
    client = make_client(provider, max_retries=2)

    job = client.batches.submit(requests_for(provider))

    assert list(fake.jobs) == [job.id] and creates(server, provider) == 2


def test_without_retries_a_lost_reply_still_finds_its_job_or_raises(server, make_client):
    fake = FakeBatchAPI(server, "gemini", polls=1)
    fake.lose_create_replies = 1
    client = make_client("gemini", max_retries=0)

    job = client.batches.submit(requests_for("gemini"))  # adopted: found, not created again
    assert list(fake.jobs) == [job.id]


@pytest.mark.parametrize("provider", PROVIDERS)
def test_the_same_idempotency_key_finds_the_job_instead_of_a_second_one(provider, server, make_client):
    fake = FakeBatchAPI(server, provider, polls=1)
    client = make_client(provider)
    from llmsdk.batches._idempotent import new_token

    key = new_token()
    first = client.batches.submit(requests_for(provider), idempotency_key=key)
    again = client.batches.submit(requests_for(provider), idempotency_key=key)

    assert again.id == first.id and len(fake.jobs) == 1
    other = client.batches.submit(requests_for(provider))
    assert other.id != first.id and len(fake.jobs) == 2


def test_a_job_list_that_fails_after_a_lost_reply_raises_rather_than_risk_a_second_job(server, make_client):
    fake = FakeBatchAPI(server, "openai", polls=1)
    fake.lose_create_replies = 1
    fake.fail_lists = 10  # more than the listing's own retries
    client = make_client("openai", max_retries=1)

    with pytest.raises(ServerError):
        client.batches.submit(requests_for("openai"))
    assert len(fake.jobs) == 1 and creates(server, "openai") == 1
