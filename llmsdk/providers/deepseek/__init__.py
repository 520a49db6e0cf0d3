"""DeepSeek: the Chat Completions dialect with ``reasoning_content`` round trips and cache hit/miss usage."""

from llmsdk.providers.deepseek.client import DeepSeekAdapter
from llmsdk.providers.deepseek.request import DeepSeekRequestFormatter
from llmsdk.providers.deepseek.stream import DeepSeekStreamProcessor, usage_from_deepseek

__all__ = ["DeepSeekAdapter", "DeepSeekRequestFormatter", "DeepSeekStreamProcessor", "usage_from_deepseek"]
