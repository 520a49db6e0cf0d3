"""A whole Anthropic ``message`` -> ``LLMResponse``. Pure.

The message is restated as the events of its stream (``message_start``, per block
``content_block_start`` / deltas / ``content_block_stop``, ``message_delta``,
``message_stop``) and read by ``AnthropicStreamProcessor`` (see ``providers/_replay.py``).
A block with an ``input`` object (``tool_use``, ``server_tool_use``) streams it as
``input_json_delta``; text and thinking stream as deltas (citations as
``citations_delta``, a signature as ``signature_delta``); other blocks arrive whole in
their ``content_block_start``, as they do on the wire.
"""

from __future__ import annotations

import json
from typing import Any, Dict, List

from llmsdk.errors import MalformedEventError
from llmsdk.providers._replay import Frame, frame, replay
from llmsdk.providers.anthropic.stream import AnthropicStreamProcessor
from llmsdk.types import LLMResponse

__all__ = ["message_frames", "parse_response"]

Json = Dict[str, Any]


def _event(name: str, **data: Any) -> Frame:
    return frame(name, {"type": name, **data})


def _block_frames(index: int, block: Json) -> List[Frame]:
    kind = block.get("type")
    deltas: List[Json] = []
    start = dict(block)
    if kind == "text":
        start["text"] = ""
        citations = start.pop("citations", None)
        if citations is not None:  # as on the wire: the block opens with none, each arrives alone
            start["citations"] = []
            deltas.extend({"type": "citations_delta", "citation": c} for c in citations)
        if block.get("text"):
            deltas.append({"type": "text_delta", "text": block["text"]})
    elif kind == "thinking":
        start = {"type": "thinking", "thinking": ""}
        if block.get("thinking"):
            deltas.append({"type": "thinking_delta", "thinking": block["thinking"]})
        if block.get("signature"):
            deltas.append({"type": "signature_delta", "signature": block["signature"]})
    elif isinstance(block.get("input"), dict):
        start["input"] = {}
        deltas.append({"type": "input_json_delta", "partial_json": json.dumps(block["input"], ensure_ascii=False)})
    frames = [_event("content_block_start", index=index, content_block=start)]
    frames.extend(_event("content_block_delta", index=index, delta=delta) for delta in deltas)
    frames.append(_event("content_block_stop", index=index))
    return frames


def message_frames(body: Json) -> List[Frame]:
    """The SSE events of the stream that would have carried ``body``."""
    if not isinstance(body, dict) or not isinstance(body.get("content", []), list):
        raise MalformedEventError(f"an Anthropic message must be an object with a content list: {str(body)[:200]!r}")
    message = dict(body, content=[], stop_reason=None, stop_sequence=None)
    frames = [_event("message_start", message=message)]
    for index, block in enumerate(body.get("content") or ()):
        if isinstance(block, dict):
            frames.extend(_block_frames(index, block))
    frames.append(_event("message_delta",
                         delta={"stop_reason": body.get("stop_reason"), "stop_sequence": body.get("stop_sequence")},
                         usage=body.get("usage") or {}))
    frames.append(_event("message_stop"))
    return frames


def parse_response(body: Json) -> LLMResponse:
    """An Anthropic message as an ``LLMResponse``."""
    return replay(AnthropicStreamProcessor(), message_frames(body))
