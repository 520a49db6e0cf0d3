"""Retry decisions and delays (pure)."""

import email.utils

import pytest

from llmsdk._engine.retry import parse_retry_after, retry_delay, should_retry
from llmsdk.config import RetryPolicy
from llmsdk.errors import (
    AuthenticationError, ConnectionFailedError, InvalidRequestError, ReadTimeoutError, make_status_error,
    make_stream_error,
)


def test_parse_retry_after_forms():
    assert parse_retry_after({"retry-after-ms": "1500", "retry-after": "9"}) == 1.5
    assert parse_retry_after({"retry-after": "2"}) == 2.0
    assert parse_retry_after({"retry-after": "0.25"}) == 0.25
    now = 1_700_000_000.0
    date = email.utils.formatdate(now + 7, usegmt=True)
    assert parse_retry_after({"retry-after": date}, now=now) == pytest.approx(7, abs=1)
    assert parse_retry_after({}) is None
    assert parse_retry_after({"retry-after": "soon"}) is None


@pytest.mark.parametrize("status, retry", [
    (408, True), (409, True), (429, True), (500, True), (502, True), (503, True), (504, True), (529, True),
    (400, False), (401, False), (403, False), (404, False), (402, False), (413, False),
])
def test_should_retry_statuses(status, retry):
    assert should_retry(make_status_error(status, "x")) is retry


def test_should_retry_other_cases():
    assert should_retry(ConnectionFailedError("x"))
    assert not should_retry(ReadTimeoutError("x"))  # a read may have sent tokens already
    assert not should_retry(InvalidRequestError("x"))
    assert not should_retry(AuthenticationError("x", status=401))
    assert not should_retry(make_status_error(429, "quota", error_type="insufficient_quota"))
    assert should_retry(make_stream_error("x", error_type="overloaded_error"))
    err = make_status_error(400, "x")
    err.should_retry = True  # x-should-retry: true wins
    assert should_retry(err)
    err = make_status_error(500, "x")
    err.should_retry = False
    assert not should_retry(err)


def test_retry_delay_honours_retry_after_with_cap():
    policy = RetryPolicy()
    assert retry_delay(make_status_error(429, "x", retry_after=3), 0, policy) == 3
    assert retry_delay(make_status_error(429, "x", retry_after=600), 0, policy) == 60


def test_backoff_grows_with_jitter_and_cap():
    policy = RetryPolicy(initial_delay=0.5, max_delay=8.0)
    err = make_status_error(500, "x")
    for n, high in [(0, 0.5), (1, 1.0), (2, 2.0), (5, 8.0), (10, 8.0)]:
        delay = retry_delay(err, n, policy)
        assert 0.75 * high <= delay <= high
