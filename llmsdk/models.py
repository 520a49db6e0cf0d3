"""The model registry: lookup by id, alias, ``provider/model`` or guide name (with
suggestions for typos), ``register_model``, costs, and the capability check run before
each request.

The built-in catalog (``llmsdk/data/models_catalog.json``) is read on first use of the
registry, not at import, so ``import llmsdk`` stays cheap. How costs are computed
(cache prices, long-context tiers) is described in ``llmsdk._model``.

>>> model = get_model("claude-3-7-sonnet-20250219")   # or "anthropic/claude-3-7-...", "Sonnet37"
>>> model.calculate_cost(Usage(input_tokens=1_000, output_tokens=500))
0.0105
>>> register_model(LLMModelBuilder().model_name("my-model").provider("acme")
...                .prices(1.00, 2.00).build())
"""

from __future__ import annotations

import difflib
import logging
import threading
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple, Union, overload

from llmsdk._model import (
    CostFunction,
    LLMModel,
    LLMModelBuilder,
    ModelCapabilities,
    ModelCapabilitiesBuilder,
    PricingTier,
)
from llmsdk.errors import InvalidConfigError, InvalidRequestError, LLMError
from llmsdk.providers import get_provider
from llmsdk.types import ImageContent, LLMRequest, ToolResultContent, Usage

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
    "cost_of",
    "find_model",
    "get_model",
    "register_model",
    "registry_generation",
    "unregister_model",
]

logger = logging.getLogger("llmsdk.models")

# -- the registry ---------------------------------------------------------------------------


class UnknownModelError(LLMError, LookupError):
    """``get_model`` found no model (or several) by that name; ``suggestions`` lists
    close matches as ``provider/model`` strings."""

    def __init__(self, message: str, *, name: str = "", provider: Optional[str] = None,
                 suggestions: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.name = name
        self.provider = provider
        self.suggestions = list(suggestions)


_lock = threading.RLock()
_models: Dict[Tuple[str, str], LLMModel] = {}  # (provider, model_name) -> model, in order
_by_id: Dict[str, List[LLMModel]] = {}  # model_name and aliases -> models
_loaded = False


def _index(model: LLMModel) -> None:
    for name in (model.model_name, *model.aliases):
        _by_id.setdefault(name, []).append(model)


_generation = 0


def registry_generation() -> int:
    """A number that changes whenever a model is registered or removed (for caches)."""
    return _generation


def _reindex() -> None:
    global _generation
    _generation += 1
    _by_id.clear()
    for model in _models.values():
        _index(model)


def _ensure_loaded() -> None:
    """Read the packaged catalog once, on first use of the registry."""
    global _loaded
    if _loaded:
        return
    with _lock:
        if _loaded:
            return
        from llmsdk._catalog import load_catalog

        for model in load_catalog():
            _models.setdefault((model.provider, model.model_name), model)
        _reindex()
        _loaded = True


def _provider_key(provider: Any) -> str:
    """A provider's config key, spelled as ``get_provider`` accepts it ("open-router")."""
    key = str(provider).lower().replace("-", "_")
    try:
        return get_provider(key).config_key()
    except InvalidConfigError:  # models may name a provider that is not registered (yet)
        return key


def register_model(model: LLMModel, *, replace: bool = False) -> LLMModel:
    """Add ``model`` to the registry (lookup, costs, capability checks, ``llmsdk models``).

    Registering a different model under an existing ``provider/model`` raises
    ``InvalidConfigError`` unless ``replace=True`` (e.g. to override catalog prices).
    """
    if not isinstance(model, LLMModel):
        raise InvalidConfigError(f"register_model expects an LLMModel, got {model!r}")
    _ensure_loaded()
    key = (model.provider, model.model_name)
    with _lock:
        existing = _models.get(key)
        if existing is not None and existing != model and not replace:
            raise InvalidConfigError(
                f"model {model.full_model_name!r} is already registered (pass replace=True)"
            )
        _models[key] = model
        _reindex()
    return model


def unregister_model(model: Union[str, LLMModel], provider: Optional[str] = None) -> Optional[LLMModel]:
    """Remove a model (an ``LLMModel`` or a name ``get_model`` accepts); returns it, or None."""
    found = model if isinstance(model, LLMModel) else find_model(model, provider)
    if found is None:
        return None
    with _lock:
        removed = _models.pop((found.provider, found.model_name), None)
        _reindex()
    return removed


def _candidates(model_id: str, provider: Optional[str]) -> List[LLMModel]:
    """Exact matches of an id, an alias, or a ``provider/model`` string."""
    found = [m for m in _by_id.get(model_id, ()) if provider is None or m.provider == provider]
    prefix, sep, rest = model_id.partition("/")
    if sep and rest:
        key = _provider_key(prefix)
        if provider is None or key == provider:
            scoped = [m for m in _by_id.get(rest, ()) if m.provider == key]
            if scoped:  # "openai/gpt-5" names OpenAI's gpt-5, not OpenRouter's "openai/gpt-5"
                return scoped
    if not found and model_id.startswith("models/"):  # Gemini's resource-name form
        return _candidates(model_id[len("models/"):], provider)
    return found


def find_model(model_id: Any, provider: Any = None) -> Optional[LLMModel]:
    """The registered model with this id, alias or ``provider/model`` string (within
    ``provider`` when given); None if unknown or ambiguous."""
    if isinstance(model_id, LLMModel):
        return model_id
    _ensure_loaded()
    key = _provider_key(provider) if provider is not None else None
    with _lock:
        found = _candidates(str(model_id), key)
    return found[0] if len(found) == 1 else None


def _guide_target(name: str) -> Optional[str]:
    from llmsdk._catalog import GUIDE_NAMES

    target = GUIDE_NAMES.get(name)
    if target is None:
        lowered = {k.lower(): v for k, v in GUIDE_NAMES.items()}
        target = lowered.get(name.lower())
    return target


def get_model(name: Union[str, LLMModel], provider: Any = None) -> LLMModel:
    """Look a model up by exact id or alias, ``provider/model``, or a guide name
    (``Sonnet37``, ``Gpt4o``, ``Gpt3oMini``...), case-insensitively as a last resort.

    Raises ``UnknownModelError`` (a ``LookupError``) with close matches for a typo, or
    listing the candidates when the id exists at several providers.
    """
    if isinstance(name, LLMModel):
        return name
    _ensure_loaded()
    key = _provider_key(provider) if provider is not None else None
    text = str(name).strip()
    with _lock:
        found = _candidates(text, key)
        if not found:
            target = _guide_target(text)
            if target is not None:
                found = _candidates(target, key)
        if not found:
            lowered = text.lower()
            found = [m for m in _models.values()
                     if (key is None or m.provider == key)
                     and lowered in {m.model_name.lower(), m.full_model_name.lower(),
                                     *(a.lower() for a in m.aliases)}]
        if len(found) == 1:
            return found[0]
        where = f" at provider {key!r}" if key else ""
        if found:
            options = [m.full_model_name for m in found]
            raise UnknownModelError(
                f"model {text!r} is ambiguous: {', '.join(options)}; "
                "use the provider/model form or pass provider=",
                name=text, provider=key, suggestions=options,
            )
        suggestions = _suggest(text, key)
        hint = f"; did you mean {', '.join(suggestions)}?" if suggestions else ""
    raise UnknownModelError(
        f"unknown model {text!r}{where}{hint} (a plain model-id string still works in "
        "LLMRequest, unpriced)",
        name=text, provider=key, suggestions=suggestions,
    )


def _suggest(text: str, provider: Optional[str]) -> List[str]:
    """Close matches, each as the ``provider/model`` of the model it names."""
    from llmsdk._catalog import GUIDE_NAMES

    spellings: Dict[str, str] = {}
    for model in _models.values():
        if provider is not None and model.provider != provider:
            continue
        for spelling in (model.model_name, model.full_model_name, *model.aliases):
            spellings.setdefault(spelling.lower(), model.full_model_name)
    for guide, target in GUIDE_NAMES.items():
        if provider is None or target.startswith(provider + "/"):
            spellings.setdefault(guide.lower(), guide)
    close = difflib.get_close_matches(text.lower(), list(spellings), n=8, cutoff=0.6)
    out: List[str] = []
    for spelling in close:
        if spellings[spelling] not in out:
            out.append(spellings[spelling])
    return out[:5]


def all_models(provider: Any = None) -> List[LLMModel]:
    """Every registered model (catalog first, then user-registered), or one provider's."""
    _ensure_loaded()
    key = _provider_key(provider) if provider is not None else None
    with _lock:
        return [m for m in _models.values() if key is None or m.provider == key]


class _AllModels(Sequence[LLMModel]):
    """``AllModels``: a live, read-only view of the registry (the guide's static list)."""

    @overload
    def __getitem__(self, index: int) -> LLMModel: ...

    @overload
    def __getitem__(self, index: slice) -> List[LLMModel]: ...

    def __getitem__(self, index: Union[int, slice]) -> Union[LLMModel, List[LLMModel]]:
        return all_models()[index]

    def __len__(self) -> int:
        return len(all_models())

    def __iter__(self) -> Iterator[LLMModel]:
        return iter(all_models())

    def __contains__(self, item: object) -> bool:
        return item in all_models()

    def __repr__(self) -> str:
        return f"AllModels({len(self)} models)"


AllModels: Sequence[LLMModel] = _AllModels()


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


def _uses_images(request: LLMRequest) -> bool:
    for message in request.messages:
        for block in message.blocks:
            if isinstance(block, ImageContent):
                return True
            if isinstance(block, ToolResultContent) and isinstance(block.content, list):
                if any(isinstance(b, ImageContent) for b in block.content):
                    return True
    return False


_CAPABILITY_LABELS = {"tools": "tools", "vision": "vision (image input)", "thinking": "thinking"}


def check_capabilities(request: LLMRequest, provider_key: str, strict: bool) -> None:
    """Warn (or, when ``strict``, raise ``InvalidRequestError``) if a known model lacks
    tools, image input or thinking that ``request`` asks for. Unknown models and models
    with unknown capabilities pass: catalog flags can lag the provider."""
    model = _resolve(request.model, provider_key)
    if model is None or model.capabilities is None:
        return
    needs = {
        "tools": bool(request.tools),
        "vision": _uses_images(request),
        "thinking": request.thinking is not None,
    }
    missing = [name for name, needed in needs.items() if needed and not getattr(model.capabilities, name)]
    if not missing:
        return
    labels = ", ".join(_CAPABILITY_LABELS[name] for name in missing)
    message = f"model {model.full_model_name!r} does not support {labels} according to the llmsdk model registry"
    if strict:
        raise InvalidRequestError(f"{message} (strict_capabilities is set)")
    logger.warning("%s; sending anyway (strict_capabilities=True refuses such requests)", message)


# -- the guide's names: ``from llmsdk.models import Sonnet37`` ----------------------------------


def __getattr__(name: str) -> Any:
    if name.startswith("_"):  # import machinery probes (__path__ ...) must not load the catalog
        raise AttributeError(f"module 'llmsdk.models' has no attribute {name!r}")
    from llmsdk._catalog import GUIDE_NAMES

    if name in GUIDE_NAMES:
        return get_model(name)
    raise AttributeError(f"module 'llmsdk.models' has no attribute {name!r}")


def __dir__() -> List[str]:
    from llmsdk._catalog import GUIDE_NAMES

    return sorted(set(globals()) | set(GUIDE_NAMES))
