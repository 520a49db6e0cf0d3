"""Feeding a response body to a stream processor: framing (SSE by sseclient-py, or the
framing the processor names), the provider's ``StreamProcessor`` for meaning, and the
end-of-body rule. Pure: bytes in, events out; the worker and every transcript test use it.

Framing is a seam: ``StreamProcessor.framing`` names how the body is cut into
``(event, data)`` pairs — ``"sse"`` (the default, inlined below: the hot path) or a name in
``FRAMINGS`` (``"ndjson"``: one JSON document per line, event ``"message"``;
``"aws-eventstream"``: AWS's binary frames, ``_engine/eventstream.py``).

The end-of-body rule: the body ends, then ``processor.finish()`` says whether the
provider's terminator came (it raises ``IncompleteStreamError`` if not). A last event cut
in half by the end of the body is a truncation too, not a garbled event, so the
``MalformedEventError`` its parse raises becomes ``IncompleteStreamError``.

An event of a shape the processor does not expect (a string where an object belongs: its
lookups raise ``TypeError``, ``AttributeError``...) is a ``MalformedEventError`` naming the
event, with the processor's exception as its cause.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Dict, Iterable, Iterator, List, Sequence, Tuple

from sseclient import SSEClient

from llmsdk._engine.eventstream import eventstream_pairs
from llmsdk.errors import IncompleteStreamError, MalformedEventError
from llmsdk.events import _Event

if TYPE_CHECKING:  # pragma: no cover
    from llmsdk.providers.base import StreamProcessor

__all__ = ["CONTENT_TYPES", "FRAMINGS", "expects_content_type", "feed", "ndjson_pairs", "pour"]

#: A framing: the body's chunks in, ``(event, data)`` pairs out, pure.
Framing = Callable[[Iterable[bytes]], Iterator[Tuple[str, str]]]


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


def ndjson_pairs(chunks: Iterable[bytes]) -> Iterator[Tuple[str, str]]:
    """Newline-delimited JSON (Ollama's ``/api/chat``): each non-blank line is one event
    named ``"message"``. A last line the body ends without a newline is still handed on, so
    a cut document fails to parse and the end-of-body rule reports the truncation."""
    pending = b""
    for chunk in chunks:
        *lines, pending = (pending + chunk).split(b"\n")
        for line in lines:
            if line.strip():
                yield "message", line.decode("utf-8")
    if pending.strip():
        yield "message", pending.decode("utf-8")


#: Framings other than SSE, by ``StreamProcessor.framing``.
FRAMINGS: Dict[str, Framing] = {
    "ndjson": ndjson_pairs,
    "aws-eventstream": eventstream_pairs,  # Bedrock's binary frames (_engine/eventstream.py)
}

#: The media types a body in each framing comes as; a 2xx reply of another type (an HTML
#: page from a wrong base URL) is an error that says what came back. A framing added to
#: ``FRAMINGS`` declares its own here (none: any type is read).
CONTENT_TYPES: Dict[str, Tuple[str, ...]] = {
    "sse": ("text/event-stream",),
    "ndjson": ("application/x-ndjson", "application/json"),
    "aws-eventstream": ("application/vnd.amazon.eventstream",),
}


def expects_content_type(framing: str, content_type: str) -> bool:
    """Is ``content_type`` (a ``Content-Type`` header, parameters and all) a body that
    ``framing`` reads? A missing header is given the benefit of the doubt."""
    media = content_type.split(";", 1)[0].strip().lower()
    expected = CONTENT_TYPES.get(framing)
    return not media or expected is None or media in expected


def _pairs(processor: "StreamProcessor", body: Iterable[bytes]) -> Iterator[Tuple[str, str]]:
    """The ``(event, data)`` pairs of a body in a framing other than SSE."""
    framing = processor.framing
    try:
        return FRAMINGS[framing](body)
    except KeyError:
        raise MalformedEventError(f"the {processor.provider} stream processor names an unknown framing "
                                  f"{framing!r}") from None


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
        if getattr(processor, "framing", "sse") == "sse":
            for sse in SSEClient(iter(body)).events():
                try:
                    out = process(sse.event, sse.data)
                except _GARBLED as exc:
                    raise _unreadable(processor, sse.data, exc) from exc
                if out:
                    sink(out)
        else:
            for event, data in _pairs(processor, body):
                try:
                    out = process(event, data)
                except _GARBLED as exc:
                    raise _unreadable(processor, data, exc) from exc
                if out:
                    sink(out)
    except (MalformedEventError, UnicodeDecodeError) as exc:
        if body.ended:  # a half-sent last event: the body was cut, not garbled
            raise IncompleteStreamError(f"the {processor.provider} stream ended mid-event") from exc
        if isinstance(exc, UnicodeDecodeError):
            raise MalformedEventError(f"the {processor.provider} stream is not UTF-8: {exc}") from exc
        raise
    try:
        last = processor.finish()
    except _GARBLED as exc:
        raise _unreadable(processor, "", exc) from exc
    if last:
        sink(last)


#: What a stream processor raises on an event of a shape it does not expect (a string
#: where an object belongs...): reported as ``MalformedEventError``, the cause chained.
_GARBLED = (TypeError, AttributeError, KeyError, IndexError, ValueError)


def _unreadable(processor: "StreamProcessor", data: str, exc: BaseException) -> MalformedEventError:
    where = f": {data[:200]!r}" if data else " at its end"
    return MalformedEventError(f"the {processor.provider} stream sent an event of a shape llmsdk cannot read "
                               f"({type(exc).__name__}: {exc}){where}")


def feed(processor: "StreamProcessor", chunks: Iterable[bytes]) -> List[_Event]:
    """Every event ``processor`` makes of the body ``chunks``, end-of-body rule included.

    >>> feed(AnthropicStreamProcessor(), [b"event: message_start\\ndata: {...}\\n\\n", ...])
    """
    events: List[_Event] = []
    pour(processor, chunks, events.extend)
    return events
