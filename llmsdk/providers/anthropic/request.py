"""Pure formatting of an ``LLMRequest`` as an Anthropic Messages body."""

from __future__ import annotations

import dataclasses
import logging
import re
from typing import Any, Callable, Dict, List, Optional

from llmsdk._structured.output_schema import OutputSpec, output_spec, structured_mode, with_output_tool
from llmsdk.errors import InvalidRequestError
from llmsdk.providers.anthropic.mcp_servers import is_mcp_tool, mcp_server_entries
from llmsdk.providers.anthropic.schema import output_format_schema
from llmsdk.providers.anthropic.versions import DEFAULT_VERSION, SAMPLING_PARAMS, allows_sampling, strict_turns
from llmsdk.tools import ProviderTool
from llmsdk.types import (
    Citation, ContentBlock, DocumentContent, ImageContent, LLMMessage, LLMRequest, ProviderToolContent,
    RedactedThinkingContent, TextContent, ThinkingContent, ToolResultContent, ToolUseContent,
)

logger = logging.getLogger("llmsdk.anthropic")

DEFAULT_MAX_TOKENS = 8192
MIN_THINKING_BUDGET = 1024
#: Anthropic refuses a request with more ``cache_control`` breakpoints than this.
MAX_CACHE_BREAKPOINTS = 4
#: Citation types Anthropic produces (and accepts back on assistant text).
CITATION_TYPES = frozenset({
    "char_location", "page_location", "content_block_location", "web_search_result_location",
    "search_result_location",
})
_DATE_SUFFIX = re.compile(r"_\d{8}$")


def default_max_tokens(request: LLMRequest) -> int:
    """``max_tokens`` is required by Anthropic: 8,192 (capped at the model's limit when
    known), raised above the thinking budget when thinking is on."""
    limit = getattr(request.model, "max_output_tokens", None)
    value = DEFAULT_MAX_TOKENS if not limit else min(DEFAULT_MAX_TOKENS, int(limit))
    budget = request.thinking.budget_tokens if request.thinking else None
    if budget:
        value = budget + value if not limit else min(int(limit), budget + value)
    return value


def cache_control(ttl: Optional[str]) -> Optional[Dict[str, str]]:
    """``cache="5m" | "1h"`` -> ``{"type": "ephemeral"}`` (+ ``"ttl": "1h"``; 5 minutes is the default)."""
    if ttl is None:
        return None
    return {"type": "ephemeral", "ttl": "1h"} if ttl == "1h" else {"type": "ephemeral"}


def _cached(out: Dict[str, Any], ttl: Optional[str]) -> Dict[str, Any]:
    control = cache_control(ttl)
    if control is not None:
        out["cache_control"] = control
    return out


def _text_block(block: TextContent) -> Dict[str, Any]:
    out: Dict[str, Any] = {"type": "text", "text": block.text}
    citations = [c.raw for c in block.citations if _is_anthropic_citation(c)]
    if citations:  # web search citations must come back (their encrypted_index) on later turns
        out["citations"] = citations
    return _cached(out, block.cache)


def _is_anthropic_citation(citation: Citation) -> bool:
    return isinstance(citation.raw, dict) and citation.raw.get("type") in CITATION_TYPES


def document_block(doc: DocumentContent) -> Dict[str, Any]:
    """A ``document`` block: base64 or URL PDFs, text as a ``text/plain`` source."""
    if doc.is_pdf:
        if doc.url is not None:
            source: Dict[str, Any] = {"type": "url", "url": doc.url}
        else:
            source = {"type": "base64", "media_type": doc.media_type, "data": doc.data}
    elif doc.url is not None:
        raise InvalidRequestError(
            f"Anthropic fetches only PDF documents by URL; {doc.url!r} is {doc.media_type} "
            "(pass its text with DocumentContent.from_text)")
    else:
        source = {"type": "text", "media_type": "text/plain", "data": doc.as_text()}
    out: Dict[str, Any] = {"type": "document", "source": source}
    if doc.title:
        out["title"] = doc.title
    if doc.citations:
        out["citations"] = {"enabled": True}
    return _cached(out, doc.cache)


def format_block(block: ContentBlock) -> Optional[Dict[str, Any]]:
    if isinstance(block, TextContent):
        return _text_block(block) if block.text else None
    if isinstance(block, ImageContent):
        if block.url is not None:
            return _cached({"type": "image", "source": {"type": "url", "url": block.url}}, block.cache)
        source = {"type": "base64", "media_type": block.media_type, "data": block.data}
        return _cached({"type": "image", "source": source}, block.cache)
    if isinstance(block, DocumentContent):
        return document_block(block)
    if isinstance(block, ProviderToolContent):
        if block.provider not in (None, "anthropic"):
            logger.debug("not sending %s's %r block to Anthropic", block.provider, block.type)
            return None
        return {"type": block.type, **block.data}  # exactly as Anthropic sent it
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
        return _cached(result, block.cache)
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
    for item in out:  # a lone plain text block reads better as a plain string
        content = item["content"]
        if len(content) == 1 and content[0]["type"] == "text" and len(content[0]) == 2:
            item["content"] = content[0]["text"]
    return out


def format_system(request: LLMRequest) -> Any:
    """A string, or text blocks when one of them carries a cache breakpoint."""
    blocks = request.system_blocks()
    if not blocks:
        return None
    if not any(b.cache for b in blocks):
        return request.system_prompt()
    return [_cached({"type": "text", "text": b.text}, b.cache) for b in blocks]


def format_tool(tool: Any) -> Dict[str, Any]:
    """A function tool, or a server tool by its type string (``name`` from the type,
    ``web_search_20250305`` -> ``web_search``, unless ``config`` names it)."""
    if isinstance(tool, ProviderTool):
        config = dict(tool.config or {})
        name = config.pop("name", None) or _DATE_SUFFIX.sub("", tool.type)
        return {"type": tool.type, "name": name, **config}
    out = {"name": tool.name, "description": tool.description, "input_schema": tool.input_schema}
    return _cached(out, getattr(tool, "cache", None))


def check_cache_breakpoints(body: Dict[str, Any]) -> None:
    """At most four breakpoints, and 1-hour ones before 5-minute ones in prompt order
    (tools, system, messages): Anthropic refuses anything else with a 400."""
    blocks: List[Any] = list(body.get("tools") or [])
    if isinstance(body.get("system"), list):
        blocks.extend(body["system"])
    for message in body.get("messages") or ():
        content = message.get("content") if isinstance(message, dict) else None
        for block in content if isinstance(content, list) else ():
            blocks.append(block)
            if isinstance(block, dict) and isinstance(block.get("content"), list):  # tool results
                blocks.extend(block["content"])
    ttls = [b["cache_control"].get("ttl", "5m") for b in blocks
            if isinstance(b, dict) and isinstance(b.get("cache_control"), dict)]
    if len(ttls) > MAX_CACHE_BREAKPOINTS:
        raise InvalidRequestError(
            f"Anthropic allows at most {MAX_CACHE_BREAKPOINTS} cache breakpoints per request; this one has "
            f"{len(ttls)} (cache= on blocks, system blocks and tools)")
    if "5m" in ttls and "1h" in ttls[ttls.index("5m"):]:
        raise InvalidRequestError("Anthropic needs 1-hour cache breakpoints before 5-minute ones "
                                  "(prompt order: tools, system, messages)")


def check_document_citations(messages: List[Dict[str, Any]]) -> None:
    """Anthropic refuses a request that mixes documents with and without citations."""
    enabled = {bool(b.get("citations")) for m in messages if isinstance(m["content"], list)
               for b in m["content"] if b.get("type") == "document"}
    if len(enabled) > 1:
        raise InvalidRequestError("Anthropic needs citations enabled on all documents of a request or on none")


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


def _model_has(model: Any, fact: str) -> bool:
    return getattr(getattr(model, "capabilities", None), fact, False) is True


def without_sampling(request: LLMRequest, version: str) -> "tuple[LLMRequest, List[str]]":
    """``request`` without ``temperature``/``top_p``/``top_k`` where they would be a 400:
    always on 2026-10-21, and on models that reject sampling parameters
    (``ModelCapabilities.rejects_sampling``: Opus 4.7+, Sonnet 5+, Fable); the names dropped."""
    if allows_sampling(version) and not _model_has(request.model, "rejects_sampling"):
        return request, []
    extra = dict(request.extra_body or {})
    dropped = [name for name in SAMPLING_PARAMS
               if getattr(request, name, None) is not None or extra.get(name) is not None]
    if not dropped:
        return request, []
    for name in SAMPLING_PARAMS:
        extra.pop(name, None)
    return dataclasses.replace(request, temperature=None, top_p=None, extra_body=extra or None), dropped


def check_turns(messages: List[Dict[str, Any]]) -> None:
    """The 2026-10-21 turn rules, before HTTP: a ``document`` in an assistant turn is refused
    (it belongs in a user turn); ``citations`` on text blocks in user turns (directly, in a
    ``search_result`` or a tool result) are removed — they only point back at sources the
    model saw, and the API refuses them there."""
    for message in messages:
        content = message.get("content")
        if not isinstance(content, list):
            continue
        if message.get("role") == "assistant":
            if any(isinstance(b, dict) and b.get("type") == "document" for b in content):
                raise InvalidRequestError(
                    "Anthropic API version 2026-10-21 refuses a document in an assistant turn; put the "
                    "DocumentContent in a user message (or pin anthropic_version='2023-06-01')")
            continue
        _strip_citations(content)


def _strip_citations(blocks: List[Any]) -> None:
    for block in blocks:
        if not isinstance(block, dict):
            continue
        if block.get("type") == "text":
            block.pop("citations", None)
        inner = block.get("content")
        if isinstance(inner, list) and block.get("type") in ("search_result", "tool_result"):
            _strip_citations(inner)


def build_body(request: LLMRequest, version: str = DEFAULT_VERSION,
               on_dropped: Optional[Callable[[List[str]], None]] = None) -> Dict[str, Any]:
    """The streaming ``POST /v1/messages`` body for API ``version`` (the header the adapter
    sends). ``on_dropped`` hears the sampling parameters left out (see ``without_sampling``)."""
    if request.temperature is not None and request.temperature > 1.0:
        raise InvalidRequestError(f"Anthropic temperature must be between 0 and 1, got {request.temperature}")
    request, dropped = without_sampling(request, version)
    if dropped and on_dropped is not None:
        on_dropped(dropped)
    check_forced_tool_choice(request)
    request, output_format = structured_output(request)
    max_tokens = request.max_tokens if request.max_tokens is not None else default_max_tokens(request)
    body: Dict[str, Any] = {
        "model": request.model_id,
        "max_tokens": max_tokens,
        "messages": format_messages(request.chat_messages()),
        "stream": True,
    }
    system = format_system(request)
    if system:
        body["system"] = system
    if request.temperature is not None:
        body["temperature"] = request.temperature
    if request.top_p is not None:
        body["top_p"] = request.top_p
    if request.stop is not None:
        body["stop_sequences"] = request.stop_sequences
    if request.tools:
        body["tools"] = [format_tool(t) for t in request.tools if not is_mcp_tool(t)]
        servers = [mcp_server_entries(t) for t in request.tools if is_mcp_tool(t)]
        if servers:  # MCP servers Anthropic connects to itself
            body["mcp_servers"] = [server for server, _ in servers]
            body["tools"] += [toolset for _, toolset in servers]
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
    if strict_turns(version):
        check_turns(body["messages"])
    check_document_citations(body["messages"])
    check_cache_breakpoints(body)
    return body


def check_forced_tool_choice(request: LLMRequest) -> None:
    """Opus 5.5, Sonnet 5.5 and Fable 5.1+ answer a forced ``tool_choice`` (any/tool) with an
    error (``ModelCapabilities.rejects_forced_tool_choice``): refuse it before HTTP."""
    choice = request.tool_choice
    forced = isinstance(choice, dict) or choice in ("any", "required")
    if forced and _model_has(request.model, "rejects_forced_tool_choice"):
        raise InvalidRequestError(
            f"{request.model_id} rejects a forced tool_choice ({choice!r}); use tool_choice='auto' and "
            "check the reply, or output_schema for structured output (sent as output_config.format)")


def format_thinking(request: LLMRequest, max_tokens: int, tool_choice: Optional[Dict[str, Any]]) -> Dict[str, Any]:
    assert request.thinking is not None
    if tool_choice is not None and tool_choice["type"] in ("any", "tool"):
        raise InvalidRequestError("Anthropic does not allow thinking together with a forced tool_choice")
    budget = request.thinking.budget_tokens
    if budget is None:
        adaptive: Dict[str, Any] = {"type": "adaptive"}
        if request.thinking.include_thoughts and _model_has(request.model, "thinking_display_omitted"):
            adaptive["display"] = "summarized"  # these models send signatures only by default
        return adaptive
    if budget == 0:
        return {"type": "disabled"}
    if budget < MIN_THINKING_BUDGET:
        raise InvalidRequestError(f"Anthropic thinking budget_tokens must be >= {MIN_THINKING_BUDGET}, got {budget}")
    if budget >= max_tokens:
        raise InvalidRequestError(f"thinking budget_tokens ({budget}) must be less than max_tokens ({max_tokens})")
    return {"type": "enabled", "budget_tokens": budget}


def build_count_tokens_body(request: LLMRequest, version: str = DEFAULT_VERSION) -> Dict[str, Any]:
    """``POST /v1/messages/count_tokens`` takes the request without max_tokens/stream/sampling."""
    body = build_body(request, version)
    keep = ("model", "messages", "system", "tools", "tool_choice", "thinking", "output_config")
    return {k: v for k, v in body.items() if k in keep}
