"""Budgets: a call whose worst case would pass the cap is refused before any HTTP; spend,
settled from the provider's reported usage, never passes the cap — in one client, in a
``map`` run (rows past the cap are error rows, none lost) and across processes on Redis."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from llmsdk import Budget, HttpClientOptions, LLMClient, LLMMessage, LLMRequest, Usage, get_model
from llmsdk.errors import BadRequestError, BudgetExceededError, InvalidConfigError
from llmsdk.testing import FakeProviderServer, anthropic

REPO = Path(__file__).resolve().parents[2]
MODEL = "claude-haiku-4-5"
#: What one scripted reply bills: 6 input tokens (about what "Question 7" is) and 15 output
#: tokens, within each call's worst case (an input estimate + max_tokens=20).
BILLED = get_model(MODEL).calculate_cost(Usage(input_tokens=6, output_tokens=15))


def _reply() -> Any:
    return anthropic.text_reply("ok", input_tokens=6, output_tokens=15)


def _request(i: int = 0) -> LLMRequest:
    return LLMRequest(model=MODEL, messages=[LLMMessage.user(f"Question {i}")], max_tokens=20)


def _client(server: FakeProviderServer, **kwargs: Any) -> LLMClient:
    return LLMClient.new(HttpClientOptions.new_anthropic("test-key", api_base=server.url), **kwargs)


def test_a_call_that_would_pass_the_cap_is_refused_before_http() -> None:
    budget = Budget(max_cost=BILLED * 3.2)
    with FakeProviderServer(default_reply=_reply()) as server:
        client = _client(server, budget=budget)
        answered = 0
        with pytest.raises(BudgetExceededError, match="budget exceeded"):
            for i in range(20):
                client.complete(_request(i))
                answered += 1
    assert len(server.requests) == answered  # the refused call sent nothing
    assert 1 <= answered <= 3
    assert budget.spent_cost == pytest.approx(BILLED * answered)
    assert budget.spent_cost <= budget.max_cost
    assert client.get_cost() == pytest.approx(budget.spent_cost)


def test_token_caps_count_input_and_output() -> None:
    budget = Budget(max_tokens=200)
    with FakeProviderServer(default_reply=_reply()) as server:
        client = _client(server, budget=budget)
        client.complete(_request())
        assert budget.spent_tokens == 21
        with pytest.raises(BudgetExceededError, match="tokens"):
            client.complete(LLMRequest(model=MODEL, messages=[LLMMessage.user("x")], max_tokens=500))
    assert len(server.requests) == 1


def test_map_rows_past_the_cap_are_error_rows() -> None:
    budget = Budget(max_cost=BILLED * 4.5)
    with FakeProviderServer(default_reply=_reply()) as server:
        client = _client(server)
        results = client.map([(f"k{i}", _request(i)) for i in range(12)], concurrency=1, progress=False,
                             budget=budget)
    assert [r.key for r in results] == [f"k{i}" for i in range(12)]  # none lost
    answered = [r for r in results if r.ok]
    refused = [r for r in results if isinstance(r.error, BudgetExceededError)]
    assert len(answered) + len(refused) == 12 and len(answered) == len(server.requests)
    assert budget.spent_cost <= budget.max_cost
    assert client.get_cost() == pytest.approx(BILLED * len(answered))


def test_a_failed_call_returns_its_reservation() -> None:
    budget = Budget(max_cost=BILLED * 2.5)
    with FakeProviderServer() as server:
        server.add_reply(anthropic.error_reply(400, "bad"), _reply(), _reply())
        client = _client(server, budget=budget)
        with pytest.raises(BadRequestError):
            client.complete(_request())
        client.complete(_request())
    assert budget.spent_cost == pytest.approx(BILLED)


def test_two_processes_share_one_budget_on_redis(redis_url: str) -> None:
    cap = BILLED * 6.5
    with FakeProviderServer(default_reply=_reply()) as server:
        child = textwrap.dedent(f"""
            from llmsdk import Budget, HttpClientOptions, LLMClient, LLMMessage, LLMRequest
            from llmsdk.errors import BudgetExceededError
            budget = Budget(max_cost={cap!r}, redis_url={redis_url!r}, key="shared-test")
            client = LLMClient.new(HttpClientOptions.new_anthropic("k", api_base={server.url!r}), budget=budget)
            done = 0
            try:
                for i in range(50):
                    client.complete(LLMRequest(model="{MODEL}", messages=[LLMMessage.user(str(i))], max_tokens=20))
                    done += 1
            except BudgetExceededError:
                pass
            print(done)
        """)
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        procs = [subprocess.Popen([sys.executable, "-c", child], stdout=subprocess.PIPE, text=True, env=env)
                 for _ in range(2)]
        counts = [int(p.communicate(timeout=120)[0].strip()) for p in procs]
    billed = BILLED * len(server.requests)
    assert sum(counts) == len(server.requests) >= 2
    assert billed <= cap
    shared = Budget(max_cost=cap, redis_url=redis_url, key="shared-test")
    assert shared.spent_cost == pytest.approx(billed)


def test_bad_budgets_are_typed() -> None:
    with pytest.raises(InvalidConfigError):
        Budget(max_cost=-1)
    with pytest.raises(InvalidConfigError):
        Budget(max_tokens=1.5)  # type: ignore[arg-type]
    with pytest.raises(InvalidConfigError, match="key="):
        Budget(max_cost=1, redis_url="redis://localhost")


def test_the_error_names_the_limit_that_was_passed() -> None:
    budget = Budget(max_cost=5.0, max_tokens=100)
    budget.settle(budget.reserve(0.001, 90), 0.001, 90)  # 90 tokens spent, $0.001 of $5
    with pytest.raises(BudgetExceededError, match="could use up to 20 tokens; 90 used"):
        budget.reserve(0.001, 20)
    with pytest.raises(BudgetExceededError, match=r"could cost up to \$6"):
        Budget(max_cost=5.0, max_tokens=100).reserve(6.0, 1)


def test_every_turn_of_a_tool_loop_counts() -> None:
    budget = Budget(max_cost=BILLED * 10)
    with FakeProviderServer() as server:
        server.add_reply(anthropic.tool_use_reply("lookup", {"q": "x"}, input_tokens=6, output_tokens=15), _reply())
        client = _client(server, budget=budget)

        def lookup(q: str) -> str:
            """Look something up."""
            return "found"

        client.run_tools(_request(), [lookup])
    assert len(server.requests) == 2
    assert budget.spent_cost == pytest.approx(BILLED * 2) == pytest.approx(client.get_cost())
