"""Model registry (skeleton; the model-registry issue fills in the catalog, builders and costs)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional

from llmsdk.types import LLMRequest, Usage

__all__ = ["LLMModel", "all_models", "find_model", "get_model", "register_model"]


@dataclass
class LLMModel:
    model_name: str
    provider: str
    display_name: str = ""
    context_window: Optional[int] = None
    max_output_tokens: Optional[int] = None
    input_price: Optional[float] = None
    output_price: Optional[float] = None
    cache_read_price: Optional[float] = None
    cache_write_price: Optional[float] = None
    capabilities: Dict[str, bool] = field(default_factory=dict)
    cost_fn: Optional[Callable[[Usage], float]] = None

    def calculate_cost(self, usage: Usage) -> Optional[float]:
        if self.cost_fn is not None:
            return self.cost_fn(usage)
        if self.input_price is None or self.output_price is None:
            return None
        return (
            usage.input_tokens * self.input_price
            + usage.output_tokens * self.output_price
            + usage.cache_reads * (self.cache_read_price if self.cache_read_price is not None else self.input_price)
            + usage.cache_writes * (self.cache_write_price if self.cache_write_price is not None else self.input_price)
        ) / 1_000_000


_REGISTRY: Dict[str, LLMModel] = {}


def register_model(model: LLMModel) -> LLMModel:
    _REGISTRY[f"{model.provider}/{model.model_name}"] = model
    return model


def find_model(model_id: str, provider: Optional[str] = None) -> Optional[LLMModel]:
    if provider is not None:
        found = _REGISTRY.get(f"{provider}/{model_id}")
        if found is not None:
            return found
    for model in _REGISTRY.values():
        if model.model_name == model_id and (provider is None or model.provider == provider):
            return model
    return None


def get_model(name: str, provider: Optional[str] = None) -> LLMModel:
    found = find_model(name, provider)
    if found is None:
        raise LookupError(f"unknown model {name!r}")
    return found


def all_models() -> List[LLMModel]:
    return list(_REGISTRY.values())


def cost_of(model: Any, provider: str, usage: Usage) -> Optional[float]:
    """Price of ``usage`` on ``model`` (an ``LLMModel`` or an id); None if unpriced."""
    if not isinstance(model, LLMModel):
        model = find_model(str(model), provider)
    return model.calculate_cost(usage) if model is not None else None


def check_capabilities(request: LLMRequest, provider: str, strict: bool) -> None:
    """Warn (or raise when ``strict``) if a known model lacks what the request asks for."""
