"""``RedisRateLimiter``: the ``RateLimiter`` bucket kept in Redis, so every process and
machine that names the same ``key`` shares one provider quota.

All state lives in one Redis hash (``llmsdk:ratelimit:<key>``) and changes only through
one Lua script, which Redis runs atomically; the script reads the server's clock, so
machines whose clocks disagree still agree on the bucket. A 429 seen by any process
pauses them all. The hash records the rates it was made with: a process naming the key
with other rates gets ``InvalidConfigError`` instead of silently clamping the others
(``reset()`` starts the key afresh). Needs the optional ``redis`` package: ``pip install 'llmsdk[redis]'``.
"""

from __future__ import annotations

import itertools
import threading
import time
import uuid
from typing import Any, Dict, List, Optional, Union

from llmsdk._many.rate_limiter import (
    MAX_BACKOFF, PROBE_POLL, PROBE_TTL, STRIKE_DECAY, BaseRateLimiter, Cost, Permit, _as_cost, _check_rate, _jitter,
)
from llmsdk.errors import ConnectionFailedError, InvalidConfigError
from llmsdk._core.public_name import present_as_public
from llmsdk.types import Usage

__all__ = ["RedisRateLimiter"]

#: An idle bucket disappears from Redis after this long.
IDLE_EXPIRY_MS = 3_600_000

# The same rules as llmsdk._many.rate_limiter._Bucket. KEYS[1]: the hash. ARGV: op, the
# four rates a minute (requests, tokens, input, output; 0 = no limit), then the op's own
# arguments, the idle expiry last. The hash records the rates it was made with ('rates');
# a caller with other rates gets {-1, <recorded>} and changes nothing. Fractions are
# returned as strings (Redis truncates Lua numbers to integers).
_SCRIPT = """
local key, op = KEYS[1], ARGV[1]
local rates = ARGV[2] .. '/' .. ARGV[3] .. '/' .. ARGV[4] .. '/' .. ARGV[5]
local recorded = redis.call('HGET', key, 'rates')
if recorded and recorded ~= rates then return {-1, recorded, 0} end
local rate = {tonumber(ARGV[2]) / 60, tonumber(ARGV[3]) / 60, tonumber(ARGV[4]) / 60, tonumber(ARGV[5]) / 60}
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local s = redis.call('HMGET', key, 'n1', 'n2', 'n3', 'n4', 'paused', 'probing', 'owner', 'probe_until',
  'strikes', 'strike_at')
local nxt = {tonumber(s[1]) or now, tonumber(s[2]) or now, tonumber(s[3]) or now, tonumber(s[4]) or now}
local paused = tonumber(s[5]) or 0
local probing = s[6] == '1'
local owner = s[7] or ''
local probe_until = tonumber(s[8]) or 0
local strikes = tonumber(s[9]) or 0
local strike_at = tonumber(s[10]) or 0
local result = {1, '0', 0}
if op == 'acquire' then
  local input, output, me, ttl, poll = tonumber(ARGV[6]), tonumber(ARGV[7]), ARGV[8], tonumber(ARGV[9]), tonumber(ARGV[10])
  local charge = {1, input + output, input, output}
  local wait = 0
  if now < paused then
    wait = paused - now
  elseif probing and probe_until > now then
    wait = math.min(probe_until - now, poll)
  else
    for i = 1, 4 do
      if rate[i] > 0 then wait = math.max(wait, nxt[i] - now) end
    end
  end
  if wait > 0 then
    result = {0, tostring(wait), 0}
  else
    for i = 1, 4 do
      if rate[i] > 0 then nxt[i] = math.max(nxt[i], now) + charge[i] / rate[i] end
    end
    local probe = 0
    if probing then owner, probe_until, probe = me, now + ttl, 1 end
    result = {1, '0', probe}
  end
elseif op == 'admitted' then
  if owner == ARGV[6] then
    owner, probe_until = '', 0
    if ARGV[7] == '1' then probing, strikes = false, 0 end
  end
elseif op == 'settle' then
  for i = 2, 4 do
    if rate[i] > 0 then nxt[i] = nxt[i] - tonumber(ARGV[4 + i]) / rate[i] end
  end
elseif op == 'pause' then
  local seconds, probe, jitter, max_backoff, decay = tonumber(ARGV[6]), ARGV[7], tonumber(ARGV[8]), tonumber(ARGV[9]), tonumber(ARGV[10])
  if probe == '1' then
    if now - strike_at > decay then strikes = 0 end
    if now >= paused then strikes = strikes + 1 end
    strike_at = now
  end
  if seconds < 0 then seconds = math.min(max_backoff, 2 ^ (math.max(1, strikes) - 1)) * jitter end
  paused = math.max(paused, now + seconds)
  if probe == '1' then probing, owner, probe_until = true, '', 0 end
end
redis.call('HSET', key, 'rates', rates, 'n1', tostring(nxt[1]), 'n2', tostring(nxt[2]), 'n3', tostring(nxt[3]),
  'n4', tostring(nxt[4]), 'paused', tostring(paused), 'probing', probing and '1' or '0', 'owner', owner,
  'probe_until', tostring(probe_until), 'strikes', tostring(strikes), 'strike_at', tostring(strike_at))
redis.call('PEXPIRE', key, tonumber(ARGV[#ARGV]))
return result
"""


class RedisRateLimiter(BaseRateLimiter):
    """A request and token budget shared through Redis by every process (and machine)
    that names the same ``key``.

    >>> limiter = RedisRateLimiter("redis://localhost:6379/0", key="openai-tier3",
    ...                            requests_per_minute=5000, tokens_per_minute=2_000_000)
    >>> client.map(requests, limiter=limiter)

    It pickles (the connection is reopened in the new process), so it can be handed to
    Ray workers.
    """

    def __init__(self, url: str, key: str, requests_per_minute: Optional[float] = None,
                 tokens_per_minute: Optional[float] = None, *, input_tokens_per_minute: Optional[float] = None,
                 output_tokens_per_minute: Optional[float] = None) -> None:
        if not isinstance(url, str) or not url:
            raise InvalidConfigError(f"RedisRateLimiter needs a Redis URL, got {url!r}")
        if not isinstance(key, str) or not key:
            raise InvalidConfigError(f"RedisRateLimiter needs a non-empty key, got {key!r}")
        try:
            import redis  # noqa: F401 - fail here, not in a worker thread
        except ImportError as exc:
            raise ImportError("RedisRateLimiter needs the redis package: pip install 'llmsdk[redis]'") from exc
        self.url = url
        self.key = key
        self.requests_per_minute = _check_rate("requests_per_minute", requests_per_minute)
        self.tokens_per_minute = _check_rate("tokens_per_minute", tokens_per_minute)
        self.input_tokens_per_minute = _check_rate("input_tokens_per_minute", input_tokens_per_minute)
        self.output_tokens_per_minute = _check_rate("output_tokens_per_minute", output_tokens_per_minute)
        self._redis_key = f"llmsdk:ratelimit:{key}"
        self._id = uuid.uuid4().hex[:12]
        self._owners = itertools.count(1)
        self._lock = threading.Lock()
        self._script: Any = None

    # -- pickling: settings travel, connections do not ----------------------------------

    def __getstate__(self) -> Dict[str, Any]:
        return {"url": self.url, "key": self.key, "requests_per_minute": self.requests_per_minute,
                "tokens_per_minute": self.tokens_per_minute, "input_tokens_per_minute": self.input_tokens_per_minute,
                "output_tokens_per_minute": self.output_tokens_per_minute}

    def __setstate__(self, state: Dict[str, Any]) -> None:
        self.__init__(state["url"], state["key"], state["requests_per_minute"],  # type: ignore[misc]
                      state["tokens_per_minute"], input_tokens_per_minute=state.get("input_tokens_per_minute"),
                      output_tokens_per_minute=state.get("output_tokens_per_minute"))

    # -- the script ---------------------------------------------------------------------

    def _connection(self) -> Any:
        """The registered script (its ``registered_client`` is the connection), made on first use."""
        with self._lock:
            if self._script is None:
                import redis

                self._script = redis.Redis.from_url(self.url).register_script(_SCRIPT)
            return self._script

    def _run(self, op: str, *args: Any) -> Any:
        script = self._script or self._connection()
        argv: List[Any] = [op, *(_number(rate) for rate in self._rates()), *args, IDLE_EXPIRY_MS]
        try:
            result = script(keys=[self._redis_key], args=argv)
        except Exception as exc:  # noqa: BLE001 - redis.RedisError and its kin, mapped once here
            raise self._failure(exc) from exc
        if isinstance(result, list) and result and int(result[0]) == -1:
            recorded = result[1].decode() if isinstance(result[1], bytes) else str(result[1])
            raise InvalidConfigError(
                f"RedisRateLimiter key {self.key!r} is shared at other rates (requests/tokens/input/output a "
                f"minute: {recorded}; this process: {'/'.join(_number(r) for r in self._rates())}); every process "
                "naming a key must give it the same rates (or call reset() to start the key afresh)")
        return result

    def _failure(self, exc: BaseException) -> ConnectionFailedError:
        return ConnectionFailedError(f"rate limiter: Redis at {_safe_url(self.url)} failed: {type(exc).__name__}: {exc}")

    def acquire(self, tokens: Union[int, Cost] = 0, cancelled: Optional[threading.Event] = None) -> Optional[Permit]:
        cost = _as_cost(tokens)
        owner = f"{self._id}:{next(self._owners)}"
        while True:
            if cancelled is not None and cancelled.is_set():
                return None
            admitted, wait, probe = self._run("acquire", cost.input, cost.output, owner, PROBE_TTL, PROBE_POLL)
            if int(admitted):
                return Permit(cost.total, bool(int(probe)), owner, cost.output)
            seconds = float(wait)
            if cancelled is not None:
                if cancelled.wait(min(seconds, 0.5)):
                    return None
            else:
                time.sleep(seconds)

    def admitted(self, permit: Permit, ok: bool) -> None:
        if permit.probe:
            self._run("admitted", permit.owner, "1" if ok else "0")

    def settle(self, permit: Permit, used: Union[int, Usage, None]) -> None:
        correction = self._correction(permit, used)
        if correction is not None:
            charged, actual = correction
            self._run("settle", charged.total - actual.total, charged.input - actual.input,
                      charged.output - actual.output)

    def pause(self, seconds: Optional[float] = None, *, probe: bool = True) -> None:
        self._run("pause", -1 if seconds is None else float(seconds), "1" if probe else "0", _jitter(), MAX_BACKOFF,
                  STRIKE_DECAY)

    def reset(self) -> None:
        """Forget the shared state (a fresh, full bucket for every process)."""
        try:
            self._connection().registered_client.delete(self._redis_key)
        except Exception as exc:  # noqa: BLE001 - as in _run
            raise self._failure(exc) from exc

    def __repr__(self) -> str:
        rates = BaseRateLimiter.__repr__(self).partition("(")[2]
        return f"RedisRateLimiter({_safe_url(self.url)!r}, key={self.key!r}, {rates}"


def _number(rate: float) -> str:
    """A rate as the script records it (``600``, ``0.5``)."""
    return f"{rate:g}" if rate != int(rate) else str(int(rate))


def _safe_url(url: str) -> str:
    """The URL without its password (``redis://:secret@host`` -> ``redis://:***@host``)."""
    scheme, sep, rest = url.partition("://")
    if not sep or "@" not in rest:
        return url
    creds, _, host = rest.rpartition("@")
    user = creds.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}"


present_as_public(globals(), "RedisRateLimiter")
