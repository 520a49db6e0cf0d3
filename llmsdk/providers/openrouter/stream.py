"""OpenRouter stream processing: OpenAI chunks plus ``delta.reasoning``,
``delta.reasoning_details``, usage with ``cost``, and mid-stream errors that arrive as
a chunk with ``error`` and ``finish_reason: "error"``. ``: OPENROUTER PROCESSING``
keep-alive comments never get here (sseclient-py drops comments). Pure."""

from __future__ import annotations

import json
from typing import Any, Callable, Dict, List, Optional, Tuple

from llmsdk._core.error_bodies import ErrorInfo
from llmsdk.providers.openai.stream import ChatStreamProcessor
from llmsdk.providers.openrouter.errors import error_info as openrouter_error_info
from llmsdk.types import Usage

__all__ = ["OpenRouterStreamProcessor"]

Json = Dict[str, Any]

#: Fields of a streamed reasoning detail that arrive in pieces and are concatenated.
_APPENDED = ("text", "summary", "data")


class OpenRouterStreamProcessor(ChatStreamProcessor):
    """Also keeps ``cost`` (USD, as OpenRouter reports it) and the merged
    ``reasoning_details``, which the finished thinking block carries as JSON in its
    ``signature`` so they can be echoed back verbatim."""

    provider = "openrouter"
    reasoning_keys: Tuple[str, ...] = ("reasoning",)
    #: The hooks read only ``usage`` and the delta's reasoning keys, absent or null in a
    #: plain text chunk.
    plain_text_fast_path = True
    error_info: Callable[[Optional[int], Any], ErrorInfo] = staticmethod(openrouter_error_info)

    def __init__(self, provider: Optional[str] = None) -> None:
        super().__init__(provider)
        self._details: Dict[Any, Json] = {}

    def chunk_usage(self, chunk: Json) -> Optional[Usage]:
        raw = chunk.get("usage")
        if isinstance(raw, dict) and isinstance(raw.get("cost"), (int, float)):
            self.cost = float(raw["cost"])
        return super().chunk_usage(chunk)

    def reasoning_delta(self, delta: Json) -> Optional[str]:
        details = delta.get("reasoning_details")
        fallback: List[str] = []
        if isinstance(details, list):
            for detail in details:
                if isinstance(detail, dict):
                    self._merge_detail(detail)
                    piece = detail.get("text") or detail.get("summary")
                    if isinstance(piece, str):
                        fallback.append(piece)
        return super().reasoning_delta(delta) or ("".join(fallback) or None)

    def _merge_detail(self, detail: Json) -> None:
        """Details stream in pieces keyed by ``index``; join their text, keep the rest."""
        key = detail.get("index", len(self._details))
        merged = self._details.get(key)
        if merged is None:
            self._details[key] = dict(detail)
            return
        for name, value in detail.items():
            if name in _APPENDED and isinstance(value, str) and isinstance(merged.get(name), str):
                merged[name] += value
            elif value is not None:
                merged[name] = value

    def thinking_signature(self) -> Optional[str]:
        if not self._details:
            return None
        return json.dumps(list(self._details.values()), ensure_ascii=False, separators=(",", ":"))
