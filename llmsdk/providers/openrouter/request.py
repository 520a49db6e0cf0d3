"""OpenRouter request formatting: OpenAI's body with OpenRouter's differences. Pure.

* ``max_tokens`` (``max_completion_tokens`` support is unverified);
* no ``stream_options``: usage (with ``cost``) is always sent, the flag is deprecated;
* reasoning as ``reasoning: {effort | max_tokens, exclude?}``;
* earlier reasoning goes back verbatim as the assistant's ``reasoning_details`` (kept as
  JSON in ``ThinkingContent.signature``), which Anthropic and Gemini models need in
  tool loops;
* routing preferences (``provider``, ``models``, ``transforms``) pass through
  ``LLMRequest.extra_body``, e.g. ``extra_body={"provider": {"order": ["anthropic"]}}``.
"""

from __future__ import annotations

import json
from typing import Any, Dict, List

from llmsdk.providers.openai.request import ChatRequestFormatter
from llmsdk.types import ContentBlock, ThinkingContent, ThinkingOptions

__all__ = ["OpenRouterRequestFormatter", "reasoning_details_of"]


def reasoning_details_of(block: ContentBlock) -> List[Dict[str, Any]]:
    """The ``reasoning_details`` an OpenRouter thinking block carries (or none)."""
    if not isinstance(block, ThinkingContent) or not block.signature:
        return []
    try:
        details = json.loads(block.signature)
    except ValueError:
        return []  # a signature from another provider: nothing OpenRouter can use
    return [d for d in details if isinstance(d, dict)] if isinstance(details, list) else []


class OpenRouterRequestFormatter(ChatRequestFormatter):
    max_tokens_field = "max_tokens"
    include_usage = False
    file_urls = True  # OpenRouter fetches PDFs given by URL

    def reasoning_params(self, model: Any, thinking: ThinkingOptions) -> Dict[str, Any]:
        """``effort`` or ``max_tokens`` (never both, as OpenRouter requires)."""
        reasoning: Dict[str, Any] = {}
        if thinking.effort:
            reasoning["effort"] = thinking.effort
        elif thinking.budget_tokens is not None:
            reasoning["max_tokens"] = thinking.budget_tokens
        else:
            reasoning["enabled"] = True
        if not thinking.include_thoughts:
            reasoning["exclude"] = True
        return {"reasoning": reasoning}

    def assistant_reasoning(self, blocks: List[ContentBlock]) -> Dict[str, Any]:
        details = [d for block in blocks for d in reasoning_details_of(block)]
        return {"reasoning_details": details} if details else {}
