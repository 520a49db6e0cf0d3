"""Feeding a response body to a stream processor: SSE framing by sseclient-py, the
provider's ``StreamProcessor`` for meaning, and the end-of-body rule. Pure: bytes in,
events out; the worker and every transcript test use it.

The end-of-body rule: the body ends, then ``processor.finish()`` says whether the
provider's terminator came (it raises ``IncompleteStreamError`` if not). A last event cut
in half by the end of the body is a truncation too, not a garbled event, so the
``MalformedEventError`` its parse raises becomes ``IncompleteStreamError``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable, Iterator, List, Sequence

from sseclient import SSEClient

from llmsdk.errors import IncompleteStreamError, MalformedEventError
from llmsdk.events import _Event

if TYPE_CHECKING:  # pragma: no cover
    from llmsdk.providers.base import StreamProcessor

__all__ = ["event_groups", "feed"]


class _Body:
    """Iterates the body's chunks and remembers whether it reached the end."""

    __slots__ = ("_chunks", "ended")

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._chunks = chunks
        self.ended = False

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self._chunks:
            if chunk:
                yield chunk
        self.ended = True


def event_groups(processor: "StreamProcessor", chunks: Iterable[bytes]) -> Iterator[Sequence[_Event]]:
    """The events of each SSE event in ``chunks`` (only non-empty groups), then those of
    ``processor.finish()`` once the chunks end. Stop pulling early to abandon the body:
    ``finish()`` then never runs."""
    body = _Body(chunks)
    process = processor.process
    try:
        for sse in SSEClient(iter(body)).events():
            out = process(sse.event, sse.data)
            if out:
                yield out
    except MalformedEventError as exc:
        if body.ended:  # a half-sent last event: the body was cut, not garbled
            raise IncompleteStreamError(f"the {processor.provider} stream ended mid-event") from exc
        raise
    last = processor.finish()
    if last:
        yield last


def feed(processor: "StreamProcessor", chunks: Iterable[bytes]) -> List[_Event]:
    """Every event ``processor`` makes of the body ``chunks``, end-of-body rule included.

    >>> feed(AnthropicStreamProcessor(), [b"event: message_start\\ndata: {...}\\n\\n", ...])
    """
    events: List[_Event] = []
    for group in event_groups(processor, chunks):
        events.extend(group)
    return events
