"""Anthropic: endpoint, headers, token counting, error bodies."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, Optional

from llmsdk.providers.anthropic.request import build_body, build_count_tokens_body
from llmsdk.providers.anthropic.stream import AnthropicStreamProcessor
from llmsdk.providers.base import PostJson, ProviderAdapter, join_url
from llmsdk.types import LLMRequest

if TYPE_CHECKING:
    from llmsdk.config import HttpClientOptions

ANTHROPIC_VERSION = "2023-06-01"


class AnthropicAdapter(ProviderAdapter):
    """``POST /v1/messages`` with ``x-api-key`` and ``anthropic-version``."""

    name = "anthropic"

    def endpoint(self, api_base: str, request: LLMRequest) -> str:
        return join_url(api_base, "/v1/messages")

    def auth_headers(self, api_key: Optional[str]) -> Dict[str, str]:
        headers = {"anthropic-version": ANTHROPIC_VERSION}
        if api_key:
            headers["x-api-key"] = api_key
        return headers

    def request_body(self, request: LLMRequest) -> Dict[str, Any]:
        return build_body(request)

    def stream_processor(self, request: LLMRequest) -> AnthropicStreamProcessor:
        return AnthropicStreamProcessor()

    def count_tokens(self, request: LLMRequest, options: "HttpClientOptions", post_json: PostJson) -> int:
        """Anthropic's own count: ``POST /v1/messages/count_tokens``."""
        api_key = options.api_key.expose_secret() if options.api_key is not None else None
        url = join_url(options.api_base, "/v1/messages/count_tokens")
        result = post_json(url, self.auth_headers(api_key), build_count_tokens_body(request))
        return int(result["input_tokens"])
