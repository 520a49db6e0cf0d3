"""SigV4 for Bedrock, signed by botocore (extra ``[bedrock]``), never by our own code.

``SigV4Signer`` is the options' ``signer``: the engine calls it once per HTTP attempt with
the final method, URL, headers and body bytes, and sends the headers it returns. So the
signature always covers this attempt's date and body, and credentials are asked for per
attempt: botocore's refreshable credentials (SSO, web identity, container and instance
roles, ``credential_process``) renew themselves there when they are about to expire.

botocore is imported on first use only. Its ``botocore.auth`` logger prints each
canonical request (session token included) at DEBUG, so a filter drops those records
(PROVIDERS.md §11): a user's ``logging.basicConfig(level=DEBUG)`` prints no secret.
"""

from __future__ import annotations

import logging
import threading
from typing import Any, Dict, Optional, Sequence, Tuple, Union

from llmsdk.errors import InvalidConfigError

__all__ = ["SigV4Signer", "import_botocore", "profile_region"]

Credentials = Union[Any, Tuple[str, str], Tuple[str, str, Optional[str]]]


class _DropSigningDebug(logging.Filter):
    """Drops botocore.auth's DEBUG records (canonical requests carry the session token)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno > logging.DEBUG


_filter_lock = threading.Lock()
_filtered = False


def import_botocore() -> Any:
    """``botocore`` (with its signing logs filtered), or ``InvalidConfigError`` naming the extra."""
    global _filtered
    try:
        import botocore.auth  # noqa: F401
        import botocore.awsrequest  # noqa: F401
        import botocore.credentials  # noqa: F401
        import botocore.session
    except ImportError as exc:
        raise InvalidConfigError(
            "SigV4 signing for Bedrock needs botocore: pip install 'llmsdk[bedrock]' "
            "(or pass api_key= / set AWS_BEARER_TOKEN_BEDROCK for a Bedrock API key)") from exc
    with _filter_lock:
        if not _filtered:
            logging.getLogger("botocore.auth").addFilter(_DropSigningDebug())
            _filtered = True
    return botocore


def profile_region(profile: Optional[str]) -> Optional[str]:
    """The region of ``profile`` (or of the default profile) in the shared AWS config."""
    botocore = import_botocore()
    session = botocore.session.Session(profile=profile) if profile else botocore.session.Session()
    try:
        region = session.get_config_variable("region")
    except Exception as exc:  # noqa: BLE001 - botocore's ProfileNotFound and friends
        raise InvalidConfigError(f"cannot read AWS profile {profile!r}: {type(exc).__name__}") from None
    return str(region) if region else None


class SigV4Signer:
    """Signs one attempt: ``signer(method, url, headers, body) -> headers``.

    ``credentials``: botocore ``Credentials`` (refreshable ones too), or
    ``(access_key, secret_key[, session_token])``; None: botocore's credential chain for
    ``profile`` (environment, shared files, SSO, web identity, container/instance roles),
    resolved on the first request, not at construction.
    """

    def __init__(self, region: str, *, service: str = "bedrock", credentials: Optional[Credentials] = None,
                 profile: Optional[str] = None) -> None:
        self.region = region
        self.service = service
        self._profile = profile
        self._given = credentials
        self._source: Any = None
        self._lock = threading.Lock()
        if credentials is not None and not _is_botocore_credentials(credentials):
            _check_tuple(credentials)

    def __repr__(self) -> str:
        return f"SigV4Signer(region={self.region!r}, service={self.service!r})"

    def _credential_source(self) -> Any:
        with self._lock:
            if self._source is None:
                botocore = import_botocore()
                given = self._given
                if given is not None and not _is_botocore_credentials(given):
                    access, secret, *rest = given
                    given = botocore.credentials.Credentials(access, secret, rest[0] if rest else None)
                if given is None:
                    session = (botocore.session.Session(profile=self._profile) if self._profile
                               else botocore.session.Session())
                    try:
                        given = session.get_credentials()
                    except Exception as exc:  # noqa: BLE001 - a broken profile, SSO expired...
                        raise InvalidConfigError(
                            f"AWS credentials could not be loaded ({type(exc).__name__}); "
                            "check the profile, or pass api_key= for a Bedrock API key") from None
                    if given is None:
                        raise InvalidConfigError(
                            "no AWS credentials found (environment, ~/.aws files, SSO, roles); "
                            "set them, pass credentials=, or use a Bedrock API key (AWS_BEARER_TOKEN_BEDROCK)")
                self._source = given
            return self._source

    def __call__(self, method: str, url: str, headers: Dict[str, str], body: bytes) -> Dict[str, str]:
        import botocore.auth
        import botocore.awsrequest

        source = self._credential_source()
        try:
            frozen = source.get_frozen_credentials()  # refreshes expiring credentials, per attempt
        except Exception as exc:  # noqa: BLE001 - botocore's refresh errors, whatever their class
            raise InvalidConfigError(f"AWS credentials could not be refreshed ({type(exc).__name__})") from None
        unsigned = {k: v for k, v in headers.items() if k.lower() != "authorization"}
        request = botocore.awsrequest.AWSRequest(method=method, url=url, data=body, headers=unsigned)
        botocore.auth.SigV4Auth(frozen, self.service, self.region).add_auth(request)
        return dict(request.headers.items())


def _is_botocore_credentials(value: Any) -> bool:
    return hasattr(value, "get_frozen_credentials")


def _check_tuple(value: Any) -> None:
    if (not isinstance(value, Sequence) or isinstance(value, str) or len(value) not in (2, 3)
            or not all(isinstance(v, str) and v for v in value[:2])):
        raise InvalidConfigError(
            "credentials must be botocore Credentials or (access_key, secret_key[, session_token])")
