"""The Gemini API (generativelanguage ``v1beta``): URL, ``x-goog-api-key`` auth, token
counting and error bodies. Request and stream formats live in ``request.py`` and
``stream.py``.

>>> client = LLMClient.new_gemini(HttpClientOptions.new_gemini("AIza..."))
"""

from __future__ import annotations

import json
from typing import Any, Dict, Mapping, Optional

from llmsdk._core.error_bodies import ErrorInfo
from llmsdk._core.urls import join_url
from llmsdk.providers.base import Endpoint, PostJson, PreparedRequest, ProviderAdapter, StreamProcessor
from llmsdk.providers.gemini.embeddings import GeminiEmbeddings
from llmsdk.providers.gemini.errors import error_info
from llmsdk.providers.gemini.paths import API_VERSION, api_version_path, model_path
from llmsdk.providers.gemini.request import build_contents, build_request_body, function_declarations
from llmsdk.providers.gemini.stream import GeminiStreamProcessor
from llmsdk.types import LLMRequest

__all__ = ["GeminiAdapter", "count_tokens_at", "model_path"]

class GeminiAdapter(ProviderAdapter):
    """Google Gemini over ``:streamGenerateContent?alt=sse``. The key travels in the
    ``x-goog-api-key`` header, never in the URL."""

    name = "gemini"
    embeddings = GeminiEmbeddings()

    def endpoint(self, api_base: str, request: LLMRequest, version: str = API_VERSION) -> str:
        return join_url(api_base, f"{version}/{model_path(request.model_id)}:streamGenerateContent?alt=sse")

    def check_settings(self, settings: Mapping[str, Any]) -> None:
        api_version_path(settings)

    def prepare_request(self, request: LLMRequest, endpoint: Endpoint) -> PreparedRequest:
        """As the base, on the client's API version (``provider_settings["api_version"]``)."""
        return PreparedRequest(
            url=self.endpoint(endpoint.api_base, request, api_version_path(endpoint.settings)),
            headers=self.headers(endpoint),
            body=self.request_body(request),
        )

    def auth_headers(self, api_key: Optional[str]) -> Dict[str, str]:
        return {"x-goog-api-key": api_key} if api_key else {}

    def request_body(self, request: LLMRequest) -> Dict[str, Any]:
        return build_request_body(request)

    def stream_processor(self, request: LLMRequest) -> StreamProcessor:
        return GeminiStreamProcessor(provider=self.name)

    def parse_error(self, status: int, body: Any) -> ErrorInfo:
        """``errors.error_info``: the reader the stream processor uses too."""
        return error_info(status, body)

    def count_tokens(self, request: LLMRequest, endpoint: Endpoint, post_json: PostJson) -> int:
        """``:countTokens`` with ``{"contents": ...}``, the form python-genai sends to the
        Gemini API (it takes no system instruction or tools there); the system prompt and
        tool declarations are added as a local estimate (~4 characters a token)."""
        version = api_version_path(endpoint.settings)
        url = join_url(endpoint.api_base, f"{version}/{model_path(request.model_id)}:countTokens")
        return count_tokens_at(url, self.auth_headers(endpoint.key), request, post_json)


def count_tokens_at(url: str, headers: Dict[str, str], request: LLMRequest, post_json: PostJson) -> int:
    """``:countTokens`` at ``url`` (the Gemini API's, or Vertex's), as described above."""
    result = post_json(url, headers, {"contents": build_contents(request)})
    total = int(result.get("totalTokens") or 0)
    extra = len(request.system_prompt() or "")
    declarations = function_declarations(request)
    if declarations:
        extra += len(json.dumps(declarations, separators=(",", ":")))
    return total + (extra + 3) // 4
