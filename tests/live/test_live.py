"""The live tier: each provider's real API, on its cheapest model, with small
``max_tokens``. Opt-in: ``pytest -m live`` with the provider's key set. A test that takes
the ``live`` fixture is a live test: ``conftest.py`` marks it ``live`` and skips it
otherwise, with one summary line per provider. ``plan.py`` holds the models and
the token budget each test keeps to; a whole run costs well under a US cent a provider.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import List

import pytest

from llmsdk import HttpClientOptions, LLMClient, LLMEvent, LLMMessage, LLMRequest, StopReason, Timeouts, Usage
from llmsdk.errors import AuthenticationError
from llmsdk.models import cost_of

from .plan import BUDGET, LiveProvider

BAD_KEY = "llmsdk-live-test-not-a-real-key-0123456789"
#: ~200 tokens for any tokenizer: enough text that a count and an estimate can be compared.
LONG_PROMPT = "Summarise in three words: " + "The quick brown fox jumps over the lazy dog. " * 20


def within_budget(client: LLMClient, test: str) -> Usage:
    """The client's usage over the test, checked against its budget in ``plan.BUDGET``."""
    usage = client.get_usage()
    max_input, max_output = BUDGET[test]
    spent_input = usage.input_tokens + usage.cache_reads + usage.cache_writes
    assert spent_input <= max_input and usage.output_tokens <= max_output, (
        f"{test} used {usage}; plan.BUDGET allows {max_input} in / {max_output} out "
        "(raise it, and the README's cost estimate, if the provider's overhead grew)")
    return usage


def test_complete(live: LiveProvider, client: LLMClient) -> None:
    response = client.complete(LLMRequest(model=live.model, messages=[LLMMessage.user(
        "Reply with the single word: pong")], max_tokens=16, temperature=0))

    assert "pong" in response.text.lower()
    assert response.stop_reason in (StopReason.END_TURN, StopReason.MAX_TOKENS)
    usage = within_budget(client, "complete")
    assert response.usage == usage and usage.input_tokens > 0 and 0 < usage.output_tokens <= 16
    # Cost: priced (the catalog's, or the provider's own for OpenRouter), tiny, and what the client totals.
    assert response.cost is not None and 0 < response.cost < 0.0005
    assert client.get_cost() == pytest.approx(response.cost)
    expected = cost_of(live.model, live.name, response.usage)
    assert expected is not None and response.cost == pytest.approx(expected, rel=0.5)


def test_stream(live: LiveProvider, client: LLMClient) -> None:
    request = LLMRequest(model=live.model, messages=[LLMMessage.user(
        "Count from 1 to 5, digits separated by spaces, nothing else.")], max_tokens=16, temperature=0)

    with client.send(request) as stream:
        events = list(stream)
        response = stream.final_response()

    deltas = [e.content.text for e in events if isinstance(e, LLMEvent.PartialContent) and hasattr(e.content, "text")]
    assert "".join(deltas) == response.text and "3" in response.text
    assert isinstance(events[-1], LLMEvent.Stop) and events[-1].usage == response.usage
    usage = within_budget(client, "stream")
    assert usage.input_tokens > 0 and usage.output_tokens > 0


def test_tool_round_trip(live: LiveProvider, client: LLMClient) -> None:
    asked: List[str] = []

    def get_weather(city: str) -> str:
        """The weather right now in a city."""
        asked.append(city)
        return f"21 degrees Celsius and sunny in {city}"

    result = client.run_tools(LLMRequest(model=live.model, messages=[LLMMessage.user(
        "What is the weather in Paris? Use the tool, then answer in one short sentence.")],
        max_tokens=64, temperature=0, tool_choice="any"), [get_weather], max_rounds=2)

    assert asked and "paris" in asked[0].lower()
    assert result.finished and result.rounds == 2
    assert "21" in result.text or "sunny" in result.text.lower()
    assert result.usage == within_budget(client, "tool_round_trip")
    assert result.cost is not None and result.cost == pytest.approx(client.get_cost())


def test_count_tokens(live: LiveProvider, client: LLMClient) -> None:
    request = LLMRequest(model=live.model, messages=[LLMMessage.user(LONG_PROMPT)], max_tokens=8, temperature=0)

    counted = client.count_tokens(request)
    billed = client.complete(request).usage

    actual = billed.input_tokens + billed.cache_reads + billed.cache_writes
    assert 0.5 * actual <= counted <= 2 * actual, (counted, billed)  # a count or an estimate, not nonsense
    within_budget(client, "count_tokens")


def test_bad_key_is_an_authentication_error(live: LiveProvider, client: LLMClient) -> None:
    options = HttpClientOptions.for_provider(live.name, BAD_KEY, client.get_config().api_base,
                                             timeouts=Timeouts(connect=10, read=30))
    with LLMClient(options) as bad:
        with pytest.raises(AuthenticationError) as caught:
            bad.complete(LLMRequest(model=live.model, messages=[LLMMessage.user("hi")], max_tokens=1))
        assert BAD_KEY not in str(caught.value) and BAD_KEY not in repr(caught.value)
        assert bad.get_usage() == Usage()


@dataclass
class Capital:
    city: str
    country: str


def test_structured_output(live: LiveProvider, client: LLMClient) -> None:
    request = LLMRequest(model=live.structured_model, messages=[LLMMessage.user(
        "What is the capital of France?")], max_tokens=200, thinking=live.structured_thinking,
        output_schema=Capital)

    response = client.complete(request)

    parsed = response.parsed
    assert isinstance(parsed, Capital), response.text
    assert parsed.city.lower() == "paris" and "france" in parsed.country.lower()
    within_budget(client, "structured_output")
