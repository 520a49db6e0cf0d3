"""The Gemini API (generativelanguage ``v1beta``): URL, ``x-goog-api-key`` auth, token
counting and error bodies. Request and stream formats live in ``request.py`` and
``stream.py``.

>>> client = LLMClient.new_gemini(HttpClientOptions.new_gemini("AIza..."))
"""

from __future__ import annotations

import json
import re
from typing import Any, Dict, List, Optional

from llmsdk._error_bodies import ErrorInfo, generic_error_info
from llmsdk._urls import join_url
from llmsdk.providers.base import Endpoint, PostJson, ProviderAdapter, StreamProcessor
from llmsdk.providers.gemini.embeddings import GeminiEmbeddings
from llmsdk.providers.gemini.paths import API_VERSION, model_path
from llmsdk.providers.gemini.request import build_contents, build_request_body, function_declarations
from llmsdk.providers.gemini.stream import GeminiStreamProcessor
from llmsdk.types import LLMRequest

__all__ = ["GeminiAdapter", "model_path"]

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)s\s*$")


def _details(body: str) -> List[Dict[str, Any]]:
    """The ``error.details`` list of a Gemini error body (plain or ``[...]``-wrapped)."""
    try:
        data = json.loads(body) if body else None
    except ValueError:
        return []
    if isinstance(data, list) and data:
        data = data[0]
    err = data.get("error") if isinstance(data, dict) else None
    details = err.get("details") if isinstance(err, dict) else None
    return [d for d in details if isinstance(d, dict)] if isinstance(details, list) else []


def _retry_delay(details: List[Dict[str, Any]]) -> Optional[float]:
    """Seconds from a ``google.rpc.RetryInfo`` detail (``"retryDelay": "37s"``), if any."""
    for detail in details:
        if str(detail.get("@type", "")).endswith("google.rpc.RetryInfo"):
            match = _DURATION.match(str(detail.get("retryDelay", "")))
            if match:
                return float(match.group(1))
    return None


def _key_rejected(details: List[Dict[str, Any]]) -> bool:
    """Gemini answers a bad key with 400 ``INVALID_ARGUMENT`` + reason ``API_KEY_INVALID``."""
    return any(str(d.get("@type", "")).endswith("google.rpc.ErrorInfo") and d.get("reason") == "API_KEY_INVALID"
               for d in details)


def _daily_quota_spent(details: List[Dict[str, Any]]) -> bool:
    """A ``QuotaFailure`` on a per-day quota: retrying today will not help."""
    for detail in details:
        if str(detail.get("@type", "")).endswith("google.rpc.QuotaFailure"):
            for violation in detail.get("violations") or ():
                if isinstance(violation, dict) and "PerDay" in str(violation.get("quotaId", "")):
                    return True
    return False


class GeminiAdapter(ProviderAdapter):
    """Google Gemini over ``:streamGenerateContent?alt=sse``. The key travels in the
    ``x-goog-api-key`` header, never in the URL."""

    name = "gemini"
    embeddings = GeminiEmbeddings()

    def endpoint(self, api_base: str, request: LLMRequest) -> str:
        return join_url(api_base, f"{API_VERSION}/{model_path(request.model_id)}:streamGenerateContent?alt=sse")

    def auth_headers(self, api_key: Optional[str]) -> Dict[str, str]:
        return {"x-goog-api-key": api_key} if api_key else {}

    def request_body(self, request: LLMRequest) -> Dict[str, Any]:
        return build_request_body(request)

    def stream_processor(self, request: LLMRequest) -> StreamProcessor:
        return GeminiStreamProcessor()

    def parse_error(self, status: int, body: str) -> ErrorInfo:
        """The generic ``{"error": {code, message, status}}`` reading, plus the
        ``RetryInfo`` delay, and ``UNAUTHENTICATED`` for a rejected key so that it raises
        ``AuthenticationError`` rather than ``BadRequestError``."""
        info = generic_error_info(status, body)
        details = _details(body)
        error_type = "UNAUTHENTICATED" if _key_rejected(details) else info.type
        should_retry = False if _daily_quota_spent(details) else None
        return ErrorInfo(info.message, error_type, _retry_delay(details), should_retry)

    def count_tokens(self, request: LLMRequest, endpoint: Endpoint, post_json: PostJson) -> int:
        """``:countTokens`` with ``{"contents": ...}``, the form python-genai sends to the
        Gemini API (it takes no system instruction or tools there); the system prompt and
        tool declarations are added as a local estimate (~4 characters a token)."""
        url = join_url(endpoint.api_base, f"{API_VERSION}/{model_path(request.model_id)}:countTokens")
        result = post_json(url, self.auth_headers(endpoint.key), {"contents": build_contents(request)})
        total = int(result.get("totalTokens") or 0)
        extra = len(request.system_prompt() or "")
        declarations = function_declarations(request)
        if declarations:
            extra += len(json.dumps(declarations, separators=(",", ":")))
        return total + (extra + 3) // 4
