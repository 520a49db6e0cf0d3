"""The Vertex AI adapter: one provider, two wire families chosen by model id.

* Gemini models: ``/v1beta1/projects/{p}/locations/{l}/publishers/google/models/{m}:
  streamGenerateContent?alt=sse`` (the path google-genai uses with ``vertexai=True``),
  the ``gemini`` folder's body and stream processor; express mode (an API key) drops the
  project and location from the path and sends ``x-goog-api-key``.
* Claude models (``claude-...``): ``/v1/projects/{p}/locations/{l}/publishers/anthropic/
  models/{m}:streamRawPredict`` (as AnthropicVertex), the ``anthropic`` folder's body
  without ``model`` and with ``anthropic_version``; with ``workspace=`` the
  Anthropic-managed ``claude.googleapis.com/v1/projects/{p}/locations/{l}/workspaces/{w}/
  invoke/v1/messages`` (first-party body and ``anthropic-version`` header).

Tokens: ``Authorization: Bearer`` from the options' ``token_provider`` or google-auth
(``GoogleCredentials``), added by the engine on each attempt.
"""

from __future__ import annotations

import copy
import logging
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple
from urllib.parse import quote

from llmsdk._core.error_bodies import ErrorInfo
from llmsdk._core.urls import join_url
from llmsdk.errors import InvalidConfigError, InvalidRequestError
from llmsdk.providers.anthropic.client import AnthropicAdapter
from llmsdk.providers.anthropic.request import build_body, build_count_tokens_body
from llmsdk.providers.anthropic.versions import body_anthropic_version, check_version
from llmsdk.providers.base import Endpoint, PostJson, PreparedRequest, ProviderAdapter, StreamProcessor
from llmsdk.providers.embedding_api import EmbeddingsApi
from llmsdk.providers.gemini.client import GeminiAdapter, count_tokens_at
from llmsdk.providers.gemini.errors import error_info
from llmsdk.providers.vertex.embeddings import VertexEmbeddings
from llmsdk.types import LLMRequest

__all__ = ["VertexAdapter", "is_claude"]

logger = logging.getLogger("llmsdk.vertex")

GEMINI_VERSION = "/v1beta1"
CLAUDE_VERSION = "/v1"
_GEMINI = GeminiAdapter()
_ANTHROPIC = AnthropicAdapter()


def is_claude(model_id: str) -> bool:
    """Claude models go to the Anthropic publisher (``claude-sonnet-4-5@20250929``)."""
    return model_id.rsplit("/", 1)[-1].startswith("claude")


def _model(model_id: str) -> str:
    return quote(model_id.rsplit("/", 1)[-1], safe="@.-_")


class VertexAdapter(ProviderAdapter):
    """Vertex AI; ``bind`` gives each client its project, location and credentials."""

    name = "vertex"
    settings: Mapping[str, Any] = {}
    #: Set per client by ``bind`` (the URL needs the project and location).
    embeddings: Optional[EmbeddingsApi] = None

    def bind(self, endpoint: Endpoint) -> ProviderAdapter:
        bound = copy.copy(self)
        bound.settings = dict(endpoint.settings)
        bound.api_base = endpoint.api_base
        bound._endpoint = endpoint
        bound.embeddings = VertexEmbeddings(lambda model, method: bound.model_url(bound.api_base, model, method))
        return bound

    api_base = ""
    _endpoint: Optional[Endpoint] = None

    def check_settings(self, settings: Mapping[str, Any]) -> None:
        if settings.get("anthropic_version") is not None:
            check_version(settings["anthropic_version"])

    # -- where ---------------------------------------------------------------------------

    @property
    def express(self) -> bool:
        return bool(self.settings.get("express"))

    def project(self) -> str:
        project = self.settings.get("project")
        if not project and self.settings.get("google_credentials") is not None:
            project = self.settings["google_credentials"].project()
        if not project:
            raise InvalidConfigError("Vertex AI needs a project: pass project= or set GOOGLE_CLOUD_PROJECT "
                                     "(the credentials named none)")
        return str(project)

    def model_url(self, api_base: str, model_id: str, method: str, claude: Optional[bool] = None) -> str:
        """``{api_base}/{version}/[projects/{p}/locations/{l}/]publishers/{pub}/models/{m}:{method}``
        (the Anthropic publisher for Claude models, or when ``claude`` says so)."""
        claude = is_claude(model_id) if claude is None else claude
        if claude and self.express:
            raise InvalidRequestError("Vertex express mode (api_key) serves Gemini models only; "
                                      "use credentials or a token_provider for Claude")
        version, publisher = (CLAUDE_VERSION, "anthropic") if claude else (GEMINI_VERSION, "google")
        scope = "" if self.express else f"/projects/{self.project()}/locations/{self.settings['location']}"
        return join_url(api_base, f"{version}{scope}/publishers/{publisher}/models/{_model(model_id)}:{method}")

    def _managed_claude(self, model_id: str) -> bool:
        return is_claude(model_id) and "workspace" in self.settings

    def _managed_url(self, path: str) -> str:
        s = self.settings
        root = f"/v1/projects/{self.project()}/locations/{s['location']}/workspaces/{quote(s['workspace'], safe='')}/invoke"
        return join_url(s["claude_base"], root + path)

    def endpoint(self, api_base: str, request: LLMRequest) -> str:
        model_id = request.model_id
        if self._managed_claude(model_id):
            return self._managed_url("/v1/messages")
        if is_claude(model_id):
            return self.model_url(api_base, model_id, "streamRawPredict")
        return self.model_url(api_base, model_id, "streamGenerateContent") + "?alt=sse"

    # -- what ----------------------------------------------------------------------------

    def auth_headers(self, api_key: Optional[str]) -> Dict[str, str]:
        return {"x-goog-api-key": api_key} if api_key else {}

    def token_provider(self) -> Optional[Callable[[], str]]:
        holder = self.settings.get("google_credentials")
        return holder if holder is not None and not self.express else None  # callable, with invalidate()

    def _claude_versions(self, model_id: str) -> Tuple[str, str]:
        """``(version the body is built for, version sent)``: on Vertex the body value
        (``2026-10-21``, or ``vertex-2023-10-16`` when ``anthropic_version="2023-06-01"`` is
        pinned; ``anthropic/versions.py``), on the managed surface the header value."""
        pinned = self.settings.get("anthropic_version")
        if self._managed_claude(model_id):
            version = check_version(pinned)
            return version, version
        version = body_anthropic_version("vertex", model_id, pinned)
        return version, version

    def _dropped(self, version: str) -> Callable[[List[str]], None]:
        def dropped(names: List[str]) -> None:
            if self._endpoint is not None:
                self._endpoint.warn_once(
                    logger, "sampling", "%s not sent: Anthropic API version %s does not take temperature/top_p/"
                    "top_k; pin anthropic_version='2023-06-01' to send them to models that honour them "
                    "(warned once per client)", "/".join(names), version)
        return dropped

    def _claude(self, request: LLMRequest) -> Tuple[Dict[str, Any], Dict[str, str]]:
        """The Anthropic body for this surface, and the headers it needs."""
        version, sent = self._claude_versions(request.model_id)
        body = build_body(request, version, self._dropped(version))
        if self._managed_claude(request.model_id):
            return body, {"anthropic-version": sent}
        body.pop("model", None)
        body["anthropic_version"] = sent
        return body, {}

    def prepare_request(self, request: LLMRequest, endpoint: Endpoint) -> PreparedRequest:
        url = self.endpoint(endpoint.api_base, request)
        headers = self.auth_headers(endpoint.key)
        if is_claude(request.model_id):
            body, extra = self._claude(request)
            headers.update(extra)
        else:
            body = _GEMINI.request_body(request)
        return PreparedRequest(url=url, headers=headers, body=body)

    def request_body(self, request: LLMRequest) -> Dict[str, Any]:
        if is_claude(request.model_id):
            return self._claude(request)[0]
        return _GEMINI.request_body(request)

    def stream_processor(self, request: LLMRequest) -> StreamProcessor:
        family = _ANTHROPIC if is_claude(request.model_id) else _GEMINI
        processor = family.stream_processor(request)
        processor.provider = self.name
        return processor

    def parse_error(self, status: int, body: Any) -> ErrorInfo:
        """Google's ``{"error": {"code", "status", "details"}}`` (Gemini's reader), which
        falls back to the generic reader for an Anthropic-shaped body from Claude."""
        return error_info(status, body)

    def catalog_model(self, model_id: str) -> Tuple[str, Optional[str]]:
        """Claude ids lose Vertex's ``@date`` suffix; prices are the first-party catalog's
        (Vertex sets its own, PROVIDERS.md §9.4: an approximation)."""
        bare = model_id.rsplit("/", 1)[-1]
        if is_claude(bare):
            return bare.split("@", 1)[0], "anthropic"
        return bare, "gemini"

    def count_tokens(self, request: LLMRequest, endpoint: Endpoint, post_json: PostJson) -> int:
        """Gemini: ``:countTokens``; Claude: ``count-tokens:rawPredict`` (as AnthropicVertex:
        the count-tokens body with ``model`` and ``anthropic_version``), or the managed
        surface's ``/v1/messages/count_tokens``."""
        headers = self.auth_headers(endpoint.key)
        if not is_claude(request.model_id):
            return count_tokens_at(self.model_url(endpoint.api_base, request.model_id, "countTokens"),
                                   headers, request, post_json)
        version, sent = self._claude_versions(request.model_id)
        body = build_count_tokens_body(request, version)
        if self._managed_claude(request.model_id):
            headers["anthropic-version"] = sent
            url = self._managed_url("/v1/messages/count_tokens")
        else:
            body["anthropic_version"] = sent
            url = self.model_url(endpoint.api_base, "count-tokens", "rawPredict", claude=True)
        return int(post_json(url, headers, body)["input_tokens"])
