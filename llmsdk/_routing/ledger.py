"""Usage and cost per deployment, and in total: what the router's calls were billed,
answers and failed attempts alike (a stream that broke after some output was paid for)."""

from __future__ import annotations

import threading
from typing import Dict, Optional

from llmsdk.types import Usage

__all__ = ["Ledger"]


class Ledger:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._usage: Dict[str, Usage] = {}
        self._cost: Dict[str, float] = {}

    def add(self, name: str, usage: Optional[Usage], cost: Optional[float]) -> None:
        if usage is None and not cost:
            return
        with self._lock:
            if usage is not None:
                self._usage[name] = (self._usage.get(name) or Usage()) + usage
            if cost:
                self._cost[name] = self._cost.get(name, 0.0) + cost

    def usage(self, name: Optional[str] = None) -> Usage:
        with self._lock:
            if name is not None:
                return Usage() + (self._usage.get(name) or Usage())
            total = Usage()
            for usage in self._usage.values():
                total = total + usage
            return total

    def cost(self, name: Optional[str] = None) -> float:
        with self._lock:
            if name is not None:
                return self._cost.get(name, 0.0)
            return sum(self._cost.values())

    def usage_by_deployment(self) -> Dict[str, Usage]:
        with self._lock:
            return dict(self._usage)

    def cost_by_deployment(self) -> Dict[str, float]:
        with self._lock:
            return dict(self._cost)
