"""Exported classes name the module users import them from (``llmsdk``), as openai-python's
do, so reprs, tracebacks and pickles say ``llmsdk.LLMRequest`` rather than a private path."""

from __future__ import annotations

import typing
from typing import Any, Dict

__all__ = ["PUBLIC_MODULE", "present_as_public"]

PUBLIC_MODULE = "llmsdk"


def present_as_public(namespace: Dict[str, Any], *names: str) -> None:
    """Give each class ``names`` in ``namespace`` (a module's ``globals()``, called at its
    end) ``__module__ = "llmsdk"``. String annotations are resolved first, in the defining
    module: ``typing.get_type_hints`` (and dataclasses-json, which uses it) looks names up
    in ``sys.modules[cls.__module__]``, which is no longer that module afterwards."""
    for name in names:
        cls = namespace[name]
        own = cls.__dict__.get("__annotations__")
        if own:
            hints = typing.get_type_hints(cls, globalns=namespace, include_extras=True)
            cls.__annotations__ = {key: hints[key] for key in own}
        cls.__module__ = PUBLIC_MODULE
