"""The ``LLMResponse`` a streamed reply comes to, read the way the engine reads it
(``llmsdk._engine.sse.feed``, then the shared reducer): what whole-reply parsers must match."""

from __future__ import annotations

from typing import Sequence

from llmsdk._core.accumulate import accumulate
from llmsdk._engine.sse import feed
from llmsdk.providers.base import StreamProcessor
from llmsdk.types import LLMResponse


def streamed_response(processor: StreamProcessor, chunks: Sequence[bytes]) -> LLMResponse:
    events = feed(processor, chunks)
    return accumulate(events, response_id=processor.response_id, model=processor.model,
                      provider=processor.provider, usage=processor.usage, cost=processor.cost)
