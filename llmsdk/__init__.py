"""llmsdk: a synchronous, thread-based client for LLM APIs.

Public names are imported lazily (PEP 562), so ``import llmsdk`` stays cheap and
``from llmsdk import X`` works for every name in ``__all__``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any, Dict

__version__ = "0.1.0"

_EXPORTS: Dict[str, str] = {
    "AllDeploymentsFailedError": "llmsdk.errors",
    "AllModels": "llmsdk.models",
    "BatchCounts": "llmsdk.batches",
    "BatchJob": "llmsdk.batches",
    "BatchStatus": "llmsdk.batches",
    "Citation": "llmsdk.types",
    "Deployment": "llmsdk.router",
    "DocumentContent": "llmsdk.types",
    "EmbeddingResponse": "llmsdk._engine.embeddings",
    "EventStream": "llmsdk._engine.stream",
    "HttpClientOptions": "llmsdk.config",
    "ImageContent": "llmsdk.types",
    "LLMClient": "llmsdk.client",
    "LLMError": "llmsdk.errors",
    "LLMEvent": "llmsdk.events",
    "LLMMessage": "llmsdk.types",
    "LLMModel": "llmsdk.models",
    "LLMModelBuilder": "llmsdk.models",
    "LLMProvider": "llmsdk.providers",
    "LLMRequest": "llmsdk.types",
    "LLMResponse": "llmsdk.types",
    "MCPError": "llmsdk.errors",
    "MapResult": "llmsdk._many.map",
    "ModelCapabilities": "llmsdk.models",
    "ModelCapabilitiesBuilder": "llmsdk.models",
    "ProviderTool": "llmsdk.tools",
    "ProviderToolContent": "llmsdk.types",
    "RateLimitInfo": "llmsdk.types",
    "RateLimiter": "llmsdk._many.rate_limiter",
    "RedactedThinkingContent": "llmsdk.types",
    "RedisRateLimiter": "llmsdk._many.redis_limiter",
    "RetryPolicy": "llmsdk.config",
    "Router": "llmsdk.router",
    "SecretString": "llmsdk.config",
    "StopReason": "llmsdk.types",
    "TextContent": "llmsdk.types",
    "ThinkingContent": "llmsdk.types",
    "ThinkingOptions": "llmsdk.types",
    "Timeouts": "llmsdk.config",
    "Tool": "llmsdk.tools",
    "ToolInputError": "llmsdk.tools",
    "ToolResultContent": "llmsdk.types",
    "ToolRunResult": "llmsdk._many.tool_loop",
    "ToolUseContent": "llmsdk.types",
    "UnknownModelError": "llmsdk.models",
    "Usage": "llmsdk.types",
    "all_models": "llmsdk.models",
    "get_model": "llmsdk.models",
    "register_model": "llmsdk.models",
    "register_openai_compatible": "llmsdk.providers",
    "register_provider": "llmsdk.providers",
    "tool": "llmsdk.tools",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'llmsdk' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list:
    return sorted(set(globals()) | set(__all__))


if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs
    from llmsdk._engine.embeddings import EmbeddingResponse
    from llmsdk._many.map import MapResult
    from llmsdk._many.rate_limiter import RateLimiter
    from llmsdk._many.redis_limiter import RedisRateLimiter
    from llmsdk._engine.stream import EventStream
    from llmsdk.batches import BatchCounts, BatchJob, BatchStatus
    from llmsdk.client import LLMClient
    from llmsdk.config import HttpClientOptions, RetryPolicy, SecretString, Timeouts
    from llmsdk.errors import AllDeploymentsFailedError, LLMError, MCPError
    from llmsdk.events import LLMEvent
    from llmsdk.models import (
        AllModels, LLMModel, LLMModelBuilder, ModelCapabilities, ModelCapabilitiesBuilder, UnknownModelError,
        all_models, get_model, register_model,
    )
    from llmsdk.providers import LLMProvider, register_openai_compatible, register_provider
    from llmsdk._many.tool_loop import ToolRunResult
    from llmsdk.router import Deployment, Router
    from llmsdk.tools import ProviderTool, Tool, ToolInputError, tool
    from llmsdk.types import (
        Citation, DocumentContent, ProviderToolContent,
    )
    from llmsdk.types import (
        ImageContent, LLMMessage, LLMRequest, LLMResponse, RateLimitInfo, RedactedThinkingContent,
        StopReason, TextContent, ThinkingContent, ThinkingOptions, ToolResultContent, ToolUseContent,
        Usage,
    )
