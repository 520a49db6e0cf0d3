"""OpenAI Chat Completions: the dialect Groq, OpenRouter and compatible servers share."""

from llmsdk.providers.openai.client import ChatCompletionsAdapter, OpenAIAdapter
from llmsdk.providers.openai.request import ChatRequestFormatter, OpenAIRequestFormatter
from llmsdk.providers.openai.stream import ChatStreamProcessor, OpenAIStreamProcessor

__all__ = [
    "ChatCompletionsAdapter",
    "ChatRequestFormatter",
    "ChatStreamProcessor",
    "OpenAIAdapter",
    "OpenAIRequestFormatter",
    "OpenAIStreamProcessor",
]
