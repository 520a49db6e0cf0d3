"""xAI (Grok): OpenAI's Responses API by default, Chat Completions selectable."""

from llmsdk.providers.xai.client import XAIChatAdapter, XAIResponsesAdapter, XAIResponsesFormatter

__all__ = ["XAIChatAdapter", "XAIResponsesAdapter", "XAIResponsesFormatter"]
