"""OpenAI Responses API request formatting: ``LLMRequest`` -> ``POST /v1/responses`` body.
Pure, no I/O.

The body is stateless: ``store: false``, and ``include: ["reasoning.encrypted_content"]``
when thinking is asked for or the registry says the model reasons (other models refuse
it: "Encrypted content is not supported with this model"), so each turn's reasoning
comes back as an encrypted item that the next request sends again (no
``previous_response_id``, nothing kept on OpenAI's side). History maps to input items:

* user text and images -> ``{"type": "message", "role": "user", "content": [input_text |
  input_image]}`` (a plain string when it is only text);
* assistant text -> ``{"type": "message", "role": "assistant", "content": "..."}``;
* ``ToolUseContent`` -> ``{"type": "function_call", "call_id", "name", "arguments"}``;
* ``ToolResultContent`` -> ``{"type": "function_call_output", "call_id", "output"}``;
* ``ThinkingContent`` with an ``id`` (one this API returned) -> ``{"type": "reasoning",
  "id", "summary", "encrypted_content"}``. Other providers' thinking blocks are dropped:
  their signatures mean nothing here;
* ``DocumentContent`` -> ``{"type": "input_file", "filename", "file_data"}`` (a PDF inline)
  or ``{"type": "input_file", "file_url"}``; a text document -> ``input_text``;
* ``ProviderToolContent`` this API returned (``web_search_call``...) -> the item unchanged.

``ProviderTool``s go in ``tools`` as ``{"type", **config}`` (``web_search``...).

Example: ``ResponsesRequestFormatter().body(LLMRequest(model="gpt-4.1", messages=[LLMMessage.user("Hi")]))``
gives ``{"model": "gpt-4.1", "input": [{"type": "message", "role": "user", "content": "Hi"}],
"store": false, "stream": true}``.
"""

from __future__ import annotations

import json
from typing import Any, Dict, List, Optional, Union

from llmsdk.errors import InvalidRequestError, UnsupportedFeatureError
from llmsdk.providers.openai.request import (
    OpenAIRequestFormatter, check_prompt_cache_options, model_has, requested_effort, without_disallowed_sampling,
)
from llmsdk.providers.openai.responses_stream import WIRE_FORMAT
from llmsdk.tools import ProviderTool
from llmsdk.types import (
    ContentBlock,
    DocumentContent,
    ImageContent,
    LLMMessage,
    LLMRequest,
    ProviderToolContent,
    TextContent,
    ThinkingContent,
    ToolResultContent,
    ToolUseContent,
)

__all__ = ["ENCRYPTED_REASONING", "ResponsesRequestFormatter", "format_tool_choice", "format_tools"]

Json = Dict[str, Any]

#: The ``include`` value that returns reasoning as ``encrypted_content``.
ENCRYPTED_REASONING = "reasoning.encrypted_content"

def image_part(image: ImageContent) -> Json:
    """An ``input_image`` part; inline images become ``data:`` URLs."""
    url = image.url if image.url is not None else f"data:{image.media_type};base64,{image.data}"
    return {"type": "input_image", "image_url": url, "detail": "auto"}


def document_part(doc: DocumentContent) -> Json:
    """A PDF as an ``input_file`` (inline as a ``data:`` URL, or by ``file_url``); a text
    document as ``input_text``."""
    if doc.is_pdf:
        if doc.url is not None:
            return {"type": "input_file", "file_url": doc.url}
        return {"type": "input_file", "filename": doc.filename or doc.title or "document.pdf",
                "file_data": f"data:{doc.media_type};base64,{doc.data}"}
    if doc.url is not None:
        raise InvalidRequestError(f"the Responses API cannot fetch the text document {doc.url!r}; "
                                  "pass its text (DocumentContent.from_text)")
    return {"type": "input_text", "text": doc.as_text()}


def format_tools(tools: List[Any]) -> List[Json]:
    """Flat function tools, then provider-run tools as ``{"type", **config}``.
    ``strict`` is sent as ``false`` (the API's default is strict, which only accepts
    schemas rewritten for it), unless a tool asks for it."""
    out = []
    for tool in tools:
        if isinstance(tool, ProviderTool):
            out.append({"type": tool.type, **(tool.config or {})})
            continue
        spec: Json = {"type": "function", "name": tool.name}
        if tool.description:
            spec["description"] = tool.description
        spec["parameters"] = tool.input_schema
        spec["strict"] = bool(getattr(tool, "strict", False))
        out.append(spec)
    return out


def format_tool_choice(choice: Union[str, Dict[str, str]]) -> Union[str, Json]:
    """``auto``/``none`` as-is, ``any`` (or ``required``) -> ``required``,
    ``{"name": n}`` -> ``{"type": "function", "name": n}``."""
    if isinstance(choice, dict):
        return {"type": "function", "name": choice["name"]}
    return "required" if choice in ("any", "required") else choice


def _input_parts(blocks: List[ContentBlock]) -> List[Json]:
    parts: List[Json] = []
    for block in blocks:
        if isinstance(block, TextContent):
            parts.append({"type": "input_text", "text": block.text})
        elif isinstance(block, ImageContent):
            parts.append(image_part(block))
        elif isinstance(block, DocumentContent):
            parts.append(document_part(block))
    return parts


def _compact(parts: List[Json]) -> Union[str, List[Json]]:
    """One text part as a plain string; anything more as the part list."""
    if len(parts) == 1 and parts[0]["type"] == "input_text":
        return str(parts[0]["text"])
    return parts


def _tool_output(result: ToolResultContent) -> Union[str, List[Json]]:
    """A tool result's ``output``: its text, or a part list when it holds more (images,
    documents, several texts)."""
    if isinstance(result.content, str):
        return result.content
    parts = _input_parts(list(result.content))
    return _compact(parts) if parts else ""


def reasoning_item(block: ThinkingContent) -> Json:
    """A reasoning item sent back as it came: its id, its summary, its encrypted content
    (the model reads only the encrypted content; ``summary`` is required, ``[]`` allowed)."""
    summary = [{"type": "summary_text", "text": block.thinking}] if block.thinking else []
    item: Json = {"type": "reasoning", "id": block.id, "summary": summary}
    if block.signature:
        item["encrypted_content"] = block.signature
    return item


def text_format(response_format: Json) -> Json:
    """Chat Completions' ``response_format`` as the Responses API's ``text.format``: the
    same modes, the ``json_schema`` fields one level up (``{"type": "json_schema", "name",
    "schema", "strict", "description"?}``)."""
    if response_format.get("type") == "json_schema":
        return {"type": "json_schema", **response_format["json_schema"]}
    return dict(response_format)


class ResponsesRequestFormatter:
    """The ``/v1/responses`` body."""

    #: Structured output is decided as for Chat Completions (strict schema, JSON mode, or
    #: the forced output tool, by the model's registry entry); only the wire shape differs.
    chat = OpenAIRequestFormatter()

    def body(self, request: LLMRequest) -> Json:
        if request.stop_sequences:
            raise UnsupportedFeatureError(
                "the Responses API has no stop sequences; use api='chat' (Chat Completions) for `stop`"
            )
        request = without_disallowed_sampling(request)
        request, response_format = self.chat.output_format(request)
        body: Json = {"model": request.model_id, "input": self.input_items(request)}
        system = request.system_prompt()
        if system:
            body["instructions"] = system
        if request.max_tokens is not None:
            body["max_output_tokens"] = request.max_tokens
        if request.temperature is not None:
            body["temperature"] = request.temperature
        if request.top_p is not None:
            body["top_p"] = request.top_p
        if request.tools:
            body["tools"] = format_tools(request.tools)
        if request.tool_choice is not None:
            body["tool_choice"] = format_tool_choice(request.tool_choice)
        reasoning = self.reasoning(request)
        if reasoning:
            body["reasoning"] = reasoning
        if response_format is not None:
            body["text"] = {"format": text_format(response_format)}
        body["store"] = False
        if request.thinking is not None or model_has(request.model, "thinking"):
            body["include"] = [ENCRYPTED_REASONING]
        body["stream"] = True
        if request.extra_body:
            body.update(request.extra_body)
        check_prompt_cache_options(body, "responses")
        return body

    def reasoning(self, request: LLMRequest) -> Optional[Json]:
        """``{"effort", "summary": "auto"}`` from ``ThinkingOptions`` (effort, or one derived
        from ``budget_tokens``); the summary only when thoughts are wanted."""
        thinking = request.thinking
        if thinking is None:
            return None
        out: Json = {}
        effort = requested_effort(thinking)
        if effort:
            out["effort"] = effort
        if thinking.include_thoughts:
            out["summary"] = "auto"
        return out or None

    # -- input items --------------------------------------------------------------------

    def input_items(self, request: LLMRequest) -> List[Json]:
        items: List[Json] = []
        for message in request.chat_messages():
            if message.role == "assistant":
                items.extend(self.assistant_items(message))
            else:
                items.extend(self.user_items(message))
        return items

    def user_items(self, message: LLMMessage) -> List[Json]:
        """Tool results first (one ``function_call_output`` each), then the user's own
        content as one message."""
        items: List[Json] = []
        rest: List[ContentBlock] = []
        for block in message.blocks:
            if isinstance(block, ToolResultContent):
                items.append({"type": "function_call_output", "call_id": block.tool_use_id,
                              "output": _tool_output(block)})
            else:
                rest.append(block)
        parts = _input_parts(rest)
        if parts:
            items.append({"type": "message", "role": "user", "content": _compact(parts)})
        return items

    def assistant_items(self, message: LLMMessage) -> List[Json]:
        """The assistant's output items in their original order: reasoning, text (runs of
        text merged into one message), function calls."""
        items: List[Json] = []
        text: List[str] = []

        def flush_text() -> None:
            if text:
                items.append({"type": "message", "role": "assistant", "content": "".join(text)})
                text.clear()

        for block in message.blocks:
            if isinstance(block, TextContent):
                text.append(block.text)
            elif isinstance(block, ToolUseContent):
                flush_text()
                items.append({"type": "function_call", "call_id": block.id, "name": block.name,
                              "arguments": json.dumps(block.input, ensure_ascii=False)})
            elif isinstance(block, ThinkingContent) and block.id:
                flush_text()
                items.append(reasoning_item(block))
            elif isinstance(block, ProviderToolContent) and block.provider == WIRE_FORMAT:
                flush_text()
                items.append(dict(block.data))
            # thinking without an id came from another provider, redacted thinking too, and
            # other providers' tool blocks: none means anything to this API.
        flush_text()
        return items
