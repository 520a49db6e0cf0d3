"""The one reducer from ``LLMEvent``s to an ``LLMResponse``.

``complete()``, ``EventStream.final_response()`` and the partial responses attached to
stream errors all use it, for every provider. It folds events as they are delivered and
keeps only what the response needs: per open block, the text pieces received (joined
once in a while, so memory follows the text, not the number of deltas); a finished block
(``Content``) replaces its pieces.

A processor that keeps its open blocks itself (``StreamProcessor.open_blocks``, the
built-in ones) saves the reducer that work: with ``skip_deltas`` only finished blocks,
citations and ``Stop`` are folded, and ``response(open_blocks=...)`` takes the blocks
still open from the processor.
"""

from __future__ import annotations

import dataclasses
from typing import Dict, Iterable, List, Optional

from llmsdk._core.content import ContentBlock, TextContent, ThinkingContent
from llmsdk._core.events import Content, PartialContent, Stop
from llmsdk._core.provider_content import Citation
from llmsdk._core.response import LLMResponse, StopReason, Usage

__all__ = ["Accumulator", "accumulate"]

#: Pieces of one block kept before they are joined into one string.
_JOIN_EVERY = 512


class _Block:
    __slots__ = ("first", "parts", "signature", "final", "citations")

    def __init__(self, first: ContentBlock) -> None:
        self.first = first
        self.parts: List[str] = []
        self.signature: Optional[str] = None
        self.final: Optional[ContentBlock] = None
        #: Citations streamed as ``PartialContent(i, TextContent("", citations=[c]))``.
        self.citations: List[Citation] = []

    def add(self, piece: str) -> None:
        parts = self.parts
        parts.append(piece)
        if len(parts) >= _JOIN_EVERY:
            self.parts = ["".join(parts)]

    def build(self) -> ContentBlock:
        final = self.final
        if final is not None:
            if self.citations and isinstance(final, TextContent) and not final.citations:
                return dataclasses.replace(final, citations=list(self.citations))  # cited after it finished
            return final
        first = self.first
        if type(first) is TextContent or isinstance(first, TextContent):
            return TextContent("".join(self.parts), signature=self.signature, citations=list(self.citations))
        if isinstance(first, ThinkingContent):
            return ThinkingContent("".join(self.parts), signature=self.signature)
        return first


class Accumulator:
    """Folds events into the reply they describe, as they come.

    >>> acc = Accumulator(); acc.add(batch); acc.response(response_id="msg_1")
    """

    __slots__ = ("_blocks", "stop_reason", "usage", "stopped", "skip_deltas")

    def __init__(self, skip_deltas: bool = False) -> None:
        self._blocks: Dict[int, _Block] = {}
        #: Text and thinking deltas are not folded (their processor keeps its open blocks).
        self.skip_deltas = skip_deltas
        self.stop_reason: Optional[StopReason] = None
        #: The usage the ``Stop`` event reported (None before it).
        self.usage: Optional[Usage] = None
        #: A ``Stop`` arrived: the reply is complete.
        self.stopped = False

    def add(self, events: Iterable[object]) -> None:
        blocks = self._blocks
        skip = self.skip_deltas
        for event in events:
            kind = type(event)
            if kind is PartialContent:
                if skip and not getattr(event.content, "citations", None):  # type: ignore[attr-defined]
                    continue
                index = event.index  # type: ignore[attr-defined]
                content = event.content  # type: ignore[attr-defined]
                block = blocks.get(index)
                if block is None:
                    block = blocks[index] = _Block(content)
                ctype = type(content)
                if ctype is TextContent:  # most events: the append inlined
                    parts = block.parts
                    parts.append(content.text)
                    if len(parts) >= _JOIN_EVERY:
                        block.parts = ["".join(parts)]
                    if content.signature:
                        block.signature = content.signature
                    if content.citations:
                        block.citations.extend(content.citations)
                elif ctype is ThinkingContent or isinstance(content, (TextContent, ThinkingContent)):
                    block.add(content.text if isinstance(content, TextContent) else content.thinking)
                    if content.signature:
                        block.signature = content.signature
            elif kind is Content:
                index = event.index  # type: ignore[attr-defined]
                block = blocks.get(index)
                if block is None:
                    block = blocks[index] = _Block(event.content)  # type: ignore[attr-defined]
                block.final = event.content  # type: ignore[attr-defined]
                block.parts = []
            elif kind is Stop:
                self.stop_reason = event.reason  # type: ignore[attr-defined]
                self.usage = event.usage  # type: ignore[attr-defined]
                self.stopped = True

    def response(
        self,
        *,
        response_id: Optional[str] = None,
        model: Optional[str] = None,
        provider: Optional[str] = None,
        usage: Optional[Usage] = None,
        cost: Optional[float] = None,
        open_blocks: Optional[Dict[int, ContentBlock]] = None,
    ) -> LLMResponse:
        """The reply so far. ``usage`` is the fallback when no ``Stop`` arrived (a
        partial response); ``open_blocks`` the unfinished blocks by index, from a processor
        that keeps them (``skip_deltas``)."""
        blocks = self._blocks
        final_usage = self.usage if self.usage is not None else usage
        built = {i: b.build() for i, b in list(blocks.items()) if not self.skip_deltas or b.final is not None}
        for index, block in (open_blocks or {}).items():
            if index not in built:
                streamed = blocks.get(index)  # citations that arrived as their own events
                if streamed is not None and streamed.citations and isinstance(block, TextContent):
                    block = dataclasses.replace(block, citations=list(streamed.citations))
                built[index] = block
        return LLMResponse(
            id=response_id,
            model=model,
            content=[built[i] for i in sorted(built)],
            stop_reason=self.stop_reason,
            usage=final_usage if final_usage is not None else Usage(),
            cost=cost,
            provider=provider,
        )


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
    acc = Accumulator()
    acc.add(events)
    return acc.response(response_id=response_id, model=model, provider=provider, usage=usage, cost=cost)
