"""``RedisRateLimiter``: the ``RateLimiter`` bucket kept in Redis, so every process and
machine that names the same ``key`` shares one provider quota.

All state lives in one Redis hash (``llmsdk:ratelimit:<key>``) and changes only through
one Lua script, which Redis runs atomically; the script reads the server's clock, so
machines whose clocks disagree still agree on the bucket. A 429 seen by any process
pauses them all. Needs the optional ``redis`` package: ``pip install 'llmsdk[redis]'``.
"""

from __future__ import annotations

import itertools
import threading
import time
import uuid
from typing import Any, Dict, List, Optional

from llmsdk._many.rate_limiter import (
    MAX_BACKOFF, PROBE_POLL, PROBE_TTL, BaseRateLimiter, Permit, _check_rate, _jitter,
)
from llmsdk.errors import ConnectionFailedError, InvalidConfigError
from llmsdk._core.public_name import present_as_public

__all__ = ["RedisRateLimiter"]

#: An idle bucket disappears from Redis after this long.
IDLE_EXPIRY_MS = 3_600_000

# The same rules as llmsdk._many.rate_limiter._Bucket. KEYS[1]: the hash. ARGV: op,
# requests/min, tokens/min (0 = no limit), then the op's own arguments. Fractions are
# returned as strings (Redis truncates Lua numbers to integers).
_SCRIPT = """
local key, op = KEYS[1], ARGV[1]
local rpm, tpm = tonumber(ARGV[2]), tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local s = redis.call('HMGET', key, 'req', 'tok', 'at', 'paused', 'probing', 'owner', 'probe_until', 'strikes')
local req_rate, tok_rate = rpm / 60, tpm / 60
local req_cap, tok_cap = math.max(1, req_rate), math.max(1, tok_rate)
local req, tok = tonumber(s[1]) or req_cap, tonumber(s[2]) or tok_cap
local at = tonumber(s[3]) or now
local paused = tonumber(s[4]) or 0
local probing = s[5] == '1'
local owner = s[6] or ''
local probe_until = tonumber(s[7]) or 0
local strikes = tonumber(s[8]) or 0
local dt = math.max(0, now - at)
req = math.min(req_cap, req + dt * req_rate)
tok = math.min(tok_cap, tok + dt * tok_rate)
at = now
local result = 1
if op == 'acquire' then
  local cost, me, ttl, poll = tonumber(ARGV[4]), ARGV[5], tonumber(ARGV[6]), tonumber(ARGV[7])
  local wait = 0
  if now < paused then
    wait = paused - now
  elseif probing and probe_until > now then
    wait = math.min(probe_until - now, poll)
  else
    if rpm > 0 and req < 1 then wait = (1 - req) / req_rate end
    if tpm > 0 then
      local need = math.min(cost, tok_cap)
      if tok < need then wait = math.max(wait, (need - tok) / tok_rate) end
    end
  end
  if wait > 0 then
    result = {0, tostring(wait), 0}
  else
    if rpm > 0 then req = req - 1 end
    if tpm > 0 then tok = tok - cost end
    local probe = 0
    if probing then owner, probe_until, probe = me, now + ttl, 1 end
    result = {1, '0', probe}
  end
elseif op == 'admitted' then
  if owner == ARGV[4] then
    owner, probe_until = '', 0
    if ARGV[5] == '1' then probing, strikes = false, 0 end
  end
elseif op == 'settle' then
  if tpm > 0 then tok = math.min(tok_cap, tok + tonumber(ARGV[4])) end
elseif op == 'pause' then
  local seconds, probe, jitter, max_backoff = tonumber(ARGV[4]), ARGV[5], tonumber(ARGV[6]), tonumber(ARGV[7])
  if now >= paused then strikes = strikes + 1 end
  if seconds < 0 then seconds = math.min(max_backoff, 2 ^ (strikes - 1)) * jitter end
  paused = math.max(paused, now + seconds)
  if probe == '1' then probing, owner, probe_until = true, '', 0 end
end
redis.call('HSET', key, 'req', tostring(req), 'tok', tostring(tok), 'at', tostring(at),
  'paused', tostring(paused), 'probing', probing and '1' or '0', 'owner', owner,
  'probe_until', tostring(probe_until), 'strikes', tostring(strikes))
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
                 tokens_per_minute: Optional[float] = None) -> None:
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
        self._redis_key = f"llmsdk:ratelimit:{key}"
        self._id = uuid.uuid4().hex[:12]
        self._owners = itertools.count(1)
        self._lock = threading.Lock()
        self._script: Any = None

    # -- pickling: settings travel, connections do not ----------------------------------

    def __getstate__(self) -> Dict[str, Any]:
        return {"url": self.url, "key": self.key, "requests_per_minute": self.requests_per_minute,
                "tokens_per_minute": self.tokens_per_minute}

    def __setstate__(self, state: Dict[str, Any]) -> None:
        self.__init__(state["url"], state["key"], state["requests_per_minute"],  # type: ignore[misc]
                      state["tokens_per_minute"])

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
        argv: List[Any] = [op, self.requests_per_minute or 0, self.tokens_per_minute or 0, *args, IDLE_EXPIRY_MS]
        try:
            return script(keys=[self._redis_key], args=argv)
        except Exception as exc:  # noqa: BLE001 - redis.RedisError and its kin, mapped once here
            raise self._failure(exc) from exc

    def _failure(self, exc: BaseException) -> ConnectionFailedError:
        return ConnectionFailedError(f"rate limiter: Redis at {_safe_url(self.url)} failed: {type(exc).__name__}: {exc}")

    def acquire(self, tokens: int = 0, cancelled: Optional[threading.Event] = None) -> Optional[Permit]:
        owner = f"{self._id}:{next(self._owners)}"
        while True:
            if cancelled is not None and cancelled.is_set():
                return None
            admitted, wait, probe = self._run("acquire", int(tokens), owner, PROBE_TTL, PROBE_POLL)
            if int(admitted):
                return Permit(int(tokens), bool(int(probe)), owner)
            seconds = float(wait)
            if cancelled is not None:
                if cancelled.wait(min(seconds, 0.5)):
                    return None
            else:
                time.sleep(seconds)

    def admitted(self, permit: Permit, ok: bool) -> None:
        if permit.probe:
            self._run("admitted", permit.owner, "1" if ok else "0")

    def settle(self, permit: Permit, used_tokens: int) -> None:
        delta = permit.tokens - used_tokens
        if self.tokens_per_minute and delta:
            self._run("settle", delta)

    def pause(self, seconds: Optional[float] = None, *, probe: bool = True) -> None:
        self._run("pause", -1 if seconds is None else float(seconds), "1" if probe else "0", _jitter(), MAX_BACKOFF)

    def reset(self) -> None:
        """Forget the shared state (a fresh, full bucket for every process)."""
        try:
            self._connection().registered_client.delete(self._redis_key)
        except Exception as exc:  # noqa: BLE001 - as in _run
            raise self._failure(exc) from exc

    def __repr__(self) -> str:
        return (f"RedisRateLimiter({_safe_url(self.url)!r}, key={self.key!r}, "
                f"requests_per_minute={self.requests_per_minute!r}, tokens_per_minute={self.tokens_per_minute!r})")


def _safe_url(url: str) -> str:
    """The URL without its password (``redis://:secret@host`` -> ``redis://:***@host``)."""
    scheme, sep, rest = url.partition("://")
    if not sep or "@" not in rest:
        return url
    creds, _, host = rest.rpartition("@")
    user = creds.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}"


present_as_public(globals(), "RedisRateLimiter")
