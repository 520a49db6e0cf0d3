"""The OpenAI provider: URL, bearer auth, error bodies and token estimates.

``OpenAIAdapter`` also serves as the base of every other Chat Completions provider:
a subclass picks its ``name``, request formatter and stream processor, and overrides
what else differs (``GroqAdapter``, ``OpenRouterAdapter``, ``OpenAICompatibleAdapter``).
"""

from __future__ import annotations

import functools
import json
from typing import Any, Dict, List, Optional, Type

from llmsdk._core.error_bodies import ErrorInfo
from llmsdk._core.token_estimate import estimate_tokens
from llmsdk._core.urls import join_url
from llmsdk.providers.base import Endpoint, PostJson, ProviderAdapter
from llmsdk.providers.embedding_api import EmbeddingsApi
from llmsdk.providers.openai.embeddings import OpenAIEmbeddings
from llmsdk.providers.openai.request import ChatRequestFormatter, OpenAIRequestFormatter
from llmsdk.providers.openai.stream import ChatStreamProcessor, OpenAIStreamProcessor
from llmsdk.types import (
    ImageContent,
    LLMRequest,
    TextContent,
    ThinkingContent,
    ToolResultContent,
    ToolUseContent,
)

__all__ = ["ChatCompletionsAdapter", "OpenAIAdapter", "count_tokens_tiktoken"]

#: Tokens a vision model bills for one 1024x1024 image at high detail (85 + 4 x 170 tiles).
IMAGE_TOKENS = 765
#: Chat framing: tokens per message and for priming the reply (OpenAI cookbook numbers).
TOKENS_PER_MESSAGE = 3
REPLY_PRIMING = 3


@functools.lru_cache(maxsize=8)
def _encoding(model_id: str) -> Any:
    """The tiktoken encoding for ``model_id`` (``o200k_base`` for unknown models), or
    ``None`` when tiktoken is not installed or cannot load its tables (offline)."""
    try:
        import tiktoken
    except ImportError:
        return None
    try:
        try:
            return tiktoken.encoding_for_model(model_id.rsplit("/", 1)[-1])
        except KeyError:
            return tiktoken.get_encoding("o200k_base")
    except Exception:  # noqa: BLE001 - a missing or undownloadable table: fall back
        return None


def count_tokens_tiktoken(request: LLMRequest) -> Optional[int]:
    """Count input tokens with tiktoken, the way OpenAI bills chat input: each message's
    text plus ~3 framing tokens, tool calls and definitions as their JSON, 765 tokens an
    image. ``None`` if tiktoken is unavailable."""
    encoding = _encoding(request.model_id)
    if encoding is None:
        return None
    texts: List[str] = []
    images = 0
    messages = 0
    system = request.system_prompt()
    if system:
        texts.append(system)
        messages += 1
    for message in request.chat_messages():
        messages += 1
        for block in message.blocks:
            if isinstance(block, TextContent):
                texts.append(block.text)
            elif isinstance(block, ToolUseContent):
                texts.append(block.name + json.dumps(block.input, ensure_ascii=False))
            elif isinstance(block, ToolResultContent):
                messages += 1
                texts.append(block.text)
            elif isinstance(block, ImageContent):
                images += 1
            elif isinstance(block, ThinkingContent):
                pass  # Chat Completions never sends reasoning back
    for tool in request.tools or []:
        texts.append(json.dumps({"name": tool.name, "description": tool.description,
                                 "parameters": tool.input_schema}, ensure_ascii=False))
    tokens = sum(len(encoding.encode(t, disallowed_special=())) for t in texts)
    return tokens + TOKENS_PER_MESSAGE * messages + REPLY_PRIMING + IMAGE_TOKENS * images


class ChatCompletionsAdapter(ProviderAdapter):
    """Any Chat Completions endpoint: ``POST {api_base}/v1/chat/completions`` with a
    bearer key. Subclasses set ``name``, ``formatter`` and ``processor_class``."""

    name = "openai_compatible"
    path = "/v1/chat/completions"
    formatter: ChatRequestFormatter = ChatRequestFormatter()
    processor_class: Type[ChatStreamProcessor] = ChatStreamProcessor

    def endpoint(self, api_base: str, request: LLMRequest) -> str:
        return join_url(api_base, self.path)

    def auth_headers(self, api_key: Optional[str]) -> Dict[str, str]:
        return {"Authorization": f"Bearer {api_key}"} if api_key else {}

    def request_body(self, request: LLMRequest) -> Dict[str, Any]:
        return self.formatter.body(request)

    def stream_processor(self, request: LLMRequest) -> ChatStreamProcessor:
        return self.processor_class(provider=self.name)

    def parse_error(self, status: int, body: Any) -> ErrorInfo:
        """The stream processor's ``error_info`` (``providers/<name>/errors.py``), so an
        HTTP error reply and an error chunk read alike."""
        return self.processor_class.error_info(status, body)

    def count_tokens(self, request: LLMRequest, endpoint: Endpoint, post_json: PostJson) -> int:
        """An estimate: Chat Completions has no counting endpoint. With the ``[tokens]``
        extra installed, tiktoken counts the text with the model's encoding
        (``o200k_base`` for models it does not know, so other vendors' models get an
        approximation); otherwise ~4 characters a token (``estimate_tokens``)."""
        counted = count_tokens_tiktoken(request)
        return counted if counted is not None else estimate_tokens(request)


class OpenAIAdapter(ChatCompletionsAdapter):
    """OpenAI (``https://api.openai.com``)."""

    name = "openai"
    embeddings: Optional[EmbeddingsApi] = OpenAIEmbeddings()
    formatter: ChatRequestFormatter = OpenAIRequestFormatter()
    processor_class: Type[ChatStreamProcessor] = OpenAIStreamProcessor
