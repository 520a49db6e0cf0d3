"""The one event vocabulary every provider's stream is translated into (defined in
``llmsdk._core.events``; this is its public home).

>>> for event in client.send(request):
...     if isinstance(event, LLMEvent.PartialContent) and isinstance(event.content, TextContent):
...         print(event.content.text, end="")
"""

from __future__ import annotations

from llmsdk._core.events import Content, Event, LLMEvent, PartialContent, Stop, _Event

__all__ = ["Content", "Event", "LLMEvent", "PartialContent", "Stop", "_Event"]
