"""Groq: the OpenAI dialect with ``x_groq`` usage and parsed reasoning."""

from llmsdk.providers.groq.client import GroqAdapter
from llmsdk.providers.groq.request import GroqRequestFormatter
from llmsdk.providers.groq.stream import GroqStreamProcessor

__all__ = ["GroqAdapter", "GroqRequestFormatter", "GroqStreamProcessor"]
