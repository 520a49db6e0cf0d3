"""Any OpenAI-compatible server: the OpenAI dialect, key optional, any model id."""

from llmsdk.providers.openai_compatible.client import OpenAICompatibleAdapter
from llmsdk.providers.openai_compatible.request import OpenAICompatibleRequestFormatter
from llmsdk.providers.openai_compatible.stream import OpenAICompatibleStreamProcessor

__all__ = ["OpenAICompatibleAdapter", "OpenAICompatibleRequestFormatter", "OpenAICompatibleStreamProcessor"]
