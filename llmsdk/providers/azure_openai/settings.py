"""What ``HttpClientOptions.new_azure_openai`` checks and keeps: the service root and
the per-client settings (API version, deployment map, default credentials). Pure."""

from __future__ import annotations

from typing import Any, Dict, Mapping, Optional, Tuple

from llmsdk._core.urls import validate_api_base
from llmsdk.errors import InvalidConfigError

__all__ = ["azure_settings", "service_root"]

#: Entra ID scope of Azure OpenAI / Cognitive Services.
SCOPE = "https://cognitiveservices.azure.com/.default"


def service_root(endpoint: str) -> str:
    """``https://res.openai.azure.com`` (also given as ``.../openai`` or ``.../openai/v1``,
    the OpenAI SDK habit) -> ``https://res.openai.azure.com/openai``: every Azure OpenAI
    path lives under ``/openai``, so OpenAI's own paths (``/v1/chat/completions``,
    ``/v1/embeddings``, ``/v1/batches``) join onto it unchanged."""
    base = validate_api_base(endpoint.strip()).rstrip("/")
    for suffix in ("/openai/v1", "/openai"):
        if base.endswith(suffix):
            base = base[: -len(suffix)]
            break
    return base + "/openai"


def azure_settings(endpoint: Optional[str], *, api_version: Optional[str], deployments: Optional[Mapping[str, str]],
                   use_default_credential: bool) -> Tuple[str, Dict[str, Any]]:
    """``(api_base, settings)`` for the options, or ``InvalidConfigError`` naming what is wrong."""
    if not endpoint or not isinstance(endpoint, str):
        raise InvalidConfigError("Azure OpenAI needs an endpoint (https://<resource>.openai.azure.com): "
                                 "pass it or set AZURE_OPENAI_ENDPOINT")
    if api_version is not None and (not isinstance(api_version, str) or not api_version.strip()):
        raise InvalidConfigError(f"api_version must be a version string like '2024-10-21', got {api_version!r}")
    mapping = dict(deployments or {})
    for name, model in mapping.items():
        if not isinstance(name, str) or not isinstance(model, str) or not name or not model:
            raise InvalidConfigError(f"deployments maps deployment names to catalog model ids, got {name!r}: {model!r}")
    settings: Dict[str, Any] = {"deployments": mapping, "default_credential": use_default_credential}
    if api_version:
        settings["api_version"] = api_version.strip()
    return service_root(endpoint), settings
