"""The order in which a group's deployments are asked, per strategy:

- ``ordered``: as listed.
- ``weighted``: a weighted random order (each deployment first in proportion to its weight).
- ``least_busy``: the one with the fewest calls in flight (the state store picks; ties in a
  random order, so idle deployments share the load).
- ``latency``: the lowest moving average (EWMA) of time to first event; deployments not yet
  measured first, in order, so each is measured.
"""

from __future__ import annotations

import random
import threading
from typing import Dict, List, Optional, Sequence

__all__ = ["STRATEGIES", "LatencyTracker", "order"]

STRATEGIES = ("ordered", "weighted", "least_busy", "latency")

#: Weight of a new time-to-first-event sample in the moving average.
EWMA_ALPHA = 0.3


class LatencyTracker:
    """An EWMA of each deployment's time to first event (seconds), in this process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ewma: Dict[str, float] = {}

    def observe(self, name: str, seconds: float) -> None:
        with self._lock:
            old = self._ewma.get(name)
            self._ewma[name] = seconds if old is None else old + EWMA_ALPHA * (seconds - old)

    def get(self, name: str) -> Optional[float]:
        return self._ewma.get(name)

    def order(self, names: Sequence[str]) -> List[str]:
        ewma = self._ewma
        unmeasured = [n for n in names if n not in ewma]
        measured = sorted((n for n in names if n in ewma), key=ewma.__getitem__)
        return unmeasured + measured


def order(strategy: str, names: Sequence[str], weights: Sequence[float], rng: random.Random,
          latency: LatencyTracker) -> List[str]:
    """``names`` in the order ``strategy`` asks them."""
    if len(names) < 2 or strategy == "ordered":
        return list(names)
    if strategy == "weighted":
        # Efraimidis–Spirakis: sorting by u ** (1 / w) draws without replacement by weight.
        keys = [rng.random() ** (1.0 / w) for w in weights]
        return [n for _, n in sorted(zip(keys, names), key=lambda kn: -kn[0])]
    if strategy == "least_busy":
        shuffled = list(names)
        rng.shuffle(shuffled)
        return shuffled
    return latency.order(names)
