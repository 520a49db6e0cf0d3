"""A provider-free token estimate, for providers without a counting endpoint and for
rate limiters that must price a request before sending it."""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import Any, List

from llmsdk._core.content import (
    DocumentContent, ImageContent, TextContent, ThinkingContent, ToolResultContent, ToolUseContent,
)
from llmsdk._core.request import LLMRequest

__all__ = ["estimate_document_tokens", "estimate_tokens"]

#: Tokens an image costs (a ~1,100 x 1,100 picture at Anthropic and OpenAI).
IMAGE_TOKENS = 1600
#: Tokens a PDF page costs: its text and its picture (Anthropic reads both, ~1,500-3,000).
PDF_PAGE_TOKENS = 3000
#: Bytes of PDF taken as one page when the page count cannot be read.
PDF_BYTES_PER_PAGE = 100_000
_PDF_PAGE = re.compile(rb"/Type\s*/Page(?![a-zA-Z])")


def estimate_document_tokens(document: Any) -> int:
    """A document's tokens: a text document by its characters, a PDF by its pages (counted
    in the file, else guessed from its size), a PDF by URL as one page."""
    if isinstance(document.text, str):
        return (len(document.text) + 3) // 4
    if not document.data:
        return PDF_PAGE_TOKENS
    try:
        raw = base64.b64decode(document.data)
    except (binascii.Error, ValueError):
        raw = b""
    pages = len(_PDF_PAGE.findall(raw)) or max(1, len(document.data) * 3 // 4 // PDF_BYTES_PER_PAGE)
    return pages * PDF_PAGE_TOKENS


def _schema_chars(output_schema: Any) -> int:
    """Characters of the output schema's JSON (providers send it with the request)."""
    if output_schema is None:
        return 0
    if isinstance(output_schema, dict):
        return len(json.dumps(output_schema, default=str))
    from llmsdk._core.output_spec import output_spec

    try:
        spec = output_spec(output_schema)
    except Exception:  # noqa: BLE001 - an estimate never fails a request; validation reports it
        return 0
    return len(json.dumps(spec.schema, default=str)) if spec is not None else 0


def estimate_tokens(request: LLMRequest) -> int:
    """~4 characters a token, ~1,600 tokens an image, ~3,000 a PDF page; the tools and the
    output schema count as their JSON."""
    chars = len(request.system_prompt() or "") + _schema_chars(request.output_schema)
    images = 0
    documents = 0
    pieces: List[str] = []
    for message in request.chat_messages():
        for block in message.blocks:
            if isinstance(block, TextContent):
                pieces.append(block.text)
            elif isinstance(block, ThinkingContent):
                pieces.append(block.thinking)
            elif isinstance(block, ToolUseContent):
                pieces.append(block.name)
                pieces.append(json.dumps(block.input, default=str))
            elif isinstance(block, ToolResultContent):
                pieces.append(block.text)
            elif isinstance(block, ImageContent):
                images += 1
            elif isinstance(block, DocumentContent):
                documents += estimate_document_tokens(block)
    for tool in request.tools or []:
        pieces.append(json.dumps({"name": getattr(tool, "name", ""), "d": getattr(tool, "description", ""),
                                  "s": getattr(tool, "input_schema", None)}, default=str))
    chars += sum(len(p) for p in pieces)
    return max(1, (chars + 3) // 4 + 4 * len(request.messages) + IMAGE_TOKENS * images + documents)
