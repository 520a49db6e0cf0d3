"""``SecretString``: an API key that never shows itself in reprs, logs or pickles."""

from __future__ import annotations

from typing import Any

from llmsdk._core.public_name import present_as_public

__all__ = ["SecretString"]


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
