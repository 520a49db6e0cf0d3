"""Content blocks and conversation turns: what a message holds (text, images, documents,
thinking, tool calls and results, provider-run tool blocks) and ``LLMMessage``. Re-exported
by ``llmsdk.types``; below it, so request validation can use these without importing it.
"""

from __future__ import annotations

import base64
import mimetypes
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Union

from llmsdk._core.json_codec import JsonMixin, json_field
from llmsdk._core.provider_content import Citation, DocumentContent, ProviderToolContent
from llmsdk._core.public_name import present_as_public

__all__ = [
    "ROLES",
    "ContentBlock",
    "ImageContent",
    "LLMMessage",
    "RedactedThinkingContent",
    "TextContent",
    "ThinkingContent",
    "ToolResultContent",
    "ToolUseContent",
    "block_from_dict",
    "text_delta",
]


# -- content blocks ----------------------------------------------------------------


def _cache_field() -> Any:
    """``cache="5m" | "1h"``: a prompt-cache breakpoint after this block (Anthropic
    ``cache_control``); providers that cache on their own ignore it."""
    return field(default=None, metadata=json_field(omit_none=True))


@dataclass
class TextContent(JsonMixin):
    """Plain text. In a ``PartialContent`` event, ``text`` is the delta (and ``citations``
    the citations that arrived with it)."""

    type: str = field(default="text", init=False, repr=False)
    text: str = ""
    #: Opaque provider signature carried with the text (Gemini ``thoughtSignature``).
    signature: Optional[str] = field(default=None, metadata=json_field(omit_none=True))
    citations: List[Citation] = field(default_factory=list, metadata=json_field(omit_empty=True))
    cache: Optional[str] = _cache_field()


class _NoCitations(List[Citation]):
    """The one empty, read-only ``citations`` list every plain text delta shares: a long
    stream makes no list per event (each one a tracked object, so more garbage-collector
    passes over the whole heap). It equals ``[]``; changing it raises ``TypeError``."""

    __slots__ = ()

    def _read_only(self, *args: Any, **kwargs: Any) -> Any:
        raise TypeError("a text delta's citations are shared and read-only; build TextContent(text, citations=[...])")

    append = extend = insert = remove = pop = clear = sort = reverse = _read_only  # type: ignore[assignment]
    __setitem__ = __delitem__ = __iadd__ = __imul__ = _read_only  # type: ignore[assignment]


#: The ``citations`` of every plain text delta. The stream processors' hot paths build a
#: delta as ``TextContent(text, None, NO_CITATIONS)`` inline (positional: a third of the
#: cost of keyword arguments, and no extra call); elsewhere ``text_delta(text)``.
NO_CITATIONS = _NoCitations()


def text_delta(text: str) -> TextContent:
    """The ``TextContent`` of a ``PartialContent`` text delta (without citations)."""
    return TextContent(text, None, NO_CITATIONS)


@dataclass
class ImageContent(JsonMixin):
    """An image, inline (base64 ``data``) or by ``url``."""

    type: str = field(default="image", init=False, repr=False)
    media_type: str = "image/png"
    data: Optional[str] = field(default=None, repr=False)
    url: Optional[str] = None
    cache: Optional[str] = _cache_field()

    @classmethod
    def from_base64(cls, data: str, media_type: str) -> "ImageContent":
        return cls(media_type=media_type, data=data)

    @classmethod
    def from_url(cls, url: str, media_type: Optional[str] = None) -> "ImageContent":
        guessed = mimetypes.guess_type(url.split("?", 1)[0])[0]
        return cls(media_type=media_type or guessed or "image/jpeg", url=url)

    @classmethod
    def from_bytes(cls, raw: bytes, media_type: str) -> "ImageContent":
        return cls(media_type=media_type, data=base64.b64encode(raw).decode("ascii"))

    @classmethod
    def from_file(cls, path: str, media_type: Optional[str] = None) -> "ImageContent":
        guessed = media_type or mimetypes.guess_type(path)[0] or "image/png"
        with open(path, "rb") as fh:
            return cls.from_bytes(fh.read(), guessed)


@dataclass
class ThinkingContent(JsonMixin):
    """Model reasoning. ``signature`` must be sent back unchanged in later turns.

    ``id`` names the provider's reasoning item when it has one (OpenAI Responses
    ``rs_...``; ``signature`` then holds its ``encrypted_content``), so the item can be
    sent back as it came."""

    type: str = field(default="thinking", init=False, repr=False)
    thinking: str = ""
    signature: Optional[str] = None
    id: Optional[str] = field(default=None, metadata=json_field(omit_none=True))


@dataclass
class RedactedThinkingContent(JsonMixin):
    """Encrypted reasoning; opaque, echoed back unchanged."""

    type: str = field(default="redacted_thinking", init=False, repr=False)
    data: str = ""


@dataclass
class ToolUseContent(JsonMixin):
    """A tool call the model made; ``input`` is the parsed arguments."""

    type: str = field(default="tool_use", init=False, repr=False)
    id: str = ""
    name: str = ""
    input: Dict[str, Any] = field(default_factory=dict)
    #: Opaque provider signature on the call (Gemini ``thoughtSignature``).
    signature: Optional[str] = field(default=None, metadata=json_field(omit_none=True))


def _decode_result_content(value: Any) -> Any:
    if isinstance(value, list):
        return _decode_blocks(value)
    return value


@dataclass
class ToolResultContent(JsonMixin):
    """The result of a tool call, linked to it by ``tool_use_id``."""

    type: str = field(default="tool_result", init=False, repr=False)
    tool_use_id: str = ""
    content: Union[str, List[Any]] = field(
        default="", metadata=json_field(decoder=_decode_result_content)
    )
    is_error: bool = False
    cache: Optional[str] = _cache_field()

    @property
    def text(self) -> str:
        if isinstance(self.content, str):
            return self.content
        return "".join(b.text for b in self.content if isinstance(b, TextContent))


ContentBlock = Union[
    TextContent, ImageContent, ThinkingContent, RedactedThinkingContent, ToolUseContent,
    ToolResultContent, DocumentContent, ProviderToolContent,
]

_BLOCK_TYPES: Dict[str, Any] = {
    "text": TextContent,
    "image": ImageContent,
    "thinking": ThinkingContent,
    "redacted_thinking": RedactedThinkingContent,
    "tool_use": ToolUseContent,
    "tool_result": ToolResultContent,
    "document": DocumentContent,
    "provider_tool": ProviderToolContent,
}


def block_from_dict(data: Dict[str, Any]) -> ContentBlock:
    """Decode one content block by its ``type`` discriminator."""
    cls = _BLOCK_TYPES.get(data.get("type", ""))
    if cls is None:
        raise ValueError(f"unknown content block type {data.get('type')!r}")
    return cls.from_dict({k: v for k, v in data.items() if k != "type"})  # type: ignore[no-any-return]


def _decode_blocks(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, str):  # JSON ``"content": "hi"`` is one text block, not two characters
        return [TextContent(value)]
    return [b if not isinstance(b, dict) else block_from_dict(b) for b in value]


def _blocks_field() -> Any:
    return field(default=None, metadata=json_field(decoder=_decode_blocks))


# -- messages and requests ------------------------------------------------------------

ROLES = ("user", "assistant", "system")


@dataclass
class LLMMessage(JsonMixin):
    """One conversation turn.

    >>> LLMMessage(role="user", text="Hi")            # or LLMMessage.user("Hi")
    >>> LLMMessage.tool_result("toolu_1", "18C sunny")
    """

    role: str
    text: Optional[str] = None
    content: Optional[List[ContentBlock]] = _blocks_field()
    tool_calls: Optional[List[ToolUseContent]] = None
    tool_results: Optional[List[ToolResultContent]] = None

    def __post_init__(self) -> None:
        if isinstance(self.content, str):  # ``content="hi"``, as OpenAI-style code writes it
            self.content = [TextContent(self.content)]

    @classmethod
    def user(cls, text: Union[str, ContentBlock, None] = None, *blocks: Union[str, ContentBlock]) -> "LLMMessage":
        """Text and blocks in order; strings anywhere become ``TextContent``
        (``LLMMessage.user(DocumentContent.from_file("a.pdf"), "Summarise it.")``)."""
        return cls._of("user", text, blocks)

    @classmethod
    def assistant(cls, text: Union[str, ContentBlock, None] = None,
                  *blocks: Union[str, ContentBlock]) -> "LLMMessage":
        return cls._of("assistant", text, blocks)

    @classmethod
    def system(cls, text: str) -> "LLMMessage":
        return cls(role="system", text=text)

    @classmethod
    def tool_result(cls, tool_use_id: str, content: Union[str, List[ContentBlock]], is_error: bool = False) -> "LLMMessage":
        return cls(role="user", tool_results=[ToolResultContent(tool_use_id, content, is_error)])

    @classmethod
    def _of(cls, role: str, first: Union[str, ContentBlock, None],
            rest: Sequence[Union[str, ContentBlock]]) -> "LLMMessage":
        if isinstance(first, str) and not rest:
            return cls(role=role, text=first)
        blocks: List[ContentBlock] = []
        for item in (first, *rest):
            if isinstance(item, str):
                blocks.append(TextContent(item))
            elif item is not None:
                blocks.append(item)
        return cls(role=role, content=blocks)

    @property
    def blocks(self) -> List[ContentBlock]:
        """Every block of this turn, in wire order: tool results, text, content, tool calls."""
        out: List[ContentBlock] = []
        if self.tool_results:
            out.extend(self.tool_results)
        if self.text:
            out.append(TextContent(self.text))
        if self.content:
            out.extend(self.content)
        if self.tool_calls:
            out.extend(self.tool_calls)
        return out


present_as_public(globals(), "ImageContent", "LLMMessage", "RedactedThinkingContent", "TextContent", "ThinkingContent", "ToolResultContent", "ToolUseContent")
