"""Responses: what came back (``LLMResponse``), why the model stopped (``StopReason``),
the tokens it cost (``Usage``) and the rate-limit state the provider reported."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Dict, List, Optional

from llmsdk._core.content import ContentBlock, LLMMessage, TextContent, ThinkingContent, ToolUseContent, _decode_blocks
from llmsdk._core.json_codec import JsonMixin, json_field
from llmsdk._core.provider_content import Citation
from llmsdk._core.public_name import present_as_public

__all__ = ["LLMResponse", "RateLimitInfo", "StopReason", "Usage"]


def _always(_: Any) -> bool:
    return True

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
    #: The part of ``output_tokens`` spent on reasoning / thoughts (0 when the provider
    #: does not say); ``output_tokens`` still counts it.
    reasoning_tokens: int = field(default=0, metadata=json_field(omit_empty=True))
    #: Of ``cache_writes``, those written with a 12-hour lifetime (OpenAI; priced at the
    #: catalog's ``cache_write_12h_per_mtok``).
    cache_writes_12h: int = field(default=0, metadata=json_field(omit_empty=True))
    #: The service tier the provider says it served the request at (OpenAI ``service_tier``:
    #: "priority" for a ``fast`` request, "flex", "default"...); priced by ``calculate_cost``.
    service_tier: Optional[str] = field(default=None, metadata=json_field(omit_none=True))

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
            self.reasoning_tokens + other.reasoning_tokens,
            self.cache_writes_12h + other.cache_writes_12h,
            self.service_tier if self.service_tier == other.service_tier or not other.service_tier
            else (other.service_tier if not self.service_tier else None),
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
    #: What a provider reports beside the reply, by its own field names (Azure's
    #: ``prompt_filter_results`` and ``content_filter_results``); empty for most.
    provider_details: Dict[str, Any] = field(default_factory=dict)
    #: What structured output found (see ``llmsdk._structured.replies``); not part of the JSON form.
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


present_as_public(globals(), "LLMResponse", "RateLimitInfo", "StopReason", "Usage")
