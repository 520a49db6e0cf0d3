"""The Ollama provider: its native API at ``http://localhost:11434`` (no key).

``HttpClientOptions.new_ollama(api_base, num_ctx=None, keep_alive=None)``; ``from_env``
reads ``OLLAMA_HOST`` (``host``, ``host:port`` or a URL, as the ollama CLI and SDK take
it). ``num_ctx`` and ``keep_alive`` travel in ``HttpClientOptions.provider_settings``,
which the adapter sees as ``Endpoint.settings`` (checked by ``check_settings`` when the
client is built).

Ollama silently cuts a prompt longer than its context (``num_ctx``) from the front: when
the local estimate of a request's tokens passes the ``num_ctx`` in force (the client's,
or the request's ``extra_body={"options": {"num_ctx": ...}}``), a warning is logged.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Mapping, Optional
from urllib.parse import urlsplit

from llmsdk._core.error_bodies import ErrorInfo, generic_error_info
from llmsdk._core.token_estimate import estimate_tokens
from llmsdk._core.urls import join_url
from llmsdk.errors import InvalidConfigError
from llmsdk.providers.base import Endpoint, PreparedRequest, ProviderAdapter
from llmsdk.providers.embedding_api import EmbeddingsApi
from llmsdk.providers.ollama.embeddings import OllamaEmbeddings
from llmsdk.providers.ollama.request import OllamaRequestFormatter
from llmsdk.providers.ollama.stream import OllamaStreamProcessor
from llmsdk.types import LLMRequest

__all__ = ["DEFAULT_HOST", "OllamaAdapter", "ollama_host", "parse_tags"]

logger = logging.getLogger("llmsdk.providers.ollama")

DEFAULT_HOST = "http://localhost:11434"
DEFAULT_PORT = 11434


def ollama_host(value: str) -> str:
    """A base URL from an ``OLLAMA_HOST`` value: ``0.0.0.0``, ``host:port``,
    ``https://host`` ... (scheme ``http`` and port 11434 unless given)."""
    value = value.strip().rstrip("/")
    if "://" not in value:
        value = "http://" + value
    parts = urlsplit(value)
    if parts.port is None and parts.scheme == "http":
        host = parts.hostname or "localhost"
        host = f"[{host}]" if ":" in host else host
        return f"{parts.scheme}://{host}:{DEFAULT_PORT}{parts.path}"
    return value


def parse_tags(data: Any) -> List[Dict[str, Any]]:
    """``GET /api/tags`` -> one dict per local model (``name``, ``size``, ``family``,
    ``parameter_size``, ``quantization_level``, ``modified_at``)."""
    out: List[Dict[str, Any]] = []
    for row in (data.get("models") if isinstance(data, dict) else None) or ():
        if not isinstance(row, dict):
            continue
        raw_details = row.get("details")
        details: Dict[str, Any] = raw_details if isinstance(raw_details, dict) else {}
        out.append({
            "name": row.get("name") or row.get("model"),
            "size": row.get("size"),
            "family": details.get("family"),
            "parameter_size": details.get("parameter_size"),
            "quantization_level": details.get("quantization_level"),
            "modified_at": row.get("modified_at"),
        })
    return out


class OllamaAdapter(ProviderAdapter):
    name = "ollama"
    embeddings: Optional[EmbeddingsApi] = OllamaEmbeddings()
    formatter = OllamaRequestFormatter()

    def prepare_request(self, request: LLMRequest, endpoint: Endpoint) -> PreparedRequest:
        settings: Mapping[str, Any] = endpoint.settings
        body = self.formatter.body(request, num_ctx=settings.get("num_ctx"), keep_alive=settings.get("keep_alive"))
        self.warn_if_too_long(request, body)
        return PreparedRequest(url=self.endpoint(endpoint.api_base, request), headers=self.headers(endpoint),
                               body=body)

    def check_settings(self, settings: Mapping[str, Any]) -> None:
        """``num_ctx`` (a positive int) and ``keep_alive`` (a duration string or seconds);
        anything else is refused when the client is built."""
        unknown = sorted(set(settings) - {"num_ctx", "keep_alive"})
        if unknown:
            raise InvalidConfigError(f"ollama takes provider_settings num_ctx and keep_alive, not {unknown}")
        num_ctx = settings.get("num_ctx")
        if num_ctx is not None and (not isinstance(num_ctx, int) or isinstance(num_ctx, bool) or num_ctx < 1):
            raise InvalidConfigError(f"num_ctx must be a positive int, got {num_ctx!r}")
        keep_alive = settings.get("keep_alive")
        if keep_alive is not None and (isinstance(keep_alive, bool) or not isinstance(keep_alive, (str, int, float))):
            raise InvalidConfigError(f"keep_alive must be a duration string ('5m') or seconds, got {keep_alive!r}")

    @staticmethod
    def warn_if_too_long(request: LLMRequest, body: Dict[str, Any]) -> None:
        num_ctx = (body.get("options") or {}).get("num_ctx")
        if not isinstance(num_ctx, int) or isinstance(num_ctx, bool):
            return
        estimate = estimate_tokens(request)
        if estimate > num_ctx:
            logger.warning("ollama: the prompt is about %d tokens but num_ctx is %d; Ollama silently drops "
                           "the start of a prompt that does not fit (raise num_ctx)", estimate, num_ctx)

    def endpoint(self, api_base: str, request: LLMRequest) -> str:
        return join_url(api_base, "/api/chat")

    def auth_headers(self, api_key: Optional[str]) -> Dict[str, str]:
        """No key by default; one given (a proxy in front of Ollama) goes as a bearer token."""
        return {"Authorization": f"Bearer {api_key}"} if api_key else {}

    def request_body(self, request: LLMRequest) -> Dict[str, Any]:
        return self.formatter.body(request)

    def stream_processor(self, request: LLMRequest) -> OllamaStreamProcessor:
        return OllamaStreamProcessor(provider=self.name)

    def parse_error(self, status: int, body: Any) -> ErrorInfo:
        """``{"error": "model \\"x\\" not found, try pulling it first"}``."""
        return generic_error_info(status, body)

    def models_url(self, api_base: str) -> str:
        """Where the local models are listed (``llmsdk models --provider ollama``)."""
        return join_url(api_base, "/api/tags")
