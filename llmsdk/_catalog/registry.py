"""The model registry: lookup by id, alias, ``provider/model`` or guide name (with
suggestions for typos), ``register_model``, ``all_models``/``AllModels``.

It sits below the providers (``LLMProvider.default_model()`` reads it) and knows nothing
of them: provider names are normalised here (``"open-router"`` finds ``openrouter``).
The built-in catalog (``llmsdk/data/models_catalog.json``) is read on first use, not at
import, so ``import llmsdk`` stays cheap. The public face is ``llmsdk.models``.
"""

from __future__ import annotations

import threading
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple, Union, overload

from llmsdk._catalog.model import LLMModel
from llmsdk._catalog.bedrock import base_model_id
from llmsdk.errors import InvalidConfigError, LLMError
from llmsdk._core.public_name import present_as_public

__all__ = [
    "AllModels",
    "UnknownModelError",
    "all_models",
    "find_model",
    "get_model",
    "register_model",
    "registry_generation",
    "unregister_model",
]

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
        from llmsdk._catalog.builtin import load_catalog  # the catalog module, and its JSON, on first use

        for model in load_catalog():
            _models.setdefault((model.provider, model.model_name), model)
        _reindex()
        _loaded = True


def _provider_key(provider: Any) -> str:
    """A provider's config key from any spelling of it: case, ``-``/``_`` and the seed
    SDK's "open_router" aside (an ``LLMProvider`` prints as its key)."""
    key = str(provider).lower().replace("-", "_")
    known = {model_provider for model_provider, _ in _models}
    if key in known:
        return key
    bare = key.replace("_", "")
    return next((k for k in sorted(known) if k.replace("_", "") == bare), key)


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
    if not found and provider in (None, "bedrock"):  # a Bedrock cross-region inference profile
        base = base_model_id(model_id)
        if base != model_id:
            return [m for m in _by_id.get(base, ()) if m.provider == "bedrock"]
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
    from llmsdk._catalog.builtin import GUIDE_NAMES

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
    from llmsdk._catalog.builtin import GUIDE_NAMES

    spellings: Dict[str, str] = {}
    for model in _models.values():
        if provider is not None and model.provider != provider:
            continue
        for spelling in (model.model_name, model.full_model_name, *model.aliases):
            spellings.setdefault(spelling.lower(), model.full_model_name)
    for guide, target in GUIDE_NAMES.items():
        if provider is None or target.startswith(provider + "/"):
            spellings.setdefault(guide.lower(), guide)
    import difflib  # only for an unknown name's suggestions

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


present_as_public(globals(), "UnknownModelError")
