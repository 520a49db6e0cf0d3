"""Where Gemini's methods live: ``/v1beta/models/{model}:{method}``."""

from __future__ import annotations

from urllib.parse import quote

__all__ = ["API_VERSION", "model_path"]

API_VERSION = "/v1beta"


def model_path(model_id: str) -> str:
    """``gemini-2.5-flash`` -> ``models/gemini-2.5-flash``; ``models/...`` and
    ``tunedModels/...`` names are kept as they are."""
    name = model_id if "/" in model_id else f"models/{model_id}"
    return quote(name, safe="/")
