"""The ``llmsdk`` logger: retries at WARNING with the wait, request ids and timings at
DEBUG, and never the API key."""

from __future__ import annotations

import logging
import re
from dataclasses import replace
from typing import Any, Iterable, Iterator, List

import pytest

from llmsdk import LLMClient
from llmsdk.errors import AuthenticationError
from llmsdk.testing import FakeProviderServer
from llmsdk.testing import anthropic as A

from .conftest import TEST_KEY, simple_request


class Records:
    """The call phase's records, read when used (caplog keeps one list per phase)."""

    def __init__(self, caplog: pytest.LogCaptureFixture) -> None:
        self._caplog = caplog

    def __iter__(self) -> Iterator[logging.LogRecord]:
        return iter(list(self._caplog.records))

    def __bool__(self) -> bool:
        return bool(self._caplog.records)


@pytest.fixture
def records(caplog: pytest.LogCaptureFixture) -> Records:
    caplog.set_level(logging.DEBUG, logger="llmsdk")
    return Records(caplog)


def messages(records: Iterable[logging.LogRecord], level: int) -> List[str]:
    return [r.getMessage() for r in records if r.levelno == level and r.name.startswith("llmsdk")]


def test_http_retry_is_a_warning_with_the_wait(records: Any, server: FakeProviderServer, anthropic_client: Any) -> None:
    server.add_reply(A.error_reply(429, "rate_limit_error", "slow down", headers={"retry-after": "0"}))
    server.add_reply(A.text_reply("ok"))

    assert anthropic_client(max_retries=2).complete(simple_request()).text == "ok"

    warnings = messages(records, logging.WARNING)
    assert len(warnings) == 1
    assert "RateLimitError" in warnings[0] and "retry 1/2" in warnings[0]
    assert re.search(r"in \d+\.\d\ds", warnings[0])  # the wait


def test_stream_retry_is_a_warning_with_the_wait(records: Any, server: FakeProviderServer,
                                                 anthropic_client: Any) -> None:
    server.add_reply(A.stream_error_reply("overloaded_error", "Overloaded"))
    server.add_reply(A.text_reply("ok"))
    opts = anthropic_client(max_retries=1).get_config()
    fast = replace(opts, retry_policy=replace(opts.retry, initial_delay=0.01))

    with LLMClient(fast) as quick:
        assert quick.complete(simple_request()).text == "ok"

    warnings = messages(records, logging.WARNING)
    assert any("stream error before any content" in w and re.search(r"in \d+\.\d\ds", w) for w in warnings)


def test_request_id_and_timing_at_debug(records: Any, server: FakeProviderServer, anthropic_client: Any) -> None:
    server.add_reply(A.text_reply("ok", headers={"request-id": "req_0123abc"}))

    anthropic_client().complete(simple_request())

    debug = messages(records, logging.DEBUG)
    line = next(m for m in debug if "req_0123abc" in m)
    assert "/v1/messages" in line and "200" in line and re.search(r"\d+\.\d ms", line)
    assert not messages(records, logging.WARNING)


def test_the_key_is_never_logged(records: Any, server: FakeProviderServer, anthropic_client: Any) -> None:
    server.add_reply(A.error_reply(529, "overloaded_error", "Overloaded", headers={"retry-after": "0"}))
    server.add_reply(A.text_reply("ok", headers={"request-id": "req_1"}))
    server.add_reply(A.error_reply(401, "authentication_error", f"invalid x-api-key {TEST_KEY}"))
    client = anthropic_client(max_retries=1)

    client.complete(simple_request())
    with pytest.raises(AuthenticationError) as info:
        client.complete(simple_request())

    assert records, "expected some log records"
    for record in records:
        text = record.getMessage() + repr(record.args) + (str(record.exc_info) if record.exc_info else "")
        assert TEST_KEY not in text
    assert TEST_KEY not in str(info.value)


def test_every_logger_is_under_llmsdk(records: Any, server: FakeProviderServer, anthropic_client: Any) -> None:
    server.add_reply(A.text_reply("ok"))
    anthropic_client().complete(simple_request())
    assert records and all(r.name == "llmsdk" or r.name.startswith("llmsdk.") for r in records)
