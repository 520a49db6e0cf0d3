"""A provider-free token estimate, for providers without a counting endpoint and for
rate limiters that must price a request before sending it."""

from __future__ import annotations

import json
from typing import List

from llmsdk._core.content import ImageContent, TextContent, ThinkingContent, ToolResultContent, ToolUseContent
from llmsdk._core.request import LLMRequest

__all__ = ["estimate_tokens"]


def estimate_tokens(request: LLMRequest) -> int:
    """~4 characters a token, ~1,600 tokens an image."""
    chars = len(request.system_prompt() or "")
    images = 0
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
    for tool in request.tools or []:
        pieces.append(json.dumps({"name": getattr(tool, "name", ""), "d": getattr(tool, "description", ""),
                                  "s": getattr(tool, "input_schema", None)}, default=str))
    chars += sum(len(p) for p in pieces)
    return max(1, (chars + 3) // 4 + 4 * len(request.messages) + 1600 * images)
