"""What a live run calls, on which models, what it may cost, and when it is skipped.

Pure (no network, no keys), so ``tests/live/test_plan.py`` checks it in every run: the
models are in the catalog with the capabilities the tests use, and a whole live run
costs well under one US cent per provider at catalog prices.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Dict, Mapping, Optional, Tuple

from llmsdk import ThinkingOptions, Usage
from llmsdk.models import cost_of
from llmsdk.providers import get_provider


@dataclass(frozen=True)
class LiveProvider:
    """One provider of the live tier. ``model`` is its cheapest catalog model that calls
    tools and answers in words within a small ``max_tokens`` (a reasoning model can spend
    a small budget on thoughts and return no text); ``structured_model`` the cheapest
    that also does JSON-schema output (``structured_thinking`` for one that always reasons:
    low effort keeps its thoughts within the budget)."""

    name: str
    model: str
    structured_model: str
    structured_thinking: Optional[ThinkingOptions] = None

    @property
    def env_var(self) -> str:
        return get_provider(self.name).env_var() or ""


PROVIDERS: Tuple[LiveProvider, ...] = (
    # claude-3-5-haiku is cheaper in the catalog but retired (deprecation_date 2025-10-01).
    LiveProvider("anthropic", "claude-haiku-4-5", "claude-haiku-4-5"),
    # gpt-5-nano costs about the same but reasons: 16 output tokens can all go to thoughts.
    # gpt-4.1-nano was shut down on 2026-10-23; gpt-4.1-mini is offered until 2027-01-14.
    LiveProvider("openai", "gpt-4.1-mini", "gpt-4.1-mini"),
    # gemini-2.0-flash costs the same but is deprecated (2026-06-01); 2.5 Flash-Lite thinks only when asked.
    LiveProvider("gemini", "gemini-2.5-flash-lite", "gemini-2.5-flash-lite"),
    # llama-3.1-8b-instant has no JSON-schema mode on Groq: structured output goes to Llama 4 Scout.
    LiveProvider("groq", "llama-3.1-8b-instant", "meta-llama/llama-4-scout-17b-16e-instruct"),
    # deepseek-chat is cheaper but has no tools there; of those with JSON-schema mode, gpt-oss-120b is cheapest.
    LiveProvider("openrouter", "deepseek/deepseek-v3.2", "openai/gpt-oss-120b",
                 structured_thinking=ThinkingOptions(effort="low", include_thoughts=False)),
)

#: Per live test: (input tokens, output tokens) it may use at most over all its calls. The
#: tests pass these ``max_tokens`` and check their usage against them; the input bounds
#: include the provider's own overhead (Anthropic adds ~350 tokens of system prompt when
#: tools are offered).
BUDGET: Mapping[str, Tuple[int, int]] = {
    "complete": (80, 16),
    "stream": (80, 16),
    "tool_round_trip": (1200, 2 * 64),  # two rounds: the call, then the answer
    "count_tokens": (300, 8),  # one call on a ~200-token prompt, to compare the count with
    "structured_output": (600, 200),
    "bad_key": (0, 0),  # refused before any token is billed
}

#: Which tests use the structured-output model instead of ``model``.
STRUCTURED_TESTS = frozenset({"structured_output"})


def live_selected(markexpr: str) -> bool:
    """Whether ``-m`` asks for the live tier (``live``, ``live and not slow``), rather
    than merely letting it through (no ``-m``, or ``-m "not slow"``)."""
    without_negations = re.sub(r"\bnot\s+live\b", "", markexpr)
    return re.search(r"\blive\b", without_negations) is not None


def skip_reason(provider: LiveProvider, environ: Mapping[str, str], markexpr: str) -> Optional[str]:
    """Why ``provider``'s live tests do not run (one line), or None when they do."""
    key_set = bool(environ.get(provider.env_var, "").strip())
    if not live_selected(markexpr):
        if key_set:
            return f"live {provider.name} tests call the real API: run them with `pytest -m live`"
        return f"{provider.env_var} is not set: live {provider.name} tests skipped (`pytest -m live` runs them)"
    if not key_set:
        return f"{provider.env_var} is not set: live {provider.name} tests skipped"
    return None


def estimated_cost(provider: LiveProvider) -> Dict[str, float]:
    """USD per live test at catalog prices, if every test used its whole budget."""
    costs = {}
    for test, (input_tokens, output_tokens) in BUDGET.items():
        model = provider.structured_model if test in STRUCTURED_TESTS else provider.model
        cost = cost_of(model, provider.name, Usage(input_tokens=input_tokens, output_tokens=output_tokens))
        if cost is None:
            raise LookupError(f"{provider.name}/{model} is not priced in the catalog")
        costs[test] = cost
    return costs
