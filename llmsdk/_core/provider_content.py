"""Content the providers accept beyond text and images: documents (PDFs and text),
citations on the model's text, the blocks of provider-run tools (web search), and the
prompt-cache breakpoint values. ``llmsdk.types`` re-exports every name here.

>>> doc = DocumentContent.from_file("report.pdf", title="Q3 report", citations=True)
>>> LLMMessage.user("Summarise the report.", doc)
"""

from __future__ import annotations

import base64
import binascii
import mimetypes
import os
from dataclasses import dataclass, field
from typing import Any, Dict, Optional, Union

from llmsdk._core.json_codec import JsonMixin, json_field
from llmsdk.errors import InvalidRequestError
from llmsdk._core.public_name import present_as_public

__all__ = [
    "CACHE_TTLS",
    "Citation",
    "DocumentContent",
    "PDF_MEDIA_TYPE",
    "ProviderToolContent",
    "check_cache",
    "check_document_media_type",
]

#: The prompt-cache lifetimes a ``cache=`` breakpoint may ask for (Anthropic ``ttl``).
CACHE_TTLS = ("5m", "1h")

PDF_MEDIA_TYPE = "application/pdf"

#: File suffixes some systems' ``mimetypes`` tables lack.
_SUFFIX_TYPES = {".md": "text/markdown", ".markdown": "text/markdown", ".csv": "text/csv", ".txt": "text/plain"}


def check_cache(value: Any, where: str) -> None:
    """``InvalidRequestError`` unless ``value`` is None, ``"5m"`` or ``"1h"``."""
    if value is not None and value not in CACHE_TTLS:
        raise InvalidRequestError(f"{where}: cache must be None, '5m' or '1h', got {value!r}")


def check_document_media_type(media_type: Any, where: str = "document") -> None:
    """Documents are PDFs or text (any ``text/*`` type); anything else is refused early,
    with the way out in the message."""
    if not isinstance(media_type, str) or not (media_type == PDF_MEDIA_TYPE or media_type.startswith("text/")):
        raise InvalidRequestError(
            f"{where}: unsupported document media type {media_type!r}; documents are application/pdf or "
            "text/* (convert other formats to PDF, or pass media_type='text/plain' for text)")


def _cache_field() -> Any:
    return field(default=None, metadata=json_field(omit_none=True))


@dataclass
class DocumentContent(JsonMixin):
    """A document for the model to read: a PDF (base64 ``data`` or a ``url``) or text.

    >>> DocumentContent.from_file("paper.pdf")                       # read and encoded once
    >>> DocumentContent.from_text("The grass is green.", title="Notes", citations=True)
    >>> DocumentContent.from_url("https://example.com/paper.pdf")

    ``citations=True`` asks the model to cite passages (Anthropic); ``cache`` places a
    prompt-cache breakpoint after this block. Anthropic reads all three forms, OpenAI Chat
    Completions inline PDFs and text, Gemini all three (a URL as ``fileData``).
    """

    type: str = field(default="document", init=False, repr=False)
    media_type: str
    data: Optional[str] = field(default=None, repr=False)
    url: Optional[str] = None
    text: Optional[str] = field(default=None, repr=False)
    title: Optional[str] = None
    citations: bool = False
    cache: Optional[str] = _cache_field()
    #: The file name, sent where a provider asks for one (OpenAI ``filename``).
    filename: Optional[str] = field(default=None, metadata=json_field(omit_none=True))

    @classmethod
    def from_file(cls, path: Union[str, "os.PathLike[str]"], media_type: Optional[str] = None, *,
                  title: Optional[str] = None, citations: bool = False,
                  cache: Optional[str] = None) -> "DocumentContent":
        """Read ``path`` once: a PDF is base64-encoded, a text file decoded as UTF-8. The media
        type comes from the file name unless given. A missing file or a type that is neither
        PDF nor text raises ``InvalidRequestError`` here, before any request is built."""
        name = os.fspath(path)
        kind = media_type or _guess_type(name)
        if kind is None:
            raise InvalidRequestError(
                f"cannot tell the media type of {name!r}; pass media_type='application/pdf' or 'text/plain'")
        check_document_media_type(kind, f"document {name!r}")
        try:
            with open(name, "rb") as fh:
                raw = fh.read()
        except OSError as exc:
            raise InvalidRequestError(f"cannot read document {name!r}: {exc.strerror or exc}") from exc
        filename = os.path.basename(name)
        if kind == PDF_MEDIA_TYPE:
            return cls.from_bytes(raw, kind, title=title, citations=citations, cache=cache, filename=filename)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InvalidRequestError(f"document {name!r} ({kind}) is not UTF-8 text") from exc
        return cls(media_type=kind, text=text, title=title, citations=citations, cache=cache, filename=filename)

    @classmethod
    def from_bytes(cls, raw: bytes, media_type: str = PDF_MEDIA_TYPE, *, title: Optional[str] = None,
                   citations: bool = False, cache: Optional[str] = None,
                   filename: Optional[str] = None) -> "DocumentContent":
        return cls(media_type=media_type, data=base64.b64encode(raw).decode("ascii"), title=title,
                   citations=citations, cache=cache, filename=filename)

    @classmethod
    def from_base64(cls, data: str, media_type: str = PDF_MEDIA_TYPE, **kwargs: Any) -> "DocumentContent":
        return cls(media_type=media_type, data=data, **kwargs)

    @classmethod
    def from_url(cls, url: str, media_type: Optional[str] = None, *, title: Optional[str] = None,
                 citations: bool = False, cache: Optional[str] = None) -> "DocumentContent":
        """A document the provider fetches itself (a PDF unless the URL or ``media_type`` says text)."""
        kind = media_type or _guess_type(url.split("?", 1)[0]) or PDF_MEDIA_TYPE
        return cls(media_type=kind, url=url, title=title, citations=citations, cache=cache)

    @classmethod
    def from_text(cls, text: str, *, media_type: str = "text/plain", title: Optional[str] = None,
                  citations: bool = False, cache: Optional[str] = None) -> "DocumentContent":
        return cls(media_type=media_type, text=text, title=title, citations=citations, cache=cache)

    @property
    def is_pdf(self) -> bool:
        return self.media_type == PDF_MEDIA_TYPE

    def as_text(self) -> str:
        """The text of a text document (``text``, or ``data`` decoded from base64)."""
        if self.text is not None:
            return self.text
        if self.data is None:
            raise InvalidRequestError(f"document {self.title or self.url!r} has no inline text")
        try:
            return base64.b64decode(self.data, validate=True).decode("utf-8")
        except (binascii.Error, ValueError) as exc:
            raise InvalidRequestError("a text document's data must be base64 of UTF-8 text") from exc

    def as_base64(self) -> str:
        """Inline content as base64 (a text document's text encoded as UTF-8)."""
        if self.data is not None:
            return self.data
        return base64.b64encode(self.as_text().encode("utf-8")).decode("ascii")


def _guess_type(name: str) -> Optional[str]:
    suffix = os.path.splitext(name)[1].lower()
    return _SUFFIX_TYPES.get(suffix) or mimetypes.guess_type(name)[0]


@dataclass
class Citation(JsonMixin):
    """Where a piece of the model's text comes from.

    ``cited_text`` is the quoted source passage where the provider gives one (Anthropic),
    else the span of the answer the source supports (OpenAI, Gemini). ``start``/``end`` are
    character indices: into the cited document for Anthropic ``char_location`` citations,
    into the text block the citation sits on for OpenAI annotations and Gemini grounding.
    ``raw`` is the provider's own citation object, sent back unchanged on the next turn.
    """

    cited_text: str = ""
    title: Optional[str] = None
    url: Optional[str] = None
    document_index: Optional[int] = None
    start: Optional[int] = None
    end: Optional[int] = None
    raw: Optional[Dict[str, Any]] = field(default=None, repr=False)


def _json_name(name: str) -> Any:
    """A dataclasses-json ``letter_case`` that renames one field's JSON key."""
    return {"dataclasses_json": {"letter_case": lambda _: name}}


@dataclass
class ProviderToolContent(JsonMixin):
    """A block of a tool the provider ran itself (``server_tool_use``,
    ``web_search_tool_result``, Gemini ``grounding_metadata`` ...). ``type`` is the provider's
    block type and ``data`` the block exactly as received; ``provider`` names the wire format
    it belongs to (``"anthropic"``, ``"gemini"``). It goes back unchanged on the next turn to
    a provider speaking that format; others skip it.

    In JSON, ``type`` is stored as ``provider_type`` so the block type stays ``"provider_tool"``.
    """

    type: str = field(metadata=_json_name("provider_type"))
    data: Dict[str, Any] = field(default_factory=dict)
    provider: Optional[str] = field(default=None, metadata=json_field(omit_none=True))
    kind: str = field(default="provider_tool", init=False, repr=False, compare=False, metadata=_json_name("type"))


present_as_public(globals(), "Citation", "DocumentContent", "ProviderToolContent")
