"""The one reducer from ``LLMEvent``s to an ``LLMResponse``.

``complete()``, ``EventStream.final_response()`` and the partial responses attached to
stream errors all use it, for every provider.
"""

from __future__ import annotations

import dataclasses
from typing import Dict, Iterable, List, Optional

from llmsdk.events import Content, PartialContent, Stop
from llmsdk.types import (
    Citation, ContentBlock, LLMResponse, StopReason, TextContent, ThinkingContent, Usage,
)


class _Block:
    __slots__ = ("first", "parts", "signature", "final", "citations")

    def __init__(self, first: ContentBlock) -> None:
        self.first = first
        self.parts: List[str] = []
        self.signature: Optional[str] = None
        self.final: Optional[ContentBlock] = None
        self.citations: List[Citation] = []

    def build(self) -> ContentBlock:
        final = self.final
        if final is not None:
            if self.citations and isinstance(final, TextContent) and not final.citations:
                return dataclasses.replace(final, citations=list(self.citations))  # cited after it finished
            return final
        first = self.first
        if isinstance(first, TextContent):
            return TextContent("".join(self.parts), signature=self.signature, citations=list(self.citations))
        if isinstance(first, ThinkingContent):
            return ThinkingContent("".join(self.parts), signature=self.signature)
        return first


def accumulate(
    events: Iterable[object],
    *,
    response_id: Optional[str] = None,
    model: Optional[str] = None,
    provider: Optional[str] = None,
    usage: Optional[Usage] = None,
    cost: Optional[float] = None,
) -> LLMResponse:
    """Fold events into a response. Finished blocks (``Content``) win over their deltas;
    ``usage`` is the fallback when no ``Stop`` arrived (a partial response)."""
    blocks: Dict[int, _Block] = {}
    stop_reason: Optional[StopReason] = None
    final_usage = usage
    for event in events:
        kind = type(event)
        if kind is PartialContent:
            index = event.index  # type: ignore[attr-defined]
            content = event.content  # type: ignore[attr-defined]
            block = blocks.get(index)
            if block is None:
                block = blocks[index] = _Block(content)
            if isinstance(content, TextContent):
                block.parts.append(content.text)
                if content.signature:
                    block.signature = content.signature
                if content.citations:  # PartialContent(i, TextContent("", citations=[c]))
                    block.citations.extend(content.citations)
            elif isinstance(content, ThinkingContent):
                block.parts.append(content.thinking)
                if content.signature:
                    block.signature = content.signature
        elif kind is Content:
            index = event.index  # type: ignore[attr-defined]
            block = blocks.get(index)
            if block is None:
                block = blocks[index] = _Block(event.content)  # type: ignore[attr-defined]
            block.final = event.content  # type: ignore[attr-defined]
        elif kind is Stop:
            stop_reason = event.reason  # type: ignore[attr-defined]
            final_usage = event.usage  # type: ignore[attr-defined]
    content = [blocks[i].build() for i in sorted(blocks)]
    return LLMResponse(
        id=response_id,
        model=model,
        content=content,
        stop_reason=stop_reason,
        usage=final_usage if final_usage is not None else Usage(),
        cost=cost,
        provider=provider,
    )
