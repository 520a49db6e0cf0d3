"""A cached reply as bytes: the event batches exactly as the stream delivered them (text and
thinking deltas, signatures, tool calls, usage) and the finished ``LLMResponse``, so a hit
replays the same sequence a live call would."""

from __future__ import annotations

import json
from typing import Any, Dict, List, Sequence, Tuple

from llmsdk._core.content import block_from_dict
from llmsdk._core.events import Content, PartialContent, Stop, _Event
from llmsdk._core.response import LLMResponse, StopReason, Usage

__all__ = ["Entry", "decode_entry", "encode_entry"]

#: The event batches of a reply and the reply itself.
Entry = Tuple[List[List[_Event]], LLMResponse]

#: Bumped when the format changes: an old entry is then a miss, never a wrong reply.
FORMAT = 1


def _event(event: _Event) -> Dict[str, Any]:
    if isinstance(event, Stop):
        return {"k": "s", "r": event.reason.value if event.reason is not None else None, "u": event.usage.to_dict()}
    kind = "p" if isinstance(event, PartialContent) else "c"
    return {"k": kind, "i": event.index, "b": event.content.to_dict()}  # type: ignore[attr-defined]


def _from(data: Dict[str, Any]) -> _Event:
    if data["k"] == "s":
        return Stop(StopReason(data["r"]) if data["r"] is not None else None, Usage.from_dict(data["u"]))
    block = block_from_dict(data["b"])
    return PartialContent(data["i"], block) if data["k"] == "p" else Content(data["i"], block)


def encode_entry(batches: Sequence[Sequence[_Event]], response: LLMResponse) -> bytes:
    return json.dumps({"format": FORMAT, "batches": [[_event(e) for e in batch] for batch in batches],
                       "response": response.to_dict(encode_json=True)},
                      ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def decode_entry(raw: bytes) -> "Entry | None":
    """The entry, or None when ``raw`` is not one this version wrote (a miss)."""
    try:
        data = json.loads(raw.decode("utf-8"))
        if data.get("format") != FORMAT:
            return None
        batches = [[_from(e) for e in batch] for batch in data["batches"]]
        return batches, LLMResponse.from_dict(data["response"])
    except (ValueError, KeyError, TypeError, AttributeError):
        return None
