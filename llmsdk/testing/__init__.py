"""Test helpers for llmsdk and for applications built on it.

``FakeProviderServer`` is a real HTTP server on 127.0.0.1 that speaks the providers'
wire formats from scripted replies; ``llmsdk.testing.<provider>`` modules build those
replies (``anthropic.text_reply("Hi")``, ``anthropic.tool_use_reply(...)``, ...).
"""

from llmsdk.testing.server import (
    Disconnect, FakeProviderServer, Pause, RecordedRequest, ScriptedReply, Stall, sse_event,
)

__all__ = ["Disconnect", "FakeProviderServer", "Pause", "RecordedRequest", "ScriptedReply", "Stall", "sse_event"]
