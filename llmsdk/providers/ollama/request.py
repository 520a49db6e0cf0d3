"""Ollama ``/api/chat`` request formatting: ``LLMRequest`` -> JSON body. Pure.

::

    {"model": "llama3.2", "messages": [...], "stream": true, "tools": [...],
     "think": true | "low" | "medium" | "high", "format": {JSON Schema},
     "options": {"num_ctx", "num_predict", "temperature", "top_p", "stop", ...},
     "keep_alive": "5m"}

* messages: ``{"role", "content", "images": [base64], "thinking", "tool_calls":
  [{"function": {"name", "arguments": {object}}}]}``; a tool result is ``{"role": "tool",
  "content", "tool_name"}`` (Ollama's calls have no ids: the name is looked up from the
  call the result answers). Earlier thinking goes back as the assistant's ``thinking``.
* sampling lives in ``options``: ``max_tokens`` -> ``num_predict``; the client's
  ``num_ctx`` (``new_ollama(num_ctx=...)``) and per-request
  ``extra_body={"options": {...}}`` are merged in, the request's own last; other
  ``extra_body`` keys go to the top level.
* ``output_schema`` -> ``format`` (Ollama's structured outputs take the JSON Schema).
* Ollama has no ``tool_choice``: ``"none"`` leaves the tools out, others are not sent.

Source: ollama-python 0.6.3 ``_types.py`` (ChatRequest, Message, Options) and
github.com/ollama/ollama docs/api.md.
"""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional

from llmsdk._structured.output_schema import output_spec
from llmsdk.errors import InvalidRequestError
from llmsdk.providers.openai.request import format_tools
from llmsdk.types import (
    DocumentContent,
    ImageContent,
    LLMMessage,
    LLMRequest,
    TextContent,
    ThinkingContent,
    ThinkingOptions,
    ToolResultContent,
    ToolUseContent,
)

__all__ = ["OllamaRequestFormatter", "think_value"]

Json = Dict[str, Any]

_EFFORTS = ("low", "medium", "high")


def think_value(thinking: ThinkingOptions) -> Any:
    """``think``: False for a zero budget, an effort level where one is given (gpt-oss takes
    ``low``/``medium``/``high``), else True."""
    if thinking.budget_tokens == 0 and not thinking.effort:
        return False
    if thinking.effort in _EFFORTS:
        return thinking.effort
    return True


def _image(block: ImageContent) -> str:
    if block.data is None:
        raise InvalidRequestError("Ollama takes images inline only (base64), not by URL; "
                                  "use ImageContent.from_file/from_bytes")
    return block.data


class OllamaRequestFormatter:
    """The ``/api/chat`` body; ``num_ctx`` and ``keep_alive`` are the client's settings."""

    def body(self, request: LLMRequest, *, num_ctx: Optional[int] = None, keep_alive: Any = None) -> Json:
        body: Json = {"model": request.model_id, "messages": self.messages(request), "stream": True}
        if request.tools and request.tool_choice != "none":
            tools = format_tools(request.tools)
            if tools:
                body["tools"] = tools
        if request.thinking is not None:
            body["think"] = think_value(request.thinking)
        spec = output_spec(request.output_schema)
        if spec is not None:
            body["format"] = spec.schema
        options = self.options(request, num_ctx)
        extra = dict(request.extra_body or {})
        more_options = extra.pop("options", None)
        if isinstance(more_options, Mapping):
            options.update(more_options)
        if options:
            body["options"] = options
        if keep_alive is not None:
            body["keep_alive"] = keep_alive
        body.update(extra)
        return body

    def options(self, request: LLMRequest, num_ctx: Optional[int]) -> Json:
        options: Json = {}
        if num_ctx is not None:
            options["num_ctx"] = num_ctx
        if request.max_tokens is not None:
            options["num_predict"] = request.max_tokens
        if request.temperature is not None:
            options["temperature"] = request.temperature
        if request.top_p is not None:
            options["top_p"] = request.top_p
        if request.stop_sequences:
            options["stop"] = request.stop_sequences
        return options

    # -- messages ---------------------------------------------------------------------

    def messages(self, request: LLMRequest) -> List[Json]:
        out: List[Json] = []
        system = request.system_prompt()
        if system:
            out.append({"role": "system", "content": system})
        names: Dict[str, str] = {}
        for message in request.chat_messages():
            if message.role == "assistant":
                out.append(self.assistant_message(message, names))
            else:
                out.extend(self.user_messages(message, names))
        return out

    def user_messages(self, message: LLMMessage, names: Mapping[str, str]) -> List[Json]:
        out: List[Json] = []
        text: List[str] = []
        images: List[str] = []
        for block in message.blocks:
            if isinstance(block, ToolResultContent):
                result: Json = {"role": "tool", "content": block.text}
                name = names.get(block.tool_use_id)
                if name:
                    result["tool_name"] = name
                out.append(result)
                if not isinstance(block.content, str):
                    images.extend(_image(b) for b in block.content if isinstance(b, ImageContent))
            elif isinstance(block, TextContent):
                text.append(block.text)
            elif isinstance(block, ImageContent):
                images.append(_image(block))
            elif isinstance(block, DocumentContent):
                if block.is_pdf:
                    raise InvalidRequestError("Ollama cannot read PDF documents; pass their text "
                                              "(DocumentContent.from_text)")
                text.append(block.as_text())
        if text or images:
            user: Json = {"role": "user", "content": "".join(text)}
            if images:
                user["images"] = images
            out.append(user)
        return out

    def assistant_message(self, message: LLMMessage, names: Dict[str, str]) -> Json:
        blocks = message.blocks
        out: Json = {"role": "assistant",
                     "content": "".join(b.text for b in blocks if isinstance(b, TextContent))}
        thinking = "".join(b.thinking for b in blocks if isinstance(b, ThinkingContent))
        if thinking:
            out["thinking"] = thinking
        calls = [b for b in blocks if isinstance(b, ToolUseContent)]
        if calls:
            out["tool_calls"] = [{"function": {"name": c.name, "arguments": c.input}} for c in calls]
            names.update((c.id, c.name) for c in calls)
        return out
