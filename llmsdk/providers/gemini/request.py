"""``LLMRequest`` -> Gemini ``GenerateContentRequest`` JSON (camelCase). Pure: no I/O.

Roles map to ``user``/``model`` and consecutive turns of one role are merged. Tool calls
become ``functionCall`` parts and results ``functionResponse`` parts; Gemini links them
by name (and by ``id`` when it gave one), so the name is looked up from the call in the
history, and ids llmsdk made up (see ``stream.py``) are not sent. ``thoughtSignature``
values go back on the part they came with, unchanged.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Dict, List, Optional, Tuple

from llmsdk._structured.output_schema import (
    OutputSpec, output_spec, restrict_keywords, structured_mode, with_output_tool, with_schema_prompt,
)
from llmsdk.errors import InvalidRequestError
from llmsdk.providers.gemini.schema import reduce_schema
from llmsdk.providers.gemini.stream import CONTINUATION_BLOCK, is_synthetic_call_id
from llmsdk.tools import ProviderTool
from llmsdk.types import (
    DocumentContent,
    ImageContent,
    LLMMessage,
    LLMRequest,
    LLMResponse,
    ProviderToolContent,
    TextContent,
    ThinkingContent,
    ToolResultContent,
    ToolUseContent,
)

__all__ = ["build_contents", "build_request_body", "continuation_request", "continuation_token",
           "function_declarations", "tool_config"]

Part = Dict[str, Any]

_ROLES = {"user": "user", "assistant": "model"}


def _signed(part: Part, signature: Optional[str]) -> Part:
    if signature:
        part["thoughtSignature"] = signature
    return part


def _image_part(image: ImageContent) -> Part:
    if image.data is not None:
        return {"inlineData": {"mimeType": image.media_type, "data": image.data}}
    return {"fileData": {"mimeType": image.media_type, "fileUri": image.url}}


def _document_part(doc: DocumentContent) -> Part:
    """Inline data (a text document's text as base64) or, for a URL, ``fileData``."""
    if doc.url is not None:
        return {"fileData": {"mimeType": doc.media_type, "fileUri": doc.url}}
    return {"inlineData": {"mimeType": doc.media_type, "data": doc.as_base64()}}


def _call_index(messages: List[LLMMessage]) -> Dict[str, Tuple[str, bool]]:
    """tool-use id -> (function name, whether Gemini knows the id)."""
    index: Dict[str, Tuple[str, bool]] = {}
    for message in messages:
        if message.role != "assistant":
            continue
        for block in message.blocks:
            if isinstance(block, ToolUseContent):
                index[block.id] = (block.name, not is_synthetic_call_id(block.id))
    return index


def _function_call_part(call: ToolUseContent) -> Part:
    body: Dict[str, Any] = {"name": call.name, "args": call.input or {}}
    if not is_synthetic_call_id(call.id):
        body["id"] = call.id
    return _signed({"functionCall": body}, call.signature)


def _function_response_parts(result: ToolResultContent, calls: Dict[str, Tuple[str, bool]]) -> List[Part]:
    found = calls.get(result.tool_use_id)
    if found is None:
        raise InvalidRequestError(
            f"tool result for {result.tool_use_id!r} has no matching tool call; Gemini needs "
            "the call's function name")
    name, known_id = found
    response = {"error" if result.is_error else "output": result.text}
    body: Dict[str, Any] = {"name": name, "response": response}
    if known_id:
        body["id"] = result.tool_use_id
    parts: List[Part] = [{"functionResponse": body}]
    if isinstance(result.content, list):  # images and documents a tool returned travel beside its response
        parts.extend(_image_part(b) for b in result.content if isinstance(b, ImageContent))
        parts.extend(_document_part(b) for b in result.content if isinstance(b, DocumentContent))
    return parts


def _parts(message: LLMMessage, calls: Dict[str, Tuple[str, bool]]) -> List[Part]:
    parts: List[Part] = []
    for block in message.blocks:
        if isinstance(block, TextContent):
            if block.text or block.signature:
                parts.append(_signed({"text": block.text}, block.signature))
        elif isinstance(block, ThinkingContent):
            if block.thinking or block.signature:
                parts.append(_signed({"text": block.thinking, "thought": True}, block.signature))
        elif isinstance(block, ImageContent):
            parts.append(_image_part(block))
        elif isinstance(block, DocumentContent):
            parts.append(_document_part(block))
        elif isinstance(block, ToolUseContent):
            parts.append(_function_call_part(block))
        elif isinstance(block, ToolResultContent):
            parts.extend(_function_response_parts(block, calls))
        # RedactedThinkingContent is Anthropic's, and ProviderToolContent (Gemini's own
        # grounding_metadata included) has no part to go in: Gemini reads neither.
    return parts


def build_contents(request: LLMRequest) -> List[Dict[str, Any]]:
    """The ``contents`` list: one turn per role change, parts in wire order."""
    messages = request.chat_messages()
    calls = _call_index(messages)
    contents: List[Dict[str, Any]] = []
    for message in messages:
        role = _ROLES.get(message.role)
        if role is None:
            raise InvalidRequestError(f"Gemini has no role for {message.role!r} messages")
        parts = _parts(message, calls)
        if not parts:
            continue
        if contents and contents[-1]["role"] == role:
            contents[-1]["parts"].extend(parts)
        else:
            contents.append({"role": role, "parts": parts})
    return contents


def function_declarations(request: LLMRequest) -> List[Dict[str, Any]]:
    out = []
    for tool in request.tools or []:
        if isinstance(tool, ProviderTool):
            continue
        decl: Dict[str, Any] = {"name": tool.name}
        if tool.description:
            decl["description"] = tool.description
        parameters = reduce_schema(tool.input_schema or {}, tool.name)
        if parameters is not None:
            decl["parameters"] = parameters
        out.append(decl)
    return out


def provider_tools(request: LLMRequest) -> List[Dict[str, Any]]:
    """Gemini's own tools, one ``tools`` entry each: ``ProviderTool("google_search")`` ->
    ``{"googleSearch": {}}`` (``url_context``, ``code_execution`` likewise; the key in the
    camelCase the rest of the body uses)."""
    out = []
    for tool in request.tools or []:
        if isinstance(tool, ProviderTool):
            head, *rest = tool.type.split("_")
            out.append({head + "".join(w[:1].upper() + w[1:] for w in rest): dict(tool.config or {})})
    return out


def tool_config(tool_choice: Any) -> Optional[Dict[str, Any]]:
    """``tool_choice`` -> ``toolConfig.functionCallingConfig``."""
    if tool_choice is None:
        return None
    if isinstance(tool_choice, dict):
        config = {"mode": "ANY", "allowedFunctionNames": [tool_choice["name"]]}
    else:
        modes = {"auto": "AUTO", "none": "NONE", "any": "ANY", "required": "ANY"}
        mode = modes.get(str(tool_choice))
        if mode is None:
            raise InvalidRequestError(f"unsupported tool_choice {tool_choice!r} for Gemini")
        config = {"mode": mode}
    return {"functionCallingConfig": config}


def _generation_config(request: LLMRequest) -> Dict[str, Any]:
    config: Dict[str, Any] = {}
    if request.max_tokens is not None:
        config["maxOutputTokens"] = request.max_tokens
    if request.temperature is not None:
        config["temperature"] = request.temperature
    if request.top_p is not None:
        config["topP"] = request.top_p
    if request.stop_sequences:
        config["stopSequences"] = request.stop_sequences
    thinking = request.thinking
    if thinking is not None:
        thinking_config: Dict[str, Any] = {"includeThoughts": bool(thinking.include_thoughts)}
        if thinking.budget_tokens is not None:  # Gemini refuses a budget and a level together
            thinking_config["thinkingBudget"] = thinking.budget_tokens
        elif thinking.effort:
            thinking_config["thinkingLevel"] = str(thinking.effort).upper()
        config["thinkingConfig"] = thinking_config
    return config


def _merge_extra(body: Dict[str, Any], extra: Dict[str, Any]) -> None:
    """``extra_body`` wins, one level deep, so ``{"generationConfig": {"topK": 40}}`` adds
    to the generated ``generationConfig`` instead of replacing it."""
    for key, value in extra.items():
        current = body.get(key)
        if isinstance(current, dict) and isinstance(value, dict):
            body[key] = {**current, **value}
        else:
            body[key] = value


#: The keywords ``responseJsonSchema`` takes (python-genai ``GenerationConfig`` docs); the
#: rest move into descriptions.
_JSON_SCHEMA_KEYWORDS = frozenset({
    "$id", "$defs", "$ref", "$anchor", "type", "format", "title", "description", "enum", "items",
    "prefixItems", "minItems", "maxItems", "minimum", "maximum", "anyOf", "oneOf", "properties",
    "additionalProperties", "required", "propertyOrdering",
})


def _ordered(node: Any) -> Any:
    """``propertyOrdering`` on every object, in the schema's own key order: Gemini 2.0
    models need it to emit fields in that order (later ones keep it by default)."""
    if isinstance(node, list):
        return [_ordered(v) for v in node]
    if not isinstance(node, dict):
        return node
    out = {k: ({n: _ordered(v) for n, v in value.items()} if k in ("properties", "$defs") and isinstance(value, dict)
               else _ordered(value) if k in ("items", "anyOf", "oneOf", "prefixItems") else value)
           for k, value in node.items()}
    if isinstance(out.get("properties"), dict) and len(out["properties"]) > 1 and "propertyOrdering" not in out:
        out["propertyOrdering"] = list(out["properties"])
    return out


def structured_output(request: LLMRequest) -> Tuple[LLMRequest, Dict[str, Any]]:
    """For ``output_schema``: the ``generationConfig`` fields, and the request changed
    where the mode needs it. ``json_schema`` (and ids the registry does not know):
    ``responseMimeType`` + ``responseJsonSchema``; ``response_schema``: the OpenAPI-subset
    ``responseSchema`` from the shared reducer; ``json_object``: JSON mime type and the
    schema in the system prompt; ``tool``: one forced function call. With function tools
    in the request it is always the forced call: Gemini 2.x answers a JSON mime type
    together with function declarations with a 400 ("Function calling with a response
    mime type: 'application/json' is unsupported")."""
    spec: Optional[OutputSpec] = output_spec(request.output_schema)
    if spec is None:
        return request, {}
    mode = structured_mode(request, "json_schema")
    if mode == "tool" or request.tools:
        return with_output_tool(request, spec), {}
    config: Dict[str, Any] = {"responseMimeType": "application/json"}
    if mode == "json_object":
        return with_schema_prompt(request, spec), config
    if mode == "response_schema":
        config["responseSchema"] = reduce_schema(spec.schema, spec.name) or {"type": "object"}
    else:
        config["responseJsonSchema"] = _ordered(restrict_keywords(spec.schema, _JSON_SCHEMA_KEYWORDS))
    return request, config


def build_request_body(request: LLMRequest) -> Dict[str, Any]:
    """The JSON body for ``:streamGenerateContent`` (streaming is chosen by the URL)."""
    request, output_config = structured_output(request)
    body: Dict[str, Any] = {"contents": build_contents(request)}
    system = request.system_prompt()
    if system:
        body["systemInstruction"] = {"parts": [{"text": system}]}
    declarations = function_declarations(request)
    tools = [{"functionDeclarations": declarations}] if declarations else []
    tools.extend(provider_tools(request))
    if tools:
        body["tools"] = tools
    config = tool_config(request.tool_choice)
    if config is not None:
        body["toolConfig"] = config
    generation = {**_generation_config(request), **output_config}
    if generation:
        body["generationConfig"] = generation
    if request.extra_body:
        _merge_extra(body, request.extra_body)
    return body


def continuation_token(response: LLMResponse) -> Optional[str]:
    """The ``continuationToken`` of a reply Gemini cut at its per-request token limit
    (``finishReason: CONTINUATION``; the reply stops with ``MAX_TOKENS``), else None."""
    for block in response.content:
        if isinstance(block, ProviderToolContent) and block.type == CONTINUATION_BLOCK:
            token = block.data.get("continuationToken")
            return token if isinstance(token, str) and token else None
    return None


def continuation_request(request: LLMRequest, response: LLMResponse) -> Optional[LLMRequest]:
    """The request that continues ``response`` (the same request plus the top-level
    ``continuationToken``, as google-genai sends it), or None when it needs no continuing.
    Its reply goes on from where ``response`` stopped: join the two texts."""
    token = continuation_token(response)
    if token is None:
        return None
    return dataclasses.replace(request, extra_body={**(request.extra_body or {}), "continuationToken": token})
