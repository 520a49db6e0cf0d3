"""Tool definitions given to the model."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict

from llmsdk._json import JsonMixin

__all__ = ["Tool"]


@dataclass
class Tool(JsonMixin):
    """A function the model may call. ``input_schema`` is a JSON Schema object.

    >>> Tool("get_weather", "Current weather", {"type": "object",
    ...      "properties": {"city": {"type": "string"}}, "required": ["city"]})
    """

    name: str
    description: str = ""
    input_schema: Dict[str, Any] = field(default_factory=lambda: {"type": "object", "properties": {}})
