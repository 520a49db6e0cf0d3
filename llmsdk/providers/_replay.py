"""Whole (non-streamed) replies read through the provider's own stream processor.

llmsdk asks for streams everywhere except in provider batch jobs, whose result files hold
whole replies. Each provider's ``response.py`` restates such a reply as the stream events
that would have carried it and ``replay`` feeds them to that provider's stream processor
and the shared reducer: one mapping of content blocks, usage and stop reasons, so a
batch result equals the streamed reply of the same request by construction.
"""

from __future__ import annotations

import json
from typing import Any, Iterable, List, Tuple

from llmsdk._core.accumulate import accumulate
from llmsdk.events import _Event
from llmsdk.providers.base import StreamProcessor
from llmsdk.types import LLMResponse

__all__ = ["Frame", "frame", "replay"]

#: One SSE event: (event name, data text).
Frame = Tuple[str, str]


def frame(event: str, data: Any) -> Frame:
    """An SSE event whose data is ``data`` as JSON."""
    return event, json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def replay(processor: StreamProcessor, frames: Iterable[Frame]) -> LLMResponse:
    """Feed ``frames`` to ``processor`` and fold its events into the reply. Errors the
    processor raises (an error object, a blocked prompt) propagate as they would mid-stream."""
    events: List[_Event] = []
    for event, data in frames:
        events.extend(processor.process(event, data))
    events.extend(processor.finish())
    return accumulate(
        events,
        response_id=processor.response_id,
        model=processor.model,
        provider=processor.provider,
        usage=processor.usage,
        cost=processor.cost,
    )
