"""``RedisState``: the router's breakers and in-flight counts kept in Redis, so a fleet of
processes stops hammering a failing deployment together (and ``least_busy`` sees every
process's calls).

Per deployment, a hash ``llmsdk:router:<name>`` (the breaker) and a sorted set
``llmsdk:router:<name>:busy`` (calls in flight, each with an expiry, so a process that
dies mid-call leaks nothing for long). Both change only through one Lua script, run
atomically by Redis, with the same rules as ``LocalState`` (see ``llmsdk._routing.state``).
The script reads the server's clock, so machines whose clocks disagree still agree on a
cooldown; a router given its own ``clock`` (tests) passes its time instead.

Redis being unreachable must not stop the calls it only advises on: while it fails, the
router keeps breakers in this process (``LocalState``) and logs a warning now and then.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
import uuid
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from llmsdk._many.redis_limiter import _safe_url
from llmsdk._routing.state import FAIL_WINDOW, BreakerRules, Lease, LocalState, Status, _status
from llmsdk.errors import ConnectionFailedError

__all__ = ["RedisState"]

logger = logging.getLogger("llmsdk.router")

#: While Redis fails, this process keeps its own breakers; the warning repeats at most this often.
WARN_EVERY = 30.0

#: A call in flight stops counting for ``least_busy`` after this long, finished or not.
BUSY_TTL = 900.0
#: An idle breaker disappears from Redis after this long (past any open period).
IDLE_EXPIRY = 3600.0

# KEYS: (hash, busy set) per deployment. ARGV: op, now ('' = the server's clock),
# cooldown, allowed_fails, window, busy ttl, idle expiry, then the op's own arguments.
_SCRIPT = """
local op = ARGV[1]
local now = tonumber(ARGV[2])
if not now then
  local t = redis.call('TIME')
  now = tonumber(t[1]) + tonumber(t[2]) / 1000000
end
local cooldown, allowed, window = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local busy_ttl, idle = tonumber(ARGV[6]), tonumber(ARGV[7])
local function busy(z)
  redis.call('ZREMRANGEBYSCORE', z, '-inf', now)
  return redis.call('ZCARD', z)
end
local function load(h)
  local s = redis.call('HMGET', h, 'fails', 'first_fail', 'open_until', 'tripped', 'probe_until')
  return tonumber(s[1]) or 0, tonumber(s[2]) or 0, tonumber(s[3]) or 0, s[4] == '1', tonumber(s[5]) or 0
end
local function save(h, fails, first_fail, open_until, tripped, probe_until)
  redis.call('HSET', h, 'fails', fails, 'first_fail', tostring(first_fail), 'open_until', tostring(open_until),
    'tripped', tripped and '1' or '0', 'probe_until', tostring(probe_until))
  redis.call('PEXPIRE', h, math.floor((math.max(0, open_until - now) + idle) * 1000))
end
if op == 'acquire' then
  local least_busy, token = ARGV[8] == '1', ARGV[9]
  local chosen, chosen_busy, probe, wait = 0, 0, false, nil
  for i = 1, #KEYS, 2 do
    local fails, first_fail, open_until, tripped, probe_until = load(KEYS[i])
    if open_until > now then
      wait = math.min(wait or math.huge, open_until - now)
    elseif tripped and probe_until > now then
      wait = math.min(wait or math.huge, probe_until - now)
    else
      local n = 0
      if least_busy then n = busy(KEYS[i + 1]) end
      if chosen == 0 or (least_busy and n < chosen_busy) then
        chosen, chosen_busy, probe = i, n, tripped
        if not least_busy then break end
      end
    end
  end
  if chosen == 0 then return {0, 0, wait and tostring(wait) or ''} end
  redis.call('ZADD', KEYS[chosen + 1], now + busy_ttl, token)
  redis.call('PEXPIRE', KEYS[chosen + 1], math.floor(busy_ttl * 1000))
  if probe then
    local fails, first_fail, open_until, tripped = load(KEYS[chosen])
    save(KEYS[chosen], fails, first_fail, open_until, tripped, now + cooldown)
  end
  return {(chosen + 1) / 2, probe and 1 or 0, ''}
elseif op == 'release' then
  local token, outcome, open_for, done, was_probe = ARGV[8], ARGV[9], tonumber(ARGV[10]), ARGV[11], ARGV[12] == '1'
  if done == '1' then redis.call('ZREM', KEYS[2], token) end
  local fails, first_fail, open_until, tripped, probe_until = load(KEYS[1])
  if outcome == '1' then
    fails, tripped, open_until, probe_until = 0, false, 0, 0
  elseif outcome == '0' then
    if fails == 0 or now - first_fail > window then fails, first_fail = 0, now end
    fails = fails + 1
    local untl = 0
    if open_for then
      untl = now + open_for
    elseif was_probe or fails >= allowed then
      untl = now + cooldown
    end
    if untl > 0 then
      open_until = math.max(open_until, untl)
      tripped, fails, probe_until = true, 0, 0
    end
  elseif was_probe then
    probe_until = 0
  else
    return 0
  end
  save(KEYS[1], fails, first_fail, open_until, tripped, probe_until)
  return 0
elseif op == 'status' then
  local out = {}
  for i = 1, #KEYS, 2 do
    local fails, first_fail, open_until, tripped = load(KEYS[i])
    table.insert(out, {tostring(open_until - now), tripped and 1 or 0, busy(KEYS[i + 1])})
  end
  return out
elseif op == 'reset' then
  for i = 1, #KEYS do redis.call('DEL', KEYS[i]) end
  return 0
end
return redis.error_reply('unknown op ' .. op)
"""


class RedisState:
    """``LocalState``'s interface over Redis (``shared_state="redis://..."``)."""

    def __init__(self, url: str, rules: BreakerRules, clock: Optional[Callable[[], float]] = None) -> None:
        try:
            import redis  # noqa: F401 - fail at construction, not in a call
        except ImportError as exc:
            raise ImportError("Router(shared_state='redis://...') needs the redis package: "
                              "pip install 'llmsdk[redis]'") from exc
        self.url = url
        self.rules = rules
        self.clock = clock
        self._id = uuid.uuid4().hex[:12]
        self._tokens = itertools.count(1)
        self._lock = threading.Lock()
        self._script: Any = None
        self._local = LocalState(rules, clock or time.monotonic)
        self._warned_at: Optional[float] = None

    def _connection(self) -> Any:
        with self._lock:
            if self._script is None:
                import redis

                self._script = redis.Redis.from_url(self.url).register_script(_SCRIPT)
            return self._script

    def _run(self, op: str, names: Sequence[str], *args: Any) -> Any:
        script = self._script or self._connection()
        keys: List[str] = []
        for name in names:
            keys += [f"llmsdk:router:{name}", f"llmsdk:router:{name}:busy"]
        rules = self.rules
        now = "" if self.clock is None else repr(float(self.clock()))
        argv = [op, now, rules.cooldown, rules.allowed_fails, FAIL_WINDOW, BUSY_TTL, IDLE_EXPIRY, *args]
        try:
            return script(keys=keys, args=argv)
        except Exception as exc:  # noqa: BLE001 - redis.RedisError and its kin, mapped once here
            raise ConnectionFailedError(
                f"router: Redis at {_safe_url(self.url)} failed: {type(exc).__name__}: {exc}") from exc

    def _degrade(self, exc: ConnectionFailedError) -> LocalState:
        """Redis failed: this process's own state serves the call (warned at most every 30 s)."""
        now = time.monotonic()
        if self._warned_at is None or now - self._warned_at >= WARN_EVERY:
            self._warned_at = now
            logger.warning("%s; keeping breakers in this process meanwhile", exc)
        return self._local

    def acquire(self, names: Sequence[str], least_busy: bool = False) -> Tuple[Optional[Lease], Optional[float]]:
        token = f"{self._id}:{next(self._tokens)}"
        try:
            index, probe, wait = self._run("acquire", names, "1" if least_busy else "0", token)
        except ConnectionFailedError as exc:
            return self._degrade(exc).acquire(names, least_busy)
        if not int(index):
            text = wait.decode() if isinstance(wait, bytes) else str(wait)
            return None, float(text) if text else None
        return Lease(names[int(index) - 1], bool(int(probe)), token), None

    def release(self, lease: Lease, outcome: Optional[bool], open_for: Optional[float] = None,
                done: bool = True) -> None:
        code = "" if outcome is None else ("1" if outcome else "0")
        try:
            self._run("release", [lease.name], lease.token, code, "" if open_for is None else repr(float(open_for)),
                      "1" if done else "0", "1" if lease.probe else "0")
        except ConnectionFailedError as exc:
            self._degrade(exc).release(lease, outcome, open_for, done)

    def status(self, names: Sequence[str]) -> Dict[str, Status]:
        try:
            rows = self._run("status", names)
        except ConnectionFailedError as exc:
            return self._degrade(exc).status(names)
        out: Dict[str, Status] = {}
        for name, (left, tripped, busy) in zip(names, rows):
            left_s = float(left.decode() if isinstance(left, bytes) else left)
            out[name] = _status(left_s, bool(int(tripped)), int(busy), 0.0)
        return out

    def reset(self, names: List[str]) -> None:
        self._local.reset(names)
        self._run("reset", names)
