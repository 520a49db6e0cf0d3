"""Google OAuth tokens through google-auth (extra ``[vertex]``), imported on first use.

``GoogleCredentials`` holds one google-auth ``Credentials`` (a service account built from
its key, the caller's object, or ADC from ``google.auth.default``) and hands out its
token, refreshing only when it is missing or ``expired`` (google-auth counts a token as
expired a few minutes early), never per request. Refreshes go through google-auth's
requests transport, so proxies and CA settings are the same as for the API calls.
"""

from __future__ import annotations

import threading
from typing import Any, Optional

from llmsdk.errors import ConnectionFailedError, InvalidConfigError

__all__ = ["GoogleCredentials", "SCOPES"]

SCOPES = ("https://www.googleapis.com/auth/cloud-platform",)
_INSTALL = "pip install 'llmsdk[vertex]' (google-auth)"
_ADC_HINT = ("set GOOGLE_APPLICATION_CREDENTIALS to a service-account key, run "
             "`gcloud auth application-default login`, or pass credentials=/token_provider=/api_key=")


class GoogleCredentials:
    """Lazily built credentials for one client; ``token()`` is its token provider."""

    def __init__(self, source: Any = None) -> None:
        #: A service-account dict, a google-auth Credentials object, or None (ADC).
        self._source = source
        self._credentials: Any = None
        self._project: Optional[str] = None
        self._lock = threading.Lock()
        self._stale = False

    def __repr__(self) -> str:
        return "GoogleCredentials(<hidden>)"

    def _load(self) -> Any:
        if self._credentials is not None:
            return self._credentials
        try:
            import google.auth
            import google.auth.exceptions
        except ImportError as exc:
            raise InvalidConfigError(f"Vertex AI credentials need google-auth: {_INSTALL}") from exc
        source = self._source
        if isinstance(source, dict):
            from google.oauth2 import service_account

            try:
                creds = service_account.Credentials.from_service_account_info(source, scopes=list(SCOPES))
            except (ValueError, KeyError) as exc:
                raise InvalidConfigError(f"the service-account key is not usable: {type(exc).__name__}") from exc
            self._project = source.get("project_id")
        elif source is not None:
            creds = source
            if getattr(creds, "requires_scopes", False) and hasattr(creds, "with_scopes"):
                creds = creds.with_scopes(list(SCOPES))
        else:
            try:
                creds, self._project = google.auth.default(scopes=list(SCOPES))
            except google.auth.exceptions.DefaultCredentialsError as exc:
                raise InvalidConfigError(f"no Google credentials found for Vertex AI: {_ADC_HINT}") from exc
        self._credentials = creds
        return creds

    def project(self) -> Optional[str]:
        """The project the credentials name (ADC's default project, a key's ``project_id``)."""
        with self._lock:
            self._load()
            return self._project

    def token(self) -> str:
        """The current access token, refreshed first if it is missing, expired, or was
        refused (``invalidate``)."""
        with self._lock:
            creds = self._load()
            if self._stale or not getattr(creds, "valid", False) or not getattr(creds, "token", None):
                self._refresh(creds)
                self._stale = False
            return str(creds.token)

    __call__ = token

    def invalidate(self) -> None:
        """The server refused the current token (a 401): the next ``token()`` refreshes
        (the engine calls this before its one fresh-token retry)."""
        with self._lock:
            self._stale = True

    @staticmethod
    def _refresh(creds: Any) -> None:
        import google.auth.exceptions
        import google.auth.transport.requests

        try:
            creds.refresh(google.auth.transport.requests.Request())
        except google.auth.exceptions.TransportError as exc:  # the token endpoint was unreachable
            raise ConnectionFailedError(f"could not reach the Google token endpoint: {type(exc).__name__}") from exc
        except google.auth.exceptions.RefreshError as exc:
            raise InvalidConfigError(f"Google refused to issue a token for Vertex AI: {_first_line(exc)}") from exc


def _first_line(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:300]

