"""Amazon Bedrock runtime: URLs, headers, token counting, error replies.

Every model goes through ConverseStream (``POST /model/{id}/converse-stream``); Claude
models (``anthropic.claude-…``, with or without a ``us.``/``eu.``/``global.`` inference
profile prefix) through InvokeModelWithResponseStream
(``POST /model/{id}/invoke-with-response-stream``) with the Anthropic Messages body, so
thinking signatures, ``cache_control``, documents and citations behave as on Anthropic.

Auth: a Bedrock API key goes as ``Authorization: Bearer``; without one the options carry
a ``SigV4Signer`` the engine runs per attempt (``signing.py``).
"""

from __future__ import annotations

import base64
import json
import logging
from typing import Any, Callable, Dict, List, Mapping, Optional
from urllib.parse import quote

from llmsdk._core.error_bodies import ErrorInfo
from llmsdk._core.urls import join_url
from llmsdk.providers.anthropic.request import build_body as anthropic_body
from llmsdk.providers.anthropic.versions import (
    LATEST_VERSION, LEGACY_VERSION, allows_sampling, body_anthropic_version, check_version,
)
from llmsdk.providers.base import Endpoint, PostJson, PreparedRequest, ProviderAdapter, StreamProcessor
from llmsdk.providers.bedrock.converse import build_converse_body, converse_count_tokens_input, is_anthropic_model
from llmsdk.providers.bedrock.errors import error_info
from llmsdk.providers.bedrock.stream import ClaudeInvokeStreamProcessor, ConverseStreamProcessor
from llmsdk.types import LLMRequest

logger = logging.getLogger("llmsdk.bedrock")

__all__ = ["BedrockAdapter", "claude_invoke_body"]

EVENTSTREAM = "application/vnd.amazon.eventstream"


def model_path(model_id: str, action: str) -> str:
    """``/model/{id}/{action}``, the id percent-encoded as botocore does (``:`` -> ``%3A``)."""
    return f"/model/{quote(model_id, safe='')}/{action}"


def claude_invoke_body(request: LLMRequest, pinned: Optional[str] = None,
                       on_dropped: Optional[Callable[[List[str]], None]] = None) -> Dict[str, Any]:
    """The Anthropic Messages body as InvokeModel takes it: the body ``anthropic_version``
    for the model (``anthropic/versions.py``: ``bedrock-2023-05-31`` for ``-v1:0`` ids and
    Claude before 4.7, ``2026-10-21`` after; ``pinned`` is the client's
    ``anthropic_version`` setting), built by the Anthropic code for that version (which
    leaves out sampling parameters on 2026-10-21, telling ``on_dropped``); no ``model``
    (it is in the URL) and no ``stream`` (the path says it)."""
    version = body_anthropic_version("bedrock", request.model_id, pinned)
    header_version = LEGACY_VERSION if allows_sampling(version) else LATEST_VERSION
    body = anthropic_body(request, header_version, on_dropped)
    body.pop("model", None)
    body.pop("stream", None)
    return {"anthropic_version": version, **body}


class BedrockAdapter(ProviderAdapter):
    """Converse for every model, InvokeModel with the Anthropic body for Claude."""

    name = "bedrock"

    def endpoint(self, api_base: str, request: LLMRequest) -> str:
        action = "invoke-with-response-stream" if is_anthropic_model(request.model_id) else "converse-stream"
        return join_url(api_base, model_path(request.model_id, action))

    def auth_headers(self, api_key: Optional[str]) -> Dict[str, str]:
        headers = {"Accept": EVENTSTREAM}
        if api_key:
            headers["Authorization"] = f"Bearer {api_key}"
        return headers

    def check_settings(self, settings: Mapping[str, Any]) -> None:
        check_version(settings.get("anthropic_version"))

    def prepare_request(self, request: LLMRequest, endpoint: Endpoint) -> PreparedRequest:
        headers = self.auth_headers(endpoint.key)
        if not is_anthropic_model(request.model_id):
            body = build_converse_body(request)
        else:
            headers["X-Amzn-Bedrock-Accept"] = "application/json"

            def dropped(names: List[str]) -> None:
                endpoint.warn_once(logger, "sampling", "%s not sent: Claude on Bedrock takes anthropic_version "
                                   "%s, which refuses them (warned once per client)", "/".join(names),
                                   LATEST_VERSION)

            body = claude_invoke_body(request, endpoint.settings.get("anthropic_version"), dropped)
        return PreparedRequest(url=self.endpoint(endpoint.api_base, request), headers=headers, body=body)

    def request_body(self, request: LLMRequest) -> Dict[str, Any]:
        if is_anthropic_model(request.model_id):
            return claude_invoke_body(request)
        return build_converse_body(request)

    def stream_processor(self, request: LLMRequest) -> StreamProcessor:
        if is_anthropic_model(request.model_id):
            return ClaudeInvokeStreamProcessor(provider=self.name)
        return ConverseStreamProcessor(provider=self.name)

    def parse_error(self, status: int, body: Any) -> ErrorInfo:
        return error_info(status, body)

    def parse_error_reply(self, status: int, body: Any, headers: Mapping[str, str]) -> ErrorInfo:
        """The error type from ``x-amzn-ErrorType`` (``ThrottlingException:http://...``)."""
        return error_info(status, body, headers)

    def count_tokens(self, request: LLMRequest, endpoint: Endpoint, post_json: PostJson) -> int:
        """``POST /model/{id}/count-tokens``: the Converse fields, or the InvokeModel body
        (a blob, so base64 in the JSON) for Claude."""
        url = join_url(endpoint.api_base, model_path(request.model_id, "count-tokens"))
        if is_anthropic_model(request.model_id):
            invoke = claude_invoke_body(request, endpoint.settings.get("anthropic_version"))
            raw = json.dumps(invoke).encode("utf-8")  # a blob: base64 in JSON
            body = {"input": {"invokeModel": {"body": base64.b64encode(raw).decode("ascii")}}}
        else:
            body = {"input": {"converse": converse_count_tokens_input(build_converse_body(request))}}
        headers = {"Authorization": f"Bearer {endpoint.key}"} if endpoint.key else {}
        result = post_json(url, headers, body)
        return int(result["inputTokens"])
