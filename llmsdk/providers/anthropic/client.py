"""Anthropic: endpoint, headers, token counting, error bodies."""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Mapping, Optional

from llmsdk._core.error_bodies import ErrorInfo
from llmsdk.providers.anthropic.errors import error_info
from llmsdk.providers.anthropic.request import build_body, build_count_tokens_body
from llmsdk.providers.anthropic.stream import AnthropicStreamProcessor
from llmsdk._core.urls import join_url
from llmsdk.providers.anthropic.mcp_servers import MCP_BETA
from llmsdk.providers.anthropic.versions import DEFAULT_VERSION, check_version
from llmsdk.providers.base import Endpoint, PostJson, PreparedRequest, ProviderAdapter
from llmsdk.types import LLMRequest

logger = logging.getLogger("llmsdk.anthropic")

#: The version sent by default (PROVIDERS.md §9.1); ``provider_settings={"anthropic_version":
#: "2023-06-01"}`` (``HttpClientOptions.new_anthropic(key, anthropic_version=...)``) pins another.
ANTHROPIC_VERSION = DEFAULT_VERSION


def client_version(endpoint: Endpoint) -> str:
    """The ``anthropic-version`` a client speaks: its ``anthropic_version`` setting, or the default."""
    return check_version(endpoint.settings.get("anthropic_version"))


class AnthropicAdapter(ProviderAdapter):
    """``POST /v1/messages`` with ``x-api-key`` and ``anthropic-version``.

    On 2026-10-21 (the default) ``temperature``/``top_p``/``top_k`` are never sent: they
    are dropped with one warning per client (pin ``anthropic_version="2023-06-01"`` to keep
    them on models that honour them)."""

    name = "anthropic"

    def endpoint(self, api_base: str, request: LLMRequest) -> str:
        return join_url(api_base, "/v1/messages")

    def auth_headers(self, api_key: Optional[str], version: str = ANTHROPIC_VERSION) -> Dict[str, str]:
        headers = {"anthropic-version": version}
        if api_key:
            headers["x-api-key"] = api_key
        return headers

    def check_settings(self, settings: Mapping[str, Any]) -> None:
        check_version(settings.get("anthropic_version"))

    def headers(self, endpoint: Endpoint) -> Dict[str, str]:
        return self.auth_headers(endpoint.key, client_version(endpoint))

    def prepare_request(self, request: LLMRequest, endpoint: Endpoint) -> PreparedRequest:
        version = client_version(endpoint)

        def dropped(names: List[str]) -> None:
            endpoint.warn_once(
                logger, "sampling", "%s not sent: Anthropic API version %s (or the model) does not take "
                "temperature/top_p/top_k; pin anthropic_version='2023-06-01' to send them to models that "
                "honour them (warned once per client)", "/".join(names), version)

        body = build_body(request, version, dropped)
        headers = self.auth_headers(endpoint.key, version)
        if "mcp_servers" in body:  # MCP servers Anthropic connects to itself: the connector's beta
            headers["anthropic-beta"] = MCP_BETA
        return PreparedRequest(url=self.endpoint(endpoint.api_base, request), headers=headers, body=body)

    def request_body(self, request: LLMRequest) -> Dict[str, Any]:
        return build_body(request)

    def stream_processor(self, request: LLMRequest) -> AnthropicStreamProcessor:
        return AnthropicStreamProcessor(provider=self.name)

    def parse_error(self, status: int, body: Any) -> ErrorInfo:
        """``errors.error_info``: the reader the stream processor uses too."""
        return error_info(status, body)

    def count_tokens(self, request: LLMRequest, endpoint: Endpoint, post_json: PostJson) -> int:
        """Anthropic's own count: ``POST /v1/messages/count_tokens``."""
        url = join_url(endpoint.api_base, "/v1/messages/count_tokens")
        version = client_version(endpoint)
        result = post_json(url, self.auth_headers(endpoint.key, version), build_count_tokens_body(request, version))
        return int(result["input_tokens"])
