"""Feeding a response body to a stream processor: SSE framing by sseclient-py, the
provider's ``StreamProcessor`` for meaning, and the end-of-body rule. Pure: bytes in,
events out; the worker and every transcript test use it.

The end-of-body rule: the body ends, then ``processor.finish()`` says whether the
provider's terminator came (it raises ``IncompleteStreamError`` if not). A last event cut
in half by the end of the body is a truncation too, not a garbled event, so the
``MalformedEventError`` its parse raises becomes ``IncompleteStreamError``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, List, Sequence

from sseclient import SSEClient

from llmsdk.errors import IncompleteStreamError, MalformedEventError
from llmsdk.events import _Event

if TYPE_CHECKING:  # pragma: no cover
    from llmsdk.providers.base import StreamProcessor

__all__ = ["feed", "pour"]


class _Body:
    """Iterates the body's chunks and remembers whether it reached the end. A chunk
    source that keeps an ``ended`` flag itself (the worker's) is used as it is."""

    __slots__ = ("_chunks", "ended")

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._chunks = chunks
        self.ended = False

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self._chunks:
            if chunk:
                yield chunk
        self.ended = True


def _body(chunks: Iterable[bytes]) -> Any:
    """``chunks`` if it keeps an ``ended`` flag itself (the worker's reader), else wrapped."""
    return chunks if hasattr(chunks, "ended") else _Body(chunks)


def pour(processor: "StreamProcessor", chunks: Iterable[bytes], sink: Callable[[Sequence[_Event]], Any]) -> None:
    """Hand ``sink`` the events of each SSE event in ``chunks`` (non-empty groups only),
    then those of ``processor.finish()`` once the chunks end — the engine's loop, with no
    generator between the parser and the sink.
    ``chunks`` may carry an ``ended`` flag, set once it has yielded its last chunk (else
    it is wrapped to track that). Raising from ``chunks`` (or ``sink``) abandons the
    body: ``finish()`` then never runs."""
    body = _body(chunks)
    process = processor.process
    try:
        for sse in SSEClient(iter(body)).events():
            out = process(sse.event, sse.data)
            if out:
                sink(out)
    except MalformedEventError as exc:
        if body.ended:  # a half-sent last event: the body was cut, not garbled
            raise IncompleteStreamError(f"the {processor.provider} stream ended mid-event") from exc
        raise
    last = processor.finish()
    if last:
        sink(last)


def feed(processor: "StreamProcessor", chunks: Iterable[bytes]) -> List[_Event]:
    """Every event ``processor`` makes of the body ``chunks``, end-of-body rule included.

    >>> feed(AnthropicStreamProcessor(), [b"event: message_start\\ndata: {...}\\n\\n", ...])
    """
    events: List[_Event] = []
    pour(processor, chunks, events.extend)
    return events
