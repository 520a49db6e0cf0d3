"""DeepSeek stream processing: Chat Completions chunks with ``delta.reasoning_content``
(thinking) and usage with ``prompt_cache_hit_tokens`` / ``prompt_cache_miss_tokens``. Pure."""

from __future__ import annotations

import dataclasses

from typing import Any, Dict, Optional, Tuple

from llmsdk.providers.openai.stream import ChatStreamProcessor, usage_from_openai
from llmsdk.types import Usage

__all__ = ["DeepSeekStreamProcessor", "usage_from_deepseek"]


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def usage_from_deepseek(raw: Dict[str, Any]) -> Usage:
    """DeepSeek usage -> ``Usage``: ``prompt_tokens`` = cache hits + misses, billed at
    different prices, so misses are ``input_tokens`` and hits ``cache_reads`` (there
    are no cache writes to pay for). Without the two fields: OpenAI's reading."""
    usage = usage_from_openai(raw)  # output and reasoning tokens as OpenAI reports them
    if "prompt_cache_hit_tokens" not in raw and "prompt_cache_miss_tokens" not in raw:
        return usage
    hit = _int(raw.get("prompt_cache_hit_tokens"))
    miss = raw.get("prompt_cache_miss_tokens")
    miss = _int(miss) if miss is not None else max(0, _int(raw.get("prompt_tokens")) - hit)
    return dataclasses.replace(usage, input_tokens=miss, cache_reads=hit, cache_writes=0)


class DeepSeekStreamProcessor(ChatStreamProcessor):
    provider = "deepseek"
    reasoning_keys: Tuple[str, ...] = ("reasoning_content",)
    #: ``chunk_usage`` reads only ``usage``, null in a plain text chunk.
    plain_text_fast_path = True

    def chunk_usage(self, chunk: Dict[str, Any]) -> Optional[Usage]:
        raw = chunk.get("usage")
        return usage_from_deepseek(raw) if isinstance(raw, dict) else None
