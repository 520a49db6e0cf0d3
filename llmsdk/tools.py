"""Tool definitions given to the model, and tools built from plain Python functions: the
public home of ``Tool``, ``ProviderTool``, ``@tool`` and the type-hint converter (defined in
``llmsdk._core.tools``, beside the request that carries them).

>>> @tool
... def get_weather(city: str) -> str:
...     '''Current weather for a city.'''
...     return f"18C, sunny in {city}"
>>> get_weather.invoke({"city": "Paris"})
'18C, sunny in Paris'
"""

from __future__ import annotations

from llmsdk._core.tools import ProviderTool, Tool, ToolInputError, tool
from llmsdk._core.type_schema import SchemaTypeError, schema_for_type

__all__ = ["ProviderTool", "SchemaTypeError", "Tool", "ToolInputError", "schema_for_type", "tool"]
