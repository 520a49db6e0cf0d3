"""The provider-neutral request/response model: requests, responses, usage and stop
reasons, with the content blocks and messages (``llmsdk._content``) they are made of.

>>> req = LLMRequest(model="claude-haiku-4-5", messages=[LLMMessage.user("Hello")])
>>> LLMRequest.from_json(req.to_json()) == req
True
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Dict, List, Optional, Union

from llmsdk._content import (  # re-exported: llmsdk.types stays where they are imported from
    ROLES,  # noqa: F401
    ContentBlock, ImageContent, LLMMessage, RedactedThinkingContent, TextContent, ThinkingContent,
    ToolResultContent, ToolUseContent, _decode_blocks, block_from_dict,
)
from llmsdk._json import JsonMixin, json_field
from llmsdk._provider_content import CACHE_TTLS, Citation, DocumentContent, ProviderToolContent
from llmsdk._validate import validate_request

__all__ = [
    "CACHE_TTLS",
    "Citation",
    "ContentBlock",
    "DocumentContent",
    "ImageContent",
    "LLMMessage",
    "LLMRequest",
    "LLMResponse",
    "ProviderToolContent",
    "RateLimitInfo",
    "RedactedThinkingContent",
    "StopReason",
    "TextContent",
    "ThinkingContent",
    "ThinkingOptions",
    "ToolUseContent",
    "ToolResultContent",
    "Usage",
    "block_from_dict",
]


@dataclass
class ThinkingOptions(JsonMixin):
    """Ask for reasoning: a token ``budget_tokens`` (Anthropic, Gemini) and/or an
    ``effort`` level (OpenAI ``reasoning_effort``: "low" | "medium" | "high" ...)."""

    budget_tokens: Optional[int] = None
    effort: Optional[str] = None
    include_thoughts: bool = True


def _identity(value: Any) -> Any:
    return value


def _always(_: Any) -> bool:
    return True


def _decode_system(value: Any) -> Any:
    return _decode_blocks(value) if isinstance(value, list) else value


def _encode_model(model: Any) -> Any:
    return model if isinstance(model, str) else getattr(model, "model_name", str(model))


@dataclass
class LLMRequest(JsonMixin):
    """One call to a model. ``model`` is an ``LLMModel`` or a plain model-id string.

    ``extra_body`` is merged into the provider's JSON body as-is (provider-specific
    parameters such as OpenRouter ``provider`` routing).
    """

    model: Any
    messages: List[LLMMessage]
    #: A string, or a list of ``TextContent`` so a long system prompt can carry a ``cache`` breakpoint.
    system: Optional[Union[str, List[TextContent]]] = field(default=None, metadata=json_field(decoder=_decode_system))
    max_tokens: Optional[int] = None
    temperature: Optional[float] = None
    top_p: Optional[float] = None
    stop: Optional[Union[str, List[str]]] = field(default=None, metadata=json_field(decoder=_identity))
    tools: Optional[List[Any]] = field(default=None, metadata=json_field(decoder=lambda v: _decode_tools(v)))
    tool_choice: Optional[Union[str, Dict[str, str]]] = field(default=None, metadata=json_field(decoder=_identity))
    thinking: Optional[ThinkingOptions] = None
    extra_body: Optional[Dict[str, Any]] = None
    #: Ask for a JSON object of this shape: a dataclass type, a pydantic ``BaseModel`` type,
    #: a ``TypedDict`` or a JSON Schema dict; the reply is parsed into ``resp.parsed``. In
    #: JSON it is stored as its JSON Schema (so a decoded request parses into dicts).
    output_schema: Any = field(default=None, metadata=json_field(
        encoder=lambda v: _encode_output_schema(v), decoder=_identity, omit_none=True))

    @property
    def model_id(self) -> str:
        return str(_encode_model(self.model))

    @property
    def stop_sequences(self) -> List[str]:
        if self.stop is None:
            return []
        return [self.stop] if isinstance(self.stop, str) else list(self.stop)

    def system_prompt(self) -> Optional[str]:
        """``system`` joined with any ``role="system"`` messages (blocks joined by blank lines)."""
        return "\n\n".join(b.text for b in self.system_blocks() if b.text) or None

    def system_blocks(self) -> List[TextContent]:
        """``system`` as text blocks (their ``cache`` kept), then any ``role="system"`` messages."""
        if isinstance(self.system, str):
            blocks = [TextContent(self.system)] if self.system else []
        else:
            blocks = list(self.system or [])
        for message in self.messages:
            if message.role == "system":
                blocks.extend(b for b in message.blocks if isinstance(b, TextContent) and b.text)
        return blocks

    def chat_messages(self) -> List[LLMMessage]:
        """The messages without ``role="system"`` ones (those go in ``system_prompt()``)."""
        return [m for m in self.messages if m.role != "system"]

    def validate(self) -> "LLMRequest":
        validate_request(self)
        return self

    def to_dict(self, encode_json: bool = False) -> Dict[str, Any]:
        data = super().to_dict(encode_json=encode_json)
        data["model"] = self.model_id
        return data


def _encode_output_schema(value: Any) -> Any:
    """The JSON Schema of ``output_schema`` (titled with the type's name)."""
    if value is None or isinstance(value, dict):
        return value
    from llmsdk._output_schema import output_spec

    spec = output_spec(value)
    assert spec is not None
    return {"title": spec.name, **spec.schema}


def _decode_tools(value: Any) -> Any:
    if value is None:
        return None
    from llmsdk.tools import ProviderTool, Tool

    def decode(item: Any) -> Any:
        if not isinstance(item, dict):
            return item
        if "type" in item and "name" not in item:  # a provider-run tool: {"type", "config"}
            return ProviderTool.from_dict(item)
        return Tool.from_dict(item)

    return [decode(t) for t in value]


# -- responses -------------------------------------------------------------------------


class StopReason(str, Enum):
    """Why the model stopped, the same for every provider."""

    END_TURN = "end_turn"
    MAX_TOKENS = "max_tokens"
    STOP_SEQUENCE = "stop_sequence"
    TOOL_USE = "tool_use"
    CONTENT_FILTER = "content_filter"
    REFUSAL = "refusal"
    PAUSE_TURN = "pause_turn"
    CONTEXT_WINDOW_EXCEEDED = "model_context_window_exceeded"
    ERROR = "error"
    OTHER = "other"

    def __str__(self) -> str:
        return self.value


@dataclass
class Usage(JsonMixin):
    """Token counts with one meaning for every provider: ``input_tokens`` is uncached
    input only, ``cache_reads``/``cache_writes`` are cached input read/written, and
    ``output_tokens`` is all billed output, reasoning included."""

    input_tokens: int = 0
    output_tokens: int = 0
    cache_reads: int = 0
    cache_writes: int = 0
    #: Of ``cache_writes``, those written with a 1-hour lifetime (priced at the 1-hour rate).
    cache_writes_1h: int = field(default=0, metadata=json_field(omit_empty=True))
    #: Calls of provider-run tools, by tool: ``{"web_search": 2}`` (billed per call);
    #: ``server_tool_requests`` is their total.
    server_tool_use: Dict[str, int] = field(default_factory=dict, metadata=json_field(omit_empty=True))

    @property
    def server_tool_requests(self) -> int:
        """How many calls of provider-run tools (web search...) the reply made, all tools."""
        return sum(self.server_tool_use.values())

    def __add__(self, other: "Usage") -> "Usage":
        if not isinstance(other, Usage):
            return NotImplemented
        requests = dict(self.server_tool_use)
        for name, count in other.server_tool_use.items():
            requests[name] = requests.get(name, 0) + count
        return Usage(
            self.input_tokens + other.input_tokens,
            self.output_tokens + other.output_tokens,
            self.cache_reads + other.cache_reads,
            self.cache_writes + other.cache_writes,
            self.cache_writes_1h + other.cache_writes_1h,
            requests,
        )

    @property
    def total_input_tokens(self) -> int:
        return self.input_tokens + self.cache_reads + self.cache_writes

    @property
    def total_tokens(self) -> int:
        return self.total_input_tokens + self.output_tokens


@dataclass
class RateLimitInfo(JsonMixin):
    """Rate-limit state from the response headers (``anthropic-ratelimit-*``,
    ``x-ratelimit-*``). Resets are kept as sent: RFC 3339 times or durations."""

    requests_limit: Optional[int] = None
    requests_remaining: Optional[int] = None
    requests_reset: Optional[str] = None
    tokens_limit: Optional[int] = None
    tokens_remaining: Optional[int] = None
    tokens_reset: Optional[str] = None
    raw: Dict[str, str] = field(default_factory=dict)


@dataclass
class LLMResponse(JsonMixin):
    """A finished reply: ``resp.text``, ``resp.tool_uses``, ``resp.cost``."""

    id: Optional[str]
    model: Optional[str]
    content: List[ContentBlock] = field(default_factory=list, metadata=json_field(decoder=_decode_blocks))
    stop_reason: Optional[StopReason] = None
    usage: Usage = field(default_factory=Usage)
    cost: Optional[float] = None
    provider: Optional[str] = None
    rate_limit: Optional[RateLimitInfo] = None
    #: What structured output found (see ``llmsdk._structured``); not part of the JSON form.
    _output: Any = field(default=None, init=False, repr=False, compare=False,
                         metadata={"dataclasses_json": {"exclude": _always}})

    @property
    def text(self) -> str:
        return "".join(b.text for b in self.content if isinstance(b, TextContent))

    @property
    def parsed(self) -> Any:
        """The object ``output_schema`` asked for: an instance of the dataclass / pydantic
        model, or a dict (``TypedDict``, JSON Schema dict). ``None`` when the model refused
        (see ``refusal``) or no ``output_schema`` was set. Raises ``OutputParseError`` when
        the reply is not that object (invalid JSON, wrong shape, cut by ``max_tokens``).
        Not serialised: a response read back from JSON has no ``parsed``."""
        return self._output.get() if self._output is not None else None

    @property
    def refusal(self) -> Optional[str]:
        """The model's refusal text when it refused (``StopReason.REFUSAL``) or a content
        filter stopped the reply; ``None`` otherwise."""
        if self.stop_reason is StopReason.REFUSAL:
            text = self.text.strip()
            # OpenAI streams the refusal itself as text; Anthropic may leave cut-off output.
            return text if text and text[0] not in "{[" else "the model refused to answer"
        if self.stop_reason is StopReason.CONTENT_FILTER:
            return "the provider's content filter stopped the reply"
        return None

    @property
    def thinking(self) -> str:
        return "".join(b.thinking for b in self.content if isinstance(b, ThinkingContent))

    @property
    def tool_uses(self) -> List[ToolUseContent]:
        return [b for b in self.content if isinstance(b, ToolUseContent)]

    @property
    def citations(self) -> List[Citation]:
        """Every citation on the reply's text, in order."""
        return [c for b in self.content if isinstance(b, TextContent) for c in b.citations]

    def to_message(self) -> LLMMessage:
        """The assistant turn to append to the history (thinking blocks included, unchanged)."""
        return LLMMessage(role="assistant", content=list(self.content))

    def _repr_markdown_(self) -> str:
        return self.text
