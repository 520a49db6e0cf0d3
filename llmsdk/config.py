"""Client configuration: ``HttpClientOptions``, ``Timeouts``, ``RetryPolicy`` and
``SecretString``. Small frozen values; every default lives here.

>>> opts = HttpClientOptions.new_anthropic("sk-ant-...")
>>> opts
HttpClientOptions(provider='anthropic', api_key=SecretString('**********'), api_base='https://api.anthropic.com', ...)
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Dict, Mapping, Optional, Union

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
    named = provider.base_url_env()
    if named:  # a provider's own variable (OLLAMA_HOST), read by its own rule
        value = os.environ.get(named, "").strip()
        return provider.base_url_from_env(value) if value else None
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
    #: A zero-argument callable returning a bearer token (an Entra ID or Google OAuth
    #: token), called once per HTTP attempt, never here; sent as ``Authorization: Bearer``.
    token_provider: Optional[Callable[[], str]] = None
    #: Provider-specific settings a cloud reads (``new_azure_openai``, ``new_vertex`` fill
    #: them); adapters see them as ``Endpoint.settings``:
    #: Anthropic ``{"anthropic_version": "2023-06-01"}`` (pin the old API version; default
    #: 2026-10-21), Gemini ``{"api_version": "v1"}`` (default ``v1beta``), Ollama
    #: ``{"num_ctx": 8192, "keep_alive": "5m"}`` (``new_ollama``; ``None`` values are dropped).
    provider_settings: Mapping[str, Any] = field(default_factory=dict)
    #: Signs each HTTP attempt: ``signer(method, url, headers, body) -> headers``, called by
    #: the engine once per attempt right before sending (so a signature covers that
    #: attempt's date and body). Bedrock's SigV4 uses it; never printed or compared.
    signer: Optional[Callable[[str, str, Dict[str, str], bytes], Dict[str, str]]] = field(
        default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        provider = get_provider(self.provider)
        object.__setattr__(self, "provider", provider)
        key = self.api_key
        if key is not None and not isinstance(key, SecretString):
            key = SecretString(key)
        if key is not None and not key.expose_secret().strip():
            key = None
        object.__setattr__(self, "api_key", key)
        if self.token_provider is not None and not callable(self.token_provider):
            raise InvalidConfigError(
                f"token_provider must be a zero-argument callable returning a token, got {type(self.token_provider).__name__}")
        object.__setattr__(self, "provider_settings", dict(self.provider_settings or {}))
        if key is None and provider.requires_api_key and self.token_provider is None and self.signer is None:
            hint = f" (set {provider.env_var()})" if provider.env_var() else ""
            raise InvalidConfigError(f"{provider.name()} needs an API key{hint}")
        api_base = self.api_base or provider.default_api_base()
        if not api_base:
            raise InvalidConfigError(f"{provider.name()} needs an api_base URL")
        object.__setattr__(self, "api_base", validate_api_base(api_base))
        object.__setattr__(self, "timeouts", self.timeouts or Timeouts())
        object.__setattr__(self, "extra_headers", dict(self.extra_headers or {}))
        object.__setattr__(self, "provider_settings",
                           {k: v for k, v in dict(self.provider_settings or {}).items() if v is not None})
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
            f"extra_headers={sorted(self.extra_headers)!r}, user_agent={self.user_agent!r}, api={self.api!r}"
            # the callable itself is never shown: a partial or a lambda may hold a token
            + (", token_provider=<set>" if self.token_provider is not None else "")
            + (f", provider_settings={sorted(self.provider_settings)!r}" if self.provider_settings else "")
            + ")"
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

    # -- more providers (issue 28) --------------------------------------------------------

    @classmethod
    def new_mistral(cls, api_key: Union[str, SecretString, None], api_base: Optional[str] = None, **kw: Any) -> "HttpClientOptions":
        return cls.for_provider("mistral", api_key, api_base, **kw)

    @classmethod
    def new_deepseek(cls, api_key: Union[str, SecretString, None], api_base: Optional[str] = None, **kw: Any) -> "HttpClientOptions":
        return cls.for_provider("deepseek", api_key, api_base, **kw)

    @classmethod
    def new_xai(cls, api_key: Union[str, SecretString, None], api: str = "responses", api_base: Optional[str] = None,
                **kw: Any) -> "HttpClientOptions":
        """xAI's Responses API by default (xAI's recommendation); ``api="chat"`` for Chat Completions."""
        return cls.for_provider("xai", api_key, api_base, api=api, **kw)

    @classmethod
    def new_ollama(cls, api_base: str = "http://localhost:11434", num_ctx: Optional[int] = None,
                   keep_alive: Union[str, float, None] = None, **kw: Any) -> "HttpClientOptions":
        """Ollama's native API (no key). ``num_ctx``: the context window to load the model
        with (Ollama silently truncates longer prompts; a warning is logged when a request's
        estimate passes it); ``keep_alive``: how long the model stays loaded (``"5m"``, ``0``)."""
        settings = dict(kw.pop("provider_settings", None) or {})
        settings.update(num_ctx=num_ctx, keep_alive=keep_alive)
        return cls.for_provider("ollama", kw.pop("api_key", None), api_base, provider_settings=settings, **kw)

    # -- AWS Bedrock (issue 24) ----------------------------------------------------------

    @classmethod
    def new_bedrock(cls, region: Optional[str] = None, *, api_key: Union[str, SecretString, None] = None,
                    credentials: Any = None, profile: Optional[str] = None, api_base: Optional[str] = None,
                    **kw: Any) -> "HttpClientOptions":
        """Amazon Bedrock runtime in ``region`` (else ``AWS_REGION`` / ``AWS_DEFAULT_REGION``
        / the profile's region). Auth: ``api_key`` (a Bedrock API key, sent as a bearer
        token), else SigV4 signed by botocore (extra ``[bedrock]``) with ``credentials``
        (botocore ``Credentials`` or ``(access_key, secret_key[, session_token])``) or the
        credential chain of ``profile`` / the default profile, refreshed per attempt.

        >>> HttpClientOptions.new_bedrock("us-east-1")                    # SigV4, default chain
        >>> HttpClientOptions.new_bedrock("eu-west-1", api_key="ABSK...")  # Bedrock API key
        """
        from llmsdk.providers.bedrock.aws_auth import aws_auth, runtime_url

        region, key, signer = aws_auth("bedrock", "Bedrock", region, api_key, credentials, profile, api_base)
        return cls.for_provider("bedrock", key, api_base or runtime_url(region), signer=signer,
                                **_pinned_anthropic_version(kw))

    @classmethod
    def new_bedrock_mantle(cls, region: Optional[str] = None, *, api_key: Union[str, SecretString, None] = None,
                           credentials: Any = None, profile: Optional[str] = None, api_base: Optional[str] = None,
                           **kw: Any) -> "HttpClientOptions":
        """Bedrock's Anthropic Messages API (``bedrock-mantle.{region}.api.aws/anthropic``):
        the Anthropic wire and code (``provider="anthropic"``), ids such as
        ``anthropic.claude-opus-4-8``; a Bedrock API key or SigV4 (service ``bedrock-mantle``)."""
        from llmsdk.providers.bedrock.aws_auth import aws_auth, mantle_url

        region, key, signer = aws_auth("bedrock-mantle", "Bedrock Mantle", region, api_key, credentials, profile,
                                       api_base)
        return cls.for_provider("anthropic", key, api_base or mantle_url(region), signer=signer,
                                **_pinned_anthropic_version(kw))

    @classmethod
    def new_anthropic_aws(cls, region: Optional[str] = None, *, workspace_id: Optional[str] = None,
                          api_key: Union[str, SecretString, None] = None, credentials: Any = None,
                          profile: Optional[str] = None, api_base: Optional[str] = None,
                          **kw: Any) -> "HttpClientOptions":
        """Claude Platform on AWS (``aws-external-anthropic.{region}.api.aws``): Anthropic's
        own API billed through AWS, with the ``anthropic-workspace-id`` header it requires
        (``workspace_id`` or ``ANTHROPIC_AWS_WORKSPACE_ID``); a workspace API key
        (``ANTHROPIC_AWS_API_KEY`` is not read implicitly: pass it) or SigV4 (service
        ``aws-external-anthropic``)."""
        from llmsdk.providers.bedrock.aws_auth import aws_auth, claude_platform_url

        workspace = workspace_id or os.environ.get("ANTHROPIC_AWS_WORKSPACE_ID")
        if not workspace:
            raise InvalidConfigError("Claude Platform on AWS needs a workspace: pass workspace_id= or set "
                                     "ANTHROPIC_AWS_WORKSPACE_ID")
        region, key, signer = aws_auth("aws-external-anthropic", "Claude Platform on AWS", region, api_key,
                                       credentials, profile, api_base)
        headers = {**dict(kw.pop("extra_headers", None) or {}), "anthropic-workspace-id": workspace}
        return cls.for_provider("anthropic", key, api_base or claude_platform_url(region), signer=signer,
                                extra_headers=headers, **_pinned_anthropic_version(kw))

    @classmethod
    def _bedrock_from_env(cls, **kw: Any) -> "HttpClientOptions":
        """``AWS_BEARER_TOKEN_BEDROCK`` if set, else SigV4 with the credential chain
        (``AWS_PROFILE`` is botocore's own); ``BEDROCK_BASE_URL`` overrides the URL."""
        kw.setdefault("api_key", os.environ.get("AWS_BEARER_TOKEN_BEDROCK") or None)
        kw.setdefault("api_base", os.environ.get("BEDROCK_BASE_URL") or None)
        return cls.new_bedrock(kw.pop("region", None), **kw)

    # -------------------------------------------------------------------------------------

    @classmethod
    def new_azure_openai(cls, endpoint: Optional[str], api_key: Union[str, SecretString, None] = None, *,
                         token_provider: Optional[Callable[[], str]] = None, api_version: Optional[str] = None,
                         api: str = "chat", deployments: Optional[Mapping[str, str]] = None,
                         **kw: Any) -> "HttpClientOptions":
        """Azure OpenAI at ``endpoint`` (``https://<resource>.openai.azure.com``): the v1 API
        (``/openai/v1/chat/completions``, or ``/responses`` with ``api="responses"``) unless
        ``api_version`` picks the classic ``/openai/deployments/{model}/...`` route. Auth:
        ``api_key`` (``api-key`` header), a ``token_provider`` (Entra ID bearer), or neither:
        azure-identity's ``DefaultAzureCredential`` (extra ``[azure]``), on first use.
        ``deployments={"prod-4o": "gpt-4o"}`` maps deployment names to catalog models."""
        return _new_azure_openai(cls, endpoint, api_key, token_provider=token_provider, api_version=api_version,
                                 api=api, deployments=deployments, **kw)

    @classmethod
    def new_vertex(cls, project: Optional[str] = None, location: Optional[str] = None, *, credentials: Any = None,
                   token_provider: Optional[Callable[[], str]] = None, api_key: Union[str, SecretString, None] = None,
                   **kw: Any) -> "HttpClientOptions":
        """Google Vertex AI: Gemini models and Claude models (``claude-...``) in ``project``
        at ``location`` (default ``global``). ``credentials``: a google-auth ``Credentials``,
        a service-account dict or JSON file path; none: ADC (extra ``[vertex]``), refreshed
        only when expired. ``api_key``: express mode (Gemini only). ``anthropic_version=``
        pins Claude's body version; ``workspace=`` sends Claude models to the
        Anthropic-managed ``claude.googleapis.com`` instead."""
        return _new_vertex(cls, project, location, credentials=credentials, token_provider=token_provider,
                           api_key=api_key, **kw)

    @classmethod
    def from_env(cls, provider: Union[str, LLMProvider], **kw: Any) -> "HttpClientOptions":
        """Options with the key from the provider's environment variable
        (``ANTHROPIC_API_KEY`` ...) and the base URL from ``<PREFIX>_BASE_URL`` if set."""
        spec = get_provider(provider)
        if spec.config_key() == "bedrock":
            return cls._bedrock_from_env(**kw)
        cloud = _CLOUD_FROM_ENV.get(spec.config_key())
        if cloud is not None:
            return cloud(cls, **kw)
        env_var = spec.env_var()
        key = os.environ.get(env_var) if env_var else None
        if not key and spec.requires_api_key:
            raise InvalidConfigError(f"{spec.name()} API key not found: set the {env_var} environment variable")
        api_base = kw.pop("api_base", None) or _base_url_env(spec)
        return cls.for_provider(spec, key, api_base, **kw)


def _pinned_anthropic_version(kw: Dict[str, Any]) -> Dict[str, Any]:
    """``anthropic_version=`` of the AWS constructors, moved into ``provider_settings``."""
    version = kw.pop("anthropic_version", None)
    if version is not None:
        kw["provider_settings"] = {**kw.get("provider_settings", {}), "anthropic_version": version}
    return kw


# -- the clouds (issue 23): constructors kept apart so other providers' merges stay mechanical --

def _new_azure_openai(cls: Any, endpoint: Optional[str], api_key: Union[str, SecretString, None] = None, *,
                      token_provider: Optional[Callable[[], str]] = None, api_version: Optional[str] = None,
                      api: str = "chat", deployments: Optional[Mapping[str, str]] = None,
                      **kw: Any) -> HttpClientOptions:
    from llmsdk.providers.azure_openai.settings import azure_settings

    api_base, settings = azure_settings(endpoint, api_version=api_version, deployments=deployments,
                                        use_default_credential=not api_key and token_provider is None)
    return cls.for_provider("azure_openai", api_key, api_base, token_provider=token_provider, api=api,
                            provider_settings=settings, **kw)


def _azure_from_env(cls: Any, **kw: Any) -> HttpClientOptions:
    """``AZURE_OPENAI_ENDPOINT`` (or ``AZURE_OPENAI_BASE_URL``), ``AZURE_OPENAI_API_KEY``
    (none: Entra ID through azure-identity), ``AZURE_OPENAI_API_VERSION``."""
    endpoint = kw.pop("endpoint", None) or kw.pop("api_base", None) or os.environ.get("AZURE_OPENAI_ENDPOINT") \
        or os.environ.get("AZURE_OPENAI_BASE_URL")
    if not endpoint:
        raise InvalidConfigError("Azure OpenAI needs an endpoint: set AZURE_OPENAI_ENDPOINT "
                                 "(https://<resource>.openai.azure.com) or pass endpoint=")
    key = kw.pop("api_key", None) or os.environ.get("AZURE_OPENAI_API_KEY") or None
    kw.setdefault("api_version", os.environ.get("AZURE_OPENAI_API_VERSION") or None)
    return _new_azure_openai(cls, endpoint, key, **kw)


def _new_vertex(cls: Any, project: Optional[str] = None, location: Optional[str] = None, *,
                credentials: Any = None, token_provider: Optional[Callable[[], str]] = None,
                api_key: Union[str, SecretString, None] = None, api_base: Optional[str] = None,
                anthropic_version: Optional[str] = None, workspace: Optional[str] = None,
                **kw: Any) -> HttpClientOptions:
    from llmsdk.providers.vertex.settings import vertex_settings

    base, settings = vertex_settings(project, location, credentials=credentials, token_provider=token_provider,
                                     api_key=api_key, api_base=api_base, anthropic_version=anthropic_version,
                                     workspace=workspace)
    return cls.for_provider("vertex", api_key, base, token_provider=token_provider, provider_settings=settings, **kw)


def _vertex_from_env(cls: Any, **kw: Any) -> HttpClientOptions:
    """``GOOGLE_CLOUD_PROJECT``, ``GOOGLE_CLOUD_LOCATION`` (default ``global``), ADC; an
    express-mode key from ``GOOGLE_API_KEY`` when no project is set; ``VERTEX_BASE_URL``
    overrides the host (a local fake server)."""
    kw.setdefault("project", os.environ.get("GOOGLE_CLOUD_PROJECT") or None)
    kw.setdefault("location", os.environ.get("GOOGLE_CLOUD_LOCATION") or None)
    if not kw.get("project") and not kw.get("api_key") and os.environ.get("GOOGLE_API_KEY"):
        kw["api_key"] = os.environ["GOOGLE_API_KEY"]
    kw.setdefault("api_base", os.environ.get("VERTEX_BASE_URL") or None)
    return _new_vertex(cls, **kw)


_CLOUD_FROM_ENV: Dict[str, Callable[..., HttpClientOptions]] = {
    "azure_openai": _azure_from_env,
    "vertex": _vertex_from_env,
}


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
