"""Entra ID tokens from azure-identity (extra ``[azure]``), imported on first use.

``DefaultAzureCredential`` tries environment variables, workload and managed identity,
the Azure CLI and more; it caches each token until shortly before it expires, so calling
``get_token`` once per HTTP attempt is cheap and never hands out an expired token.
"""

from __future__ import annotations

import threading
from typing import Any, Callable, Optional

from llmsdk.errors import InvalidConfigError

__all__ = ["bearer_token_provider"]


def bearer_token_provider(scope: str, credential: Any = None) -> Callable[[], str]:
    """A zero-argument callable returning a token for ``scope`` from ``credential`` (any
    azure-identity ``TokenCredential``), or from a ``DefaultAzureCredential`` built on
    the first call."""
    lock = threading.Lock()
    held: list = [credential]

    def provide() -> str:
        with lock:
            if held[0] is None:
                held[0] = _default_credential()
            current = held[0]
        return str(current.get_token(scope).token)

    return provide


def _default_credential() -> Any:
    try:
        from azure.identity import DefaultAzureCredential
    except ImportError as exc:
        raise InvalidConfigError(
            "Azure OpenAI without an api_key uses Entra ID through azure-identity: "
            "pip install 'llmsdk[azure]', or pass api_key= (AZURE_OPENAI_API_KEY) or token_provider="
        ) from exc
    credential: Optional[Any] = DefaultAzureCredential()
    return credential
