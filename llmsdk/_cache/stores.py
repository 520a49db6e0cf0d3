"""Where cached replies live: in memory (LRU), in an SQLite file shared by threads and
processes, or in Redis shared by machines. A store maps a key to bytes; what the bytes mean
is ``llmsdk._cache.codec``'s business. A store that fails is logged and taken as a miss: a
cache never fails a call."""

from __future__ import annotations

import logging
import os
import threading
from collections import OrderedDict
from typing import Any, Optional

from llmsdk._core.public_name import present_as_public
from llmsdk.errors import InvalidConfigError

__all__ = ["DiskCache", "MemoryCache", "RedisCache", "ResponseCache"]

logger = logging.getLogger("llmsdk.cache")


class ResponseCache:
    """The interface of a response cache: ``get(key) -> bytes | None`` and ``set(key, value)``.
    Subclass it for a store of your own."""

    def get(self, key: str) -> Optional[bytes]:  # pragma: no cover - interface
        raise NotImplementedError

    def set(self, key: str, value: bytes) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    def clear(self) -> None:  # pragma: no cover - interface
        raise NotImplementedError


class MemoryCache(ResponseCache):
    """The most recent ``max_entries`` replies, in this process.

    >>> client = LLMClient.from_env("openai", cache=MemoryCache(max_entries=1024))
    """

    def __init__(self, max_entries: int = 1024) -> None:
        if isinstance(max_entries, bool) or not isinstance(max_entries, int) or max_entries < 1:
            raise InvalidConfigError(f"MemoryCache max_entries must be a positive int, got {max_entries!r}")
        self.max_entries = max_entries
        self._entries: "OrderedDict[str, bytes]" = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> Optional[bytes]:
        with self._lock:
            value = self._entries.get(key)
            if value is not None:
                self._entries.move_to_end(key)
            return value

    def set(self, key: str, value: bytes) -> None:
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def __repr__(self) -> str:
        return f"MemoryCache(max_entries={self.max_entries})"


class DiskCache(ResponseCache):
    """Replies in an SQLite file (WAL), shared by the threads and processes that name the
    same ``path``: a directory (``responses.sqlite3`` is made in it) or a file path ending in
    ``.sqlite3``/``.sqlite``/``.db``. ``~`` is expanded.

    >>> client = LLMClient.from_env("anthropic", cache=DiskCache("~/.cache/llmsdk"))
    """

    FILENAME = "responses.sqlite3"

    def __init__(self, path: "str | os.PathLike[str]") -> None:
        raw = os.path.expanduser(os.fspath(path))
        if not raw:
            raise InvalidConfigError("DiskCache needs a path (a directory or a .sqlite3 file)")
        self.path = raw if raw.endswith((".sqlite3", ".sqlite", ".db")) else os.path.join(raw, self.FILENAME)
        self._local = threading.local()
        self._ready = False
        self._lock = threading.Lock()

    def _connection(self) -> Any:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            import sqlite3

            os.makedirs(os.path.dirname(self.path) or ".", exist_ok=True)
            connection = sqlite3.connect(self.path, timeout=30.0, isolation_level=None)
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")
            with self._lock:
                if not self._ready:
                    connection.execute("CREATE TABLE IF NOT EXISTS responses (key TEXT PRIMARY KEY, value BLOB NOT NULL)")
                    self._ready = True
            self._local.connection = connection
        return connection

    def get(self, key: str) -> Optional[bytes]:
        try:
            row = self._connection().execute("SELECT value FROM responses WHERE key = ?", (key,)).fetchone()
        except Exception as exc:  # noqa: BLE001 - sqlite3.Error, OSError: a miss, logged
            logger.warning("DiskCache %s: read failed (%s); treated as a miss", self.path, exc)
            return None
        return bytes(row[0]) if row is not None else None

    def set(self, key: str, value: bytes) -> None:
        try:
            self._connection().execute("INSERT OR REPLACE INTO responses (key, value) VALUES (?, ?)", (key, value))
        except Exception as exc:  # noqa: BLE001 - sqlite3.Error, OSError: not stored, logged
            logger.warning("DiskCache %s: write failed (%s); reply not cached", self.path, exc)

    def clear(self) -> None:
        self._connection().execute("DELETE FROM responses")

    def __len__(self) -> int:
        return int(self._connection().execute("SELECT COUNT(*) FROM responses").fetchone()[0])

    def __repr__(self) -> str:
        return f"DiskCache({self.path!r})"


class RedisCache(ResponseCache):
    """Replies in Redis under ``llmsdk:cache:<key>``, for every process and machine that
    names the same server; ``ttl`` (seconds) expires them. Needs ``pip install 'llmsdk[redis]'``.

    >>> client = LLMClient.from_env("openai", cache=RedisCache("redis://localhost:6379/0", ttl=86400))
    """

    PREFIX = "llmsdk:cache:"

    def __init__(self, url: str, ttl: Optional[float] = None) -> None:
        if ttl is not None and (isinstance(ttl, bool) or not isinstance(ttl, (int, float)) or ttl <= 0):
            raise InvalidConfigError(f"RedisCache ttl must be a positive number of seconds, got {ttl!r}")
        try:
            import redis
        except ImportError:
            raise InvalidConfigError("RedisCache needs the redis package: pip install 'llmsdk[redis]'") from None
        self.url = url
        self.ttl = ttl
        self._redis = redis.Redis.from_url(url)

    def get(self, key: str) -> Optional[bytes]:
        try:
            value = self._redis.get(self.PREFIX + key)
        except Exception as exc:  # noqa: BLE001 - redis errors: a miss, logged
            logger.warning("RedisCache: read failed (%s); treated as a miss", exc)
            return None
        if value is None:
            return None
        return value if isinstance(value, bytes) else str(value).encode("utf-8")

    def set(self, key: str, value: bytes) -> None:
        try:
            self._redis.set(self.PREFIX + key, value, px=int(self.ttl * 1000) if self.ttl else None)
        except Exception as exc:  # noqa: BLE001 - redis errors: not stored, logged
            logger.warning("RedisCache: write failed (%s); reply not cached", exc)

    def clear(self) -> None:
        for name in self._redis.scan_iter(match=self.PREFIX + "*"):
            self._redis.delete(name)

    def __repr__(self) -> str:
        return f"RedisCache({self.url!r}, ttl={self.ttl!r})"


present_as_public(globals(), "DiskCache", "MemoryCache", "RedisCache", "ResponseCache")
