"""Test helpers for llmsdk and for applications built on it.

``FakeProviderServer`` is a real HTTP server on 127.0.0.1 that speaks the providers'
wire formats from scripted replies; ``llmsdk.testing.<provider>`` modules build those
replies (``anthropic.text_reply("Hi")``, ``anthropic.tool_use_reply(...)``, ...).

``feed(processor, chunks)`` runs a recorded body through a provider's stream processor with
the engine's own framing and end-of-body rule, and ``accumulate(events)`` folds the events
into the ``LLMResponse`` a caller would get: together, a transcript test with no HTTP.
"""

from llmsdk._core.accumulate import accumulate
from llmsdk._engine.sse import feed

from llmsdk.testing.server import (
    Disconnect, FakeProviderServer, Pause, RecordedRequest, ScriptedReply, Stall, sse_event,
)

__all__ = [
    "Disconnect", "FakeProviderServer", "Pause", "RecordedRequest", "ScriptedReply", "Stall", "accumulate", "feed",
    "sse_event",
]
