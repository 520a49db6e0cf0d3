"""Anthropic: endpoint, headers, token counting, error bodies."""

from __future__ import annotations

from typing import Any, Dict, Optional

from llmsdk._core.error_bodies import ErrorInfo
from llmsdk.providers.anthropic.errors import error_info
from llmsdk.providers.anthropic.request import build_body, build_count_tokens_body
from llmsdk.providers.anthropic.stream import AnthropicStreamProcessor
from llmsdk._core.urls import join_url
from llmsdk.providers.anthropic.mcp_servers import MCP_BETA
from llmsdk.providers.base import Endpoint, PostJson, PreparedRequest, ProviderAdapter
from llmsdk.types import LLMRequest

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

    def prepare_request(self, request: LLMRequest, endpoint: Endpoint) -> PreparedRequest:
        """As every adapter; a body naming ``mcp_servers`` also needs the MCP connector beta."""
        prepared = super().prepare_request(request, endpoint)
        if "mcp_servers" in prepared.body:
            prepared.headers["anthropic-beta"] = MCP_BETA
        return prepared

    def stream_processor(self, request: LLMRequest) -> AnthropicStreamProcessor:
        return AnthropicStreamProcessor(provider=self.name)

    def parse_error(self, status: int, body: Any) -> ErrorInfo:
        """``errors.error_info``: the reader the stream processor uses too."""
        return error_info(status, body)

    def count_tokens(self, request: LLMRequest, endpoint: Endpoint, post_json: PostJson) -> int:
        """Anthropic's own count: ``POST /v1/messages/count_tokens``."""
        url = join_url(endpoint.api_base, "/v1/messages/count_tokens")
        result = post_json(url, self.auth_headers(endpoint.key), build_count_tokens_body(request))
        return int(result["input_tokens"])
