"""Counting the results of a many-requests run, and showing them as a tqdm bar
(``tqdm.auto``: a widget in Jupyter, text on a terminal)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

__all__ = ["Progress", "Tally"]


@dataclass
class Tally:
    """What a run has done so far. ``resumed`` items came from the checkpoint: their
    tokens and cost were spent by an earlier run and are not counted again."""

    done: int = 0
    failed: int = 0
    resumed: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost: float = 0.0

    def add(self, response: Any, error: Any, resumed: bool = False) -> None:
        if error is not None:
            self.failed += 1
            billed = getattr(error, "partial_response", None)
        else:
            self.done += 1
            billed = response
        if resumed:
            self.resumed += 1
            return
        if billed is not None:
            usage = billed.usage
            self.input_tokens += usage.total_input_tokens
            self.output_tokens += usage.output_tokens
            if billed.cost:
                self.cost += billed.cost

    @property
    def tokens(self) -> int:
        return self.input_tokens + self.output_tokens

    def summary(self) -> str:
        text = f"{self.done} done, {self.failed} failed"
        if self.resumed:
            text += f" ({self.resumed} from the checkpoint)"
        return f"{text} · {self.tokens:,} tokens · ${self.cost:.4f}"


class Progress:
    """A tqdm bar over a ``Tally`` (nothing at all when disabled)."""

    def __init__(self, enabled: bool, total: Optional[int], desc: str = "llmsdk") -> None:
        self.tally = Tally()
        self._bar: Any = None
        if enabled:
            from tqdm.auto import tqdm

            self._bar = tqdm(total=total, desc=desc, unit="req", dynamic_ncols=True)

    def add(self, response: Any, error: Any, resumed: bool = False) -> None:
        self.tally.add(response, error, resumed)
        bar = self._bar
        if bar is not None:
            t = self.tally
            bar.set_postfix_str(f"failed={t.failed} tokens={_short(t.tokens)} cost=${t.cost:.4f}", refresh=False)
            bar.update(1)

    def close(self) -> None:
        bar = self._bar
        if bar is not None:
            self._bar = None
            bar.close()


def _short(n: int) -> str:
    if n >= 1_000_000:
        return f"{n / 1_000_000:.1f}M"
    if n >= 10_000:
        return f"{n / 1000:.0f}k"
    return str(n)
