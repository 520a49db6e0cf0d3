"""Backends with a transport that must never be used (pure tests), and batch items
formatted by each provider's own adapter."""

from __future__ import annotations

from typing import Any, Sequence, Tuple, Type

from llmsdk import LLMMessage, LLMRequest
from llmsdk.batches._backend import BatchBackend, BatchItem, Transport, strip_streaming
from llmsdk.providers import get_provider
from llmsdk.providers.base import Endpoint


class NoEngine:
    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"a pure test touched the HTTP engine ({name})")


def backend(cls: Type[BatchBackend], provider: str) -> BatchBackend:
    adapter = get_provider(provider).adapter()
    return cls(Transport(NoEngine(), adapter, Endpoint("https://api.example.com")))  # type: ignore[arg-type]


def request(text: str, model: str, **kwargs: Any) -> LLMRequest:
    return LLMRequest(model=model, messages=[LLMMessage.user(text)], **kwargs)


def items(provider: str, pairs: Sequence[Tuple[str, LLMRequest]]) -> list:
    adapter = get_provider(provider).adapter()
    return [BatchItem(key, req.model_id, strip_streaming(adapter.request_body(req))) for key, req in pairs]
