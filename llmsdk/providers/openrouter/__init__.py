"""OpenRouter: the OpenAI dialect with reasoning details, cost and routing."""

from llmsdk.providers.openrouter.client import OpenRouterAdapter, attribution_headers
from llmsdk.providers.openrouter.request import OpenRouterRequestFormatter
from llmsdk.providers.openrouter.stream import OpenRouterStreamProcessor

__all__ = ["OpenRouterAdapter", "OpenRouterRequestFormatter", "OpenRouterStreamProcessor", "attribution_headers"]
