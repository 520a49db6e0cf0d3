"""Request checks that every provider shares; they run before any HTTP call."""

from __future__ import annotations

import numbers
from typing import Any, Optional, Set

from llmsdk._core.content import (
    ROLES, ImageContent, LLMMessage, RedactedThinkingContent, TextContent, ThinkingContent, ToolResultContent,
    ToolUseContent,
)
from llmsdk._core.provider_content import DocumentContent, ProviderToolContent, check_cache, check_document_media_type
from llmsdk.errors import InvalidRequestError

#: An ``LLMRequest`` (the request module imports this one, so it is not imported here).
LLMRequest = Any

_TOOL_CHOICES = ("auto", "any", "none", "required")
_BLOCK_CLASSES = (TextContent, ImageContent, ThinkingContent, RedactedThinkingContent, ToolUseContent,
                  ToolResultContent, DocumentContent, ProviderToolContent)


def _check_number(name: str, value: Any, low: float, high: Optional[float]) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise InvalidRequestError(f"{name} must be a number, got {value!r}")
    number = float(value)
    if number < low or (high is not None and number > high):
        bound = f"between {low} and {high}" if high is not None else f">= {low}"
        raise InvalidRequestError(f"{name} must be {bound}, got {value!r}")


def validate_request(request: LLMRequest) -> None:
    """Raise ``InvalidRequestError`` for a request no provider would accept."""
    model = request.model
    if not (isinstance(model, str) and model.strip()) and not isinstance(getattr(model, "model_name", None), str):
        raise InvalidRequestError(f"model must be a model id string or an LLMModel, got {model!r}")
    if not isinstance(request.messages, list) or not request.messages:
        raise InvalidRequestError("messages must be a non-empty list")
    if request.max_tokens is not None:
        if isinstance(request.max_tokens, bool) or not isinstance(request.max_tokens, int):
            raise InvalidRequestError(f"max_tokens must be an int, got {request.max_tokens!r}")
        if request.max_tokens < 0:
            raise InvalidRequestError(f"max_tokens must not be negative, got {request.max_tokens}")
    if request.cache not in (None, True, False):
        raise InvalidRequestError(f"cache must be True, False or None (use the client's cache), got {request.cache!r}")
    _check_number("temperature", request.temperature, 0.0, 2.0)
    _check_number("top_p", request.top_p, 0.0, 1.0)
    if request.stop is not None and not all(isinstance(s, str) for s in request.stop_sequences):
        raise InvalidRequestError("stop must be a string or a list of strings")
    _validate_system(request)
    _validate_messages(request)
    _validate_tools(request)
    _validate_output_schema(request)
    if request.thinking is not None and request.thinking.budget_tokens is not None:
        budget = request.thinking.budget_tokens
        if isinstance(budget, bool) or not isinstance(budget, int) or budget < 0:
            raise InvalidRequestError(f"thinking.budget_tokens must be a non-negative int, got {budget!r}")


def _validate_messages(request: LLMRequest) -> None:
    seen_tool_uses: Set[str] = set()
    if not request.chat_messages():
        raise InvalidRequestError("messages must contain at least one user or assistant turn")
    for i, message in enumerate(request.messages):
        if not isinstance(message, LLMMessage):
            raise InvalidRequestError(f"messages[{i}] is not an LLMMessage: {message!r}")
        if message.role not in ROLES:
            raise InvalidRequestError(
                f"messages[{i}] has unknown role {message.role!r}; expected one of {', '.join(ROLES)}"
            )
        if message.text is not None and not isinstance(message.text, str):
            raise InvalidRequestError(f"messages[{i}].text must be a string, got {type(message.text).__name__}")
        for name in ("content", "tool_calls", "tool_results"):
            value = getattr(message, name)
            if value is not None and not isinstance(value, list):
                raise InvalidRequestError(f"messages[{i}].{name} must be a list, got {type(value).__name__}")
        blocks = message.blocks
        if not blocks:
            raise InvalidRequestError(f"messages[{i}] ({message.role}) has no content")
        for block in blocks:
            if not isinstance(block, _BLOCK_CLASSES):
                raise InvalidRequestError(f"messages[{i}] holds {block!r}, which is not a content block")
            if isinstance(block, ToolUseContent):
                if message.role != "assistant":
                    raise InvalidRequestError(f"messages[{i}]: tool calls belong in assistant turns")
                if not block.id or not block.name:
                    raise InvalidRequestError(f"messages[{i}]: a tool call needs an id and a name")
                seen_tool_uses.add(block.id)
            elif isinstance(block, ToolResultContent):
                if message.role != "user":
                    raise InvalidRequestError(f"messages[{i}]: tool results belong in user turns")
                if block.tool_use_id not in seen_tool_uses:
                    raise InvalidRequestError(
                        f"messages[{i}]: tool result for {block.tool_use_id!r} has no matching "
                        "tool call in an earlier assistant turn"
                    )
            elif isinstance(block, ImageContent):
                if (block.data is None) == (block.url is None):
                    raise InvalidRequestError(f"messages[{i}]: an image needs exactly one of data or url")
            elif isinstance(block, DocumentContent):
                _validate_document(block, f"messages[{i}]")
            elif isinstance(block, ProviderToolContent) and message.role != "assistant":
                raise InvalidRequestError(f"messages[{i}]: provider tool blocks belong in assistant turns")
            _validate_cache(block, f"messages[{i}]")


def _validate_cache(block: Any, where: str) -> None:
    check_cache(getattr(block, "cache", None), where)
    if isinstance(block, ToolResultContent) and isinstance(block.content, list):
        for inner in block.content:
            check_cache(getattr(inner, "cache", None), where)


def _validate_document(doc: DocumentContent, where: str) -> None:
    sources = [name for name in ("data", "url", "text") if getattr(doc, name) is not None]
    if len(sources) != 1:
        raise InvalidRequestError(f"{where}: a document needs exactly one of data, url or text, got {sources or 'none'}")
    check_document_media_type(doc.media_type, where)
    if doc.text is not None and doc.is_pdf:
        raise InvalidRequestError(f"{where}: a PDF document needs data (base64) or a url, not text")


def _validate_system(request: LLMRequest) -> None:
    system = request.system
    if system is None or isinstance(system, str):
        return
    if not isinstance(system, list) or not all(isinstance(b, TextContent) for b in system):
        raise InvalidRequestError("system must be a string or a list of TextContent")
    for block in system:
        check_cache(block.cache, "system")


def _validate_output_schema(request: LLMRequest) -> None:
    """A type that cannot become a schema is refused here, naming the field."""
    if request.output_schema is None:
        return
    from llmsdk._core.output_spec import output_spec

    spec = output_spec(request.output_schema)
    assert spec is not None
    if any(getattr(t, "name", None) == spec.name for t in request.tools or []):
        raise InvalidRequestError(
            f"a tool is named {spec.name!r}, the name of the output_schema; rename one of them "
            "(the output may travel as a tool of that name)")


def _validate_tools(request: LLMRequest) -> None:
    from llmsdk._core.tools import ProviderTool

    names = set()
    provider_tools = 0
    for tool in request.tools or []:
        if isinstance(tool, ProviderTool):
            if not isinstance(tool.type, str) or not tool.type:
                raise InvalidRequestError(f"invalid provider tool {tool!r}: needs the provider's type string")
            if tool.config is not None and not isinstance(tool.config, dict):
                raise InvalidRequestError(f"provider tool {tool.type!r}: config must be a dict, got {tool.config!r}")
            provider_tools += 1
            continue
        check_cache(getattr(tool, "cache", None), f"tool {getattr(tool, 'name', tool)!r}")
        name = getattr(tool, "name", None)
        if not name or not isinstance(getattr(tool, "input_schema", None), dict):
            raise InvalidRequestError(f"invalid tool {tool!r}: needs a name and an input_schema dict")
        if name in names:
            raise InvalidRequestError(f"duplicate tool name {name!r}")
        names.add(name)
    choice = request.tool_choice
    if choice is None:
        return
    if isinstance(choice, str):
        if choice not in _TOOL_CHOICES:
            raise InvalidRequestError(
                f"tool_choice must be 'auto', 'any', 'none' or {{'name': ...}}, got {choice!r}"
            )
        if choice in ("any", "required") and not names and not provider_tools:
            raise InvalidRequestError(f"tool_choice={choice!r} needs tools")
        return
    if not isinstance(choice, dict) or not isinstance(choice.get("name"), str):
        raise InvalidRequestError(f"tool_choice must be a string or {{'name': tool_name}}, got {choice!r}")
    if choice["name"] not in names:
        raise InvalidRequestError(f"tool_choice names {choice['name']!r}, which is not among the tools")
