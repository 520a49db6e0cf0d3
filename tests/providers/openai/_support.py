"""Feed raw SSE bytes to a processor through ``llmsdk._engine.sse``, as the engine does."""

from __future__ import annotations

from pathlib import Path
from typing import Callable, List, Optional, Sequence, Tuple

from llmsdk._engine.sse import feed, pour
from llmsdk.errors import LLMError
from llmsdk.events import _Event
from llmsdk.providers.base import StreamProcessor

FIXTURES = Path(__file__).parent / "fixtures"


def fixture(name: str, crlf: bool = False) -> bytes:
    raw = (FIXTURES / name).read_bytes()
    return raw.replace(b"\n", b"\r\n") if crlf else raw


def run(processor: StreamProcessor, chunks: Sequence[bytes]) -> List[_Event]:
    """All events, ``finish()`` included; errors propagate."""
    return feed(processor, chunks)


Outcome = Tuple[List[_Event], Optional[Tuple[type, str]]]


def outcome(processor: StreamProcessor, chunks: Sequence[bytes]) -> Outcome:
    """Events delivered before any error, and the error's type and message."""
    events: List[_Event] = []
    try:
        pour(processor, chunks, events.extend)
    except LLMError as exc:
        return events, (type(exc), str(exc))
    return events, None


def assert_every_split_identical(new_processor: Callable[[], StreamProcessor], raw: bytes) -> Outcome:
    """Every two-chunk cut of ``raw`` gives the same events (and error) as one chunk."""
    whole = outcome(new_processor(), [raw])
    for cut in range(1, len(raw)):
        got = outcome(new_processor(), [raw[:cut], raw[cut:]])
        assert got == whole, f"split at byte {cut} of {len(raw)} changed the result"
    return whole
