"""JSON round-trip for the public dataclasses, via dataclasses-json, imported lazily.

dataclasses-json costs ~200 ms to import; most programs never serialise a request,
so the mixin only imports it on first use.
"""

from __future__ import annotations

import json
from typing import Any, Callable, Dict, Optional, Type, TypeVar

T = TypeVar("T", bound="JsonMixin")


def json_field(
    *, encoder: Optional[Callable[[Any], Any]] = None, decoder: Optional[Callable[[Any], Any]] = None,
    omit_none: bool = False, omit_empty: bool = False,
) -> Dict[str, Any]:
    """Field metadata in dataclasses-json's own format (what ``dataclasses_json.config`` returns).
    ``omit_none`` leaves the field out of the JSON when it is None, ``omit_empty`` when it is
    falsy (0, an empty list or dict), so optional extras do not change the JSON of plain data."""
    cfg: Dict[str, Any] = {}
    if encoder is not None:
        cfg["encoder"] = encoder
    if decoder is not None:
        cfg["decoder"] = decoder
    if omit_none:
        cfg["exclude"] = _is_none
    if omit_empty:
        cfg["exclude"] = _is_empty
    return {"dataclasses_json": cfg}


def _is_none(value: Any) -> bool:
    return value is None


def _is_empty(value: Any) -> bool:
    return not value


class JsonMixin:
    """``to_dict`` / ``from_dict`` / ``to_json`` / ``from_json`` backed by dataclasses-json."""

    def to_dict(self, encode_json: bool = False) -> Dict[str, Any]:
        from dataclasses_json import DataClassJsonMixin

        return DataClassJsonMixin.to_dict(self, encode_json=encode_json)  # type: ignore[arg-type]

    @classmethod
    def from_dict(cls: Type[T], kvs: Dict[str, Any], *, infer_missing: bool = True) -> T:
        from dataclasses_json.core import _decode_dataclass

        return _decode_dataclass(cls, kvs, infer_missing)  # type: ignore[no-any-return]

    def to_json(self, **kwargs: Any) -> str:
        kwargs.setdefault("ensure_ascii", False)
        return json.dumps(self.to_dict(encode_json=True), **kwargs)

    @classmethod
    def from_json(cls: Type[T], s: str, *, infer_missing: bool = True) -> T:
        return cls.from_dict(json.loads(s), infer_missing=infer_missing)
