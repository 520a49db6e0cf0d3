"""The providers llmsdk speaks: ``LLMProvider`` and the calls that register more (defined
in ``llmsdk.providers.registry``; one folder per wire dialect beside it).

>>> LLMProvider.ANTHROPIC.config_key()
'anthropic'
>>> register_openai_compatible("local", "http://localhost:8000/v1", models=["llama-3.1-8b"])

See ``docs/custom_providers.md``.
"""

from __future__ import annotations

from llmsdk.providers.registry import (
    APIS, LLMProvider, all_providers, get_provider, register_openai_compatible, register_provider,
    unregister_provider,
)

__all__ = [
    "APIS",
    "LLMProvider",
    "all_providers",
    "get_provider",
    "register_openai_compatible",
    "register_provider",
    "unregister_provider",
]
