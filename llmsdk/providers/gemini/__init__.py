"""Google Gemini (generativelanguage ``v1beta``): ``client`` (URL, auth, token counting,
errors), ``request`` (pure body formatting), ``schema`` (JSON Schema reduction) and
``stream`` (pure SSE processor)."""

from llmsdk.providers.gemini.client import GeminiAdapter

__all__ = ["GeminiAdapter"]
