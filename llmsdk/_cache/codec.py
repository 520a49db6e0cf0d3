"""A cached reply as bytes: the event batches exactly as the stream delivered them (text and
thinking deltas, signatures, tool calls, usage) and the few reply fields the events do not
carry (id, model, provider, cost, request id). A hit feeds the batches back through the
engine's own reducer, so it rebuilds the same ``LLMResponse`` a live call did.

Text and thinking deltas, the bulk of any reply, have a compact form ("t"/"h") decoded
without dataclasses-json; other blocks travel as their JSON form."""

from __future__ import annotations

import json
from typing import Any, Dict, List, Optional, Sequence, Tuple

from llmsdk._core.content import TextContent, ThinkingContent, block_from_dict, text_delta
from llmsdk._core.events import Content, PartialContent, Stop, _Event
from llmsdk._core.response import StopReason, Usage

__all__ = ["Entry", "decode_entry", "encode_entry"]

#: The event batches of a reply, and its fields beyond the events.
Entry = Tuple[List[List[_Event]], Dict[str, Any]]

#: Bumped when the format changes: an old entry is then a miss, never a wrong reply.
FORMAT = 2

_PLAIN_TEXT = {"type": "text", "text": ""}


def _block(block: Any) -> Any:
    if type(block) is TextContent and not block.citations and block.signature is None and block.cache is None:
        return ["t", block.text]
    if type(block) is ThinkingContent and block.id is None:
        return ["h", block.thinking, block.signature]
    return block.to_dict()


def _unblock(data: Any) -> Any:
    if isinstance(data, list):
        return text_delta(data[1]) if data[0] == "t" else ThinkingContent(data[1], signature=data[2])
    return block_from_dict(data)


def _event(event: _Event) -> List[Any]:
    if isinstance(event, Stop):
        return ["s", event.reason.value if event.reason is not None else None, event.usage.to_dict()]
    kind = "p" if isinstance(event, PartialContent) else "c"
    return [kind, event.index, _block(event.content)]  # type: ignore[attr-defined]


def _from(data: List[Any]) -> _Event:
    if data[0] == "s":
        return Stop(StopReason(data[1]) if data[1] is not None else None, Usage(**data[2]))
    block = _unblock(data[2])
    return PartialContent(data[1], block) if data[0] == "p" else Content(data[1], block)


def encode_entry(batches: Sequence[Sequence[_Event]], fields: Dict[str, Any]) -> bytes:
    """``batches`` and the reply's other ``fields`` (JSON values) as bytes."""
    return json.dumps({"format": FORMAT, "batches": [[_event(e) for e in batch] for batch in batches],
                       "fields": fields}, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def decode_entry(raw: bytes) -> Optional[Entry]:
    """The entry, or None when ``raw`` is not one this version wrote (a miss)."""
    try:
        data = json.loads(raw.decode("utf-8"))
        if data.get("format") != FORMAT:
            return None
        return [[_from(e) for e in batch] for batch in data["batches"]], dict(data["fields"])
    except (ValueError, KeyError, TypeError, AttributeError, IndexError):
        return None
