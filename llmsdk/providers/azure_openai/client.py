"""Azure OpenAI adapters: OpenAI's Chat Completions and Responses adapters with Azure's
URLs, auth and deployment names (no copy of their request or stream code).

* v1 API (default): ``<endpoint>/openai/v1/chat/completions`` (``/responses``,
  ``/embeddings``, ``/files``, ``/batches``); ``LLMRequest.model`` is the deployment.
* classic route (``api_version=`` given): ``<endpoint>/openai/deployments/{deployment}/
  chat/completions?api-version=...`` (and ``/embeddings``; Responses at
  ``/openai/responses?api-version=...``), as the official ``AzureOpenAI`` client sends.
* auth: ``api-key: <key>``; or ``Authorization: Bearer <token>`` from the options'
  ``token_provider`` or, with neither, azure-identity's ``DefaultAzureCredential``.
"""

from __future__ import annotations

import copy
from typing import Any, Callable, Dict, Mapping, Optional, Tuple, Type
from urllib.parse import quote

from llmsdk._core.urls import join_url
from llmsdk.providers.azure_openai.credentials import bearer_token_provider
from llmsdk.providers.azure_openai.settings import SCOPE
from llmsdk.providers.azure_openai.stream import AzureChatStreamProcessor
from llmsdk.providers.base import Endpoint, ProviderAdapter
from llmsdk.providers.embedding_api import EmbeddingsApi
from llmsdk.providers.openai.client import OpenAIAdapter
from llmsdk.providers.openai.embeddings import OpenAIEmbeddings
from llmsdk.providers.openai.responses_client import ResponsesAdapter
from llmsdk.providers.openai.stream import ChatStreamProcessor
from llmsdk.types import LLMRequest

__all__ = ["AzureChatAdapter", "AzureEmbeddings", "AzureResponsesAdapter"]


def _classic(api_base: str, path: str, api_version: str) -> str:
    return join_url(api_base, path) + "?api-version=" + quote(api_version, safe="")


class AzureEmbeddings(OpenAIEmbeddings):
    """``/openai/v1/embeddings``, or ``/openai/deployments/{d}/embeddings?api-version=``."""

    def __init__(self, api_version: Optional[str] = None) -> None:
        self.api_version = api_version

    def url(self, api_base: str, model: str) -> str:
        if self.api_version:
            return _classic(api_base, f"/deployments/{quote(model, safe='')}/embeddings", self.api_version)
        return super().url(api_base, model)


class _AzureMixin(ProviderAdapter):
    """What Azure changes on an OpenAI adapter; ``bind`` makes a per-client copy."""

    name = "azure_openai"
    settings: Mapping[str, Any] = {}
    embeddings: Optional[EmbeddingsApi] = AzureEmbeddings()
    _tokens: Optional[Callable[[], str]] = None

    def bind(self, endpoint: Endpoint) -> ProviderAdapter:
        bound = copy.copy(self)
        bound.settings = dict(endpoint.settings)
        bound.embeddings = AzureEmbeddings(bound.api_version)
        if bound.settings.get("default_credential") and endpoint.api_key is None:
            bound._tokens = bearer_token_provider(SCOPE)
        return bound

    @property
    def api_version(self) -> Optional[str]:
        return self.settings.get("api_version")

    def token_provider(self) -> Optional[Callable[[], str]]:
        return self._tokens

    def auth_headers(self, api_key: Optional[str]) -> Dict[str, str]:
        return {"api-key": api_key} if api_key else {}

    def catalog_model(self, model_id: str) -> Tuple[str, Optional[str]]:
        """A deployment maps to its catalog model (``deployments=``); an unmapped name that
        is a catalog id is that entry. Prices and capabilities are OpenAI's."""
        return self.settings.get("deployments", {}).get(model_id, model_id), "openai"


class AzureChatAdapter(_AzureMixin, OpenAIAdapter):
    """Chat Completions on Azure OpenAI."""

    processor_class: Type[ChatStreamProcessor] = AzureChatStreamProcessor

    def endpoint(self, api_base: str, request: LLMRequest) -> str:
        if self.api_version:
            return _classic(api_base, f"/deployments/{quote(request.model_id, safe='')}/chat/completions",
                            self.api_version)
        return join_url(api_base, self.path)


class AzureResponsesAdapter(_AzureMixin, ResponsesAdapter):
    """The Responses API on Azure OpenAI (tokens are estimated locally)."""

    name = "azure_openai"

    def endpoint(self, api_base: str, request: LLMRequest) -> str:
        if self.api_version:
            return _classic(api_base, "/responses", self.api_version)
        return join_url(api_base, self.path)
