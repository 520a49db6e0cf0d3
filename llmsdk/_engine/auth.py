"""Bearer tokens that expire: one fresh token per HTTP attempt, one more after a 401.

The engine's one seam for per-attempt authentication (``HttpEngine`` sends every
attempt through ``AttemptAuth.send``). A token provider is a zero-argument callable
(``HttpClientOptions.token_provider``, or a cloud adapter's default credentials); it is
called inside each attempt, so a retry never carries a token fetched before the wait,
and never at construction. A 401 gets one new token and one immediate resend, outside
the retry budget (the official SDKs refresh per request but never retry a 401); a
provider that caches tokens may offer ``invalidate()``, called first, so the new token is
really new.

Tokens are secrets: they travel only in the ``Authorization`` header (which recordings
drop), and ``mask`` removes the ones used lately from text that goes into errors.
"""

from __future__ import annotations

import threading
from collections import deque
from typing import Any, Callable, Deque, Dict, List, Optional

from llmsdk.errors import InvalidConfigError, LLMError

__all__ = ["AttemptAuth", "TokenProvider"]

TokenProvider = Callable[[], str]
_MASK = "**********"


class AttemptAuth:
    """Adds ``Authorization: Bearer <token>`` to each attempt when a token provider is set
    (else passes headers through untouched)."""

    def __init__(self, provider: Optional[TokenProvider], what: str = "token_provider") -> None:
        self.provider = provider
        self.what = what
        self._lock = threading.Lock()
        #: The last few tokens handed out, to mask them in error text (never logged).
        self._recent: Deque[str] = deque(maxlen=4)

    def token(self) -> str:
        """A token from the provider: a non-empty string, or ``InvalidConfigError`` with
        the provider's own exception chained."""
        assert self.provider is not None
        try:
            token = self.provider()
        except LLMError:
            raise
        except Exception as exc:
            raise InvalidConfigError(f"the {self.what} failed: {type(exc).__name__}: {_short(exc)}") from exc
        if hasattr(token, "expose_secret"):
            token = token.expose_secret()
        if not isinstance(token, str) or not token.strip():
            raise InvalidConfigError(f"the {self.what} must return a non-empty string, got {type(token).__name__}")
        token = token.strip()
        with self._lock:
            if token not in self._recent:
                self._recent.append(token)
        return token

    def headers(self, headers: Dict[str, str]) -> Dict[str, str]:
        """``headers`` for one attempt, with a freshly fetched bearer token."""
        if self.provider is None:
            return headers
        fresh = {k: v for k, v in headers.items() if k.lower() not in ("authorization", "api-key", "x-api-key")}
        fresh["Authorization"] = f"Bearer {self.token()}"
        return fresh

    def send(self, send: Callable[[Dict[str, str]], Any], headers: Dict[str, str]) -> Any:
        """``send(headers)`` with a fresh token; on a 401 once more with another."""
        response = send(self.headers(headers))
        if self.provider is not None and getattr(response, "status_code", None) == 401:
            response.close()
            invalidate = getattr(self.provider, "invalidate", None)
            if callable(invalidate):  # a caching provider (GoogleCredentials): skip its cache once
                invalidate()
            response = send(self.headers(headers))
        return response

    def recent(self) -> List[str]:
        """The tokens handed out lately (for masking only)."""
        with self._lock:
            return list(self._recent)

    def mask(self, text: str) -> str:
        """``text`` with every recently used token replaced by asterisks."""
        with self._lock:
            recent = list(self._recent)
        for token in recent:
            if token in text:
                text = text.replace(token, _MASK)
        return text


def _short(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) <= 300 else text[:300] + "..."
