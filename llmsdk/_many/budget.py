"""``Budget``: a cap on what calls may spend, checked before each call and settled from the
provider's reported usage. A call reserves its worst case (input estimate + ``max_tokens`` at
the model's prices); one that would take the budget past a limit raises
``BudgetExceededError`` before anything is sent. With ``redis_url`` the spend and the
reservations live in Redis (one atomic script), shared by every process naming the same key.

>>> budget = Budget(max_cost=5.0)
>>> client = LLMClient.from_env("anthropic", budget=budget)
>>> budget.spent_cost                     # USD settled so far
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any, Optional, Tuple

from llmsdk._core.public_name import present_as_public
from llmsdk.errors import BudgetExceededError, ConnectionFailedError, InvalidConfigError

__all__ = ["Budget", "Reservation"]

logger = logging.getLogger("llmsdk.budget")


@dataclass(frozen=True)
class Reservation:
    """What one call reserved: USD (None when the model has no price) and tokens."""

    cost: Optional[float]
    tokens: int


#: KEYS[1] the budget's hash; ARGV: op ("reserve" | "settle"), reserved cost, reserved tokens,
#: actual cost, actual tokens, max cost (-1: none), max tokens (-1: none).
_SCRIPT = """
local h = KEYS[1]
local op = ARGV[1]
local rc, rt = tonumber(ARGV[2]), tonumber(ARGV[3])
local spent_c = tonumber(redis.call('HGET', h, 'spent_cost') or '0')
local spent_t = tonumber(redis.call('HGET', h, 'spent_tokens') or '0')
local held_c = tonumber(redis.call('HGET', h, 'reserved_cost') or '0')
local held_t = tonumber(redis.call('HGET', h, 'reserved_tokens') or '0')
if op == 'reserve' then
  local max_c, max_t = tonumber(ARGV[6]), tonumber(ARGV[7])
  if max_c >= 0 and spent_c + held_c + rc > max_c then return {0, 'cost', tostring(spent_c), tostring(held_c)} end
  if max_t >= 0 and spent_t + held_t + rt > max_t then return {0, 'tokens', tostring(spent_t), tostring(held_t)} end
  redis.call('HSET', h, 'reserved_cost', tostring(held_c + rc), 'reserved_tokens', tostring(held_t + rt))
  return {1, 'cost', tostring(spent_c), tostring(held_c)}
end
redis.call('HSET', h, 'reserved_cost', tostring(math.max(0, held_c - rc)),
           'reserved_tokens', tostring(math.max(0, held_t - rt)),
           'spent_cost', tostring(spent_c + tonumber(ARGV[4])), 'spent_tokens', tostring(spent_t + tonumber(ARGV[5])))
return {1, 'cost', tostring(spent_c), tostring(held_c)}
"""


class Budget:
    """A spending cap for a client, a ``map`` run or a router: ``max_cost`` (USD) and/or
    ``max_tokens`` (input + output, cached input included). Thread-safe; shared across
    processes through Redis with ``redis_url`` and ``key``.

    >>> client = LLMClient.from_env("openai", budget=Budget(max_cost=2.50))
    >>> client.map(requests)           # rows past the cap are BudgetExceededError rows
    """

    def __init__(self, max_cost: Optional[float] = None, max_tokens: Optional[int] = None,
                 redis_url: Optional[str] = None, key: Optional[str] = None) -> None:
        if max_cost is not None and (isinstance(max_cost, bool) or not isinstance(max_cost, (int, float))
                                     or max_cost < 0):
            raise InvalidConfigError(f"Budget max_cost must be a non-negative number of USD, got {max_cost!r}")
        if max_tokens is not None and (isinstance(max_tokens, bool) or not isinstance(max_tokens, int)
                                       or max_tokens < 0):
            raise InvalidConfigError(f"Budget max_tokens must be a non-negative int, got {max_tokens!r}")
        if redis_url is not None and not key:
            raise InvalidConfigError("a Budget shared through redis_url needs a key= naming it")
        self.max_cost = float(max_cost) if max_cost is not None else None
        self.max_tokens = max_tokens
        self.key = key
        self._lock = threading.Lock()
        self._spent_cost = 0.0
        self._spent_tokens = 0
        self._held_cost = 0.0
        self._held_tokens = 0
        self._warned_unpriced = False
        self._redis: Any = None
        self._script: Any = None
        if redis_url is not None:
            try:
                import redis
            except ImportError:
                raise InvalidConfigError("a shared Budget needs the redis package: pip install 'llmsdk[redis]'") \
                    from None
            self._redis = redis.Redis.from_url(redis_url)
            self._script = self._redis.register_script(_SCRIPT)

    # -- the two steps of a call ---------------------------------------------------------------

    def reserve(self, cost: Optional[float], tokens: int, *, what: str = "this call") -> Reservation:
        """Hold a call's worst case, or raise ``BudgetExceededError`` if it does not fit."""
        if cost is None and self.max_cost is not None and not self._warned_unpriced:
            self._warned_unpriced = True
            logger.warning("budget: %s uses a model without a price; its cost cannot be counted", what)
        reservation = Reservation(cost, max(0, int(tokens)))
        if self._redis is not None:
            ok, limit, spent, held = self._run("reserve", reservation, 0.0, 0)
            if not ok:
                raise self._exceeded(reservation, what, limit, spent, held)
            return reservation
        with self._lock:
            if self.max_cost is not None and self._spent_cost + self._held_cost + (cost or 0.0) > self.max_cost:
                raise self._exceeded(reservation, what, "cost", self._spent_cost, self._held_cost)
            if self.max_tokens is not None and \
                    self._spent_tokens + self._held_tokens + reservation.tokens > self.max_tokens:
                raise self._exceeded(reservation, what, "tokens", self._spent_tokens, self._held_tokens)
            self._held_cost += cost or 0.0
            self._held_tokens += reservation.tokens
        return reservation

    def settle(self, reservation: Reservation, cost: Optional[float], tokens: int) -> None:
        """Replace a reservation by what the provider billed (``release`` when nothing was)."""
        if self._redis is not None:
            self._run("settle", reservation, cost or 0.0, tokens)
            return
        with self._lock:
            self._held_cost = max(0.0, self._held_cost - (reservation.cost or 0.0))
            self._held_tokens = max(0, self._held_tokens - reservation.tokens)
            self._spent_cost += cost or 0.0
            self._spent_tokens += max(0, int(tokens))

    def release(self, reservation: Reservation) -> None:
        """A call that was never answered: its reservation is returned."""
        self.settle(reservation, 0.0, 0)

    # -- reading ---------------------------------------------------------------------------------

    @property
    def spent_cost(self) -> float:
        return self._totals()[0]

    @property
    def spent_tokens(self) -> int:
        return int(self._totals()[1])

    def _totals(self) -> Tuple[float, float]:
        if self._redis is not None:
            values = self._redis.hmget(self._hash, "spent_cost", "spent_tokens")
            return float(values[0] or 0), float(values[1] or 0)
        with self._lock:
            return self._spent_cost, float(self._spent_tokens)

    @property
    def _hash(self) -> str:
        return f"llmsdk:budget:{self.key}"

    def _run(self, op: str, reservation: Reservation, cost: float, tokens: int) -> Tuple[bool, str, float, float]:
        args = [op, reservation.cost or 0.0, reservation.tokens, cost, tokens,
                -1 if self.max_cost is None else self.max_cost, -1 if self.max_tokens is None else self.max_tokens]
        try:
            result = self._script(keys=[self._hash], args=args)
        except Exception as exc:  # noqa: BLE001 - redis.RedisError and its kin: no spend is ever unchecked
            raise ConnectionFailedError(f"budget {self.key!r}: the Redis store failed: {type(exc).__name__}") from exc
        limit = result[1].decode() if isinstance(result[1], bytes) else str(result[1])
        return bool(int(result[0])), limit, float(result[2]), float(result[3])

    def _exceeded(self, reservation: Reservation, what: str, limit: str, spent: float,
                  held: float) -> BudgetExceededError:
        """The error for the ``limit`` ("cost" or "tokens") the reservation would pass."""
        if limit == "cost":
            return BudgetExceededError(
                f"budget exceeded: {what} could cost up to ${reservation.cost or 0.0:.6f}; ${spent:.6f} spent and "
                f"${held:.6f} held for calls in flight of the ${self.max_cost:.6f} allowed")
        return BudgetExceededError(
            f"budget exceeded: {what} could use up to {reservation.tokens} tokens; {int(spent)} used and "
            f"{int(held)} held for calls in flight of the {self.max_tokens} allowed")

    def __repr__(self) -> str:
        shared = f", key={self.key!r} (redis)" if self._redis is not None else ""
        return f"Budget(max_cost={self.max_cost!r}, max_tokens={self.max_tokens!r}{shared})"


present_as_public(globals(), "Budget")
