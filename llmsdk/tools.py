"""Tool definitions given to the model, and tools built from plain Python functions.

>>> @tool
... def get_weather(city: str, unit: Literal["C", "F"] = "C") -> str:
...     '''Current weather for a city.
...
...     Args:
...         city: City name, e.g. "Paris".
...         unit: Temperature unit.
...     '''
...     return f"18{unit}, sunny in {city}"
>>> get_weather.input_schema["required"]
['city']
>>> get_weather.invoke({"city": "Paris"})
'18C, sunny in Paris'

The schema comes from the type hints (``str``, ``int``, ``float``, ``bool``, ``list[...]``,
``dict[str, ...]``, ``Optional``, ``Union``, ``Literal``, ``Enum``, dataclasses, ``TypedDict``,
``datetime``/``date``/``UUID`` (ISO strings),
``Annotated[X, "description"]``) and the parameter descriptions from the docstring
(Google, NumPy or Sphinx style). ``invoke`` turns the model's JSON arguments back into
those types (enum members, dataclass instances) before calling the function.
"""

from __future__ import annotations

from llmsdk._core.tools import ProviderTool, Tool, ToolInputError, tool
from llmsdk._core.type_schema import SchemaTypeError, schema_for_type

__all__ = ["ProviderTool", "SchemaTypeError", "Tool", "ToolInputError", "schema_for_type", "tool"]
