"""The provider-neutral request/response model: requests, responses, usage and stop
reasons, with the content blocks and messages they are made of (defined in ``llmsdk._core``;
this is their public home).

>>> req = LLMRequest(model="claude-haiku-4-5", messages=[LLMMessage.user("Hello")])
>>> LLMRequest.from_json(req.to_json()) == req
True
"""

from __future__ import annotations

from llmsdk._core.content import (
    ROLES, ContentBlock, ImageContent, LLMMessage, RedactedThinkingContent, TextContent, ThinkingContent,
    ToolResultContent, ToolUseContent, block_from_dict,
)
from llmsdk._core.provider_content import CACHE_TTLS, Citation, DocumentContent, ProviderToolContent
from llmsdk._core.request import LLMRequest, ThinkingOptions
from llmsdk._core.response import LLMResponse, RateLimitInfo, StopReason, Timing, Usage

__all__ = [
    "CACHE_TTLS",
    "Citation",
    "ContentBlock",
    "DocumentContent",
    "ImageContent",
    "LLMMessage",
    "LLMRequest",
    "LLMResponse",
    "ProviderToolContent",
    "ROLES",
    "RateLimitInfo",
    "RedactedThinkingContent",
    "StopReason",
    "TextContent",
    "ThinkingContent",
    "ThinkingOptions",
    "Timing",
    "ToolResultContent",
    "ToolUseContent",
    "Usage",
    "block_from_dict",
]
