"""Stopping ``client.map``/``imap`` stops it: nothing is sent after leaving an ``imap``
loop or an ``on_error="raise"`` failure, the workers are gone when the call returns, and
every call the server answered is in the checkpoint, even one answered during the stop or
one whose limiter store failed afterwards."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import List, Optional, Union

import pytest

from llmsdk import RateLimiter, Usage
from llmsdk._many.rate_limiter import Cost, Permit
from llmsdk.errors import BadRequestError, ConnectionFailedError
from llmsdk.testing import FakeProviderServer, RecordedRequest, ScriptedReply
from llmsdk.testing import anthropic as A

from ..conftest import wait_until
from .echo import Echo, ask, echo_client, map_threads, prompt_of


class Flaky(Echo):
    """``Echo``, but the prompts in ``broken`` get a 503 (retryable) every time."""

    def __init__(self, broken: List[str], **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.broken = set(broken)

    def __call__(self, recorded: RecordedRequest) -> ScriptedReply:
        if prompt_of(recorded) in self.broken:
            with self.lock:
                self.prompts.append(prompt_of(recorded))
            return A.error_reply(503, "busy", error_type="overloaded_error", headers={"retry-after": "0.05"})
        return super().__call__(recorded)


def test_leaving_imap_sends_nothing_more_and_the_workers_are_gone(server: FakeProviderServer) -> None:
    echo = Flaky(broken=[f"q{i}" for i in range(1, 8)])
    server.route("/v1/messages", echo)
    client = echo_client(server, max_retries=50)

    results = client.imap([ask("q0")] + [ask(f"q{i}") for i in range(1, 8)], concurrency=4, progress=False)
    first = next(results)  # q0; the others are retrying 503s
    results.close()
    sent = len(echo.prompts)

    assert first.ok and map_threads() == []  # waited for (within the bound)
    assert not any(t.is_alive() for t in threading.enumerate() if t.name.startswith("llmsdk-map-"))
    client.complete(ask("after"))  # a request the server sees after any stray retry would have gone
    assert len(echo.prompts) == sent + 1  # the old code sent ~5 more retries after the loop was left


def test_on_error_raise_stops_the_retries_of_the_others(server: FakeProviderServer) -> None:
    echo = Flaky(broken=[f"q{i}" for i in range(1, 4)], fail={"q0"})
    server.route("/v1/messages", echo)
    client = echo_client(server, max_retries=50)

    with pytest.raises(BadRequestError):
        client.map([ask(f"q{i}") for i in range(4)], concurrency=4, progress=False, on_error="raise")
    sent = len(echo.prompts)

    assert map_threads() == []
    client.complete(ask("after"))
    assert len(echo.prompts) == sent + 1


class HoldingLimiter(RateLimiter):
    """The first call's ``settle`` (its answer is in) waits until ``wait_for`` calls in all
    have been answered (are settling); later ones wait until the map is being stopped. ``fail``: the
    store fails in every ``settle``."""

    def __init__(self, echo: Optional[Echo] = None, wait_for: int = 0, fail: bool = False) -> None:
        super().__init__()
        self.echo, self.wait_for, self.fail = echo, wait_for, fail
        self.stop: Optional[threading.Event] = None
        self.settled = 0

    def acquire(self, tokens: Union[int, Cost] = 0, cancelled: Optional[threading.Event] = None) -> Optional[Permit]:
        self.stop = cancelled
        return super().acquire(tokens, cancelled)

    def settle(self, permit: Permit, used: Union[int, Usage, None]) -> None:
        if self.fail:
            raise ConnectionFailedError("rate limiter: Redis at redis://db failed: ConnectionError")
        with self._cond:
            self.settled += 1
            first = self.settled == 1
        if first:  # until the other calls are answered too (their settle has begun), not merely sent
            assert self.echo is not None and wait_until(lambda: self.settled >= self.wait_for, 10)
        else:
            assert self.stop is not None and self.stop.wait(10)


def test_an_answer_that_comes_during_the_stop_is_still_checkpointed(server: FakeProviderServer,
                                                                    tmp_path: Path) -> None:
    echo = Echo()
    server.route("/v1/messages", echo)
    client = echo_client(server)
    checkpoint = tmp_path / "run.jsonl"

    results = client.imap([("a", ask("a")), ("b", ask("b"))], concurrency=2, progress=False, checkpoint=checkpoint,
                          limiter=HoldingLimiter(echo, wait_for=2))
    first = next(results)
    results.close()  # the other call was answered and is finishing: it must still be saved

    assert first.ok and map_threads() == []
    assert sorted(json.loads(line)["key"] for line in checkpoint.read_text().splitlines()) == ["a", "b"]


def test_a_billed_answer_is_kept_when_the_limiter_store_fails(server: FakeProviderServer, tmp_path: Path) -> None:
    server.route("/v1/messages", Echo())
    client = echo_client(server)
    checkpoint = tmp_path / "run.jsonl"

    results = client.map([("a", ask("a")), ("b", ask("b"))], progress=False, checkpoint=checkpoint,
                         limiter=HoldingLimiter(fail=True))

    assert [r.response.text for r in results] == ["echo: a", "echo: b"]
    assert sorted(json.loads(line)["key"] for line in checkpoint.read_text().splitlines()) == ["a", "b"]
