"""The built-in catalog: ``data/models_catalog.json`` turned into ``LLMModel``s, and the
guide-style names (``Sonnet37``, ``Gpt4o``...) that point into it.

The JSON is a copy of the project's shared catalog (LiteLLM prices, see its ``source``
fields); it is read only when the registry is first used. Embedding models come from a
second, small file of the same row format (``data/embedding_models.json``, its own
``source`` field says where its prices were checked), so the shared copy stays a copy.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any, Dict, List, Optional, Tuple

from llmsdk._catalog.model import LLMModel, ModelCapabilities, PricingTier

__all__ = ["DIALECT_FACTS", "GUIDE_NAMES", "load_catalog", "model_from_entry", "read_catalog",
           "structured_output_mode"]

CATALOG_RESOURCE = ("data", "models_catalog.json")
EMBEDDING_RESOURCE = ("data", "embedding_models.json")

# Guide name -> "provider/model_id". The guide's own names come first; the rest follow its
# pattern (family + version digits; OpenRouter routes get an ``OpenRouter`` suffix where
# the plain name is taken by the direct provider). Guide names whose model the catalog
# does not hold (QwenQwq32b, QuasarAlpha, Llama4OpenRouter) are left out.
GUIDE_NAMES: Dict[str, str] = {
    # the guide's names
    "Sonnet37": "anthropic/claude-3-7-sonnet-20250219",
    "Haiku35": "anthropic/claude-3-5-haiku-20241022",
    "Gpt4o": "openai/gpt-4o",
    "Gpt3oMini": "openai/o3-mini",
    "Llama4": "groq/meta-llama/llama-4-scout-17b-16e-instruct",
    "DeepSeekR1": "groq/deepseek-r1-distill-llama-70b",
    "DeepSeekV3": "openrouter/deepseek/deepseek-chat",
    "Gemini25Pro": "gemini/gemini-2.5-pro",
    "Gemini20Flash": "gemini/gemini-2.0-flash",
    # anthropic
    "Opus55": "anthropic/claude-opus-5-5",
    "Sonnet55": "anthropic/claude-sonnet-5-5",
    "Haiku55": "anthropic/claude-haiku-5-5",
    "Opus5": "anthropic/claude-opus-5",
    "Opus48": "anthropic/claude-opus-4-8",
    "Sonnet5": "anthropic/claude-sonnet-5",
    "Fable5": "anthropic/claude-fable-5",
    "Opus47": "anthropic/claude-opus-4-7-20260416",
    "Opus46": "anthropic/claude-opus-4-6-20260205",
    "Sonnet46": "anthropic/claude-sonnet-4-6",
    "Opus45": "anthropic/claude-opus-4-5-20251101",
    "Sonnet45": "anthropic/claude-sonnet-4-5-20250929",
    "Haiku45": "anthropic/claude-haiku-4-5-20251001",
    "Opus41": "anthropic/claude-opus-4-1-20250805",
    "Opus4": "anthropic/claude-opus-4-20250514",
    "Sonnet4": "anthropic/claude-sonnet-4-20250514",
    # openai
    "Gpt56": "openai/gpt-5.6-sol",
    "Gpt62Sol": "openai/gpt-6.2-sol",
    "Gpt62Astra": "openai/gpt-6.2-astra",
    "Gpt61Terra": "openai/gpt-6.1-terra",
    "Gpt6Luna": "openai/gpt-6-luna",
    "Gpt55": "openai/gpt-5.5",
    "Gpt54": "openai/gpt-5.4",
    "Gpt54Mini": "openai/gpt-5.4-mini",
    "Gpt54Nano": "openai/gpt-5.4-nano",
    "Gpt52": "openai/gpt-5.2",
    "Gpt5": "openai/gpt-5",
    "Gpt5Mini": "openai/gpt-5-mini",
    "Gpt5Nano": "openai/gpt-5-nano",
    "Gpt41": "openai/gpt-4.1",
    "Gpt41Mini": "openai/gpt-4.1-mini",
    "Gpt41Nano": "openai/gpt-4.1-nano",
    "Gpt4oMini": "openai/gpt-4o-mini",
    "O1": "openai/o1",
    "O3": "openai/o3",
    "Gpt3o": "openai/o3",
    "O3Mini": "openai/o3-mini",
    "O4Mini": "openai/o4-mini",
    # gemini
    "Gemini38Flash": "gemini/gemini-3.8-flash",
    "Gemini35Flash": "gemini/gemini-3.5-flash",
    "Gemini31ProPreview": "gemini/gemini-3.1-pro-preview",
    "Gemini3FlashPreview": "gemini/gemini-3-flash-preview",
    "Gemini31FlashLite": "gemini/gemini-3.1-flash-lite",
    "Gemini3ProPreview": "gemini/gemini-3-pro-preview",
    "Gemini25Flash": "gemini/gemini-2.5-flash",
    "Gemini25FlashLite": "gemini/gemini-2.5-flash-lite",
    # groq
    "GptOss120b": "groq/openai/gpt-oss-120b",
    "GptOss20b": "groq/openai/gpt-oss-20b",
    "KimiK2": "groq/moonshotai/kimi-k2-instruct-0905",
    "Qwen3_32b": "groq/qwen/qwen3-32b",
    "Llama4Scout": "groq/meta-llama/llama-4-scout-17b-16e-instruct",
    "Llama4Maverick": "groq/meta-llama/llama-4-maverick-17b-128e-instruct",
    "Llama33_70b": "groq/llama-3.3-70b-versatile",
    "Llama31_8b": "groq/llama-3.1-8b-instant",
    # openrouter
    "Opus47OpenRouter": "openrouter/anthropic/claude-opus-4.7",
    "Sonnet46OpenRouter": "openrouter/anthropic/claude-sonnet-4.6",
    "Sonnet45OpenRouter": "openrouter/anthropic/claude-sonnet-4.5",
    "Haiku45OpenRouter": "openrouter/anthropic/claude-haiku-4.5",
    "Gpt52OpenRouter": "openrouter/openai/gpt-5.2",
    "Gpt5OpenRouter": "openrouter/openai/gpt-5",
    "Gpt4oOpenRouter": "openrouter/openai/gpt-4o",
    "GptOss120bOpenRouter": "openrouter/openai/gpt-oss-120b",
    "Gemini31ProOpenRouter": "openrouter/google/gemini-3.1-pro-preview",
    "Gemini25FlashOpenRouter": "openrouter/google/gemini-2.5-flash",
    "DeepSeekV32": "openrouter/deepseek/deepseek-v3.2",
    "DeepSeekR1OpenRouter": "openrouter/deepseek/deepseek-r1",
    "Grok4": "openrouter/x-ai/grok-4",
    "KimiK25": "openrouter/moonshotai/kimi-k2.5",
}


# Document (PDF) input per provider: the catalog JSON has no such flag, so it is derived here.
# - anthropic: every Claude model listed (PDF support on all active models);
# - openai: the models with vision ("models with vision capabilities can accept PDF files");
# - gemini: every model (PDF document understanding);
# - openrouter: every route ("works on any model": OpenRouter parses the PDF for models
#   without native file input);
# - groq: none (its chat API takes text and images only).
_DOCUMENTS_BY_PROVIDER = {"anthropic": "all", "openai": "vision", "gemini": "all", "openrouter": "all"}


def _takes_documents(entry: Dict[str, Any]) -> bool:
    rule = _DOCUMENTS_BY_PROVIDER.get(entry.get("provider", ""))
    if rule == "vision":
        return bool((entry.get("capabilities") or {}).get("vision"))
    return rule == "all"


#: Provider facts the shared catalog does not carry: the ``ModelCapabilities`` dialect
#: flags set for a catalog model, keyed by ``provider/model_id``. Request formatters read
#: them instead of matching model names.
#:
#: * ``developer_role``: OpenAI's reasoning models (o1 and newer, gpt-5) take instructions
#:   as a ``developer`` message (OpenAI model spec / reasoning guide);
#: * ``reasoning_effort``: ``reasoning_effort`` is ``low``/``medium``/``high`` (OpenAI
#:   reasoning models; gpt-oss, PROVIDERS.md §5.2; Qwen3 on Groq takes only ``none``/``default``);
#: * ``include_reasoning``: Groq's gpt-oss shows or hides reasoning with
#:   ``include_reasoning`` and takes no ``reasoning_format`` (console.groq.com/docs/reasoning).
#: * ``rejects_sampling`` / ``sampling_only_without_reasoning``: PROVIDERS.md §9.1 (Sonnet 5
#:   and later, Opus 4.7 and later reject sampling values; Fable per the catalog notes) and
#:   §9.5 (GPT-6: sampling only with effort ``none``, which Astra / 6.1 Sol / 6.2 reject);
#: * ``rejects_forced_tool_choice``: §9.2 (Opus 5.5, Sonnet 5.5, Fable 5.1; Fable 5.2 assumed);
#: * ``thinking_display_omitted``: §9.2 (Opus 4.7+ and Fable default ``display`` to omitted;
#:   Sonnet 5.5 returns empty thinking under the default display).
_GPT6_NO_SAMPLING = ("gpt-6-astra", "gpt-6.1-sol", "gpt-6.2-astra", "gpt-6.2-sol")
_GPT6_SAMPLING_AT_NONE = ("gpt-6-sol", "gpt-6-luna", "gpt-6.1-terra")
_CLAUDE_NO_SAMPLING = ("claude-opus-4-7-20260416", "claude-opus-4-8", "claude-opus-5", "claude-opus-5-5",
                       "claude-sonnet-5", "claude-sonnet-5-5", "claude-haiku-5-5", "claude-fable-5",
                       "claude-fable-5-1", "claude-fable-5-2")
_CLAUDE_NO_FORCED_TOOL = ("claude-opus-5-5", "claude-sonnet-5-5", "claude-fable-5-1", "claude-fable-5-2")
_CLAUDE_DISPLAY_OMITTED = ("claude-opus-4-7-20260416", "claude-opus-4-8", "claude-opus-5", "claude-opus-5-5",
                           "claude-sonnet-5-5", "claude-fable-5", "claude-fable-5-1", "claude-fable-5-2")


def _claude_facts(model: str) -> Tuple[str, ...]:
    facts = []
    for fact, models in (("rejects_sampling", _CLAUDE_NO_SAMPLING),
                         ("rejects_forced_tool_choice", _CLAUDE_NO_FORCED_TOOL),
                         ("thinking_display_omitted", _CLAUDE_DISPLAY_OMITTED)):
        if model in models:
            facts.append(fact)
    return tuple(facts)


DIALECT_FACTS: Dict[str, Tuple[str, ...]] = {
    **{f"openai/{model}": ("developer_role", "reasoning_effort") for model in (
        "gpt-5.6-sol", "gpt-5.6-terra", "gpt-5.6-luna", "gpt-5.5", "gpt-5.4", "gpt-5.4-mini", "gpt-5.4-nano",
        "gpt-5.2", "gpt-5", "gpt-5-mini", "gpt-5-nano", "o1", "o3", "o3-mini", "o4-mini")},
    **{f"openai/{model}": ("developer_role", "reasoning_effort", "rejects_sampling") for model in _GPT6_NO_SAMPLING},
    **{f"openai/{model}": ("developer_role", "reasoning_effort", "sampling_only_without_reasoning")
       for model in _GPT6_SAMPLING_AT_NONE},
    **{f"anthropic/{model}": _claude_facts(model)
       for model in sorted(set(_CLAUDE_NO_SAMPLING + _CLAUDE_NO_FORCED_TOOL + _CLAUDE_DISPLAY_OMITTED))},
    "groq/openai/gpt-oss-120b": ("reasoning_effort", "include_reasoning"),
    "groq/openai/gpt-oss-20b": ("reasoning_effort", "include_reasoning"),
}


# How each catalog model takes ``LLMRequest.output_schema`` (``ModelCapabilities.
# structured_output``; modes in ``llmsdk._structured.output_schema``): the provider's default, then the
# models that differ. From the providers' structured-output docs (checked 2026): Anthropic's
# ``output_config.format`` is GA for the Claude 4.5 family and later, so older Claude
# models get the forced tool; Groq constrains decoding (``strict: true``) only on gpt-oss,
# takes a best-effort ``json_schema`` on Kimi K2 and Llama 4, and JSON mode elsewhere;
# OpenRouter routes DeepSeek and Kimi to upstreams that promise JSON mode only. The
# catalog's ``json_mode`` flag (from LiteLLM) does not answer this, so it is not used.
STRUCTURED_OUTPUT_DEFAULTS: Dict[str, str] = {
    "anthropic": "json_schema",
    "openai": "json_schema",
    "gemini": "json_schema",
    "groq": "json_object",
    "openrouter": "json_schema",
}
STRUCTURED_OUTPUT_EXCEPTIONS: Dict[str, str] = {
    "anthropic/claude-opus-4-1-20250805": "tool",
    "anthropic/claude-opus-4-20250514": "tool",
    "anthropic/claude-sonnet-4-20250514": "tool",
    "anthropic/claude-3-7-sonnet-20250219": "tool",
    "anthropic/claude-3-5-haiku-20241022": "tool",
    "groq/openai/gpt-oss-120b": "json_schema",
    "groq/openai/gpt-oss-20b": "json_schema",
    "groq/moonshotai/kimi-k2-instruct-0905": "json_schema_best_effort",
    "groq/meta-llama/llama-4-maverick-17b-128e-instruct": "json_schema_best_effort",
    "groq/meta-llama/llama-4-scout-17b-16e-instruct": "json_schema_best_effort",
    "openrouter/deepseek/deepseek-v3.2": "json_object",
    "openrouter/deepseek/deepseek-chat": "json_object",
    "openrouter/deepseek/deepseek-r1": "json_object",
    "openrouter/moonshotai/kimi-k2.5": "json_object",
}


def structured_output_mode(provider: str, model_id: str) -> Optional[str]:
    """The catalog's structured-output mode for one model (see the table above)."""
    return STRUCTURED_OUTPUT_EXCEPTIONS.get(f"{provider}/{model_id}", STRUCTURED_OUTPUT_DEFAULTS.get(provider))


def read_catalog(name: Tuple[str, str] = CATALOG_RESOURCE) -> Dict[str, Any]:
    """The packaged catalog JSON (or the embedding models', ``EMBEDDING_RESOURCE``), as data."""
    from importlib.resources import files

    resource = files("llmsdk._catalog")
    for part in name:  # one part at a time: Python 3.9 joinpath takes one
        resource = resource.joinpath(part)
    data: Dict[str, Any] = json.loads(resource.read_text(encoding="utf-8"))
    return data


def _price(value: Any) -> Any:
    return float(value) if value is not None else None


def model_from_entry(entry: Dict[str, Any]) -> LLMModel:
    """One catalog row -> ``LLMModel`` (the catalog's ``reasoning`` flag is ``thinking``;
    dialect flags come from ``DIALECT_FACTS``)."""
    caps = entry.get("capabilities") or {}
    facts = DIALECT_FACTS.get(f"{entry['provider']}/{entry['model_id']}", ())
    return LLMModel(
        model_name=entry["model_id"],
        provider=entry["provider"],
        display_name=entry.get("display_name") or "",
        capabilities=ModelCapabilities(
            streaming=bool(caps.get("streaming")),
            tools=bool(caps.get("tools")),
            vision=bool(caps.get("vision")),
            thinking=bool(caps.get("reasoning")),
            json_mode=bool(caps.get("json_mode")),
            prompt_caching=bool(caps.get("prompt_caching")),
            documents=_takes_documents(entry) and not caps.get("embeddings"),
            embeddings=bool(caps.get("embeddings")),
            **{fact: True for fact in facts},
            structured_output=structured_output_mode(entry["provider"], entry["model_id"]),
        ),
        context_window=entry.get("context_window"),
        max_output_tokens=entry.get("max_output_tokens"),
        input_per_mtok=_price(entry.get("input_per_mtok")),
        output_per_mtok=_price(entry.get("output_per_mtok")),
        cache_read_per_mtok=_price(entry.get("cache_read_per_mtok")),
        cache_write_per_mtok=_price(entry.get("cache_write_per_mtok")),
        pricing_tiers=tuple(
            PricingTier(
                applies_above_input_tokens=int(tier["applies_above_input_tokens"]),
                input_per_mtok=float(tier["input_per_mtok"]),
                output_per_mtok=float(tier["output_per_mtok"]),
                cache_read_per_mtok=_price(tier.get("cache_read_per_mtok")),
                cache_write_per_mtok=_price(tier.get("cache_write_per_mtok")),
            )
            for tier in entry.get("pricing_tiers") or ()
        ),
        aliases=tuple(entry.get("aliases") or ()),
        deprecation_date=entry.get("deprecation_date"),
        extra_pricing={k: float(v) for k, v in (entry.get("extra_pricing") or {}).items()},
        notes=entry.get("notes") or "",
    )


def load_catalog() -> List[LLMModel]:
    """Every catalog model, in catalog order (provider by provider, newest first), then
    the embedding models."""
    catalog = read_catalog()["models"]
    rows = catalog + read_catalog(EMBEDDING_RESOURCE)["models"]
    models = [model_from_entry(entry) for entry in rows]
    # -- AWS Bedrock (issue 24): its own ids, Claude rows priced as their Claude API row
    from llmsdk._catalog.bedrock import BEDROCK_RESOURCE, bedrock_rows

    for entry, mode_key in bedrock_rows(read_catalog(BEDROCK_RESOURCE), catalog):
        model = model_from_entry(entry)
        provider, _, model_id = mode_key.partition("/")
        mode = structured_output_mode(provider, model_id)
        if model.capabilities is not None:
            model = replace(model, capabilities=replace(model.capabilities, structured_output=mode))
        models.append(model)
    return models
