"""A whole ``GenerateContentResponse`` -> ``LLMResponse``. Pure.

A non-streamed Gemini reply has the shape of one stream chunk, so it is read as a
one-chunk stream by ``GeminiStreamProcessor`` (see ``providers/_replay.py``): the same
parts, ``finishReason`` mapping and ``usageMetadata`` arithmetic. A reply without
candidates (a blocked prompt) raises as it would mid-stream.
"""

from __future__ import annotations

from typing import Any, Dict

from llmsdk.providers._replay import frame, replay
from llmsdk.providers.gemini.stream import GeminiStreamProcessor
from llmsdk.types import LLMResponse

__all__ = ["parse_response"]


def parse_response(body: Dict[str, Any]) -> LLMResponse:
    """A Gemini ``GenerateContentResponse`` as an ``LLMResponse``."""
    return replay(GeminiStreamProcessor(), [frame("message", body)])
