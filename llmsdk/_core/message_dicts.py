"""Messages as users write them: OpenAI-style dicts (``{"role": "user", "content": "hi"}``,
``content`` a string or a list of ``text`` / ``image_url`` parts, assistant ``tool_calls``,
``role: "tool"`` results) turned into ``LLMMessage``s, so they are accepted wherever
messages are (``LLMRequest(messages=...)``, ``client += {...}``, JSON request lines)."""

from __future__ import annotations

import json
from typing import Any, Dict, List, Optional

from llmsdk._core.content import (
    ContentBlock, ImageContent, LLMMessage, TextContent, ToolUseContent, block_from_dict,
)
from llmsdk.errors import InvalidRequestError

__all__ = ["as_message", "as_messages", "native_message_dicts"]

_ROLES = {"user": "user", "assistant": "assistant", "system": "system", "developer": "system"}


def as_messages(messages: Any) -> Any:
    """``messages`` with each dict converted (anything else is left for validation)."""
    if not isinstance(messages, (list, tuple)) or not any(isinstance(m, dict) for m in messages):
        return messages
    return [as_message(m, f"messages[{i}]") if isinstance(m, dict) else m for i, m in enumerate(messages)]


def as_message(data: Any, where: str = "message") -> Any:
    """One OpenAI-style message dict as an ``LLMMessage`` (an ``LLMMessage`` as it is)."""
    if not isinstance(data, dict):
        return data
    role = data.get("role")
    if role == "tool":
        return LLMMessage.tool_result(str(data.get("tool_call_id") or ""), _text_of(data.get("content"), where))
    if role not in _ROLES:
        raise InvalidRequestError(f"{where} has role {role!r}; expected user, assistant, system or tool")
    blocks = _blocks(data.get("content"), where)
    calls = [_tool_call(c, f"{where}.tool_calls[{i}]") for i, c in enumerate(data.get("tool_calls") or [])]
    if len(blocks) == 1 and isinstance(blocks[0], TextContent) and not blocks[0].cache and not calls:
        return LLMMessage(role=_ROLES[role], text=blocks[0].text)
    return LLMMessage(role=_ROLES[role], content=blocks or None, tool_calls=calls or None)


def _blocks(content: Any, where: str) -> List[ContentBlock]:
    if content is None:
        return []
    if isinstance(content, str):
        return [TextContent(content)]
    if not isinstance(content, list):
        raise InvalidRequestError(f"{where}.content must be a string or a list of parts, "
                                  f"got {type(content).__name__}")
    out: List[ContentBlock] = []
    for i, part in enumerate(content):
        out.append(_part(part, f"{where}.content[{i}]"))
    return out


def _part(part: Any, where: str) -> ContentBlock:
    if isinstance(part, str):
        return TextContent(part)
    if not isinstance(part, dict):
        if hasattr(part, "type"):  # already a content block
            return part  # type: ignore[no-any-return]
        raise InvalidRequestError(f"{where} is not a content part: {part!r}")
    kind = part.get("type")
    if kind == "text" and set(part) <= {"type", "text"}:
        return TextContent(str(part.get("text", "")))
    if kind in ("image_url", "input_image"):
        image = part.get("image_url")
        url = image.get("url") if isinstance(image, dict) else image
        if not isinstance(url, str) or not url:
            raise InvalidRequestError(f"{where} has no image_url.url")
        if url.startswith("data:") and ";base64," in url:
            head, data = url[5:].split(";base64,", 1)
            return ImageContent.from_base64(data, head or "image/png")
        return ImageContent.from_url(url)
    try:
        return block_from_dict(part)
    except (ValueError, TypeError, KeyError) as exc:
        raise InvalidRequestError(f"{where}: {exc}") from None


def _tool_call(call: Any, where: str) -> ToolUseContent:
    if isinstance(call, ToolUseContent):
        return call
    function = call.get("function") if isinstance(call, dict) else None
    if not isinstance(function, dict) or not function.get("name"):
        raise InvalidRequestError(f"{where} is not a tool call ({{'id', 'function': {{'name', 'arguments'}}}})")
    arguments = function.get("arguments") or {}
    if isinstance(arguments, str):
        try:
            arguments = json.loads(arguments) if arguments.strip() else {}
        except ValueError:
            raise InvalidRequestError(f"{where}.function.arguments is not JSON") from None
    return ToolUseContent(id=str(call.get("id") or ""), name=str(function["name"]), input=arguments)


def _text_of(content: Any, where: str) -> str:
    if isinstance(content, str) or content is None:
        return content or ""
    parts: List[Optional[Dict[str, Any]]] = content if isinstance(content, list) else []
    return "".join(str(p.get("text", "")) for p in parts if isinstance(p, dict))


def native_message_dicts(messages: Any) -> Any:
    """For JSON decoding (``LLMRequest.from_dict``, request lines): OpenAI-style message
    dicts rewritten as llmsdk's own JSON shape; llmsdk's own dicts left as they are."""
    if not isinstance(messages, list):
        return messages
    return [as_message(m, f"messages[{i}]").to_dict() if _openai_style(m) else m for i, m in enumerate(messages)]


def _openai_style(message: Any) -> bool:
    if not isinstance(message, dict):
        return False
    if message.get("role") in ("tool", "developer"):
        return True
    if any(isinstance(c, dict) and "function" in c for c in message.get("tool_calls") or []):
        return True
    content = message.get("content")
    return isinstance(content, list) and any(
        isinstance(p, str) or isinstance(p, dict) and p.get("type") in ("image_url", "input_image") for p in content)
