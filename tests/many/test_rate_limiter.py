"""Rate limiters: the bucket rules (pure, on a fake clock), reset headers, and the same
behaviour from ``RateLimiter`` and ``RedisRateLimiter`` (a real redis-server)."""

from __future__ import annotations

import pickle
import threading
import time
import uuid
from typing import Callable, List

import pytest

from llmsdk import (
    DocumentContent, ImageContent, LLMMessage, LLMRequest, RateLimiter, RateLimitInfo, RedisRateLimiter, TextContent,
)
from llmsdk._core.rate_limit_headers import exhausted_for, reset_seconds
from llmsdk._many.rate_limiter import (
    DEFAULT_OUTPUT_ESTIMATE, PROBE_POLL, STRIKE_DECAY, BaseRateLimiter, Cost, _Bucket, request_cost, request_costs,
)
from llmsdk.errors import ConnectionFailedError, InvalidConfigError
from llmsdk.testing import FakeProviderServer

from ..conftest import wait_until, waiting
from .echo import Echo, ask, echo_client

# -- reset headers ------------------------------------------------------------------------


@pytest.mark.parametrize("value, seconds", [
    ("1s", 1.0), ("6m0s", 360.0), ("12ms", 0.012), ("2m59.56s", 179.56), ("7.66s", 7.66), ("1h2m3s", 3723.0),
    ("0.5", 0.5), ("30", 30.0), ("2024-01-01T00:00:30Z", 30.0), ("2024-01-01T00:00:30+00:00", 30.0),
    ("2023-12-31T23:59:00Z", 0.0), ("soon", None), ("", None), (None, None), ("2024-01-01T00:00:30", None),
])
def test_reset_values_of_every_provider(value: str, seconds: float) -> None:
    now = 1704067200.0  # 2024-01-01T00:00:00Z
    assert reset_seconds(value, now=now) == (pytest.approx(seconds) if seconds is not None else None)


def test_only_a_spent_quota_asks_for_a_pause() -> None:
    assert exhausted_for(None) is None
    assert exhausted_for(RateLimitInfo(requests_remaining=3, requests_reset="1s")) is None
    assert exhausted_for(RateLimitInfo(requests_remaining=0, requests_reset="1s", tokens_remaining=0,
                                       tokens_reset="6m0s")) == 360.0
    assert exhausted_for(RateLimitInfo(tokens_remaining=0, tokens_reset="20ms")) == pytest.approx(0.02)
    assert exhausted_for(RateLimitInfo(requests_remaining=0)) is None  # no reset: nothing to go on


def test_a_request_is_priced_by_max_tokens_and_its_input() -> None:
    assert request_cost(ask("x" * 400, max_tokens=100)) == 100 + 100 + 4
    assert request_cost(ask("hi")) == DEFAULT_OUTPUT_ESTIMATE + 5
    assert request_costs(ask("x" * 400, max_tokens=100)) == Cost(104, 100)


def test_documents_images_and_output_schemas_are_priced() -> None:
    pdf = b"%PDF-1.7\n" + b"".join(b"<< /Type /Page /Parent 2 0 R >>\n" + b"x" * 100_000 for _ in range(30))
    pdf += b"<< /Type /Pages /Count 30 >>\n"
    summarise = LLMRequest(model="m", max_tokens=100, messages=[LLMMessage(role="user", content=[
        DocumentContent.from_bytes(pdf, "application/pdf"), TextContent("Summarise.")])])
    assert request_costs(summarise).input >= 30 * 1500  # a 3 MB PDF is not priced like "Summarise."
    scan = LLMRequest(model="m", messages=[LLMMessage(role="user", content=[
        ImageContent(data="aGk=", media_type="image/png")])])
    assert request_costs(scan).input >= 1000
    schema = {"type": "object", "properties": {f"field_{i}": {"type": "string", "description": "d" * 40}
                                               for i in range(20)}}
    assert request_costs(ask("hi", output_schema=schema)).input > request_costs(ask("hi")).input + 200


# -- the bucket rules, on a fake clock ---------------------------------------------------------


C0 = Cost(0, 0)


def window_max(times: List[float], width: float = 1.0) -> int:
    """The most events in any window of ``width`` seconds (closed at both ends)."""
    times = sorted(times)
    best = start = 0
    for end, t in enumerate(times):
        while times[start] < t - width:
            start += 1
        best = max(best, end - start + 1)
    return best


def test_requests_go_evenly_spaced_with_nothing_saved_up() -> None:
    bucket = _Bucket(requests_per_minute=120, tokens_per_minute=None, now=0.0)  # 2/s
    assert bucket.take(C0, "a", 0.0) == (0.0, False)
    assert bucket.take(C0, "a", 0.0)[0] == pytest.approx(0.5)
    assert bucket.take(C0, "a", 0.5) == (0.0, False)
    assert bucket.take(C0, "a", 10.0) == (0.0, False)  # idle for long: still no burst
    assert bucket.take(C0, "a", 10.0)[0] == pytest.approx(0.5)


def test_any_one_second_window_holds_at_most_the_share_plus_one() -> None:
    """Greedy callers at 600/min on a fake clock: 10/s in every sliding one-second window
    (the old bucket let 20 through in the first second)."""
    bucket = _Bucket(requests_per_minute=600, tokens_per_minute=60_000, now=0.0)
    now, admitted, tokens = 0.0, [], []
    while now < 5.0:
        wait, _ = bucket.take(Cost(30, 20), "a", now)
        if wait <= 0:
            admitted.append(now)
            tokens.append((now, 50))
            continue
        now += wait
    assert window_max(admitted) <= 10 + 1
    assert max(sum(n for t, n in tokens if start <= t <= start + 1) for start, _ in tokens) <= 1000 + 50


def test_a_large_call_waits_for_earlier_debts_not_its_size_and_settle_corrects() -> None:
    bucket = _Bucket(None, tokens_per_minute=6000, now=0.0)  # 100 tokens/s
    assert bucket.take(Cost(200, 50), "a", 0.0) == (0.0, False)
    wait, _ = bucket.take(Cost(5000, 0), "big", 0.0)
    assert wait == pytest.approx(2.5)  # the first call's 250 tokens, not its own 5000
    bucket.settle(Cost(200, 50), Cost(30, 20))  # the first call used 50 of its 250
    assert bucket.take(Cost(5000, 0), "big", 0.5) == (0.0, False)
    assert bucket.take(Cost(1, 0), "small", 0.5)[0] == pytest.approx(50.0)  # the big one's debt


def test_input_and_output_tokens_are_limited_apart() -> None:
    bucket = _Bucket(None, None, 0.0, input_tokens_per_minute=6000, output_tokens_per_minute=600)
    assert bucket.take(Cost(100, 20), "a", 0.0) == (0.0, False)
    assert bucket.take(Cost(100, 20), "b", 0.0)[0] == pytest.approx(2.0)  # output: 20 at 10/s


def test_a_pause_then_one_probe_then_everyone() -> None:
    bucket = _Bucket(None, None, now=0.0)
    bucket.pause(2.0, probe=True, jitter=1.0, now=0.0)
    assert bucket.take(C0, "a", 1.0)[0] == pytest.approx(1.0)
    assert bucket.take(C0, "a", 2.0) == (0.0, True)  # the probe
    wait, probe = bucket.take(C0, "b", 2.1)
    assert wait == pytest.approx(PROBE_POLL) and not probe
    bucket.admitted("b", ok=True)  # not the probe's owner: nothing changes
    assert bucket.take(C0, "b", 2.1)[0] > 0
    bucket.admitted("a", ok=True)
    assert bucket.take(C0, "b", 2.1) == (0.0, False) and not bucket.probing


def test_a_refused_probe_hands_over_and_backoff_grows_without_retry_after() -> None:
    bucket = _Bucket(None, None, now=0.0)
    bucket.pause(None, probe=True, jitter=1.0, now=0.0)
    assert bucket.paused == 1.0
    assert bucket.take(C0, "a", 1.0) == (0.0, True)
    bucket.pause(None, probe=True, jitter=1.0, now=1.0)  # the probe got another 429
    assert bucket.paused == 3.0
    bucket.pause(None, probe=True, jitter=1.0, now=1.5)  # a late 429 during the pause: same strike
    assert bucket.paused == 3.5 and bucket.strikes == 2
    assert bucket.take(C0, "b", 3.5) == (0.0, True)
    bucket.admitted("b", ok=False)  # refused for another reason: the next caller probes
    assert bucket.take(C0, "c", 3.5) == (0.0, True)
    bucket.admitted("c", ok=True)
    assert bucket.strikes == 0 and not bucket.probing


def test_a_header_pause_needs_no_probe_and_adds_no_strike() -> None:
    bucket = _Bucket(None, None, now=0.0)
    for at in (0.0, 1.0, 2.0):
        bucket.pause(0.5, probe=False, jitter=1.0, now=at)
    assert bucket.strikes == 0
    assert bucket.take(C0, "a", 2.5) == (0.0, False)
    assert bucket.take(C0, "b", 2.5) == (0.0, False)
    bucket.pause(None, probe=True, jitter=1.0, now=3.0)  # the next 429 without Retry-After: 1 s, not 48-60
    assert bucket.paused == 4.0


def test_strikes_decay() -> None:
    bucket = _Bucket(None, None, now=0.0)
    for at in (0.0, 1.5, 4.0, 9.0):  # each 429 after the last pause ended: 1, 2, 4, 8 s
        bucket.pause(None, probe=True, jitter=1.0, now=at)
    assert bucket.strikes == 4 and bucket.paused == 17.0
    bucket.pause(None, probe=True, jitter=1.0, now=17.0 + STRIKE_DECAY + 1)  # a quiet minute later
    assert bucket.strikes == 1 and bucket.paused == pytest.approx(17.0 + STRIKE_DECAY + 2)


# -- the same behaviour from both limiters --------------------------------------------------


@pytest.fixture(params=["local", "redis"])
def make_limiter(request: pytest.FixtureRequest) -> Callable[..., BaseRateLimiter]:
    if request.param == "local":
        return RateLimiter
    url = request.getfixturevalue("redis_url")
    key = f"test-{uuid.uuid4().hex[:8]}"
    return lambda *args, **kwargs: RedisRateLimiter(url, key, *args, **kwargs)


def test_acquire_paces_requests(make_limiter: Callable[..., BaseRateLimiter]) -> None:
    started = time.monotonic()
    limiter = make_limiter(requests_per_minute=1200)  # 20/s, holds 20
    permits = [limiter.acquire(0) for _ in range(30)]
    # The 10 beyond the full bucket need half a second of refill: a floor load cannot break.
    assert time.monotonic() - started >= 10 / 20 * 0.9
    assert [p.probe for p in permits if p is not None] == [False] * 30  # no pause, so no probe


def test_only_the_probe_goes_until_its_headers_are_ok(make_limiter: Callable[..., BaseRateLimiter]) -> None:
    limiter = make_limiter()
    limiter.pause(0.2)
    probe = limiter.acquire(0)  # returns once the pause is over
    assert probe is not None and probe.probe
    others: List[float] = []
    never = threading.Event()  # with a cancel event the waits are Event/Condition waits we can see

    waiters = [threading.Thread(target=lambda: (limiter.acquire(0, never), others.append(time.monotonic())))
               for _ in range(3)]
    for t in waiters:
        t.start()
    # A waiter parked in a wait has asked after the pause ended and was refused: the probe is out.
    assert wait_until(lambda: all(waiting(t) for t in waiters), timeout=10)
    assert others == []
    released = time.monotonic()
    limiter.admitted(probe, ok=True)
    for t in waiters:
        t.join(10)
    assert len(others) == 3 and all(t >= released for t in others)


def test_a_cancelled_acquire_returns_none(make_limiter: Callable[..., BaseRateLimiter]) -> None:
    limiter = make_limiter()
    limiter.pause(30)
    cancelled = threading.Event()
    got: List[object] = []
    waiter = threading.Thread(target=lambda: got.append(limiter.acquire(0, cancelled)))
    waiter.start()
    assert wait_until(lambda: waiting(waiter), timeout=10)  # parked behind the 30 s pause
    cancelled.set()
    waiter.join(10)
    assert got == [None]


def test_spent_quota_headers_pause_until_the_reset(make_limiter: Callable[..., BaseRateLimiter]) -> None:
    limiter = make_limiter()
    started = time.monotonic()  # before the pause begins: a slow machine can only add to the wait
    limiter.observe(RateLimitInfo(requests_remaining=0, requests_reset="300ms"))
    permit = limiter.acquire(0)
    assert permit is not None and not permit.probe
    assert time.monotonic() - started >= 0.3 * 0.9


# -- configuration ----------------------------------------------------------------------------


def test_bad_numbers_are_refused() -> None:
    for bad in (0, -5, "500", True):
        with pytest.raises(InvalidConfigError):
            RateLimiter(requests_per_minute=bad)  # type: ignore[arg-type]
        with pytest.raises(InvalidConfigError):
            RedisRateLimiter("redis://localhost", "k", tokens_per_minute=bad)  # type: ignore[arg-type]
    for url, key in (("", "k"), ("redis://localhost", "")):
        with pytest.raises(InvalidConfigError):
            RedisRateLimiter(url, key)


def test_the_redis_limiter_pickles_without_its_connection_and_hides_the_password() -> None:
    limiter = RedisRateLimiter("redis://:hunter2@db.example:6379/0", "openai", requests_per_minute=500)
    copy = pickle.loads(pickle.dumps(limiter))
    assert (copy.url, copy.key, copy.requests_per_minute) == (limiter.url, "openai", 500.0)
    assert "hunter2" not in repr(copy)
    with pytest.raises(TypeError, match="RedisRateLimiter"):
        pickle.dumps(RateLimiter(500))


def test_an_unreachable_redis_makes_error_rows_not_lost_ones(server: FakeProviderServer, tmp_path: object) -> None:
    client = echo_client(server)
    limiter = RedisRateLimiter(f"unix://{tmp_path}/no-such.sock", "k", requests_per_minute=60)

    results = client.map([ask("q0"), ask("q1")], progress=False, limiter=limiter)

    assert [type(r.error) for r in results] == [ConnectionFailedError] * 2
    assert "no-such.sock" in str(results[0].error) and server.requests == []


def test_reset_forgets_the_shared_state(redis_url: str) -> None:
    limiter = RedisRateLimiter(redis_url, f"test-{uuid.uuid4().hex[:8]}", requests_per_minute=60)
    limiter.pause(30)
    limiter.reset()
    permit = limiter.acquire(0, threading.Event())
    assert permit is not None and not permit.probe


def test_no_one_second_window_at_the_server_holds_more_than_the_share_plus_one(server: FakeProviderServer) -> None:
    """600 a minute through 16 workers: the old one-second bucket put 20 requests in the
    first second at the server."""
    echo = Echo()
    server.route("/v1/messages", echo)
    client = echo_client(server)

    results = client.map([ask(f"q{i}") for i in range(30)], concurrency=16, progress=False,
                         limiter=RateLimiter(requests_per_minute=600))

    assert all(r.ok for r in results)
    assert window_max(echo.times) <= 10 + 1, sorted(echo.times)


def test_a_large_request_is_served_in_its_turn_not_overtaken_by_small_ones() -> None:
    limiter = RateLimiter(tokens_per_minute=60_000)  # 1,000 tokens a second
    assert limiter.acquire(Cost(300, 0)) is not None  # the next call waits 0.3 s
    order: List[str] = []
    never, stop = threading.Event(), threading.Event()
    big = threading.Thread(target=lambda: (limiter.acquire(Cost(50_000, 0), never), order.append("big")))
    big.start()
    assert wait_until(lambda: waiting(big), timeout=10)
    small = threading.Thread(target=lambda: order.append("small" if limiter.acquire(Cost(1, 0), stop) else "none"))
    small.start()
    big.join(10)
    stop.set()
    small.join(10)
    assert order == ["big", "none"]  # the small one queued behind the big one (and then 50 s of its debt)
