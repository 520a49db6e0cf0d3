"""Models: the registry (lookup by id, alias, ``provider/model`` or guide name, with
suggestions for typos; ``register_model``; kept in ``llmsdk._catalog.registry``), costs, and the
capability check run before each request.

The built-in catalog (``llmsdk/data/models_catalog.json``) is read on first use of the
registry, not at import, so ``import llmsdk`` stays cheap. How costs are computed
(cache prices, long-context tiers) is described in ``llmsdk._catalog.model``.

>>> model = get_model("claude-3-7-sonnet-20250219")   # or "anthropic/claude-3-7-...", "Sonnet37"
>>> model.calculate_cost(Usage(input_tokens=1_000, output_tokens=500))
0.0105
>>> register_model(LLMModelBuilder().model_name("my-model").provider("acme")
...                .prices(1.00, 2.00).build())
"""

from __future__ import annotations

import datetime
import logging
import threading
from typing import Any, List, Optional, Set, Tuple

from llmsdk._catalog.model import (
    CostFunction,
    LLMModel,
    LLMModelBuilder,
    ModelCapabilities,
    ModelCapabilitiesBuilder,
    PricingTier,
)
from llmsdk._catalog.registry import (
    AllModels,
    UnknownModelError,
    all_models,
    find_model,
    get_model,
    register_model,
    registry_generation,
    unregister_model,
)
from llmsdk.errors import InvalidRequestError
from llmsdk.types import DocumentContent, ImageContent, LLMRequest, ToolResultContent, Usage

__all__ = [
    "AllModels",
    "CostFunction",
    "LLMModel",
    "LLMModelBuilder",
    "ModelCapabilities",
    "ModelCapabilitiesBuilder",
    "PricingTier",
    "UnknownModelError",
    "all_models",
    "check_capabilities",
    "warn_if_retired",
    "cost_of",
    "find_model",
    "get_model",
    "register_model",
    "registry_generation",
    "unregister_model",
]

logger = logging.getLogger("llmsdk.models")

# -- costs and capability checks (called by LLMClient) ------------------------------------------


def _resolve(model: Any, provider_key: str) -> Optional[LLMModel]:
    """The registry entry that describes ``model`` when sent through ``provider_key``."""
    if isinstance(model, LLMModel):
        if model.provider == provider_key:
            return model
        return find_model(model.model_name, provider_key) or model
    return find_model(str(model), provider_key)


def cost_of(model: Any, provider_key: str, usage: Usage, *, batch: bool = False) -> Optional[float]:
    """USD for ``usage`` on ``model`` (an ``LLMModel`` or an id) at ``provider_key``
    (``batch=True``: at the provider batch price); None if the model is unknown or
    unpriced. A failing custom cost function is logged, not raised: it must not break
    the response it prices."""
    found = _resolve(model, provider_key)
    if found is None:
        return None
    try:
        return found.calculate_cost(usage, batch=batch)
    except Exception:
        logger.warning("cost function of %s failed; cost left as None", found.full_model_name, exc_info=True)
        return None


def _uses_documents(request: LLMRequest) -> bool:
    """PDFs need the capability; text documents reach every model as text."""
    for message in request.messages:
        for block in message.blocks:
            inner = block.content if isinstance(block, ToolResultContent) and isinstance(block.content, list) else [block]
            if any(isinstance(b, DocumentContent) and b.is_pdf for b in inner):
                return True
    return False


def _uses_images(request: LLMRequest) -> bool:
    for message in request.messages:
        for block in message.blocks:
            if isinstance(block, ImageContent):
                return True
            if isinstance(block, ToolResultContent) and isinstance(block.content, list):
                if any(isinstance(b, ImageContent) for b in block.content):
                    return True
    return False


_CAPABILITY_LABELS = {"tools": "tools", "vision": "vision (image input)", "thinking": "thinking",
                      "documents": "documents (PDF input)"}


def check_capabilities(request: LLMRequest, provider_key: str, strict: bool) -> None:
    """Warn (or, when ``strict``, raise ``InvalidRequestError``) if a known model lacks
    tools, image input, thinking or PDF input that ``request`` asks for. Unknown models and models
    with unknown capabilities pass: catalog flags can lag the provider."""
    model = _resolve(request.model, provider_key)
    if model is None or model.capabilities is None:
        return
    needs = {
        "tools": bool(request.tools),
        "vision": _uses_images(request),
        "thinking": request.thinking is not None,
        "documents": _uses_documents(request),
    }
    missing = [name for name, needed in needs.items() if needed and not getattr(model.capabilities, name)]
    if not missing:
        return
    labels = ", ".join(_CAPABILITY_LABELS[name] for name in missing)
    message = f"model {model.full_model_name!r} does not support {labels} according to the llmsdk model registry"
    if strict:
        raise InvalidRequestError(f"{message} (strict_capabilities is set)")
    logger.warning("%s; sending anyway (strict_capabilities=True refuses such requests)", message)


_warned_retired: Set[Tuple[str, str]] = set()
_warned_lock = threading.Lock()


def warn_if_retired(request: LLMRequest, provider_key: str, today: Optional[datetime.date] = None) -> bool:
    """Log a warning (once per model and process) when ``request`` names a model whose
    catalog ``deprecation_date`` is past: the provider has retired it and may answer 404
    or route to a replacement. Returns whether the model is retired; never raises, and
    sends the request anyway (catalog dates can be wrong, and some clouds keep models longer)."""
    model = _resolve(request.model, provider_key)
    if model is None or not model.is_retired(today):
        return False
    key = (model.provider, model.model_name)
    with _warned_lock:
        if key in _warned_retired:
            return True
        _warned_retired.add(key)
    logger.warning("model %r was retired by %s on %s according to the llmsdk model catalog; "
                   "the request may fail or be served by another model (`llmsdk models` lists "
                   "what is current)", model.full_model_name, model.provider, model.deprecation_date)
    return True


# -- the guide's names: ``from llmsdk.models import Sonnet37`` ----------------------------------


def __getattr__(name: str) -> Any:
    if name.startswith("_"):  # import machinery probes (__path__ ...) must not load the catalog
        raise AttributeError(f"module 'llmsdk.models' has no attribute {name!r}")
    from llmsdk._catalog.builtin import GUIDE_NAMES

    if name in GUIDE_NAMES:
        return get_model(name)
    raise AttributeError(f"module 'llmsdk.models' has no attribute {name!r}")


def __dir__() -> List[str]:
    from llmsdk._catalog.builtin import GUIDE_NAMES

    return sorted(set(globals()) | set(GUIDE_NAMES))
