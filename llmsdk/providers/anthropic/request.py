"""Pure formatting of an ``LLMRequest`` as an Anthropic Messages body."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from llmsdk._output_schema import OutputSpec, output_spec, structured_mode, with_output_tool
from llmsdk.errors import InvalidRequestError
from llmsdk.providers.anthropic.schema import output_format_schema
from llmsdk.types import (
    ContentBlock, ImageContent, LLMMessage, LLMRequest, RedactedThinkingContent, TextContent,
    ThinkingContent, ToolResultContent, ToolUseContent,
)

DEFAULT_MAX_TOKENS = 8192
MIN_THINKING_BUDGET = 1024


def default_max_tokens(request: LLMRequest) -> int:
    """``max_tokens`` is required by Anthropic: 8,192 (capped at the model's limit when
    known), raised above the thinking budget when thinking is on."""
    limit = getattr(request.model, "max_output_tokens", None)
    value = DEFAULT_MAX_TOKENS if not limit else min(DEFAULT_MAX_TOKENS, int(limit))
    budget = request.thinking.budget_tokens if request.thinking else None
    if budget:
        value = budget + value if not limit else min(int(limit), budget + value)
    return value


def format_block(block: ContentBlock) -> Optional[Dict[str, Any]]:
    if isinstance(block, TextContent):
        return {"type": "text", "text": block.text} if block.text else None
    if isinstance(block, ImageContent):
        if block.url is not None:
            return {"type": "image", "source": {"type": "url", "url": block.url}}
        return {"type": "image", "source": {"type": "base64", "media_type": block.media_type, "data": block.data}}
    if isinstance(block, ThinkingContent):
        out: Dict[str, Any] = {"type": "thinking", "thinking": block.thinking}
        if block.signature is not None:
            out["signature"] = block.signature
        return out
    if isinstance(block, RedactedThinkingContent):
        return {"type": "redacted_thinking", "data": block.data}
    if isinstance(block, ToolUseContent):
        return {"type": "tool_use", "id": block.id, "name": block.name, "input": block.input}
    if isinstance(block, ToolResultContent):
        result: Dict[str, Any] = {"type": "tool_result", "tool_use_id": block.tool_use_id}
        if isinstance(block.content, str):
            result["content"] = block.content
        else:
            result["content"] = [b for b in (format_block(c) for c in block.content) if b is not None]
        if block.is_error:
            result["is_error"] = True
        return result
    raise InvalidRequestError(f"Anthropic cannot send a {type(block).__name__} block")


def format_messages(messages: List[LLMMessage]) -> List[Dict[str, Any]]:
    """Messages as Anthropic wants them; consecutive same-role turns merged."""
    out: List[Dict[str, Any]] = []
    for message in messages:
        blocks = [b for b in (format_block(x) for x in message.blocks) if b is not None]
        if not blocks:
            continue
        if out and out[-1]["role"] == message.role:
            out[-1]["content"].extend(blocks)
        else:
            out.append({"role": message.role, "content": blocks})
    for item in out:  # a lone text block reads better as a plain string
        content = item["content"]
        if len(content) == 1 and content[0]["type"] == "text":
            item["content"] = content[0]["text"]
    return out


def format_tool_choice(choice: Any) -> Optional[Dict[str, Any]]:
    if choice is None:
        return None
    if isinstance(choice, dict):
        return {"type": "tool", "name": choice["name"]}
    return {"type": "any" if choice == "required" else choice}


def structured_output(request: LLMRequest) -> "tuple[LLMRequest, Optional[OutputSpec]]":
    """For ``output_schema``: the spec to send as ``output_config.format`` (models that take
    it, and ids the registry does not know), or the request with one forced output tool
    added (older models; "auto" plus a prompt line when thinking forbids forcing a tool)."""
    spec = output_spec(request.output_schema)
    if spec is None:
        return request, None
    if structured_mode(request, "json_schema") == "json_schema":
        return request, spec
    return with_output_tool(request, spec, can_force=request.thinking is None), None


def build_body(request: LLMRequest) -> Dict[str, Any]:
    """The streaming ``POST /v1/messages`` body."""
    request, output_format = structured_output(request)
    if request.temperature is not None and request.temperature > 1.0:
        raise InvalidRequestError(f"Anthropic temperature must be between 0 and 1, got {request.temperature}")
    max_tokens = request.max_tokens if request.max_tokens is not None else default_max_tokens(request)
    body: Dict[str, Any] = {
        "model": request.model_id,
        "max_tokens": max_tokens,
        "messages": format_messages(request.chat_messages()),
        "stream": True,
    }
    system = request.system_prompt()
    if system:
        body["system"] = system
    if request.temperature is not None:
        body["temperature"] = request.temperature
    if request.top_p is not None:
        body["top_p"] = request.top_p
    if request.stop is not None:
        body["stop_sequences"] = request.stop_sequences
    if request.tools:
        body["tools"] = [
            {"name": t.name, "description": t.description, "input_schema": t.input_schema} for t in request.tools
        ]
    tool_choice = format_tool_choice(request.tool_choice)
    if tool_choice is not None:
        body["tool_choice"] = tool_choice
    if request.thinking is not None:
        body["thinking"] = format_thinking(request, max_tokens, tool_choice)
    if output_format is not None:
        body["output_config"] = {"format": {"type": "json_schema", "schema": output_format_schema(output_format)}}
    if request.extra_body:
        extra = dict(request.extra_body)
        if isinstance(extra.get("output_config"), dict) and "output_config" in body:  # e.g. effort
            extra["output_config"] = {**body["output_config"], **extra["output_config"]}
        body.update(extra)
    return body


def format_thinking(request: LLMRequest, max_tokens: int, tool_choice: Optional[Dict[str, Any]]) -> Dict[str, Any]:
    assert request.thinking is not None
    if tool_choice is not None and tool_choice["type"] in ("any", "tool"):
        raise InvalidRequestError("Anthropic does not allow thinking together with a forced tool_choice")
    budget = request.thinking.budget_tokens
    if budget is None:
        return {"type": "adaptive"}
    if budget == 0:
        return {"type": "disabled"}
    if budget < MIN_THINKING_BUDGET:
        raise InvalidRequestError(f"Anthropic thinking budget_tokens must be >= {MIN_THINKING_BUDGET}, got {budget}")
    if budget >= max_tokens:
        raise InvalidRequestError(f"thinking budget_tokens ({budget}) must be less than max_tokens ({max_tokens})")
    return {"type": "enabled", "budget_tokens": budget}


def build_count_tokens_body(request: LLMRequest) -> Dict[str, Any]:
    """``POST /v1/messages/count_tokens`` takes the request without max_tokens/stream/sampling."""
    body = build_body(request)
    keep = ("model", "messages", "system", "tools", "tool_choice", "thinking", "output_config")
    return {k: v for k, v in body.items() if k in keep}
