"""Azure's Chat Completions stream: OpenAI's, plus its content-filter fields.

The first chunk carries ``prompt_filter_results`` (``choices: []``, ``id: ""``); each
choice may carry ``content_filter_results``, and a filtered completion ends with
``finish_reason: "content_filter"`` (``StopReason.CONTENT_FILTER`` in the shared map).
Both are kept in ``provider_details`` under Azure's own names.
"""

from __future__ import annotations

from typing import Any, Dict, Optional

from llmsdk.providers.openai.stream import OpenAIStreamProcessor
from llmsdk.types import Usage

__all__ = ["AzureChatStreamProcessor", "read_filter_results"]


def read_filter_results(chunk: Dict[str, Any], details: Dict[str, Any]) -> None:
    """Copy a chunk's (or a whole reply's) filter results into ``details``."""
    prompt = chunk.get("prompt_filter_results") or chunk.get("prompt_annotations")
    if isinstance(prompt, list) and prompt:
        details["prompt_filter_results"] = prompt
    for choice in chunk.get("choices") or ():
        if isinstance(choice, dict) and choice.get("index", 0) == 0:
            results = choice.get("content_filter_results")
            if isinstance(results, dict) and results:
                details["content_filter_results"] = results


class AzureChatStreamProcessor(OpenAIStreamProcessor):
    """OpenAI's processor reading Azure's filter fields on the general path (plain text
    chunks carry only ``filtered: false`` results; the finishing chunk carries the last
    ones, and the prompt's arrive in a chunk with no choices)."""

    provider = "azure_openai"
    hook_keys = ("error", "prompt_filter_results", "prompt_annotations")
    plain_text_fast_path = True

    def chunk_usage(self, chunk: Dict[str, Any]) -> Optional[Usage]:
        read_filter_results(chunk, self.provider_details)
        return super().chunk_usage(chunk)
