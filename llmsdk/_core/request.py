"""Requests: ``LLMRequest`` (model, messages, sampling, tools, reasoning, output schema)
and ``ThinkingOptions``. Checked by ``validate`` before any HTTP call.

>>> req = LLMRequest(model="claude-haiku-4-5", messages=[LLMMessage.user("Hello")])
>>> LLMRequest.from_json(req.to_json()) == req
True
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Union

from llmsdk._core.content import LLMMessage, TextContent, _decode_blocks
from llmsdk._core.json_codec import JsonMixin, json_field
from llmsdk._core.message_dicts import as_messages, native_message_dicts
from llmsdk._core.validate import validate_request
from llmsdk._core.public_name import present_as_public

__all__ = ["LLMRequest", "ThinkingOptions"]


@dataclass
class ThinkingOptions(JsonMixin):
    """Ask for reasoning: a token ``budget_tokens`` (Anthropic, Gemini) and/or an
    ``effort`` level (OpenAI ``reasoning_effort``: "low" | "medium" | "high" ...)."""

    budget_tokens: Optional[int] = None
    effort: Optional[str] = None
    include_thoughts: bool = True


def _identity(value: Any) -> Any:
    return value


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
    #: ``False``: never answer this request from the client's response cache, nor store its
    #: reply (``None``, the default, uses the cache when the client has one).
    cache: Optional[bool] = field(default=None, metadata=json_field(omit_none=True))

    def __post_init__(self) -> None:
        # OpenAI-style dicts ({"role": "user", "content": "hi"}) are accepted as messages
        self.messages = as_messages(self.messages)

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

    @classmethod
    def from_dict(cls, kvs: Dict[str, Any], *, infer_missing: bool = True) -> "LLMRequest":
        """From JSON; messages may be llmsdk's shape or OpenAI-style dicts (``content`` a
        string — one text block — or a list of ``text`` / ``image_url`` parts)."""
        if isinstance(kvs, dict) and "messages" in kvs:
            kvs = {**kvs, "messages": native_message_dicts(kvs["messages"])}
        return super().from_dict(kvs, infer_missing=infer_missing)  # type: ignore[no-any-return]

    def to_dict(self, encode_json: bool = False) -> Dict[str, Any]:
        data = super().to_dict(encode_json=encode_json)
        data["model"] = self.model_id
        return data


def _encode_output_schema(value: Any) -> Any:
    """The JSON Schema of ``output_schema`` (titled with the type's name)."""
    if value is None or isinstance(value, dict):
        return value
    from llmsdk._core.output_spec import output_spec

    spec = output_spec(value)
    assert spec is not None
    return {"title": spec.name, **spec.schema}


def _decode_tools(value: Any) -> Any:
    if value is None:
        return None
    from llmsdk._core.tools import ProviderTool, Tool

    def decode(item: Any) -> Any:
        if not isinstance(item, dict):
            return item
        if "type" in item and "name" not in item:  # a provider-run tool: {"type", "config"}
            return ProviderTool.from_dict(item)
        return Tool.from_dict(item)

    return [decode(t) for t in value]


present_as_public(globals(), "LLMRequest", "ThinkingOptions")
