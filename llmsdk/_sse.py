"""Feeding a response body to a stream processor: SSE framing by sseclient-py, the
provider's ``StreamProcessor`` for meaning, and the end-of-body rule. Pure: bytes in,
events out; the worker and every transcript test use it.

The end-of-body rule: the body ends, then ``processor.finish()`` says whether the
provider's terminator came (it raises ``IncompleteStreamError`` if not). A last event cut
in half by the end of the body is a truncation too, not a garbled event, so the
``MalformedEventError`` its parse raises becomes ``IncompleteStreamError``.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, List, Sequence

from sseclient import SSEClient

from llmsdk.errors import IncompleteStreamError, MalformedEventError
from llmsdk.events import _Event

if TYPE_CHECKING:  # pragma: no cover
    from llmsdk.providers.base import StreamProcessor

__all__ = ["event_groups", "feed", "pour"]


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


@contextmanager
def _end_of_body_rule(processor: "StreamProcessor", body: Any) -> Iterator[None]:
    """A half-sent last event means the body was cut, not garbled: ``IncompleteStreamError``."""
    try:
        yield
    except MalformedEventError as exc:
        if body.ended:
            raise IncompleteStreamError(f"the {processor.provider} stream ended mid-event") from exc
        raise


def pour(processor: "StreamProcessor", chunks: Iterable[bytes], sink: Callable[[Sequence[_Event]], Any]) -> None:
    """Hand ``sink`` the events of each SSE event in ``chunks`` (non-empty groups only),
    then those of ``processor.finish()`` once the chunks end — the engine's loop, with no
    generator between the parser and the sink (``event_groups`` is the pulling twin).
    ``chunks`` may carry an ``ended`` flag, set once it has yielded its last chunk (else
    it is wrapped to track that). Raising from ``chunks`` (or ``sink``) abandons the
    body: ``finish()`` then never runs."""
    body = _body(chunks)
    process = processor.process
    with _end_of_body_rule(processor, body):
        for sse in SSEClient(iter(body)).events():
            out = process(sse.event, sse.data)
            if out:
                sink(out)
    last = processor.finish()
    if last:
        sink(last)


def event_groups(processor: "StreamProcessor", chunks: Iterable[bytes]) -> Iterator[Sequence[_Event]]:
    """``pour``'s groups pulled one by one (transcript tests; a reader that stops early
    closes the generator, which abandons the body)."""
    body = _body(chunks)
    process = processor.process
    with _end_of_body_rule(processor, body):
        for sse in SSEClient(iter(body)).events():
            out = process(sse.event, sse.data)
            if out:
                yield out
    last = processor.finish()
    if last:
        yield last


def feed(processor: "StreamProcessor", chunks: Iterable[bytes]) -> List[_Event]:
    """Every event ``processor`` makes of the body ``chunks``, end-of-body rule included.

    >>> feed(AnthropicStreamProcessor(), [b"event: message_start\\ndata: {...}\\n\\n", ...])
    """
    events: List[_Event] = []
    pour(processor, chunks, events.extend)
    return events
