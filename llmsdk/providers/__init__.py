"""``LLMProvider``: the providers llmsdk knows, built-in and registered by users.

Built-ins are listed in ``_BUILTINS`` with their adapter as a lazy ``"module:Class"``
reference, so importing llmsdk imports no provider code until a client needs it.

>>> LLMProvider.ANTHROPIC.config_key()
'anthropic'
>>> register_provider(LLMProvider("acme", "Acme AI", default_model="acme-1",
...     env_var="ACME_API_KEY", default_api_base="https://api.acme.ai",
...     adapter=AcmeAdapter))
"""

from __future__ import annotations

import importlib
import threading
from typing import Any, Callable, Dict, List, Optional, Union

from llmsdk.errors import InvalidConfigError
from llmsdk.providers.base import ProviderAdapter

__all__ = ["LLMProvider", "get_provider", "register_provider", "all_providers"]

AdapterRef = Union[str, type, Callable[[], ProviderAdapter]]


class LLMProvider:
    """A provider: its key, display name, default model, key variable and base URL.

    Compares equal to its config key, so ``options.provider == "anthropic"`` works.
    """

    ANTHROPIC: "LLMProvider"
    OPENAI: "LLMProvider"
    GEMINI: "LLMProvider"
    GROQ: "LLMProvider"
    OPENROUTER: "LLMProvider"
    OPENAI_COMPATIBLE: "LLMProvider"

    def __init__(
        self,
        config_key: str,
        name: str,
        *,
        default_model: Optional[str],
        env_var: Optional[str],
        default_api_base: Optional[str],
        adapter: AdapterRef,
        requires_api_key: bool = True,
    ) -> None:
        if not config_key or not config_key.replace("_", "").replace("-", "").isalnum():
            raise InvalidConfigError(f"invalid provider config key {config_key!r}")
        self._config_key = config_key
        self._name = name
        self._default_model = default_model
        self._env_var = env_var
        self._default_api_base = default_api_base
        self._adapter_ref = adapter
        self._adapter: Optional[ProviderAdapter] = None
        self.requires_api_key = requires_api_key

    def config_key(self) -> str:
        return self._config_key

    def name(self) -> str:
        return self._name

    def env_var(self) -> Optional[str]:
        return self._env_var

    def default_api_base(self) -> Optional[str]:
        return self._default_api_base

    def default_model_id(self) -> Optional[str]:
        return self._default_model

    def default_model(self) -> Any:
        """The default ``LLMModel`` (resolved at call time; the id if it is not in the registry)."""
        if self._default_model is None:
            return None
        from llmsdk.models import get_model  # providers never import models at import time

        try:
            return get_model(self._default_model, provider=self._config_key)
        except LookupError:
            return self._default_model

    def adapter(self) -> ProviderAdapter:
        """The provider's adapter, imported and built on first use."""
        if self._adapter is None:
            ref = self._adapter_ref
            if isinstance(ref, str):
                module, _, attr = ref.partition(":")
                ref = getattr(importlib.import_module(module), attr)
            adapter = ref() if callable(ref) and not isinstance(ref, ProviderAdapter) else ref
            if not isinstance(adapter, ProviderAdapter):
                raise InvalidConfigError(f"provider {self._config_key!r}: adapter is not a ProviderAdapter")
            self._adapter = adapter
        return self._adapter

    def __eq__(self, other: object) -> bool:
        if isinstance(other, LLMProvider):
            return other._config_key == self._config_key
        if isinstance(other, str):
            return other == self._config_key
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._config_key)

    def __str__(self) -> str:
        return self._config_key

    def __repr__(self) -> str:
        return f"LLMProvider({self._config_key!r})"


_BUILTINS = [
    LLMProvider("anthropic", "Anthropic", default_model="claude-sonnet-4-6",
                env_var="ANTHROPIC_API_KEY", default_api_base="https://api.anthropic.com",
                adapter="llmsdk.providers.anthropic.client:AnthropicAdapter"),
    LLMProvider("openai", "OpenAI", default_model="gpt-5.4-mini",
                env_var="OPENAI_API_KEY", default_api_base="https://api.openai.com",
                adapter="llmsdk.providers.openai.client:OpenAIAdapter"),
    LLMProvider("gemini", "Google Gemini", default_model="gemini-2.5-flash",
                env_var="GEMINI_API_KEY", default_api_base="https://generativelanguage.googleapis.com",
                adapter="llmsdk.providers.gemini.client:GeminiAdapter"),
    LLMProvider("groq", "Groq", default_model="llama-3.3-70b-versatile",
                env_var="GROQ_API_KEY", default_api_base="https://api.groq.com/openai",
                adapter="llmsdk.providers.groq.client:GroqAdapter"),
    LLMProvider("openrouter", "OpenRouter", default_model="anthropic/claude-sonnet-4.6",
                env_var="OPENROUTER_API_KEY", default_api_base="https://openrouter.ai/api",
                adapter="llmsdk.providers.openrouter.client:OpenRouterAdapter"),
    LLMProvider("openai_compatible", "OpenAI-compatible", default_model=None,
                env_var="OPENAI_COMPATIBLE_API_KEY", default_api_base=None,
                adapter="llmsdk.providers.openai_compatible.client:OpenAICompatibleAdapter",
                requires_api_key=False),
]

_lock = threading.Lock()
_REGISTRY: Dict[str, LLMProvider] = {p.config_key(): p for p in _BUILTINS}

for _p in _BUILTINS:
    setattr(LLMProvider, _p.config_key().upper(), _p)
# The seed SDK's enum spelling: LLMProvider.Anthropic, LLMProvider.OpenAI, ...
LLMProvider.Anthropic = LLMProvider.ANTHROPIC  # type: ignore[attr-defined]
LLMProvider.OpenAI = LLMProvider.OPENAI  # type: ignore[attr-defined]
LLMProvider.Gemini = LLMProvider.GEMINI  # type: ignore[attr-defined]
LLMProvider.Groq = LLMProvider.GROQ  # type: ignore[attr-defined]
LLMProvider.OpenRouter = LLMProvider.OPENROUTER  # type: ignore[attr-defined]
LLMProvider.OpenAICompatible = LLMProvider.OPENAI_COMPATIBLE  # type: ignore[attr-defined]


def register_provider(provider: LLMProvider, *, replace: bool = False) -> LLMProvider:
    """Make ``provider`` usable by ``HttpClientOptions``/``LLMClient.new``/``from_env``."""
    if not isinstance(provider, LLMProvider):
        raise InvalidConfigError(f"register_provider expects an LLMProvider, got {provider!r}")
    key = provider.config_key()
    with _lock:
        if key in _REGISTRY and not replace and _REGISTRY[key] is not provider:
            raise InvalidConfigError(f"provider {key!r} is already registered (pass replace=True)")
        _REGISTRY[key] = provider
    return provider


def get_provider(provider: Union[str, LLMProvider]) -> LLMProvider:
    """Look a provider up by config key (or pass an ``LLMProvider`` through)."""
    if isinstance(provider, LLMProvider):
        return _REGISTRY.get(provider.config_key(), provider)
    found = _REGISTRY.get(str(provider).lower().replace("-", "_"))
    if found is None:
        known = ", ".join(sorted(_REGISTRY))
        raise InvalidConfigError(f"unknown provider {provider!r}; known providers: {known}")
    return found


def all_providers() -> List[LLMProvider]:
    return list(_REGISTRY.values())
