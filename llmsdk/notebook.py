"""Jupyter helpers: render a streaming reply progressively, in one output cell.

>>> from llmsdk.notebook import display_stream
>>> response = display_stream(client.send(request))

IPython is optional (``pip install 'llmsdk[notebook]'``); it is imported only when
``display_stream`` is called. No asyncio is involved: the cell blocks on the stream like
any other code, so interrupting the kernel (the stop button, ``i i``) raises
``KeyboardInterrupt`` right there; ``display_stream`` then closes the stream — the worker
thread stops and the connection is released — and re-raises.
"""

from __future__ import annotations

import time
from typing import Any, Callable, List, Optional

from llmsdk.events import PartialContent
from llmsdk.types import LLMResponse, TextContent, ThinkingContent

__all__ = ["display_stream"]

DEFAULT_INTERVAL = 0.1


def _ipython_display() -> "tuple[Callable[..., Any], Any]":
    try:
        from IPython.display import Markdown, display
    except ImportError as exc:  # pragma: no cover - exercised only without IPython
        raise ImportError("llmsdk.notebook needs IPython: pip install 'llmsdk[notebook]'") from exc
    return display, Markdown


def display_stream(stream: Any, *, interval: float = DEFAULT_INTERVAL, show_thinking: bool = False) -> LLMResponse:
    """Show ``stream``'s text as Markdown in one output, updated in place at most every
    ``interval`` seconds (re-rendering Markdown per token would swamp the browser), and
    return the ``LLMResponse``. ``show_thinking`` also shows reasoning, as a quote."""
    display, Markdown = _ipython_display()
    handle = display(Markdown("…"), display_id=True)
    text: List[str] = []
    thinking: List[str] = []

    def render(suffix: str = "") -> Any:
        body = "".join(text)
        if show_thinking and thinking:
            quoted = "\n".join("> " + line for line in "".join(thinking).splitlines())
            body = f"{quoted}\n\n{body}"
        return Markdown(body + suffix)

    def update(obj: Any) -> None:
        if handle is not None:
            handle.update(obj)

    last = time.monotonic()
    dirty = False
    try:
        for event in stream:
            if type(event) is not PartialContent:
                continue
            content = event.content
            if type(content) is TextContent:
                text.append(content.text)
            elif show_thinking and type(content) is ThinkingContent and content.thinking:
                thinking.append(content.thinking)
            else:
                continue
            dirty = True
            now = time.monotonic()
            if now - last >= interval:
                update(render())
                last, dirty = now, False
        response: LLMResponse = stream.final_response()
    except KeyboardInterrupt:
        stream.close()
        update(render("\n\n*[interrupted]*"))
        raise
    except BaseException:
        stream.close()
        if dirty or text:
            update(render())
        raise
    update(render())
    return response


def format_usage(response: LLMResponse) -> str:
    """A one-line summary for a notebook cell: tokens and cost."""
    u = response.usage
    cost: Optional[str] = f"${response.cost:.6f}" if response.cost is not None else "unpriced"
    return f"{u.input_tokens} in · {u.output_tokens} out · {cost}"
