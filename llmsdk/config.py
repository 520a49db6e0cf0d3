"""Client configuration: ``HttpClientOptions``, ``Timeouts``, ``RetryPolicy`` and
``SecretString``. Small frozen values; every default lives here.

>>> opts = HttpClientOptions.new_anthropic("sk-ant-...")
>>> opts
HttpClientOptions(provider='anthropic', api_key=SecretString('**********'), api_base='https://api.anthropic.com', ...)
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from typing import Any, Dict, Mapping, Optional, Union

from llmsdk._core.secrets import SecretString
from llmsdk._core.urls import validate_api_base
from llmsdk._engine.policy import RetryPolicy, Timeouts
from llmsdk.errors import InvalidConfigError
from llmsdk.providers import LLMProvider, get_provider
from llmsdk.providers.base import Endpoint
from llmsdk._core.public_name import present_as_public

__all__ = [
    "DEFAULT_POOL_MAXSIZE",
    "HttpClientOptions",
    "RetryPolicy",
    "SecretString",
    "Timeouts",
    "USER_AGENT",
]

USER_AGENT = "llmsdk-python/0.1.0"
DEFAULT_POOL_MAXSIZE = 128


def _base_url_env(provider: LLMProvider) -> Optional[str]:
    env_var = provider.env_var()
    if not env_var or not env_var.endswith("_API_KEY"):
        return None
    return os.environ.get(env_var[: -len("_API_KEY")] + "_BASE_URL") or None


@dataclass(frozen=True)
class HttpClientOptions:
    """How to reach one provider.

    >>> HttpClientOptions.new_openai("sk-...", timeouts=Timeouts(read=60))
    >>> HttpClientOptions.new_openai("sk-...", api="responses")   # /v1/responses
    >>> HttpClientOptions.new_openai_compatible("http://localhost:8000/v1")
    >>> HttpClientOptions.from_env("gemini")       # GEMINI_API_KEY
    """

    provider: LLMProvider
    api_key: Optional[SecretString] = None
    api_base: str = ""
    timeouts: Timeouts = field(default_factory=Timeouts)
    #: Retries of a failed attempt (default 2). The same number as ``retry_policy.max_retries``:
    #: give either one, or both agreeing.
    max_retries: Optional[int] = None
    extra_headers: Mapping[str, str] = field(default_factory=dict)
    user_agent: str = USER_AGENT
    pool_maxsize: int = DEFAULT_POOL_MAXSIZE
    retry_policy: Optional[RetryPolicy] = None
    #: Raise (instead of warn) when a request asks a known model for a capability it lacks.
    strict_capabilities: bool = False
    #: The wire API: ``"chat"`` (Chat Completions, each provider's own dialect) or
    #: ``"responses"`` (OpenAI's Responses API, where the provider has it). None: the
    #: provider's default, ``"chat"`` unless it was registered otherwise.
    api: Optional[str] = None
    #: Per-client settings of the provider's wire format, read by its adapter:
    #: Anthropic ``{"anthropic_version": "2023-06-01"}`` (pin the old API version; default
    #: 2026-10-21), Gemini ``{"api_version": "v1"}`` (default ``v1beta``).
    provider_settings: Mapping[str, Any] = field(default_factory=dict)
    #: A response cache (``llmsdk.cache``: ``MemoryCache``, ``DiskCache``, ``RedisCache``) the
    #: client serves repeated requests from; and a ``Budget`` capping what its calls spend.
    cache: Any = field(default=None, compare=False, repr=False)
    budget: Any = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        provider = get_provider(self.provider)
        object.__setattr__(self, "provider", provider)
        key = self.api_key
        if key is not None and not isinstance(key, SecretString):
            key = SecretString(key)
        if key is not None and not key.expose_secret().strip():
            key = None
        object.__setattr__(self, "api_key", key)
        if key is None and provider.requires_api_key:
            hint = f" (set {provider.env_var()})" if provider.env_var() else ""
            raise InvalidConfigError(f"{provider.name()} needs an API key{hint}")
        api_base = self.api_base or provider.default_api_base()
        if not api_base:
            raise InvalidConfigError(f"{provider.name()} needs an api_base URL")
        object.__setattr__(self, "api_base", validate_api_base(api_base))
        object.__setattr__(self, "timeouts", self.timeouts or Timeouts())
        object.__setattr__(self, "extra_headers", dict(self.extra_headers or {}))
        object.__setattr__(self, "provider_settings", dict(self.provider_settings or {}))
        policy, retries = self.retry_policy, self.max_retries
        if policy is None:
            policy = RetryPolicy() if retries is None else RetryPolicy(max_retries=retries)
        elif not isinstance(policy, RetryPolicy):
            raise InvalidConfigError(f"retry_policy must be a RetryPolicy, got {policy!r}")
        elif retries is not None and retries != policy.max_retries:
            raise InvalidConfigError(
                f"max_retries={retries!r} disagrees with retry_policy.max_retries={policy.max_retries!r}; give one"
            )
        object.__setattr__(self, "retry_policy", policy)
        object.__setattr__(self, "max_retries", policy.max_retries)
        if not isinstance(self.pool_maxsize, int) or self.pool_maxsize < 1:
            raise InvalidConfigError(f"pool_maxsize must be a positive int, got {self.pool_maxsize!r}")
        object.__setattr__(self, "api", provider.check_api(self.api))

    @property
    def endpoint(self) -> Endpoint:
        """What a provider adapter may see: the service root and the key."""
        return Endpoint(self.api_base, self.api_key, settings=dict(self.provider_settings))

    @property
    def retry(self) -> RetryPolicy:
        assert self.retry_policy is not None
        return self.retry_policy

    def with_changes(self, **changes: Any) -> "HttpClientOptions":
        """A copy with some fields replaced (``max_retries`` and ``retry_policy`` stay in step)."""
        if "max_retries" in changes and "retry_policy" not in changes and changes["max_retries"] is not None:
            changes["retry_policy"] = replace(self.retry, max_retries=changes["max_retries"])
        elif "retry_policy" in changes and "max_retries" not in changes:
            changes["max_retries"] = None
        return replace(self, **changes)

    def __repr__(self) -> str:
        return (
            f"HttpClientOptions(provider={self.provider.config_key()!r}, api_key={self.api_key!r}, "
            f"api_base={self.api_base!r}, timeouts={self.timeouts!r}, max_retries={self.retry.max_retries}, "
            f"extra_headers={sorted(self.extra_headers)!r}, user_agent={self.user_agent!r}, api={self.api!r})"
        )

    __str__ = __repr__

    # -- constructors, one per built-in provider ----------------------------------------

    @classmethod
    def for_provider(
        cls,
        provider: Union[str, LLMProvider],
        api_key: Union[str, SecretString, None] = None,
        api_base: Optional[str] = None,
        *,
        timeouts: Optional[Timeouts] = None,
        max_retries: Optional[int] = None,
        extra_headers: Optional[Mapping[str, str]] = None,
        **more: Any,
    ) -> "HttpClientOptions":
        return cls(
            provider=get_provider(provider),
            api_key=api_key,  # type: ignore[arg-type]
            api_base=api_base or "",
            timeouts=timeouts or Timeouts(),
            max_retries=max_retries,
            extra_headers=dict(extra_headers or {}),
            **more,
        )

    @classmethod
    def new_anthropic(cls, api_key: Union[str, SecretString, None], api_base: Optional[str] = None, *,
                      anthropic_version: Optional[str] = None, **kw: Any) -> "HttpClientOptions":
        """``anthropic_version="2023-06-01"`` pins the old API version for this client
        (default ``2026-10-21``, where temperature/top_p/top_k are dropped with a warning)."""
        if anthropic_version is not None:
            kw["provider_settings"] = {**kw.get("provider_settings", {}), "anthropic_version": anthropic_version}
        return cls.for_provider("anthropic", api_key, api_base, **kw)

    @classmethod
    def new_openai(cls, api_key: Union[str, SecretString, None], api_base: Optional[str] = None, **kw: Any) -> "HttpClientOptions":
        return cls.for_provider("openai", api_key, api_base, **kw)

    @classmethod
    def new_gemini(cls, api_key: Union[str, SecretString, None], api_base: Optional[str] = None, *,
                   api_version: Optional[str] = None, **kw: Any) -> "HttpClientOptions":
        """``api_version="v1"`` selects the ``v1`` API (google-genai 3.x's default); llmsdk
        stays on ``v1beta``, where every field it sends is known to be accepted."""
        if api_version is not None:
            kw["provider_settings"] = {**kw.get("provider_settings", {}), "api_version": api_version}
        return cls.for_provider("gemini", api_key, api_base, **kw)

    @classmethod
    def new_groq(cls, api_key: Union[str, SecretString, None], api_base: Optional[str] = None, **kw: Any) -> "HttpClientOptions":
        return cls.for_provider("groq", api_key, api_base, **kw)

    @classmethod
    def new_openrouter(cls, api_key: Union[str, SecretString, None], api_base: Optional[str] = None, **kw: Any) -> "HttpClientOptions":
        return cls.for_provider("openrouter", api_key, api_base, **kw)

    @classmethod
    def new_openai_compatible(cls, api_base: str, api_key: Union[str, SecretString, None] = None, **kw: Any) -> "HttpClientOptions":
        return cls.for_provider("openai_compatible", api_key, api_base, **kw)

    @classmethod
    def from_env(cls, provider: Union[str, LLMProvider], **kw: Any) -> "HttpClientOptions":
        """Options with the key from the provider's environment variable
        (``ANTHROPIC_API_KEY`` ...) and the base URL from ``<PREFIX>_BASE_URL`` if set."""
        spec = get_provider(provider)
        env_var = spec.env_var()
        key = os.environ.get(env_var) if env_var else None
        if not key and spec.requires_api_key:
            raise InvalidConfigError(f"{spec.name()} API key not found: set the {env_var} environment variable")
        api_base = kw.pop("api_base", None) or _base_url_env(spec)
        return cls.for_provider(spec, key, api_base, **kw)


def headers_for(options: HttpClientOptions, provider_headers: Dict[str, str]) -> Dict[str, str]:
    """The final request headers: defaults, then the provider's, then the user's extras."""
    headers = {
        "Content-Type": "application/json",
        "Accept": "text/event-stream",
        "User-Agent": options.user_agent,
    }
    headers.update(provider_headers)
    headers.update(options.extra_headers)
    return headers


present_as_public(globals(), "HttpClientOptions")
