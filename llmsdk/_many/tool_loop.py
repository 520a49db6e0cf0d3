"""The tool loop behind ``LLMClient.run_tools``: send, run the tools the model asked
for, append the assistant turn and the results, repeat until the model answers.

It only speaks the provider-neutral vocabulary (``LLMRequest``, ``ToolUseContent``,
``ToolResultContent``), so it behaves the same for every provider.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence, Union

from llmsdk._structured.replies import output_tool_name
from llmsdk.errors import InvalidRequestError
from llmsdk.tools import Tool
from llmsdk.types import (
    DocumentContent,
    ImageContent,
    LLMMessage,
    LLMRequest,
    LLMResponse,
    StopReason,
    TextContent,
    ToolResultContent,
    ToolUseContent,
    Usage,
)
from llmsdk._core.public_name import present_as_public

__all__ = ["DEFAULT_MAX_ROUNDS", "ToolRunResult", "execute_tool_call", "run_tools"]

logger = logging.getLogger("llmsdk.tools")

DEFAULT_MAX_ROUNDS = 10

ToolLike = Union[Tool, Callable[..., Any]]


@dataclass
class ToolRunResult:
    """What ``run_tools`` returns: the final reply and the whole conversation.

    >>> final, transcript = client.run_tools(request, [get_weather])
    >>> final.text
    >>> transcript[-1].role                       # "assistant"

    ``messages`` is the request's messages plus every assistant turn and tool-result
    turn added by the loop, ready to continue the conversation (a paused turn and its
    continuation are two assistant messages in a row). ``finished`` is False
    when ``max_rounds`` ran out while the model still wanted tools (their results are
    appended all the same, so the transcript stays valid to send again).
    """

    response: LLMResponse
    messages: List[LLMMessage]
    responses: List[LLMResponse] = field(default_factory=list)
    finished: bool = True
    new_from: int = 0

    def __iter__(self) -> Iterator[Any]:
        """Unpack as ``final, transcript``."""
        return iter((self.response, self.messages))

    @property
    def text(self) -> str:
        return self.response.text

    @property
    def new_messages(self) -> List[LLMMessage]:
        """Only the turns the loop added."""
        return self.messages[self.new_from:]

    @property
    def rounds(self) -> int:
        return len(self.responses)

    @property
    def usage(self) -> Usage:
        """Tokens over every round."""
        total = Usage()
        for r in self.responses:
            total = total + r.usage
        return total

    @property
    def cost(self) -> Optional[float]:
        """USD over every round (None if any round was unpriced)."""
        costs = [r.cost for r in self.responses]
        return None if any(c is None for c in costs) else sum(c for c in costs if c is not None)


def _as_tools(tools: Sequence[ToolLike]) -> Dict[str, Tool]:
    """Tools by name. Tools that share a name and can take a namespace (an MCP server's,
    ``namespaced()``) are renamed ``"<server>__<tool>"``; any clash left is an error."""
    items = [item if isinstance(item, Tool) else Tool.from_function(item) for item in tools]
    counts = Counter(t.name for t in items)
    items = [t.namespaced() if counts[t.name] > 1 and hasattr(t, "namespaced") else t  # type: ignore[attr-defined]
             for t in items]
    table: Dict[str, Tool] = {}
    for t in items:
        if t.name in table:
            raise InvalidRequestError(f"duplicate tool name {t.name!r}")
        table[t.name] = t
    return table


#: Blocks a tool may return as they are (a fetched page's PDF, a chart).
_RESULT_BLOCKS = (TextContent, ImageContent, DocumentContent)


def result_content(value: Any) -> Union[str, List[Any]]:
    """A tool's return value as tool-result content: text, or content blocks as-is."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, _RESULT_BLOCKS):
        return [value]
    if isinstance(value, list) and value and all(isinstance(v, _RESULT_BLOCKS) for v in value):
        return list(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        value = dataclasses.asdict(value)
    try:
        return json.dumps(value, ensure_ascii=False, default=_json_fallback)
    except (TypeError, ValueError):
        return str(value)


def _json_fallback(value: Any) -> Any:
    if hasattr(value, "value") and hasattr(type(value), "__members__"):  # Enum
        return value.value
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    return str(value)


#: The answer to a call whose arguments max_tokens cut short: it is not run with half its input.
CUT_OFF_MESSAGE = ("Error: this call was cut off by max_tokens before its arguments were complete; "
                   "it was not run. Call it again (shorter arguments, or after raising max_tokens).")


def execute_tool_call(call: ToolUseContent, tools: Dict[str, Tool]) -> ToolResultContent:
    """Run one call. Any exception becomes an ``is_error`` result the model can read."""
    t = tools.get(call.name)
    if t is None:
        known = ", ".join(sorted(tools)) or "none"
        return ToolResultContent(call.id, f"Error: unknown tool {call.name!r} (available: {known})", is_error=True)
    if t.function is None:
        return ToolResultContent(call.id, f"Error: tool {call.name!r} has no Python function", is_error=True)
    try:
        value = t.invoke(call.input or {})
    except Exception as exc:  # noqa: BLE001 - the model gets to see what went wrong
        logger.info("tool %s raised %s: %s", call.name, type(exc).__name__, exc)
        return ToolResultContent(call.id, f"Error: {type(exc).__name__}: {exc}", is_error=True)
    if isinstance(value, ToolResultContent):  # the tool said itself how it went (an MCP tool's isError)
        return ToolResultContent(call.id, value.content, is_error=value.is_error)
    return ToolResultContent(call.id, result_content(value))


def _forces_a_tool(choice: Any) -> bool:
    return choice in ("any", "required") or isinstance(choice, dict)


def run_tools(
    complete: Callable[[LLMRequest], LLMResponse],
    request: LLMRequest,
    tools: Sequence[ToolLike],
    max_rounds: int = DEFAULT_MAX_ROUNDS,
) -> ToolRunResult:
    """Loop ``complete`` and the tools until the model stops asking, or ``max_rounds``
    model calls have been made. A turn that ends in ``StopReason.PAUSE_TURN`` (a long
    provider-run tool turn) is sent back as it is, so the model continues it.

    A forced ``tool_choice`` ("any" or a name) applies to the first round only, then
    becomes "auto": otherwise the model could never answer in words.

    With ``request.output_schema`` the tools run first and the final answer is parsed
    (``final.parsed``); a model that answers through the forced output tool ends the loop.
    """
    if isinstance(max_rounds, bool) or not isinstance(max_rounds, int) or max_rounds < 1:
        raise InvalidRequestError(f"max_rounds must be a positive int, got {max_rounds!r}")
    table = _as_tools(tools)
    declared = [t for t in (request.tools or []) if getattr(t, "name", None) not in table]
    messages = list(request.messages)
    start = len(messages)
    current = dataclasses.replace(request, messages=messages, tools=declared + list(table.values()) or None)
    responses: List[LLMResponse] = []
    output_tool = output_tool_name(request)
    for round_no in range(1, max_rounds + 1):
        response = complete(current)
        responses.append(response)
        messages.append(response.to_message())
        calls = response.tool_uses
        if not calls and response.stop_reason is StopReason.PAUSE_TURN:
            # a provider-run tool (web search) paused a long turn: sending the turn back as-is
            # lets the model continue it
            logger.debug("round %d paused (pause_turn); continuing the turn", round_no)
            current = dataclasses.replace(current, messages=list(messages))
            continue
        if not calls or any(c.name == output_tool for c in calls):  # answered through the output tool
            return ToolRunResult(response, messages, responses, finished=True, new_from=start)
        logger.debug("tool round %d: %s", round_no, ", ".join(c.name for c in calls))
        cut_short = calls[-1] if response.stop_reason is StopReason.MAX_TOKENS else None
        results = [ToolResultContent(call.id, CUT_OFF_MESSAGE, is_error=True) if call is cut_short
                   else execute_tool_call(call, table) for call in calls]
        messages.append(LLMMessage(role="user", tool_results=results))
        choice = current.tool_choice
        current = dataclasses.replace(current, messages=list(messages),
                                      tool_choice="auto" if _forces_a_tool(choice) else choice)
    logger.warning("run_tools stopped after max_rounds=%d with tool calls (or a paused turn) still pending",
                   max_rounds)
    return ToolRunResult(responses[-1], messages, responses, finished=False, new_from=start)


present_as_public(globals(), "ToolRunResult")
