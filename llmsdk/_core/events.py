"""The one event vocabulary every provider's stream is translated into.

>>> for event in client.send(request):
...     if isinstance(event, LLMEvent.PartialContent) and isinstance(event.content, TextContent):
...         print(event.content.text, end="")
"""

from __future__ import annotations

from typing import Any, Optional, Tuple

from llmsdk._core.content import ContentBlock
from llmsdk._core.response import StopReason, Usage
from llmsdk._core.public_name import present_as_public

__all__ = ["Event", "LLMEvent"]


class _Event:
    __slots__ = ()

    def _fields(self) -> Tuple[str, ...]:
        return type(self).__slots__  # type: ignore[return-value]

    def __eq__(self, other: Any) -> bool:
        return type(other) is type(self) and all(getattr(self, s) == getattr(other, s) for s in self._fields())

    def __repr__(self) -> str:
        args = ", ".join(f"{s}={getattr(self, s)!r}" for s in self._fields())
        return f"LLMEvent.{type(self).__name__}({args})"

    __hash__ = None  # type: ignore[assignment]


class PartialContent(_Event):
    """A delta of content block ``index``: ``TextContent(text=delta)``,
    ``ThinkingContent(thinking=delta)`` or ``ThinkingContent("", signature=...)``."""

    __slots__ = ("index", "content")
    __match_args__ = ("index", "content")

    def __init__(self, index: int, content: ContentBlock) -> None:
        self.index = index
        self.content = content


class Content(_Event):
    """Content block ``index``, finished: its whole text, a ``ToolUseContent`` with
    parsed ``input``, a thinking block with its signature."""

    __slots__ = ("index", "content")
    __match_args__ = ("index", "content")

    def __init__(self, index: int, content: ContentBlock) -> None:
        self.index = index
        self.content = content


class Stop(_Event):
    """The end of a reply; always the last event of a successful stream."""

    __slots__ = ("reason", "usage")
    __match_args__ = ("reason", "usage")

    def __init__(self, reason: Optional[StopReason], usage: Usage) -> None:
        self.reason = reason
        self.usage = usage


class LLMEvent:
    """Namespace of the three event kinds (``LLMEvent.PartialContent`` etc.)."""

    PartialContent = PartialContent
    Content = Content
    Stop = Stop
    Event = _Event


#: The type of any event (for annotating a custom ``StreamProcessor.process``).
Event = _Event


present_as_public(globals(), "LLMEvent")
