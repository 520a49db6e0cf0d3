"""``SecretString``: an API key that never shows itself in reprs, logs or pickles; the
rule for which headers carry credentials (masked wherever headers are shown or written);
and the check a key passes at construction."""

from __future__ import annotations

import re
from typing import Any, Dict, Mapping

from llmsdk._core.public_name import present_as_public
from llmsdk.errors import InvalidConfigError

__all__ = ["MASK", "SecretString", "clean_key", "is_credential_header", "mask_headers"]

MASK = "**********"

#: Header names that carry a credential whatever their value looks like.
_CREDENTIAL_HEADERS = frozenset({
    "authorization", "proxy-authorization", "x-api-key", "api-key", "x-goog-api-key", "cookie",
    "x-amz-security-token",
})
#: Words that mark a custom header as a credential (``X-Custom-Token``, ``X-My-Api-Key``).
_CREDENTIAL_WORDS = re.compile(r"key|token|secret|auth|passw|credential|signature|session", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def is_credential_header(name: str) -> bool:
    """Does a header of this name carry a credential (so its value is never shown)?"""
    lower = name.lower()
    return lower in _CREDENTIAL_HEADERS or bool(_CREDENTIAL_WORDS.search(lower))


def mask_headers(headers: Mapping[str, Any]) -> Dict[str, str]:
    """``headers`` with every credential-bearing value replaced by ``MASK``."""
    return {k: MASK if is_credential_header(k) else str(v) for k, v in headers.items()}


def clean_key(key: str, what: str = "API key") -> str:
    """``key`` without surrounding whitespace (``export KEY=$(cat key.txt)`` leaves a
    newline); ``InvalidConfigError`` for any other control character. The message shows
    no part of the key, only where the bad character is."""
    key = key.strip()
    bad = _CONTROL.search(key)
    if bad is not None:
        raise InvalidConfigError(
            f"the {what} holds a control character ({bad.group()!r} at position {bad.start()} of "
            f"{len(key)}); keys are printable text: check how it was read or pasted"
        )
    return key


class SecretString:
    """A string that never shows itself: ``repr``/``str`` print ``**********``."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        if isinstance(value, SecretString):
            value = value.expose_secret()
        self._value = str(value)

    def expose_secret(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "SecretString('**********')"

    def __str__(self) -> str:
        return "**********"

    def __format__(self, spec: str) -> str:
        return "**********"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SecretString) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __reduce__(self) -> Any:  # pickling would be a way out of the mask
        raise TypeError("SecretString cannot be pickled")


present_as_public(globals(), "SecretString")
