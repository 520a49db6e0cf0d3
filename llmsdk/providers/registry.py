"""``LLMProvider``: the providers llmsdk knows, built-in and registered by users.

Built-ins are listed in ``_BUILTINS`` with their adapter as a lazy ``"module:Class"``
reference, so importing llmsdk imports no provider code until a client needs it. A
user's own module adds providers with the same calls, without editing the package:

>>> LLMProvider.ANTHROPIC.config_key()
'anthropic'
>>> register_provider(LLMProvider("acme", "Acme AI", default_model="acme-1",
...     env_var="ACME_API_KEY", default_api_base="https://api.acme.ai",
...     adapter=AcmeAdapter))                       # your ProviderAdapter subclass
>>> register_openai_compatible("local", "http://localhost:8000/v1",
...     models=["llama-3.1-8b"])                    # an OpenAI-style server: a URL is enough
>>> LLMClient.new(HttpClientOptions(provider="local"))

See ``docs/custom_providers.md``.
"""

from __future__ import annotations

import dataclasses
import importlib
import threading
from typing import Any, Callable, Dict, Iterable, List, Optional, Union

from llmsdk.errors import InvalidConfigError
from llmsdk._catalog.model import LLMModel
from llmsdk._catalog.registry import all_models, get_model, register_model
from llmsdk._core.urls import validate_api_base
from llmsdk.providers.base import ProviderAdapter
from llmsdk._core.public_name import present_as_public


__all__ = [
    "LLMProvider",
    "all_providers",
    "get_provider",
    "register_openai_compatible",
    "register_provider",
    "unregister_provider",
]

AdapterRef = Union[str, type, Callable[[], ProviderAdapter]]

#: The wire APIs a provider may speak: Chat Completions-style ``"chat"`` (every provider's
#: own dialect) and OpenAI's ``"responses"``.
APIS = ("chat", "responses")


class LLMProvider:
    """A provider: its key, display name, default model, key variable and base URL.

    Compares equal to its config key, so ``options.provider == "anthropic"`` works.
    ``adapter`` is a ``ProviderAdapter`` instance, a class or factory building one, or a
    lazy ``"module:Class"`` string; ``responses_adapter`` (the same kinds) serves
    ``api="responses"`` where the provider has OpenAI's Responses API, and
    ``default_api`` is the API options use when they name none. ``env_var`` defaults
    to ``<CONFIG_KEY>_API_KEY`` (pass ``""`` for none); ``<PREFIX>_BASE_URL`` then
    overrides the base URL in ``from_env``.
    """

    ANTHROPIC: LLMProvider
    OPENAI: LLMProvider
    GEMINI: LLMProvider
    GROQ: LLMProvider
    OPENROUTER: LLMProvider
    OPENAI_COMPATIBLE: LLMProvider
    AZURE_OPENAI: LLMProvider
    VERTEX: LLMProvider
    BEDROCK: LLMProvider
    # more providers (issue 28)
    MISTRAL: LLMProvider
    DEEPSEEK: LLMProvider
    XAI: LLMProvider
    OLLAMA: LLMProvider

    def __init__(
        self,
        config_key: str,
        name: str,
        *,
        adapter: AdapterRef,
        default_model: Optional[str] = None,
        env_var: Optional[str] = None,
        default_api_base: Optional[str] = None,
        requires_api_key: bool = True,
        responses_adapter: Optional[AdapterRef] = None,
        default_api: str = "chat",
        base_url_env: Optional[str] = None,
        base_url_parser: Optional[Callable[[str], str]] = None,
    ) -> None:
        if not isinstance(config_key, str) or not config_key.replace("_", "").replace("-", "").isalnum():
            raise InvalidConfigError(f"invalid provider config key {config_key!r}")
        if default_api_base:
            validate_api_base(default_api_base)
        self._config_key = config_key
        self._name = name or config_key
        self._default_model = default_model
        if env_var is None:
            env_var = config_key.upper().replace("-", "_") + "_API_KEY"
        self._env_var = env_var or None
        self._default_api_base = default_api_base
        self._adapter_refs: Dict[str, AdapterRef] = {"chat": adapter}
        if responses_adapter is not None:
            self._adapter_refs["responses"] = responses_adapter
        self._adapters: Dict[str, ProviderAdapter] = {}
        self.requires_api_key = requires_api_key
        self._default_api = self.check_api(default_api)
        self._base_url_env = base_url_env
        self._base_url_parser = base_url_parser

    def config_key(self) -> str:
        return self._config_key

    def name(self) -> str:
        return self._name

    def env_var(self) -> Optional[str]:
        return self._env_var

    def base_url_env(self) -> Optional[str]:
        """The variable ``from_env`` reads the base URL from when the provider names its own
        (``OLLAMA_HOST``); None: ``<PREFIX>_BASE_URL``."""
        return self._base_url_env

    def base_url_from_env(self, value: str) -> str:
        """The base URL a ``base_url_env`` value stands for (``OLLAMA_HOST=0.0.0.0:11434``)."""
        return self._base_url_parser(value) if self._base_url_parser is not None else value

    def default_api_base(self) -> Optional[str]:
        return self._default_api_base

    def default_model_id(self) -> Optional[str]:
        return self._default_model

    def default_model(self) -> Any:
        """The default ``LLMModel`` (resolved at call time; the id if it is not in the registry)."""
        if self._default_model is None:
            return None
        try:
            return get_model(self._default_model, provider=self._config_key)
        except LookupError:
            return self._default_model

    def models(self) -> List[LLMModel]:
        """This provider's models in the registry (resolved at call time)."""
        return all_models(self._config_key)

    @property
    def is_builtin(self) -> bool:
        return self._config_key in _BUILTIN_KEYS

    def apis(self) -> List[str]:
        """The wire APIs this provider speaks (``["chat"]``, or ``["chat", "responses"]``)."""
        return list(self._adapter_refs)

    def default_api(self) -> str:
        return self._default_api

    def check_api(self, api: Optional[str]) -> str:
        """``api`` (or the default) if this provider speaks it, else ``InvalidConfigError``."""
        if api is None:
            return self._default_api
        if api not in APIS:
            raise InvalidConfigError(f"api must be one of {', '.join(map(repr, APIS))}, got {api!r}")
        if api not in self._adapter_refs:
            raise InvalidConfigError(f"{self._name} has no {api!r} API; it speaks {', '.join(map(repr, self.apis()))}")
        return api

    def adapter(self, api: Optional[str] = None) -> ProviderAdapter:
        """The adapter for ``api`` (default: the provider's default API), imported and
        built on first use."""
        api = self.check_api(api)
        found = self._adapters.get(api)
        if found is None:
            ref = self._adapter_refs[api]
            if isinstance(ref, str):
                module, _, attr = ref.partition(":")
                ref = getattr(importlib.import_module(module), attr)
            adapter = ref() if callable(ref) and not isinstance(ref, ProviderAdapter) else ref
            if not isinstance(adapter, ProviderAdapter):
                raise InvalidConfigError(f"provider {self._config_key!r}: adapter is not a ProviderAdapter")
            found = self._adapters[api] = adapter
        return found

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
                adapter="llmsdk.providers.openai.client:OpenAIAdapter",
                responses_adapter="llmsdk.providers.openai.responses_client:OpenAIResponsesAdapter"),
    LLMProvider("gemini", "Google Gemini", default_model="gemini-2.5-flash",
                env_var="GEMINI_API_KEY", default_api_base="https://generativelanguage.googleapis.com",
                adapter="llmsdk.providers.gemini.client:GeminiAdapter"),
    LLMProvider("groq", "Groq", default_model="openai/gpt-oss-120b",  # llama-3.3-70b-versatile retired 2026-08-16
                env_var="GROQ_API_KEY", default_api_base="https://api.groq.com/openai",
                adapter="llmsdk.providers.groq.client:GroqAdapter"),
    LLMProvider("openrouter", "OpenRouter", default_model="anthropic/claude-sonnet-4.6",
                env_var="OPENROUTER_API_KEY", default_api_base="https://openrouter.ai/api",
                adapter="llmsdk.providers.openrouter.client:OpenRouterAdapter"),
    LLMProvider("openai_compatible", "OpenAI-compatible", default_model=None,
                env_var="OPENAI_COMPATIBLE_API_KEY", default_api_base=None,
                adapter="llmsdk.providers.openai_compatible.client:OpenAICompatibleAdapter",
                responses_adapter="llmsdk.providers.openai.responses_client:OpenAICompatibleResponsesAdapter",
                requires_api_key=False),
    # -- AWS Bedrock (issue 24): a Bedrock API key, or SigV4 through HttpClientOptions.signer
    LLMProvider("bedrock", "Amazon Bedrock", default_model="us.anthropic.claude-sonnet-4-5-20250929-v1:0",
                env_var="AWS_BEARER_TOKEN_BEDROCK", default_api_base=None,
                adapter="llmsdk.providers.bedrock.client:BedrockAdapter", requires_api_key=False),
]

# The clouds (issue 23): model ids are deployment names / cloud ids; prices come from the
# first-party catalog through ``ProviderAdapter.catalog_model``.
_BUILTINS += [
    LLMProvider("azure_openai", "Azure OpenAI", default_model=None,
                env_var="AZURE_OPENAI_API_KEY", default_api_base=None,
                adapter="llmsdk.providers.azure_openai.client:AzureChatAdapter",
                responses_adapter="llmsdk.providers.azure_openai.client:AzureResponsesAdapter",
                requires_api_key=False),
    LLMProvider("vertex", "Google Vertex AI", default_model="gemini-2.5-flash",
                env_var="", default_api_base="https://aiplatform.googleapis.com",
                adapter="llmsdk.providers.vertex.client:VertexAdapter",
                requires_api_key=False),
]


def _ollama_host(value: str) -> str:
    from llmsdk.providers.ollama.client import ollama_host

    return ollama_host(value)


# -- more providers (issue 28): each reuses the Chat Completions or Responses wire code --
_BUILTINS += [
    LLMProvider("mistral", "Mistral", default_model="mistral-small-latest",
                env_var="MISTRAL_API_KEY", default_api_base="https://api.mistral.ai",
                adapter="llmsdk.providers.mistral.client:MistralAdapter"),
    LLMProvider("deepseek", "DeepSeek", default_model="deepseek-flash",
                env_var="DEEPSEEK_API_KEY", default_api_base="https://api.deepseek.com",
                adapter="llmsdk.providers.deepseek.client:DeepSeekAdapter"),
    LLMProvider("xai", "xAI", default_model="grok-4.7",
                env_var="XAI_API_KEY", default_api_base="https://api.x.ai",
                adapter="llmsdk.providers.xai.client:XAIChatAdapter",
                responses_adapter="llmsdk.providers.xai.client:XAIResponsesAdapter", default_api="responses"),
    LLMProvider("ollama", "Ollama", default_model=None, env_var="", default_api_base="http://localhost:11434",
                adapter="llmsdk.providers.ollama.client:OllamaAdapter", requires_api_key=False,
                base_url_env="OLLAMA_HOST", base_url_parser=_ollama_host),
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


_BUILTIN_KEYS = frozenset(_REGISTRY)


def register_provider(provider: Union[LLMProvider, str], *, replace: bool = False, **spec: Any) -> LLMProvider:
    """Make a provider usable by ``HttpClientOptions``/``LLMClient.new``/``from_env``.

    Pass an ``LLMProvider``, or its config key and ``LLMProvider``'s keyword arguments:
    ``register_provider("acme", name="Acme", adapter=AcmeAdapter, default_api_base=...)``.
    Registering a different provider under a taken key raises ``InvalidConfigError``
    unless ``replace=True``.
    """
    if isinstance(provider, str):
        provider = LLMProvider(provider, spec.pop("name", None) or provider, **spec)
    elif spec:
        raise InvalidConfigError(f"register_provider: unexpected arguments with an LLMProvider: {sorted(spec)}")
    if not isinstance(provider, LLMProvider):
        raise InvalidConfigError(f"register_provider expects an LLMProvider, got {provider!r}")
    key = provider.config_key()
    with _lock:
        if key in _REGISTRY and not replace and _REGISTRY[key] is not provider:
            raise InvalidConfigError(f"provider {key!r} is already registered (pass replace=True)")
        _REGISTRY[key] = provider
    return provider


def unregister_provider(provider: Union[LLMProvider, str]) -> Optional[LLMProvider]:
    """Remove a registered provider (its models stay in the registry); built-ins stay."""
    key = provider.config_key() if isinstance(provider, LLMProvider) else str(provider).lower().replace("-", "_")
    if key in _BUILTIN_KEYS:
        raise InvalidConfigError(f"provider {key!r} is built in and cannot be unregistered")
    with _lock:
        return _REGISTRY.pop(key, None)


def _compatible_adapter(config_key: str, api: str = "chat") -> Callable[[], ProviderAdapter]:
    """A factory for the OpenAI-compatible adapter of ``api`` named ``config_key`` (in
    errors, stream errors and responses alike)."""

    def build() -> ProviderAdapter:
        if api == "responses":
            from llmsdk.providers.openai.responses_client import OpenAICompatibleResponsesAdapter

            return OpenAICompatibleResponsesAdapter(config_key)
        from llmsdk.providers.openai_compatible.client import OpenAICompatibleAdapter

        return OpenAICompatibleAdapter(config_key)

    return build


def register_openai_compatible(
    config_key: str,
    api_base: str,
    *,
    models: Iterable[Union[str, LLMModel]] = (),
    name: Optional[str] = None,
    default_model: Optional[str] = None,
    env_var: Optional[str] = None,
    requires_api_key: bool = False,
    replace: bool = False,
    api: str = "chat",
) -> LLMProvider:
    """Register an OpenAI-compatible service (vLLM, LM Studio, a gateway) as its own provider.
    (Ollama is built in: ``HttpClientOptions.new_ollama``; its OpenAI shim can still be
    registered under another key.)

    ``models`` are ``LLMModel``s (priced, with capabilities; their provider is set to
    ``config_key``) or plain ids (unpriced, unchecked). The first is the default model.
    ``api="responses"`` makes the server's ``/v1/responses`` the default (options can
    still pick ``api="chat"``, and the other way round).

    >>> register_openai_compatible("vllm", "http://localhost:8000/v1", models=["llama3.2"])
    >>> client = LLMClient.new(HttpClientOptions(provider="vllm"))
    """
    validate_api_base(api_base)
    if api not in APIS:
        raise InvalidConfigError(f"api must be one of {', '.join(map(repr, APIS))}, got {api!r}")
    entries: List[LLMModel] = []
    for model in models:
        if isinstance(model, str):
            entries.append(LLMModel(model_name=model, provider=config_key))
        elif isinstance(model, LLMModel):
            entries.append(model if model.provider == config_key else dataclasses.replace(model, provider=config_key))
        else:
            raise InvalidConfigError(f"models must be LLMModels or model-id strings, got {model!r}")
    if default_model is None and entries:
        default_model = entries[0].model_name
    provider = register_provider(
        LLMProvider(
            config_key, name or config_key, adapter=_compatible_adapter(config_key),
            responses_adapter=_compatible_adapter(config_key, "responses"),
            default_model=default_model, env_var=env_var, default_api_base=api_base,
            requires_api_key=requires_api_key, default_api=api,
        ),
        replace=replace,
    )
    for entry in entries:
        register_model(entry, replace=replace)
    return provider


def get_provider(provider: Union[str, LLMProvider]) -> LLMProvider:
    """Look a provider up by config key, case and ``-``/``_`` aside (or pass an
    ``LLMProvider`` through)."""
    if isinstance(provider, LLMProvider):
        return _REGISTRY.get(provider.config_key(), provider)
    key = str(provider).lower().replace("-", "_")
    found = _REGISTRY.get(key)
    if found is None:  # the seed SDK's "open_router", "open-router": match without separators
        bare = key.replace("_", "")
        found = next((p for k, p in list(_REGISTRY.items()) if k.replace("_", "") == bare), None)
    if found is None:
        known = ", ".join(sorted(_REGISTRY))
        raise InvalidConfigError(f"unknown provider {provider!r}; known providers: {known}")
    return found


def all_providers() -> List[LLMProvider]:
    """Built-in providers first, then registered ones, in registration order."""
    with _lock:
        return list(_REGISTRY.values())


present_as_public(globals(), "LLMProvider")
