"""The router as ``client.map`` sees a client (``llmsdk._many.map.MapClient``): each item is
one routed ``complete()``, and ``map``'s ``on_open`` sees a ``CallHandle`` in place of a
stream, so stopping the map closes the deployment call in flight and any fallback after it.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any, Callable, Optional

from llmsdk.types import LLMRequest, LLMResponse

if TYPE_CHECKING:  # pragma: no cover
    from llmsdk._engine.stream import EventStream

__all__ = ["Answered", "CallHandle", "MapView"]


class CallHandle:
    """What ``client.map`` sees of one routed call in place of a stream: the deployment
    streams it opens (announced once, so the limiter hears of the call once), ``close()``
    stopping the one in flight and any fallback after it."""

    def __init__(self, on_open: Optional[Callable[[Any], None]]) -> None:
        self._on_open = on_open
        self._lock = threading.Lock()
        self._stream: Optional["EventStream"] = None
        self._closed = False
        self._announced = False
        self.rate_limit: Any = None

    def attach(self, stream: "EventStream") -> None:
        with self._lock:
            self._stream = stream
            closed, first = self._closed, not self._announced
            self._announced = True
        if closed:
            stream.close()
        elif first:
            self.rate_limit = stream.rate_limit
            if self._on_open is not None:
                self._on_open(self)

    def is_closed(self) -> bool:
        return self._closed

    def close(self) -> None:
        with self._lock:
            self._closed = True
            stream = self._stream
        if stream is not None:
            stream.close()


class Answered:
    """A routed call's reply where ``client.map`` expects its stream."""

    __slots__ = ("response",)

    def __init__(self, response: LLMResponse) -> None:
        self.response = response

    def final_response(self) -> LLMResponse:
        return self.response


class MapView:
    """The router as ``client.map`` sees a client (``llmsdk._many.map.MapClient``)."""

    def __init__(self, complete: Callable[..., LLMResponse], get_config: Callable[[], Any]) -> None:
        self._complete = complete
        #: Options whose ``retry`` policy paces ``map``'s own retries under a limiter.
        self.get_config = get_config

    def _start(self, request: LLMRequest, *, inline: bool, max_retries: Optional[int] = None,
               on_open: Optional[Callable[[Any], None]] = None) -> Any:
        if not inline:
            raise NotImplementedError("client.map reads each reply on its worker thread (inline)")
        handle = CallHandle(on_open)
        return Answered(self._complete(request, max_retries=max_retries, handle=handle))
