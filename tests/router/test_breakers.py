"""Circuit breakers open and close on time (an injected clock, no sleeps), by the same rules
in this process and in Redis."""

from __future__ import annotations

import uuid
from typing import Any, Callable, Iterator, List

import pytest

from llmsdk import Router
from llmsdk._routing.state import BreakerRules, LocalState
from llmsdk.errors import AllDeploymentsFailedError
from llmsdk.testing import FakeProviderServer, anthropic

from tests.router.conftest import Clock, ask


@pytest.fixture(params=["local", "redis"])
def make_state(request: pytest.FixtureRequest, clock: Clock) -> Iterator[Callable[..., Any]]:
    """``make_state(cooldown, allowed_fails)``: a state store of each kind on ``clock``."""
    if request.param == "local":
        yield lambda cooldown=30.0, allowed_fails=3: LocalState(BreakerRules(cooldown, allowed_fails), clock)
        return
    url = request.getfixturevalue("redis_url")
    from llmsdk._routing.redis_state import RedisState

    yield lambda cooldown=30.0, allowed_fails=3: RedisState(url, BreakerRules(cooldown, allowed_fails), clock)


def _name() -> str:
    return f"dep-{uuid.uuid4().hex[:8]}"


def _fail(state: Any, name: str, **kwargs: Any) -> None:
    lease, _ = state.acquire([name])
    assert lease is not None
    state.release(lease, False, **kwargs)


def test_allowed_fails_within_a_minute_open_for_cooldown(make_state: Callable[..., Any], clock: Clock) -> None:
    state, a = make_state(cooldown=30.0, allowed_fails=3), _name()
    _fail(state, a)
    _fail(state, a)
    assert state.status([a])[a].state == "closed"
    _fail(state, a)
    assert state.status([a])[a].state == "open"
    assert state.acquire([a]) == (None, pytest.approx(30.0))
    clock.advance(29.9)
    assert state.acquire([a])[0] is None
    clock.advance(0.1)
    probe, _ = state.acquire([a])
    assert probe is not None and probe.probe
    assert state.acquire([a])[0] is None  # one probe at a time
    state.release(probe, True)
    assert state.status([a])[a].state == "closed"
    assert state.acquire([a])[0] is not None


def test_failures_more_than_a_minute_apart_or_with_a_success_between_do_not_add_up(
        make_state: Callable[..., Any], clock: Clock) -> None:
    state, a = make_state(allowed_fails=2), _name()
    _fail(state, a)
    clock.advance(61)
    _fail(state, a)
    assert state.status([a])[a].state == "closed"
    lease, _ = state.acquire([a])
    state.release(lease, True)
    _fail(state, a)
    assert state.status([a])[a].state == "closed"
    _fail(state, a)
    assert state.status([a])[a].state == "open"


def test_retry_after_opens_at_once_for_the_announced_time(make_state: Callable[..., Any], clock: Clock) -> None:
    state, a = make_state(cooldown=30.0, allowed_fails=3), _name()
    _fail(state, a, open_for=120.0)
    clock.advance(119)
    assert state.acquire([a]) == (None, pytest.approx(1.0))
    clock.advance(1)
    assert state.acquire([a])[0] is not None


def test_a_failed_probe_opens_it_again_and_a_silent_probe_frees_the_slot(make_state: Callable[..., Any],
                                                                         clock: Clock) -> None:
    state, a = make_state(cooldown=10.0, allowed_fails=1), _name()
    _fail(state, a)
    clock.advance(10)
    probe, _ = state.acquire([a])
    state.release(probe, False)
    assert state.status([a])[a].state == "open" and state.acquire([a])[0] is None
    clock.advance(10)
    probe, _ = state.acquire([a])
    state.release(probe, None)  # the request's own fault: no verdict, another may probe
    again, _ = state.acquire([a])
    assert again is not None and again.probe
    clock.advance(10)  # a probe that never reports: after cooldown another may go
    assert state.acquire([a])[0] is not None


def test_least_busy_picks_the_fewest_in_flight(make_state: Callable[..., Any]) -> None:
    state = make_state()
    a, b, c = _name(), _name(), _name()
    leases = [state.acquire([a, b, c], least_busy=True)[0] for _ in range(3)]
    assert sorted(lease.name for lease in leases) == sorted([a, b, c])
    state.release(leases[1], True)
    assert state.acquire([a, b, c], least_busy=True)[0].name == leases[1].name
    assert {n: s.in_flight for n, s in state.status([a, b, c]).items()} == {a: 1, b: 1, c: 1}


# -- end to end ------------------------------------------------------------------------------------

def test_a_failing_deployment_is_skipped_until_its_cooldown_ends(servers: Callable[..., List[FakeProviderServer]],
                                                                 deployment: Callable[..., Any], clock: Clock) -> None:
    a, b = servers(2)
    healed = [False]
    a.route("/v1/messages", lambda _: anthropic.text_reply("from A") if healed[0] else anthropic.error_reply(500, "boom"))
    router = Router({"g": [deployment(a), deployment(b)]}, cooldown=30.0, allowed_fails=2, clock=clock)
    for _ in range(5):
        assert router.complete(ask()).text == "from B"
    assert len(a.requests) == 2  # then open: not asked again
    clock.advance(30)
    router.complete(ask())
    assert len(a.requests) == 3  # the half-open probe, which failed: open again
    router.complete(ask())
    assert len(a.requests) == 3
    healed[0] = True
    clock.advance(30)
    assert router.complete(ask()).text == "from A"
    assert router.complete(ask()).text == "from A"
    assert len(a.requests) == 5


def test_retry_after_and_a_rejected_key_open_the_breaker_at_once(servers: Callable[..., List[FakeProviderServer]],
                                                                  deployment: Callable[..., Any], clock: Clock) -> None:
    a, b, c = servers(3)
    a.add_reply(anthropic.error_reply(429, "slow down", headers={"retry-after": "300"}))
    b.add_reply(anthropic.error_reply(401, "invalid x-api-key"))
    da, db, dc = deployment(a), deployment(b), deployment(c)
    router = Router({"g": [da, db, dc]}, cooldown=30.0, allowed_fails=5, clock=clock)
    assert router.complete(ask()).text == "from C"
    status = router.status()
    assert status[da.name]["state"] == "open" and status[da.name]["reopens_in"] == pytest.approx(300)
    assert status[db.name]["state"] == "open" and status[db.name]["reopens_in"] == pytest.approx(30)
    clock.advance(30)
    assert router.complete(ask()).text == "from B"  # B's probe answered; A still open
    assert len(a.requests) == 1


def test_every_deployment_cooling_down_raises_at_once_with_retry_after(
        servers: Callable[..., List[FakeProviderServer]], deployment: Callable[..., Any], clock: Clock) -> None:
    (a,) = servers(1)
    a.add_reply(anthropic.error_reply(529, "Overloaded", headers={"retry-after": "20"}))
    router = Router({"g": [deployment(a)]}, clock=clock)
    with pytest.raises(AllDeploymentsFailedError):
        router.complete(ask())
    with pytest.raises(AllDeploymentsFailedError, match="cooling down") as caught:
        router.complete(ask())
    assert caught.value.errors == {} and caught.value.retry_after == pytest.approx(20)
    assert len(a.requests) == 1
