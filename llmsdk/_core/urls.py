"""Service roots and endpoint paths: validation and joining without doubling ``/v1``."""

from __future__ import annotations

from urllib.parse import urlsplit

from llmsdk.errors import InvalidConfigError

__all__ = ["join_url", "validate_api_base"]


def join_url(api_base: str, path: str) -> str:
    """Join a service root and a versioned path without doubling the version segment.

    >>> join_url("https://api.openai.com", "/v1/chat/completions")
    'https://api.openai.com/v1/chat/completions'
    >>> join_url("http://localhost:8000/v1/", "/v1/chat/completions")
    'http://localhost:8000/v1/chat/completions'
    """
    base = api_base.rstrip("/")
    if not path.startswith("/"):
        path = "/" + path
    version = "/" + path.split("/", 2)[1]
    if base.endswith(version):
        base = base[: -len(version)]
    return base + path


def validate_api_base(api_base: str) -> str:
    """``api_base`` if it is an http(s) URL with a host, else ``InvalidConfigError``."""
    parts = urlsplit(api_base)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InvalidConfigError(f"api_base must be an http(s) URL, got {api_base!r}")
    return api_base
