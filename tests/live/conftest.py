"""The live tier's marks, skips and fixtures. A test that takes the ``live`` fixture is
marked ``live`` here; it runs only under ``-m live`` with its provider's key set, and is
otherwise skipped with its provider's one-line reason (``plan.skip_reason``).

Both marks are added at collection, not written on the tests: pytest folds skips that
share a reason into one summary line only for tests with no marks of their own (no
``@pytest.mark`` decorator, no module ``pytestmark``), so each provider gets one line.
"""

from __future__ import annotations

import os
from typing import Any, Iterator, List, Optional

import pytest

from llmsdk import HttpClientOptions, LLMClient, Timeouts

from .plan import PROVIDERS, LiveProvider, skip_reason


def provider_of(item: Any) -> Optional[LiveProvider]:
    """The provider a collected test runs against, if it takes the ``live`` fixture."""
    provider = getattr(getattr(item, "callspec", None), "params", {}).get("live")
    return provider if isinstance(provider, LiveProvider) else None


@pytest.hookimpl(tryfirst=True)  # before ``-m`` deselects by mark
def pytest_collection_modifyitems(config: pytest.Config, items: List[pytest.Item]) -> None:
    markexpr = config.getoption("markexpr") or ""
    for item in items:
        provider = provider_of(item)
        if provider is None:
            continue
        item.add_marker(pytest.mark.live)
        reason = skip_reason(provider, os.environ, markexpr)
        if reason:  # a mark, not pytest.skip() in the fixture: pytest reports those one line per test
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(params=PROVIDERS, ids=[p.name for p in PROVIDERS])
def live(request: pytest.FixtureRequest) -> LiveProvider:
    """The provider under test; taking this fixture makes a test live."""
    provider: LiveProvider = request.param
    return provider


@pytest.fixture
def client(live: LiveProvider) -> Iterator[LLMClient]:
    """A client from the provider's environment variable, with a few retries (a live
    429 or 529 is not what these tests are about)."""
    options = HttpClientOptions.from_env(live.name, timeouts=Timeouts(connect=10, read=60), max_retries=3)
    with LLMClient(options) as client:
        yield client
