"""One LLMClient for the whole process (it is thread-safe and pools connections).

With no API key in the environment the example talks to a local FakeProviderServer, so
``python manage.py runserver`` works offline.
"""

from __future__ import annotations

import os
import threading
from typing import Any, Optional

from django.conf import settings

from llmsdk import HttpClientOptions, LLMClient, Timeouts
from llmsdk.providers import get_provider

_lock = threading.Lock()
_client: Optional[LLMClient] = None
_fake: Any = None
TIMEOUTS = Timeouts(connect=10, read=120, content_idle=60)


def get_client() -> LLMClient:
    global _client
    with _lock:
        if _client is None:
            _client = _make_client()
        return _client


def set_client(client: Optional[LLMClient]) -> None:
    """Use this client from now on (tests aim it at a FakeProviderServer)."""
    global _client
    with _lock:
        _client = client


def _make_client() -> LLMClient:
    global _fake
    provider = get_provider(settings.LLM_PROVIDER)
    env_var = provider.env_var() or ""
    if not env_var or os.environ.get(env_var):
        return LLMClient.from_env(provider, timeouts=TIMEOUTS)
    from llmsdk.testing import FakeProviderServer
    from llmsdk.testing import anthropic as scripted

    _fake = FakeProviderServer(default_reply=scripted.text_reply(
        f"Offline reply from a local fake server (set {env_var} for a real model).", chunk=5)).start()
    return LLMClient.new_anthropic(HttpClientOptions.new_anthropic("offline-demo", api_base=_fake.url,
                                                                   timeouts=TIMEOUTS))
