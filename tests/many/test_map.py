"""``client.map`` / ``client.imap`` end to end against FakeProviderServer: order, laziness,
error rows, bad input, stopping early, usage totals, a 429 storm."""

from __future__ import annotations

import itertools
import threading
import time
from typing import Any, Iterator, List

import pytest

from llmsdk import LLMRequest, MapResult, RateLimiter, Usage
from llmsdk.errors import BadRequestError, InvalidRequestError, RateLimitError
from llmsdk.testing import FakeProviderServer, RecordedRequest, ScriptedReply

from ..conftest import stream_threads, wait_until
from .echo import Echo, ask, echo_client, map_threads, prompt_of

PER_REPLY = Usage(input_tokens=25, output_tokens=15)  # what anthropic.text_reply reports


def test_map_returns_input_order_whatever_the_completion_order(server: FakeProviderServer) -> None:
    n = 12
    # Earlier items answer later, so completion order is (roughly) the reverse of input order.
    echo = Echo(delays={f"q{i}": 0.02 * (n - i) for i in range(n)})
    server.route("/v1/messages", echo)
    client = echo_client(server)

    results = client.map([(f"k{i}", ask(f"q{i}")) for i in range(n)], concurrency=n, progress=False)

    assert [r.key for r in results] == [f"k{i}" for i in range(n)]
    assert [r.index for r in results] == list(range(n))
    assert all(isinstance(r, MapResult) and r.ok and r.error is None for r in results)
    assert [r.response.text for r in results] == [f"echo: q{i}" for i in range(n)]


def test_imap_yields_in_completion_order(server: FakeProviderServer) -> None:
    fast_seen = threading.Event()
    gate_opened: List[bool] = []

    def hold_slow(prompt: str) -> None:  # "slow" is answered only once the caller has "fast"
        if prompt == "slow":
            gate_opened.append(fast_seen.wait(20))

    server.route("/v1/messages", Echo(gate=hold_slow))
    client = echo_client(server)

    keys = []
    for result in client.imap([("slow", ask("slow")), ("fast", ask("fast"))], concurrency=2, progress=False):
        keys.append(result.key)
        if result.key == "fast":
            fast_seen.set()

    assert keys == ["fast", "slow"] and gate_opened == [True]


def test_plain_requests_are_keyed_by_their_index(server: FakeProviderServer) -> None:
    server.route("/v1/messages", Echo())
    client = echo_client(server)

    results = client.map((ask(f"q{i}") for i in range(5)), concurrency=2, progress=False)

    assert [(r.key, r.index, r.response.text) for r in results] == [(i, i, f"echo: q{i}") for i in range(5)]


def test_input_is_read_lazily(server: FakeProviderServer) -> None:
    """An endless generator: imap takes only about 2 x concurrency items ahead of what
    the caller has consumed, and stops taking when the caller stops."""
    server.route("/v1/messages", Echo())
    client = echo_client(server)
    pulled = itertools.count()
    taken: List[int] = []

    def endless() -> Iterator[LLMRequest]:
        for i in itertools.count():
            taken.append(next(pulled))
            yield ask(f"q{i}")

    results = client.imap(endless(), concurrency=3, progress=False)
    first = [next(results) for _ in range(10)]
    results.close()

    assert len(first) == 10 and all(r.ok for r in first)
    assert 10 <= len(taken) <= 10 + 2 * 3
    assert wait_until(lambda: not map_threads(), timeout=10)
    sent = len(server.requests)
    assert sent <= len(taken)


def test_failures_are_rows_and_bad_items_are_typed_errors(server: FakeProviderServer) -> None:
    server.route("/v1/messages", Echo(fail={"q2"}))
    client = echo_client(server)
    items = [
        ("a", ask("q1")),
        ("b", ask("q2")),                       # the provider answers 400
        "not a request",                        # not an LLMRequest
        ("a", ask("q3")),                       # duplicate key
        (3.5, ask("q4")),                       # a key that is neither str nor int
        ("c", {"model": "x"}),                  # a pair whose request is not an LLMRequest
        ("d", ask("q5", max_tokens=-1)),        # invalid request: caught before any HTTP call
        ("e", ask("q6")),
    ]

    results = client.map(items, concurrency=4, progress=False)

    assert [r.index for r in results] == list(range(len(items)))
    by_index = {r.index: r for r in results}
    assert by_index[0].ok and by_index[0].response.text == "echo: q1"
    assert by_index[7].ok and by_index[7].response.text == "echo: q6"
    assert isinstance(by_index[1].error, BadRequestError) and by_index[1].response is None
    assert not by_index[1].ok and by_index[1].key == "b"
    for index, words in ((2, "expected an LLMRequest"), (3, "duplicate key 'a'"), (4, "key must be"),
                         (5, "expected an LLMRequest"), (6, "max_tokens")):
        error = by_index[index].error
        assert isinstance(error, InvalidRequestError), (index, error)
        assert words in str(error), (index, str(error))
    assert by_index[5].key == "c" and by_index[2].key == 2
    sent = sorted(prompt_of(r) for r in server.requests)
    assert sent == ["q1", "q2", "q6"]


def test_on_error_raise_stops_at_the_first_failure(server: FakeProviderServer) -> None:
    server.route("/v1/messages", Echo(fail={"q0"}, delay=0.3, delays={"q0": 0.0}))
    client = echo_client(server)

    with pytest.raises(BadRequestError):
        client.map((ask(f"q{i}") for i in range(100)), concurrency=2, progress=False, on_error="raise")

    assert len(server.requests) <= 1 + 2 * 2
    assert wait_until(lambda: not map_threads(), timeout=10)


def test_leaving_imap_early_closes_the_streams_in_flight(server: FakeProviderServer) -> None:
    server.route("/v1/messages", Echo(stall={f"q{i}" for i in range(1, 4)}))
    client = echo_client(server)

    for result in client.imap([ask(f"q{i}") for i in range(4)], concurrency=4, progress=False):
        assert result.key == 0
        break

    assert wait_until(lambda: len(server.requests) == 4)
    # The three stalled replies would hold their workers for 20 s; closed, they end now.
    assert wait_until(lambda: not map_threads() and not stream_threads(), timeout=10)


def test_usage_and_cost_of_every_call_land_in_the_client_totals(server: FakeProviderServer) -> None:
    server.route("/v1/messages", Echo(fail={"q3"}))
    client = echo_client(server)

    plain = client.map([ask(f"q{i}") for i in range(5)], concurrency=3, progress=False)
    limited = client.map([ask(f"q{i}") for i in range(5)], concurrency=3, progress=False,
                         limiter=RateLimiter(requests_per_minute=6000, tokens_per_minute=10_000_000))

    answered = sum(r.ok for r in plain + limited)
    assert answered == 8
    assert client.get_usage() == Usage(PER_REPLY.input_tokens * 8, PER_REPLY.output_tokens * 8)
    assert client.get_cost() == pytest.approx(sum(r.response.cost for r in plain + limited if r.ok))


def test_a_429_storm_pauses_every_worker_and_every_row_finishes(server: FakeProviderServer) -> None:
    """For ~1.5 s every request is refused with retry-after 0.4 s. Through a shared limiter
    the workers wait together and one probe tests the water, so the 429 count stays near
    the number of calls in flight when the storm began plus one per pause."""
    echo = Echo(retry_after=0.4)
    server.route("/v1/messages", echo)
    client = echo_client(server)
    concurrency = 8
    echo.refuse_until = time.monotonic() + 1.5

    results = client.map([ask(f"q{i}") for i in range(40)], concurrency=concurrency, progress=False,
                         limiter=RateLimiter())

    assert all(r.ok for r in results), [r.error for r in results if not r.ok]
    assert echo.refused <= concurrency + 8, echo.refused
    answered = len(echo.prompts) - echo.refused
    assert answered == 40


class Storm(Echo):
    """``Echo`` that refuses everything for ``length`` seconds from the ``start``-th arrival on."""

    def __init__(self, start: int, length: float, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.start, self.length = start, length

    def __call__(self, recorded: RecordedRequest) -> ScriptedReply:
        with self.lock:
            if len(self.times) + 1 == self.start:
                self.refuse_until = time.monotonic() + self.length
        return super().__call__(recorded)


def test_a_429_storm_through_a_budget_costs_a_few_refusals() -> None:
    """Budget 20/s, 80 rows, 16 workers; mid-run the server refuses everything for a second
    with retry-after 2. Calls are spaced 50 ms apart (no burst), so only the call already on
    its way when the first 429 comes back is refused too; then one probe, after the storm.
    (The old limiter let 10 refusals through.)"""
    with FakeProviderServer() as server:
        storm = Storm(start=20, length=1.0, retry_after=2)
        server.route("/v1/messages", storm)
        client = echo_client(server)

        results = client.map([ask(f"q{i}") for i in range(80)], concurrency=16, progress=False,
                             limiter=RateLimiter(requests_per_minute=1200))

    assert all(r.ok for r in results), [r.error for r in results if not r.ok]
    assert 1 <= storm.refused <= 4, storm.refused
    assert len(storm.prompts) - storm.refused == 80


class Recording(RateLimiter):
    """A ``RateLimiter`` that notes the order of the calls ``map`` makes on it."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: List[str] = []

    def admitted(self, permit: Any, ok: bool) -> None:
        self.calls.append(f"admitted(probe={permit.probe}, ok={ok})")
        super().admitted(permit, ok)

    def pause(self, seconds: Any = None, *, probe: bool = True) -> None:
        self.calls.append("pause")
        super().pause(seconds, probe=probe)


def test_a_refused_probe_extends_the_pause_before_it_hands_over(server: FakeProviderServer) -> None:
    """Releasing the probe first let a second probe slip through before the pause grew."""
    echo = Echo(retry_after=0.05)
    server.route("/v1/messages", echo)
    client = echo_client(server)
    limiter = Recording()
    limiter.pause(0.01)  # the next call is a probe
    echo.refuse_until = time.monotonic() + 60

    [result] = client.map([ask("q")], progress=False, limiter=limiter, concurrency=1)
    echo.refuse_until = 0.0

    assert isinstance(result.error, RateLimitError)
    first = limiter.calls.index("admitted(probe=True, ok=False)")
    assert limiter.calls[first - 1] == "pause", limiter.calls


def test_without_a_limiter_each_call_uses_the_clients_own_retries(server: FakeProviderServer) -> None:
    echo = Echo(retry_after=0.05)
    server.route("/v1/messages", echo)
    client = echo_client(server, max_retries=1)
    echo.refuse_until = time.monotonic() + 60

    results = client.map([ask(f"q{i}") for i in range(3)], concurrency=3, progress=False)

    assert [type(r.error).__name__ for r in results] == ["RateLimitError"] * 3
    assert echo.refused == 6  # each call: one attempt and one retry


def test_a_request_rate_is_kept(server: FakeProviderServer) -> None:
    echo = Echo()
    server.route("/v1/messages", echo)
    client = echo_client(server)
    started = time.monotonic()
    limiter = RateLimiter(requests_per_minute=1200)  # 20/s

    results = client.map([ask(f"q{i}") for i in range(30)], concurrency=8, progress=False, limiter=limiter)

    assert all(r.ok for r in results)
    # 20 a second, nothing saved up: the 30th goes 29/20 s after the limiter's start. (Measured
    # from the first arrival instead, a first request delayed by load would shorten the span.)
    assert max(echo.times) - started >= (30 - 1) / 20 * 0.95


def test_bad_arguments_are_refused_before_any_call(server: FakeProviderServer) -> None:
    client = echo_client(server)
    for kwargs in ({"concurrency": 0}, {"on_error": "ignore"}, {"limiter": object()}, {"checkpoint": 3}):
        with pytest.raises(InvalidRequestError):
            client.map([ask("q")], progress=False, **kwargs)  # type: ignore[arg-type]
    with pytest.raises(InvalidRequestError):
        client.map(ask("q"), progress=False)  # type: ignore[arg-type]
    assert server.requests == []


def test_progress_bar_counts_done_failed_tokens_and_cost(server: FakeProviderServer, capsys: pytest.CaptureFixture) -> None:
    server.route("/v1/messages", Echo(fail={"q1"}))
    client = echo_client(server)

    client.map([ask(f"q{i}") for i in range(3)], concurrency=2, progress=True)

    err = capsys.readouterr().err
    assert "3/3" in err and "failed=1" in err and "tokens=80" in err and "cost=$" in err


def test_map_is_safe_from_several_threads_at_once(server: FakeProviderServer) -> None:
    server.route("/v1/messages", Echo())
    client = echo_client(server)
    outputs: List[List[str]] = [[] for _ in range(3)]

    def run(slot: int) -> None:
        results = client.map([ask(f"t{slot}-{i}") for i in range(6)], concurrency=3, progress=False)
        outputs[slot] = [r.response.text for r in results]

    threads = [threading.Thread(target=run, args=(slot,)) for slot in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not [t for t in threads if t.is_alive()]
    assert outputs == [[f"echo: t{slot}-{i}" for i in range(6)] for slot in range(3)]
