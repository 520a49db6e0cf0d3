"""A whole Groq chat completion -> ``LLMResponse`` (OpenAI's shape, read by Groq's processor:
``message.reasoning`` is its reasoning field). Pure."""

from __future__ import annotations

from typing import Any, Dict

from llmsdk.providers.groq.stream import GroqStreamProcessor
from llmsdk.providers.openai.response import parse_chat_completion
from llmsdk.types import LLMResponse

__all__ = ["parse_response"]


def parse_response(body: Dict[str, Any]) -> LLMResponse:
    return parse_chat_completion(body, GroqStreamProcessor)
