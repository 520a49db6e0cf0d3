"""The xAI provider at ``https://api.x.ai``: the Responses API (``/v1/responses``), which
xAI recommends, by default; Chat Completions ("legacy" at xAI) with ``api="chat"``.

Responses requests are stateless (``store: false``) and always ask for the reasoning
back encrypted (``include: ["reasoning.encrypted_content"]``), so a tool loop's next turn
carries it as a ``reasoning`` item: nothing is kept on xAI's side. xAI's reasoning takes
``effort`` only (no summaries). Route a conversation to one server for cache hits with
``extra_body={"prompt_cache_key": "..."}`` (Responses) or the ``x-grok-conv-id`` header
(``extra_headers``, Chat Completions). Source: docs.x.ai (grok-4.7, Responses API;
PROVIDERS.md §9.7).
"""

from __future__ import annotations

from typing import Any, Dict, Optional, Type

from llmsdk.providers.openai.client import ChatCompletionsAdapter
from llmsdk.providers.openai.request import ChatRequestFormatter, model_has
from llmsdk.providers.openai.responses_client import ResponsesAdapter
from llmsdk.providers.openai.responses_request import ENCRYPTED_REASONING, ResponsesRequestFormatter
from llmsdk.providers.openai.stream import ChatStreamProcessor
from llmsdk.providers.openai_compatible.stream import OpenAICompatibleStreamProcessor
from llmsdk.types import LLMRequest

__all__ = ["XAIChatAdapter", "XAIChatFormatter", "XAIResponsesAdapter", "XAIResponsesFormatter"]

Json = Dict[str, Any]


class XAIResponsesFormatter(ResponsesRequestFormatter):
    """OpenAI's Responses body; encrypted reasoning is asked for unless the registry says
    the model does not reason (every current Grok model does)."""

    def body(self, request: LLMRequest) -> Json:
        body = super().body(request)
        known_not_reasoning = getattr(request.model, "capabilities", None) is not None and not model_has(
            request.model, "thinking")
        if not known_not_reasoning:
            include = list(body.get("include") or [])
            if ENCRYPTED_REASONING not in include:
                include.append(ENCRYPTED_REASONING)
            body["include"] = include
        return body

    def reasoning(self, request: LLMRequest) -> Optional[Json]:
        reasoning = super().reasoning(request)
        if reasoning:
            reasoning.pop("summary", None)
        return reasoning or None


class XAIResponsesAdapter(ResponsesAdapter):
    name = "xai"
    embeddings = None
    responses_formatter = XAIResponsesFormatter()


class XAIChatFormatter(ChatRequestFormatter):
    """Chat Completions at xAI: ``max_tokens``, usage on request (``stream_options``),
    ``reasoning_effort``."""

    max_tokens_field = "max_tokens"


class XAIChatStreamProcessor(OpenAICompatibleStreamProcessor):
    provider = "xai"


class XAIChatAdapter(ChatCompletionsAdapter):
    name = "xai"
    formatter: ChatRequestFormatter = XAIChatFormatter()
    processor_class: Type[ChatStreamProcessor] = XAIChatStreamProcessor
