"""Mistral: the Chat Completions dialect with typed thinking chunks and 9-character tool-call ids."""

from llmsdk.providers.mistral.client import MistralAdapter
from llmsdk.providers.mistral.request import MistralRequestFormatter, mistral_tool_id
from llmsdk.providers.mistral.stream import MistralStreamProcessor

__all__ = ["MistralAdapter", "MistralRequestFormatter", "MistralStreamProcessor", "mistral_tool_id"]
