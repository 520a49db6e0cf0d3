"""Pure formatting of an ``LLMRequest`` as a Bedrock Converse / ConverseStream body.

Blobs (image bytes, PDF bytes, redacted reasoning) go as base64 strings, as the
rest-json protocol puts them on the wire. ``cache=`` breakpoints become ``cachePoint``
blocks right after the block they mark (system, message content, tools).
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any, Dict, List, Optional

from llmsdk._structured.output_schema import output_spec, structured_mode, with_output_tool
from llmsdk.errors import InvalidRequestError
from llmsdk.providers.anthropic.request import default_max_tokens, format_thinking
from llmsdk.tools import ProviderTool
from llmsdk.types import (
    ContentBlock, DocumentContent, ImageContent, LLMMessage, LLMRequest, ProviderToolContent,
    RedactedThinkingContent, TextContent, ThinkingContent, ToolResultContent, ToolUseContent,
)

logger = logging.getLogger("llmsdk.bedrock")

__all__ = ["build_converse_body", "converse_count_tokens_input", "is_anthropic_model"]

_IMAGE_FORMATS = {"image/png": "png", "image/jpeg": "jpeg", "image/jpg": "jpeg", "image/gif": "gif",
                  "image/webp": "webp"}
_DOCUMENT_FORMATS = {
    "application/pdf": "pdf", "text/plain": "txt", "text/markdown": "md", "text/html": "html", "text/csv": "csv",
    "application/msword": "doc",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.ms-excel": "xls",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
}
#: Bedrock document names allow letters, digits, single spaces, hyphens, parentheses, brackets.
_NAME_UNSAFE = re.compile(r"[^A-Za-z0-9\-()\[\] ]+")


def is_anthropic_model(model_id: str) -> bool:
    """A Claude id on Bedrock (``anthropic.claude-…``, ``us.anthropic.claude-…``, an ARN
    naming one)."""
    return "anthropic.claude" in model_id


def cache_point(ttl: Optional[str]) -> Optional[Dict[str, Any]]:
    """``cache="5m" | "1h"`` -> a ``cachePoint`` block (``ttl`` only when it is not the default)."""
    if ttl is None:
        return None
    point: Dict[str, Any] = {"type": "default"}
    if ttl == "1h":
        point["ttl"] = "1h"
    return {"cachePoint": point}


def _image(block: ImageContent) -> Dict[str, Any]:
    fmt = _IMAGE_FORMATS.get(block.media_type)
    if fmt is None:
        raise InvalidRequestError(f"Bedrock Converse takes png, jpeg, gif or webp images, not {block.media_type}")
    if block.url is not None:
        if block.url.startswith("s3://"):
            return {"image": {"format": fmt, "source": {"s3Location": {"uri": block.url}}}}
        raise InvalidRequestError("Bedrock Converse does not fetch images by URL (only s3:// locations); "
                                  "pass the bytes with ImageContent.from_bytes")
    return {"image": {"format": fmt, "source": {"bytes": block.data}}}


def _document(block: DocumentContent, number: int) -> Dict[str, Any]:
    fmt = _DOCUMENT_FORMATS.get(block.media_type)
    if fmt is None:
        raise InvalidRequestError(f"Bedrock Converse cannot read a {block.media_type} document")
    if block.url is not None:
        if not block.url.startswith("s3://"):
            raise InvalidRequestError("Bedrock Converse does not fetch documents by URL (only s3:// locations)")
        source: Dict[str, Any] = {"s3Location": {"uri": block.url}}
    elif block.text is not None and fmt in ("txt", "md", "html", "csv"):
        source = {"text": block.text}
    else:
        source = {"bytes": block.data}
    raw_name = block.title or block.filename or f"document {number}"
    name = " ".join(_NAME_UNSAFE.sub(" ", raw_name).split())[:200] or f"document {number}"
    out: Dict[str, Any] = {"format": fmt, "name": name, "source": source}
    if block.citations:
        out["citations"] = {"enabled": True}
    return {"document": out}


def _tool_result(block: ToolResultContent, counter: List[int]) -> Dict[str, Any]:
    if isinstance(block.content, str):
        content: List[Dict[str, Any]] = [{"text": block.content}]
    else:
        content = []
        for item in block.content:
            if isinstance(item, TextContent):
                content.append({"text": item.text})
            elif isinstance(item, ImageContent):
                content.append(_image(item))
            elif isinstance(item, DocumentContent):
                counter[0] += 1
                content.append(_document(item, counter[0]))
            elif isinstance(item, dict):
                content.append({"json": item})
            else:
                raise InvalidRequestError(f"Bedrock Converse cannot send a {type(item).__name__} in a tool result")
        if not content:
            content = [{"text": ""}]
    result: Dict[str, Any] = {"toolUseId": block.tool_use_id, "content": content}
    if block.is_error:
        result["status"] = "error"
    return {"toolResult": result}


def format_block(block: ContentBlock, counter: List[int]) -> List[Dict[str, Any]]:
    """One content block as Converse blocks (itself, then a ``cachePoint`` if it marks one)."""
    out: Optional[Dict[str, Any]]
    if isinstance(block, TextContent):
        out = {"text": block.text} if block.text else None
    elif isinstance(block, ImageContent):
        out = _image(block)
    elif isinstance(block, DocumentContent):
        counter[0] += 1
        out = _document(block, counter[0])
    elif isinstance(block, ToolUseContent):
        out = {"toolUse": {"toolUseId": block.id, "name": block.name, "input": block.input}}
    elif isinstance(block, ToolResultContent):
        out = _tool_result(block, counter)
    elif isinstance(block, ThinkingContent):
        text: Dict[str, Any] = {"text": block.thinking}
        if block.signature is not None:
            text["signature"] = block.signature
        out = {"reasoningContent": {"reasoningText": text}}
    elif isinstance(block, RedactedThinkingContent):
        out = {"reasoningContent": {"redactedContent": block.data}}
    elif isinstance(block, ProviderToolContent):
        logger.debug("not sending %s's %r block to Bedrock Converse", block.provider, block.type)
        out = None
    else:
        raise InvalidRequestError(f"Bedrock Converse cannot send a {type(block).__name__} block")
    blocks = [out] if out is not None else []
    point = cache_point(getattr(block, "cache", None))
    if point is not None and blocks:
        blocks.append(point)
    return blocks


def format_messages(messages: List[LLMMessage]) -> List[Dict[str, Any]]:
    """Converse messages; consecutive same-role turns merged (Converse wants them alternating)."""
    out: List[Dict[str, Any]] = []
    counter = [0]
    for message in messages:
        blocks = [b for x in message.blocks for b in format_block(x, counter)]
        if not blocks:
            continue
        if out and out[-1]["role"] == message.role:
            out[-1]["content"].extend(blocks)
        else:
            out.append({"role": message.role, "content": blocks})
    return out


def format_system(request: LLMRequest) -> List[Dict[str, Any]]:
    out: List[Dict[str, Any]] = []
    for block in request.system_blocks():
        out.append({"text": block.text})
        point = cache_point(block.cache)
        if point is not None:
            out.append(point)
    return out


def format_tools(request: LLMRequest) -> Optional[Dict[str, Any]]:
    if not request.tools:
        return None
    tools: List[Dict[str, Any]] = []
    for tool in request.tools:
        if isinstance(tool, ProviderTool):
            raise InvalidRequestError(f"Bedrock Converse has no provider tool {tool.type!r}")
        spec: Dict[str, Any] = {"name": tool.name, "inputSchema": {"json": tool.input_schema}}
        if tool.description:
            spec["description"] = tool.description
        tools.append({"toolSpec": spec})
        point = cache_point(getattr(tool, "cache", None))
        if point is not None:
            tools.append(point)
    config: Dict[str, Any] = {"tools": tools}
    choice = request.tool_choice
    if isinstance(choice, dict):
        config["toolChoice"] = {"tool": {"name": choice["name"]}}
    elif choice in ("any", "required"):
        config["toolChoice"] = {"any": {}}
    elif choice == "auto":
        config["toolChoice"] = {"auto": {}}
    elif choice == "none":  # Converse has no "none": the tools stay declared (history may use them)
        logger.debug("Bedrock Converse has no tool_choice 'none'; sending the tools without a choice")
    return config


def _structured(request: LLMRequest) -> "tuple[LLMRequest, Optional[Dict[str, Any]]]":
    """``output_schema`` as Converse's ``outputConfig.textFormat`` (json_schema), or, for a
    model the registry says takes a forced tool, the request with that tool added."""
    spec = output_spec(request.output_schema)
    if spec is None:
        return request, None
    if structured_mode(request, "json_schema") == "json_schema":
        structure: Dict[str, Any] = {"schema": json.dumps(spec.schema), "name": spec.name}
        if spec.description:
            structure["description"] = spec.description
        return request, {"textFormat": {"type": "json_schema", "structure": {"jsonSchema": structure}}}
    return with_output_tool(request, spec, can_force=request.thinking is None), None


def build_converse_body(request: LLMRequest) -> Dict[str, Any]:
    """The ``POST /model/{id}/converse-stream`` body (the model id goes in the URL)."""
    request, output_config = _structured(request)
    body: Dict[str, Any] = {"messages": format_messages(request.chat_messages())}
    system = format_system(request)
    if system:
        body["system"] = system
    inference: Dict[str, Any] = {}
    max_tokens = request.max_tokens
    if max_tokens is None and request.thinking is not None:
        max_tokens = default_max_tokens(request)
    if max_tokens is not None:
        inference["maxTokens"] = max_tokens
    if request.temperature is not None:
        inference["temperature"] = request.temperature
    if request.top_p is not None:
        inference["topP"] = request.top_p
    if request.stop is not None:
        inference["stopSequences"] = request.stop_sequences
    if inference:
        body["inferenceConfig"] = inference
    tools = format_tools(request)
    if tools is not None:
        body["toolConfig"] = tools
    if request.thinking is not None:
        if not is_anthropic_model(request.model_id):
            raise InvalidRequestError(
                "thinking= is sent to Claude models on Bedrock; for other models pass their reasoning "
                "fields in extra_body={'additionalModelRequestFields': {...}}")
        choice = {"type": "tool"} if isinstance(request.tool_choice, dict) else (
            {"type": "any"} if request.tool_choice in ("any", "required") else None)
        body["additionalModelRequestFields"] = {"thinking": format_thinking(request, max_tokens or 0, choice)}
    if output_config is not None:
        body["outputConfig"] = output_config
    if request.extra_body:
        for key, value in request.extra_body.items():
            if isinstance(value, dict) and isinstance(body.get(key), dict):
                body[key] = {**body[key], **value}
            else:
                body[key] = value
    return body


def converse_count_tokens_input(body: Dict[str, Any]) -> Dict[str, Any]:
    """The ``input.converse`` of ``POST /model/{id}/count-tokens``: the fields it takes."""
    keep = ("messages", "system", "toolConfig", "additionalModelRequestFields")
    return {k: v for k, v in body.items() if k in keep}
