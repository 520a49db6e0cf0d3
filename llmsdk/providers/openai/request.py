"""Chat Completions request formatting: ``LLMRequest`` -> JSON body. Pure, no I/O.

``ChatRequestFormatter`` is the one implementation of the dialect. Groq, OpenRouter and
generic OpenAI-compatible servers subclass it and change only what differs (the
token-limit field, the stream flags, how reasoning is asked for and sent back).

Example: ``OpenAIRequestFormatter().body(LLMRequest(model="gpt-4.1", messages=[LLMMessage.user("Hi")]))``
gives ``{"model": "gpt-4.1", "messages": [{"role": "user", "content": "Hi"}], "stream": true,
"stream_options": {"include_usage": true}}``.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import threading
from typing import Any, Dict, List, Optional, Set, Tuple, Union

from llmsdk._structured.output_schema import (
    output_spec, strict_of, structured_mode, with_output_tool, with_schema_prompt,
)
from llmsdk.errors import InvalidRequestError
from llmsdk.tools import ProviderTool
from llmsdk.types import (
    ContentBlock,
    DocumentContent,
    ImageContent,
    LLMMessage,
    LLMRequest,
    RedactedThinkingContent,
    TextContent,
    ThinkingContent,
    ThinkingOptions,
    ToolResultContent,
    ToolUseContent,
)

__all__ = [
    "ChatRequestFormatter",
    "OpenAIRequestFormatter",
    "effort_for_budget",
    "format_tool_choice",
    "format_tools",
    "image_part",
    "model_has",
]

Json = Dict[str, Any]

logger = logging.getLogger("llmsdk.openai")

#: The sampling fields GPT-6-era models refuse unless ``reasoning_effort`` is ``none``.
SAMPLING_FIELDS = ("temperature", "top_p", "logprobs", "top_logprobs")
_warned_sampling: Set[str] = set()
_warned_lock = threading.Lock()


def model_has(model: Any, fact: str) -> bool:
    """Whether ``model``'s registry entry sets the ``ModelCapabilities`` flag ``fact``
    (``developer_role``...). The fallback: False for a plain-string id the registry does
    not know, or a model whose capabilities are unknown."""
    return getattr(getattr(model, "capabilities", None), fact, False) is True


def effort_for_budget(budget_tokens: int) -> str:
    """A ``reasoning_effort`` for a token budget, for callers that only gave a budget.

    The thresholds follow the budgets Anthropic/Gemini users typically pick for
    light / normal / deep thinking."""
    if budget_tokens < 4096:
        return "low"
    if budget_tokens < 16384:
        return "medium"
    return "high"


def requested_effort(thinking: Optional[ThinkingOptions]) -> Optional[str]:
    """``thinking.effort``, else an effort derived from ``thinking.budget_tokens``."""
    if thinking is None:
        return None
    if thinking.effort:
        return thinking.effort
    if thinking.budget_tokens is not None:
        return effort_for_budget(thinking.budget_tokens)
    return None


def effective_effort(request: LLMRequest) -> Optional[str]:
    """The reasoning effort the request asks for: ``thinking``, else ``extra_body``'s
    ``reasoning_effort`` (Chat) or ``reasoning.effort`` (Responses); None: the model's default."""
    effort = requested_effort(request.thinking)
    if effort:
        return effort
    extra = request.extra_body or {}
    reasoning = extra.get("reasoning")
    value = extra.get("reasoning_effort") or (reasoning.get("effort") if isinstance(reasoning, dict) else None)
    return value if isinstance(value, str) else None


def sampling_allowed(request: LLMRequest) -> bool:
    """Whether the model takes sampling parameters at this effort, by its registry entry:
    ``rejects_sampling`` never; ``sampling_only_without_reasoning`` only at effort ``none``
    (the default effort is medium). Unknown models: yes (the server decides)."""
    if model_has(request.model, "rejects_sampling"):
        return False
    if model_has(request.model, "sampling_only_without_reasoning"):
        return effective_effort(request) == "none"
    return True


def without_disallowed_sampling(request: LLMRequest) -> LLMRequest:
    """``request`` without the sampling fields its model refuses at this effort (a 400
    otherwise), logged once per model and process."""
    if sampling_allowed(request):
        return request
    extra = dict(request.extra_body or {})
    dropped = [name for name in SAMPLING_FIELDS
               if getattr(request, name, None) is not None or extra.get(name) is not None]
    if not dropped:
        return request
    for name in SAMPLING_FIELDS:
        extra.pop(name, None)
    with _warned_lock:
        first = request.model_id not in _warned_sampling
        _warned_sampling.add(request.model_id)
    if first:
        logger.warning("%s not sent: %s takes sampling parameters only with reasoning_effort 'none' (where it "
                       "has that effort at all); warned once per model", "/".join(dropped), request.model_id)
    return dataclasses.replace(request, temperature=None, top_p=None, extra_body=extra or None)


#: ``prompt_cache_options.ttl`` values per API (openai 3.63 types: Chat Completions takes
#: only ``30m``; Responses ``30m`` or ``12h``). ``mode``: ``implicit`` or ``explicit``.
PROMPT_CACHE_TTLS = {"chat": ("30m",), "responses": ("30m", "12h")}


def check_prompt_cache_options(body: Json, api: str) -> None:
    """Refuse, before HTTP, ``prompt_cache_options`` the API does not take (gpt-5.6 and
    later: ``{"mode": "implicit"|"explicit", "ttl": ...}``, passed in ``extra_body``)."""
    options = body.get("prompt_cache_options")
    if options is None:
        return
    if not isinstance(options, dict):
        raise InvalidRequestError(f"prompt_cache_options must be an object, got {options!r}")
    ttl, mode = options.get("ttl"), options.get("mode")
    if ttl is not None and ttl not in PROMPT_CACHE_TTLS[api]:
        hint = " (12-hour caching is a Responses API option: api='responses')" if api == "chat" else ""
        raise InvalidRequestError(
            f"prompt_cache_options.ttl must be one of {PROMPT_CACHE_TTLS[api]} here, got {ttl!r}{hint}")
    if mode is not None and mode not in ("implicit", "explicit"):
        raise InvalidRequestError(f"prompt_cache_options.mode must be 'implicit' or 'explicit', got {mode!r}")


def image_part(image: ImageContent) -> Json:
    """An ``image_url`` part; inline images become ``data:`` URLs."""
    url = image.url if image.url is not None else f"data:{image.media_type};base64,{image.data}"
    return {"type": "image_url", "image_url": {"url": url}}


def document_part(doc: DocumentContent, urls: bool = False) -> Json:
    """A PDF as a ``file`` part (inline as a ``data:`` URL; by URL only where the server
    fetches files, ``urls``); a text document as a ``text`` part, as OpenAI advises for text."""
    if not doc.is_pdf:
        if doc.url is not None:
            raise InvalidRequestError(f"Chat Completions cannot fetch the text document {doc.url!r}; "
                                      "pass its text (DocumentContent.from_text)")
        return {"type": "text", "text": doc.as_text()}
    if doc.url is not None and not urls:
        raise InvalidRequestError(
            f"OpenAI Chat Completions takes PDFs inline only, not by URL ({doc.url!r}); use "
            "DocumentContent.from_file/from_bytes, or the Responses API (api='responses')")
    file_data = doc.url if doc.url is not None else f"data:{doc.media_type};base64,{doc.data}"
    filename = doc.filename or doc.title or "document.pdf"
    return {"type": "file", "file": {"filename": filename, "file_data": file_data}}


def format_tools(tools: List[Any]) -> List[Json]:
    """Function tools in Chat Completions form (provider-run tools are the dialect's business)."""
    out = []
    for tool in tools:
        if isinstance(tool, ProviderTool):
            continue
        function: Json = {"name": tool.name}
        if tool.description:
            function["description"] = tool.description
        function["parameters"] = tool.input_schema
        out.append({"type": "function", "function": function})
    return out


def format_tool_choice(choice: Union[str, Dict[str, str]]) -> Union[str, Json]:
    """``auto``/``none`` as-is, ``any`` (or its alias ``required``) -> ``required``,
    ``{"name": n}`` -> ``{"type": "function", "function": {"name": n}}``."""
    if isinstance(choice, dict):
        return {"type": "function", "function": {"name": choice["name"]}}
    return "required" if choice in ("any", "required") else choice


def _content_parts(blocks: List[ContentBlock], file_urls: bool = False) -> Union[str, List[Json], None]:
    """User/assistant content: a plain string when it is only text, else a part list."""
    parts: List[Json] = []
    for block in blocks:
        if isinstance(block, TextContent):
            parts.append({"type": "text", "text": block.text})
        elif isinstance(block, ImageContent):
            parts.append(image_part(block))
        elif isinstance(block, DocumentContent):
            parts.append(document_part(block, file_urls))
    if not parts:
        return None
    if all(p["type"] == "text" for p in parts):
        return "".join(p["text"] for p in parts)
    return parts


def _tool_call(call: ToolUseContent) -> Json:
    return {
        "id": call.id,
        "type": "function",
        "function": {"name": call.name, "arguments": json.dumps(call.input, ensure_ascii=False)},
    }


class ChatRequestFormatter:
    """The Chat Completions body. Subclasses override the class attributes and the two
    reasoning hooks; everything else is shared."""

    #: ``max_completion_tokens`` (OpenAI, Groq) or ``max_tokens`` (OpenRouter, most servers).
    max_tokens_field = "max_completion_tokens"
    #: Send ``stream_options: {"include_usage": true}`` (else usage arrives another way).
    include_usage = True
    #: How ``output_schema`` is sent for a model the registry does not know (an
    #: ``LLMModel`` says it in ``capabilities.structured_output``).
    default_structured_output = "json_schema"
    #: Send ``output_schema`` as the forced output tool whenever the request has tools
    #: (servers that refuse ``response_format`` together with tools).
    output_tool_with_tools = False
    #: The server fetches ``file`` parts given by URL (OpenRouter); OpenAI takes inline PDFs only.
    file_urls = False
    #: Send a tool call's signature back as ``extra_content.google.thought_signature``
    #: (Gemini's OpenAI-compatible endpoint needs it on the next turn).
    thought_signatures = False

    def body(self, request: LLMRequest) -> Json:
        request = without_disallowed_sampling(request)
        request, response_format = self.output_format(request)
        body: Json = {"model": request.model_id, "messages": self.messages(request)}
        if request.max_tokens is not None:
            body[self.max_tokens_field] = request.max_tokens
        if request.temperature is not None:
            body["temperature"] = request.temperature
        if request.top_p is not None:
            body["top_p"] = request.top_p
        if request.stop is not None:
            body["stop"] = request.stop
        if request.tools:
            tools = format_tools(request.tools)
            if tools:
                body["tools"] = tools
            provider_tools = [t for t in request.tools if isinstance(t, ProviderTool)]
            if provider_tools:
                self.add_provider_tools(body, provider_tools)
        if request.tool_choice is not None:
            body["tool_choice"] = format_tool_choice(request.tool_choice)
        if request.thinking is not None:
            body.update(self.reasoning_params(request.model, request.thinking))
        if response_format is not None:
            body["response_format"] = response_format
        body["stream"] = True
        if self.include_usage:
            body["stream_options"] = {"include_usage": True}
        if request.extra_body:
            body.update(request.extra_body)
        if "max_tokens" in body and model_has(request.model, "developer_role"):
            # OpenAI's reasoning models (o-series, gpt-5, GPT-6) refuse max_tokens: the limit under its name
            body.setdefault("max_completion_tokens", body["max_tokens"])
            del body["max_tokens"]
        return body

    # -- hooks ------------------------------------------------------------------------

    def output_format(self, request: LLMRequest) -> Tuple[LLMRequest, Optional[Json]]:
        """The ``response_format`` for ``request.output_schema`` (and the request, changed
        where the mode needs it): ``json_schema`` with ``strict: true`` and the schema
        rewritten for strict mode; ``strict: false`` with the schema as given
        (``json_schema_best_effort``); ``json_object`` with the schema in the system
        prompt; or no response format and one forced tool (``tool``)."""
        spec = output_spec(request.output_schema)
        if spec is None:
            return request, None
        mode = structured_mode(request, self.default_structured_output)
        if mode == "tool" or (self.output_tool_with_tools and request.tools):
            return with_output_tool(request, spec), None
        if mode == "json_object":
            return with_schema_prompt(request, spec), {"type": "json_object"}
        strict = mode != "json_schema_best_effort"
        json_schema: Json = {"name": spec.name}
        if spec.description:
            json_schema["description"] = spec.description
        json_schema["schema"] = strict_of(spec) if strict else spec.schema
        json_schema["strict"] = strict
        return request, {"type": "json_schema", "json_schema": json_schema}

    # ``model`` is ``request.model``: the registry's ``LLMModel`` when it knows the id (its
    # capabilities say how to speak to it), else the id as a string.

    def system_role(self, model: Any) -> str:
        return "system"

    def add_provider_tools(self, body: Json, tools: List[ProviderTool]) -> None:
        """Provider-run tools: by default ``{"type": ..., **config}`` entries in ``tools``, the
        form OpenAI-compatible servers use for their own (Groq ``browser_search``,
        OpenRouter ``openrouter:web_search``)."""
        body.setdefault("tools", []).extend({"type": t.type, **(t.config or {})} for t in tools)

    def reasoning_params(self, model: Any, thinking: ThinkingOptions) -> Json:
        """Body fields that ask for reasoning. Chat Completions: ``reasoning_effort``."""
        effort = requested_effort(thinking)
        return {"reasoning_effort": effort} if effort else {}

    def assistant_reasoning(self, blocks: List[ContentBlock]) -> Json:
        """Fields that carry earlier reasoning back on an assistant message. OpenAI's Chat
        Completions has none, so thinking blocks are dropped."""
        return {}

    def tool_call(self, call: ToolUseContent) -> Json:
        """One ``tool_calls[]`` entry of an assistant message."""
        out = _tool_call(call)
        if self.thought_signatures and call.signature:
            out["extra_content"] = {"google": {"thought_signature": call.signature}}
        return out

    # -- messages -----------------------------------------------------------------------

    def messages(self, request: LLMRequest) -> List[Json]:
        out: List[Json] = []
        system = request.system_prompt()
        if system:
            out.append({"role": self.system_role(request.model), "content": system})
        for message in request.chat_messages():
            if message.role == "assistant":
                out.append(self.assistant_message(message))
            else:
                out.extend(self.user_messages(message))
        return out

    def user_messages(self, message: LLMMessage) -> List[Json]:
        """One ``role: "tool"`` message per tool result (linked by ``tool_call_id``), then
        the user's own content. Images and documents inside a tool result travel in a
        following user message, because ``tool`` messages take text only."""
        out: List[Json] = []
        rest: List[ContentBlock] = []
        result_images: List[ContentBlock] = []
        for block in message.blocks:
            if isinstance(block, ToolResultContent):
                out.append({"role": "tool", "tool_call_id": block.tool_use_id, "content": block.text})
                if not isinstance(block.content, str):
                    result_images.extend(b for b in block.content if isinstance(b, (ImageContent, DocumentContent)))
            else:
                rest.append(block)
        content = _content_parts(result_images + rest, self.file_urls)
        if content is not None:
            out.append({"role": "user", "content": content})
        return out

    def assistant_message(self, message: LLMMessage) -> Json:
        blocks = message.blocks
        calls = [b for b in blocks if isinstance(b, ToolUseContent)]
        text = "".join(b.text for b in blocks if isinstance(b, TextContent))
        out: Json = {"role": "assistant", "content": text or None}
        if calls:
            out["tool_calls"] = [self.tool_call(c) for c in calls]
        reasoning: List[ContentBlock] = [b for b in blocks if isinstance(b, (ThinkingContent, RedactedThinkingContent))]
        if reasoning:
            out.update(self.assistant_reasoning(reasoning))
        return out


class OpenAIRequestFormatter(ChatRequestFormatter):
    """OpenAI itself: ``max_completion_tokens`` (the only limit reasoning models accept),
    and ``developer`` as the system role for models whose registry entry has
    ``developer_role`` (the o-series and gpt-5; ``_catalog.DIALECT_FACTS``).

    Fallback: an id the registry does not know (``request.model`` a plain string), or a
    model without that flag, gets ``system``, which every current Chat Completions model
    accepts (OpenAI: "for o1, system messages will auto-convert to developer messages",
    community.openai.com/t/1062784). Register the model with
    ``ModelCapabilitiesBuilder().with_developer_role()`` to send ``developer``.
    """

    def body(self, request: LLMRequest) -> Json:
        body = super().body(request)
        check_prompt_cache_options(body, "chat")
        return body

    def system_role(self, model: Any) -> str:
        return "developer" if model_has(model, "developer_role") else "system"

    def add_provider_tools(self, body: Json, tools: List[ProviderTool]) -> None:
        """Chat Completions has one provider-run tool, web search, asked for with
        ``web_search_options`` (on the search models, e.g. ``gpt-5-search-api``); the rest live
        in the Responses API."""
        for t in tools:
            if t.type not in ("web_search", "web_search_preview"):
                raise InvalidRequestError(
                    f"OpenAI Chat Completions has no provider tool {t.type!r} (only web search, as "
                    "web_search_options); use the Responses API (HttpClientOptions.new_openai(key, api='responses'))")
            body["web_search_options"] = dict(t.config or {})
