"""Single flight: concurrent identical misses make one upstream call. The first caller of a
key leads; the others wait until it ends, then look in the cache again (and, if the leader
failed or stored nothing, one of them leads the next try)."""

from __future__ import annotations

import threading
from typing import Dict, Optional

__all__ = ["Flights"]


class Flights:
    """In-flight keys of one client. ``lead(key)`` returns a release function for the
    leader, or None after waiting for the current leader (bounded by ``timeout``)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running: Dict[str, threading.Event] = {}

    def lead(self, key: str, timeout: Optional[float] = None) -> "Optional[Release]":
        with self._lock:
            running = self._running.get(key)
            if running is None:
                done = threading.Event()
                self._running[key] = done
                return Release(self, key, done)
        running.wait(timeout)
        return None

    def _end(self, key: str, done: threading.Event) -> None:
        with self._lock:
            if self._running.get(key) is done:
                del self._running[key]
        done.set()


class Release:
    """Ends a lead exactly once (the stream's end, or an error before it)."""

    __slots__ = ("_flights", "_key", "_done", "_ended")

    def __init__(self, flights: Flights, key: str, done: threading.Event) -> None:
        self._flights, self._key, self._done, self._ended = flights, key, done, False

    def __call__(self) -> None:
        if not self._ended:
            self._ended = True
            self._flights._end(self._key, self._done)
