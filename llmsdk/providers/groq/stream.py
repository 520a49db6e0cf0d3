"""Groq stream processing: OpenAI chunks plus ``x_groq`` (usage on the finish chunk,
``x_groq.error``) and ``delta.reasoning``. Pure."""

from __future__ import annotations

from typing import Any, Dict, Optional, Tuple

from llmsdk.providers.openai.stream import ChatStreamProcessor, usage_from_openai
from llmsdk.types import Usage

__all__ = ["GroqStreamProcessor"]


class GroqStreamProcessor(ChatStreamProcessor):
    provider = "groq"
    reasoning_keys: Tuple[str, ...] = ("reasoning",)
    #: The hooks read only ``x_groq`` and ``usage``: chunks with ``x_groq`` take the general path.
    plain_text_fast_path = True
    hook_keys: Tuple[str, ...] = ("error", "x_groq")

    def chunk_usage(self, chunk: Dict[str, Any]) -> Optional[Usage]:
        x_groq = chunk.get("x_groq")
        if isinstance(x_groq, dict) and isinstance(x_groq.get("usage"), dict):
            return usage_from_openai(x_groq["usage"])
        return super().chunk_usage(chunk)

    def chunk_error(self, chunk: Dict[str, Any]) -> Any:
        """``{"error": {...}}`` as with OpenAI, or ``x_groq.error``: a string saying why
        the stream stopped early."""
        x_groq = chunk.get("x_groq")
        return super().chunk_error(chunk) or (x_groq.get("error") if isinstance(x_groq, dict) else None)
