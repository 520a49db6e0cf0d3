"""Ollama's native API: ``/api/chat`` (an NDJSON stream), ``/api/embed``, ``/api/tags``."""

from llmsdk.providers.ollama.client import OllamaAdapter, ollama_host
from llmsdk.providers.ollama.request import OllamaRequestFormatter
from llmsdk.providers.ollama.stream import OllamaStreamProcessor

__all__ = ["OllamaAdapter", "OllamaRequestFormatter", "OllamaStreamProcessor", "ollama_host"]
