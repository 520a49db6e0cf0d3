"""Where Gemini's methods live: ``/v1beta/models/{model}:{method}``."""

from __future__ import annotations

from urllib.parse import quote

import re
from typing import Any, Mapping

from llmsdk.errors import InvalidConfigError

__all__ = ["API_VERSION", "api_version_path", "model_path"]

#: ``v1beta``: every field llmsdk sends is accepted there. google-genai 3.x defaults to
#: ``v1``; ``provider_settings={"api_version": "v1"}`` selects it (PROVIDERS.md §9.6:
#: which fields ``v1`` rejects is unverified).
API_VERSION = "/v1beta"
_VERSION = re.compile(r"^v\d+(?:(?:alpha|beta)\d*)?$")


def api_version_path(settings: Mapping[str, Any]) -> str:
    """``/v1beta``, or ``/<api_version>`` from a client's ``provider_settings``."""
    version = settings.get("api_version")
    if version is None:
        return API_VERSION
    if not isinstance(version, str) or not _VERSION.match(version.strip("/")):
        raise InvalidConfigError(f"Gemini api_version must look like 'v1' or 'v1beta', got {version!r}")
    return "/" + version.strip("/")


def model_path(model_id: str) -> str:
    """``gemini-2.5-flash`` -> ``models/gemini-2.5-flash``; ``models/...`` and
    ``tunedModels/...`` names are kept as they are."""
    name = model_id if "/" in model_id else f"models/{model_id}"
    return quote(name, safe="/")
