"""Anthropic Messages API."""

from llmsdk.providers.anthropic.client import AnthropicAdapter

__all__ = ["AnthropicAdapter"]
