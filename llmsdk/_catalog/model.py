"""Model descriptions: ``LLMModel``, its capabilities and prices, and the guide's
fluent builders. Pure data and arithmetic; the registry lives in ``llmsdk.models``.

Pricing rules (``LLMModel.calculate_cost``):

* prices are USD per million tokens; ``Usage.input_tokens`` is uncached input only;
* ``cache_reads`` / ``cache_writes`` use the cache read / write prices. Where a model
  has none (the catalog gives no cache-write price for OpenAI and Gemini, and no cache
  prices at all for several Groq and OpenRouter routes), those tokens are billed at the
  input price, which is what a provider without a cache discount charges for them;
* long-context tiers: once the prompt (input + cache reads + cache writes) is above a
  tier's ``applies_above_input_tokens``, that tier's prices apply to the whole request;
  a cache price the tier leaves out falls back to the tier's input price;
* ``Usage.cache_writes_1h`` (part of ``cache_writes``) use the 1-hour write price,
  ``extra_pricing["cache_write_1h_per_mtok"]`` (above a tier:
  ``cache_write_1h_above_200k_per_mtok``, else the base 1-hour/5-minute ratio applied to
  the tier's write price); a model without one bills them at its cache write price;
* ``Usage.cache_writes_12h`` (part of ``cache_writes``; OpenAI's 12-hour cache) use
  ``extra_pricing["cache_write_12h_per_mtok"]``; ``cache_write_per_mtok`` is the 30-minute
  write for OpenAI rows;
* ``Usage.service_tier`` ("priority" — what OpenAI answers for a ``fast`` request — or
  "flex") scales input and output by the catalog's ``priority_*`` / ``flex_*`` prices over
  the standard ones (no such price: standard);
* ``Usage.server_tool_use`` (``{"web_search": 2}``) cost
  ``extra_pricing["<tool>_per_request"]`` USD each where the model has that price. The
  shipped catalog has none, so provider-run tool calls are not in ``cost`` by default;
* provider batch jobs (``calculate_cost(usage, batch=True)``): the catalog's
  ``extra_pricing`` ``batch_input_per_mtok`` / ``batch_output_per_mtok`` set the discount
  (batch price / standard price, for input and for output); without them it is 50%.
  The input discount also applies to cache reads and writes (1-hour ones included), and
  both apply to every long-context tier (the catalog lists batch prices for the base
  tier only). A custom ``cost_function`` is halved; per-call tool prices are not
  discounted.
"""

from __future__ import annotations

import dataclasses
import datetime
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple, Union

from llmsdk.errors import InvalidConfigError
from llmsdk.types import Usage
from llmsdk._core.public_name import present_as_public

__all__ = [
    "CostFunction",
    "LLMModel",
    "LLMModelBuilder",
    "ModelCapabilities",
    "ModelCapabilitiesBuilder",
    "PricingTier",
]

#: A custom cost function: ``Usage -> USD``.
CostFunction = Callable[[Usage], float]

_PER_MILLION = 1_000_000
#: What a batch job costs relative to the standard price when the catalog has no batch price.
BATCH_DISCOUNT = 0.5

# -- capabilities ------------------------------------------------------------------------


#: Marks a ``ModelCapabilities`` field that says how the provider's dialect must be spoken
#: to the model rather than what the model can do (left out of ``names()``).
_DIALECT = {"dialect": True}


@dataclass(frozen=True)
class ModelCapabilities:
    """What a model accepts, and the few dialect facts request formatters follow (so
    behaviour comes from the registry, not from model-name patterns). Build one with
    ``ModelCapabilitiesBuilder``."""

    streaming: bool = False
    tools: bool = False
    vision: bool = False
    thinking: bool = False
    json_mode: bool = False
    prompt_caching: bool = False
    #: Document input (``DocumentContent``: PDFs).
    documents: bool = False
    #: How the model takes ``LLMRequest.output_schema``: "json_schema" (the provider's
    #: native schema form), "json_schema_best_effort" (the same, not constrained),
    #: "json_object" (JSON mode + the schema in the prompt), "tool" (one forced tool),
    #: "response_schema" (Gemini's OpenAPI subset); None: the provider's default.
    structured_output: Optional[str] = None

    #: An embedding model (``client.embed``), not a chat model.
    embeddings: bool = False
    # -- dialect facts (catalog models get them from ``_catalog.DIALECT_FACTS``) --
    #: The system prompt goes as a ``developer`` message (OpenAI's o-series and gpt-5).
    developer_role: bool = field(default=False, metadata=_DIALECT)
    #: ``reasoning_effort`` takes ``low``/``medium``/``high``, so a thinking budget is sent
    #: as the nearest level (OpenAI reasoning models, gpt-oss).
    reasoning_effort: bool = field(default=False, metadata=_DIALECT)
    #: Reasoning is shown or hidden with ``include_reasoning``; the model takes no
    #: ``reasoning_format`` (Groq's gpt-oss).
    include_reasoning: bool = field(default=False, metadata=_DIALECT)
    #: ``temperature``/``top_p``/``top_k`` are refused (Claude Opus 4.7+, Sonnet 5+, Fable;
    #: OpenAI GPT-6 Astra, 6.1 Sol, 6.2): formatters drop them with a warning.
    rejects_sampling: bool = field(default=False, metadata=_DIALECT)
    #: Sampling parameters only with ``reasoning_effort: "none"`` (OpenAI GPT-6 Sol/Luna,
    #: 6.1 Terra); dropped, with a warning, at any other effort (the default is medium).
    sampling_only_without_reasoning: bool = field(default=False, metadata=_DIALECT)
    #: A forced ``tool_choice`` (any/tool) is an error (Claude Opus 5.5, Sonnet 5.5, Fable 5.1+).
    rejects_forced_tool_choice: bool = field(default=False, metadata=_DIALECT)
    #: Thinking text is omitted unless ``display: "summarized"`` is asked for (Claude Opus
    #: 4.7+, Sonnet 5.5, Fable).
    thinking_display_omitted: bool = field(default=False, metadata=_DIALECT)

    def names(self) -> List[str]:
        """The enabled capabilities, in field order (dialect facts and the
        ``structured_output`` mode left out)."""
        return [f.name for f in dataclasses.fields(self) if getattr(self, f.name) is True and not f.metadata.get("dialect")]


class ModelCapabilitiesBuilder:
    """Fluent builder, as in the guide.

    >>> ModelCapabilitiesBuilder().with_streaming().with_tools().build()
    ModelCapabilities(streaming=True, tools=True, vision=False, thinking=False, ...)
    """

    def __init__(self) -> None:
        self._flags: Dict[str, Any] = {}

    @classmethod
    def new(cls) -> ModelCapabilitiesBuilder:
        return cls()

    def _on(self, name: str) -> ModelCapabilitiesBuilder:
        self._flags[name] = True
        return self

    def with_streaming(self) -> ModelCapabilitiesBuilder:
        return self._on("streaming")

    def with_tools(self) -> ModelCapabilitiesBuilder:
        return self._on("tools")

    def with_vision(self) -> ModelCapabilitiesBuilder:
        return self._on("vision")

    def with_thinking(self) -> ModelCapabilitiesBuilder:
        return self._on("thinking")

    with_reasoning = with_thinking

    def with_json_mode(self) -> ModelCapabilitiesBuilder:
        return self._on("json_mode")

    def with_prompt_caching(self) -> ModelCapabilitiesBuilder:
        return self._on("prompt_caching")

    def with_documents(self) -> ModelCapabilitiesBuilder:
        return self._on("documents")

    with_cache = with_prompt_caching  # the guide's spelling

    def with_embeddings(self) -> ModelCapabilitiesBuilder:
        return self._on("embeddings")

    def with_developer_role(self) -> ModelCapabilitiesBuilder:
        return self._on("developer_role")

    def with_reasoning_effort(self) -> ModelCapabilitiesBuilder:
        return self._on("reasoning_effort")

    def with_include_reasoning(self) -> ModelCapabilitiesBuilder:
        return self._on("include_reasoning")

    def with_dialect_fact(self, name: str) -> ModelCapabilitiesBuilder:
        """Set one dialect fact by name (``rejects_sampling``, ``thinking_display_omitted``...)."""
        known = [f.name for f in dataclasses.fields(ModelCapabilities) if f.metadata.get("dialect")]
        if name not in known:
            raise InvalidConfigError(f"unknown dialect fact {name!r}; known: {', '.join(known)}")
        return self._on(name)

    def with_structured_output(self, mode: str = "json_schema") -> ModelCapabilitiesBuilder:
        """How the model takes ``output_schema`` (see ``ModelCapabilities.structured_output``)."""
        from llmsdk._structured.output_schema import STRUCTURED_OUTPUT_MODES

        if mode not in STRUCTURED_OUTPUT_MODES:
            raise InvalidConfigError(f"structured output mode must be one of {STRUCTURED_OUTPUT_MODES}, got {mode!r}")
        self._flags["structured_output"] = mode
        return self

    def build(self) -> ModelCapabilities:
        return ModelCapabilities(**self._flags)


# -- models and prices ---------------------------------------------------------------------


@dataclass(frozen=True)
class PricingTier:
    """Long-context prices (USD per million tokens) for prompts above a threshold."""

    applies_above_input_tokens: int
    input_per_mtok: float
    output_per_mtok: float
    cache_read_per_mtok: Optional[float] = None
    cache_write_per_mtok: Optional[float] = None


@dataclass(frozen=True)
class LLMModel:
    """One model of one provider: limits, capabilities and prices (USD per million tokens).

    ``provider`` is the provider's config key (``"anthropic"``, or a registered one).
    ``capabilities=None`` means unknown: requests to the model are not checked.
    ``cost_function``, when set, replaces the price arithmetic.
    """

    model_name: str
    provider: str
    display_name: str = ""
    capabilities: Optional[ModelCapabilities] = None
    context_window: Optional[int] = None
    max_output_tokens: Optional[int] = None
    input_per_mtok: Optional[float] = None
    output_per_mtok: Optional[float] = None
    cache_read_per_mtok: Optional[float] = None
    cache_write_per_mtok: Optional[float] = None
    pricing_tiers: Tuple[PricingTier, ...] = ()
    cost_function: Optional[CostFunction] = field(default=None, repr=False)
    aliases: Tuple[str, ...] = ()
    deprecation_date: Optional[str] = None
    extra_pricing: Mapping[str, float] = field(default_factory=dict, repr=False, hash=False, compare=False)
    notes: str = field(default="", repr=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.model_name, str) or not self.model_name:
            raise InvalidConfigError(f"LLMModel needs a model_name, got {self.model_name!r}")
        provider = str(self.provider or "")  # an LLMProvider prints as its config key
        if not provider:
            raise InvalidConfigError(f"LLMModel {self.model_name!r} needs a provider")
        object.__setattr__(self, "provider", provider)
        object.__setattr__(self, "display_name", self.display_name or self.model_name)
        object.__setattr__(self, "aliases", tuple(self.aliases))
        tiers = sorted(self.pricing_tiers, key=lambda t: t.applies_above_input_tokens)
        object.__setattr__(self, "pricing_tiers", tuple(tiers))

    @property
    def full_model_name(self) -> str:
        """``provider/model``, the form ``get_model`` accepts anywhere."""
        return f"{self.provider}/{self.model_name}"

    @property
    def is_priced(self) -> bool:
        return self.cost_function is not None or (
            self.input_per_mtok is not None and self.output_per_mtok is not None
        )

    def status(self, today: Optional[datetime.date] = None) -> str:
        """``"active"``, ``"retiring YYYY-MM-DD"`` (a retirement date still ahead) or
        ``"retired YYYY-MM-DD"`` (``deprecation_date`` is today or past; the provider may
        answer 404 or serve a replacement)."""
        retires = _parse_date(self.deprecation_date)
        if retires is None:
            return "active"
        today = today or datetime.date.today()
        return f"{'retired' if retires <= today else 'retiring'} {retires.isoformat()}"

    def is_retired(self, today: Optional[datetime.date] = None) -> bool:
        return self.status(today).startswith("retired")

    def supports(self, capability: str) -> Optional[bool]:
        """Whether the model has ``capability`` (``"tools"``...); None when unknown."""
        if self.capabilities is None:
            return None
        return bool(getattr(self.capabilities, capability))

    def rates_for(self, prompt_tokens: int) -> Optional[PricingTier]:
        """The prices that apply to a prompt of ``prompt_tokens`` (a tier, or the base
        prices as a tier with threshold 0); None if the model is unpriced."""
        if self.input_per_mtok is None or self.output_per_mtok is None:
            return None
        rates = PricingTier(0, self.input_per_mtok, self.output_per_mtok,
                            self.cache_read_per_mtok, self.cache_write_per_mtok)
        for tier in self.pricing_tiers:
            if prompt_tokens > tier.applies_above_input_tokens:
                rates = tier
        return rates

    def batch_discount(self) -> Tuple[float, float]:
        """(input, output) price factors of a provider batch job: the catalog's batch
        prices over the standard ones where it has them, else ``BATCH_DISCOUNT``."""
        extra = self.extra_pricing or {}

        def factor(batch_key: str, standard: Optional[float]) -> float:
            batch_price = extra.get(batch_key)
            if batch_price is None or not standard:
                return BATCH_DISCOUNT
            return float(batch_price) / standard

        return (factor("batch_input_per_mtok", self.input_per_mtok),
                factor("batch_output_per_mtok", self.output_per_mtok))

    def calculate_cost(self, usage: Usage, *, batch: bool = False) -> Optional[float]:
        """USD for ``usage``; None when the model has no prices. ``batch=True`` prices a
        request run in a provider batch job (see the module docstring)."""
        if self.cost_function is not None:
            cost = max(0.0, float(self.cost_function(usage)))
            return cost * BATCH_DISCOUNT if batch else cost
        rates = self.rates_for(usage.total_input_tokens)
        if rates is None:
            return None
        cache_read = rates.cache_read_per_mtok if rates.cache_read_per_mtok is not None else rates.input_per_mtok
        cache_write = rates.cache_write_per_mtok if rates.cache_write_per_mtok is not None else rates.input_per_mtok
        writes_1h = min(max(0, usage.cache_writes_1h), usage.cache_writes)
        writes_12h = min(max(0, usage.cache_writes_12h), usage.cache_writes - writes_1h)
        input_factor, output_factor = self.batch_discount() if batch else self.service_tier_factors(usage.service_tier)
        total = input_factor * (
            usage.input_tokens * rates.input_per_mtok
            + usage.cache_reads * cache_read
            + (usage.cache_writes - writes_1h - writes_12h) * cache_write
            + (writes_1h * self._cache_write_1h_rate(rates, cache_write) if writes_1h else 0.0)
            + (writes_12h * self._cache_write_12h_rate(rates, cache_write) if writes_12h else 0.0)
        ) + output_factor * usage.output_tokens * rates.output_per_mtok
        return max(0.0, total / _PER_MILLION + self._server_tool_cost(usage))

    def _cache_write_1h_rate(self, rates: PricingTier, cache_write: float) -> float:
        """USD/Mtok for a 1-hour cache write at these rates (see the module docstring)."""
        extra = self.extra_pricing
        base = extra.get("cache_write_1h_per_mtok")
        threshold = rates.applies_above_input_tokens
        if not threshold:
            return base if base is not None else cache_write
        tiered = extra.get(f"cache_write_1h_above_{threshold // 1000}k_per_mtok")
        if tiered is not None:
            return tiered
        if base is not None and self.cache_write_per_mtok:
            return cache_write * base / self.cache_write_per_mtok
        return cache_write

    def _cache_write_12h_rate(self, rates: PricingTier, cache_write: float) -> float:
        """USD/Mtok for a 12-hour cache write (OpenAI): ``cache_write_12h_per_mtok``, scaled
        like the 30-minute write above a tier; the 30-minute price where there is none."""
        base = self.extra_pricing.get("cache_write_12h_per_mtok")
        if base is None:
            return cache_write
        if rates.applies_above_input_tokens and self.cache_write_per_mtok:
            return cache_write * base / self.cache_write_per_mtok
        return base

    def service_tier_factors(self, tier: Optional[str]) -> Tuple[float, float]:
        """(input, output) price factors for the service tier a reply says it was served
        at: the catalog's ``<tier>_input_per_mtok`` / ``<tier>_output_per_mtok`` over the
        standard prices ("priority" — OpenAI's ``fast`` — and "flex"); 1.0 for the default
        tier or a tier the catalog has no price for."""
        if tier not in ("priority", "flex"):  # default/auto, and batch (priced by ``batch=True``)
            return 1.0, 1.0
        extra = self.extra_pricing or {}

        def factor(key: str, standard: Optional[float]) -> float:
            price = extra.get(key)
            if price is None or not standard:
                return 1.0
            return float(price) / standard

        return (factor(f"{tier}_input_per_mtok", self.input_per_mtok),
                factor(f"{tier}_output_per_mtok", self.output_per_mtok))

    def _server_tool_cost(self, usage: Usage) -> float:
        """USD for provider-run tool calls the model has a per-call price for."""
        total = 0.0
        for name, count in usage.server_tool_use.items():
            price = self.extra_pricing.get(f"{name}_per_request")
            if price is not None:
                total += count * price
        return total

    def to_dict(self) -> Dict[str, Any]:
        """Plain data (for ``llmsdk models --json``); the cost function is left out."""
        caps = self.capabilities
        return {
            "model_id": self.model_name,
            "provider": self.provider,
            "display_name": self.display_name,
            "aliases": list(self.aliases),
            "context_window": self.context_window,
            "max_output_tokens": self.max_output_tokens,
            "input_per_mtok": self.input_per_mtok,
            "output_per_mtok": self.output_per_mtok,
            "cache_read_per_mtok": self.cache_read_per_mtok,
            "cache_write_per_mtok": self.cache_write_per_mtok,
            "pricing_tiers": [dataclasses.asdict(t) for t in self.pricing_tiers],
            "capabilities": dataclasses.asdict(caps) if caps is not None else None,
            "custom_cost_function": self.cost_function is not None,
            "deprecation_date": self.deprecation_date,
            "status": self.status(),
            "extra_pricing": dict(self.extra_pricing),
        }

    def __str__(self) -> str:
        return self.model_name


def _parse_date(text: Optional[str]) -> Optional[datetime.date]:
    """A catalog ``YYYY-MM-DD`` date; None for a missing or malformed one (no status then)."""
    if not text:
        return None
    try:
        return datetime.date.fromisoformat(str(text)[:10])
    except ValueError:
        return None


class LLMModelBuilder:
    """Fluent builder, as in the guide.

    >>> LLMModelBuilder().model_name("my-custom-model").display_name("My Model") \\
    ...     .provider("my_custom").capabilities(ModelCapabilitiesBuilder().with_streaming().build()) \\
    ...     .cost_calculation(lambda u: (u.input_tokens * 1.0 + u.output_tokens * 2.0) / 1e6) \\
    ...     .build()
    """

    def __init__(self) -> None:
        self._fields: Dict[str, Any] = {}
        self._tiers: List[PricingTier] = []

    @classmethod
    def new(cls) -> LLMModelBuilder:
        return cls()

    def _set(self, name: str, value: Any) -> LLMModelBuilder:
        self._fields[name] = value
        return self

    def model_name(self, model_name: str) -> LLMModelBuilder:
        return self._set("model_name", model_name)

    def display_name(self, display_name: str) -> LLMModelBuilder:
        return self._set("display_name", display_name)

    def provider(self, provider: Any) -> LLMModelBuilder:
        """An ``LLMProvider`` or its config key."""
        return self._set("provider", str(provider))

    def capabilities(self, capabilities: Union[ModelCapabilities, ModelCapabilitiesBuilder]) -> LLMModelBuilder:
        if isinstance(capabilities, ModelCapabilitiesBuilder):
            capabilities = capabilities.build()
        return self._set("capabilities", capabilities)

    def context_window(self, tokens: int) -> LLMModelBuilder:
        return self._set("context_window", tokens)

    def max_output_tokens(self, tokens: int) -> LLMModelBuilder:
        return self._set("max_output_tokens", tokens)

    def prices(
        self,
        input_per_mtok: float,
        output_per_mtok: float,
        *,
        cache_read_per_mtok: Optional[float] = None,
        cache_write_per_mtok: Optional[float] = None,
    ) -> LLMModelBuilder:
        """USD per million tokens."""
        self._fields.update(input_per_mtok=input_per_mtok, output_per_mtok=output_per_mtok,
                            cache_read_per_mtok=cache_read_per_mtok, cache_write_per_mtok=cache_write_per_mtok)
        return self

    def pricing_tier(
        self,
        above_input_tokens: int,
        input_per_mtok: float,
        output_per_mtok: float,
        *,
        cache_read_per_mtok: Optional[float] = None,
        cache_write_per_mtok: Optional[float] = None,
    ) -> LLMModelBuilder:
        """Prices for the whole request once the prompt is above ``above_input_tokens``."""
        self._tiers.append(PricingTier(above_input_tokens, input_per_mtok, output_per_mtok,
                                       cache_read_per_mtok, cache_write_per_mtok))
        return self

    def cost_calculation(self, cost_function: CostFunction) -> LLMModelBuilder:
        """A function ``Usage -> USD`` that replaces the price arithmetic."""
        if not callable(cost_function):
            raise InvalidConfigError(f"cost_calculation needs a callable, got {cost_function!r}")
        return self._set("cost_function", cost_function)

    cost_function = cost_calculation

    def aliases(self, *aliases: str) -> LLMModelBuilder:
        return self._set("aliases", tuple(aliases))

    def deprecation_date(self, date: Optional[str]) -> LLMModelBuilder:
        return self._set("deprecation_date", date)

    def build(self) -> LLMModel:
        missing = [name for name in ("model_name", "provider") if not self._fields.get(name)]
        if missing:
            raise InvalidConfigError(f"LLMModelBuilder: set {' and '.join(missing)} before build()")
        return LLMModel(pricing_tiers=tuple(self._tiers), **self._fields)


present_as_public(globals(), "LLMModel", "LLMModelBuilder", "ModelCapabilities", "ModelCapabilitiesBuilder")
