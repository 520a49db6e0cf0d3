"""Feed the same bytes to llmsdk and to the official SDKs and print what each makes of
them (content, tool inputs, stop reason, usage). Run by hand, like the benchmarks:

    pip install openai anthropic
    python benchmarks/compare_sdks.py

Uses the OpenAI-dialect transcripts in tests/providers/openai/fixtures and Anthropic
streams built with llmsdk.testing.anthropic, served by FakeProviderServer on 127.0.0.1.
"""

from __future__ import annotations

import glob
import json
import os
import sys
from pathlib import Path
from typing import Any, List

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from llmsdk import HttpClientOptions, LLMClient, LLMMessage, LLMRequest  # noqa: E402
from llmsdk.testing import FakeProviderServer, ScriptedReply  # noqa: E402
from llmsdk.testing import anthropic as A  # noqa: E402


def _ours(client: LLMClient, model: str) -> Any:
    try:
        r = client.complete(LLMRequest(model=model, messages=[LLMMessage.user("hi")]))
    except Exception as exc:  # noqa: BLE001 - shown side by side with the SDK's error
        return ("error", type(exc).__name__, str(exc)[:80])
    return ([b.to_dict() for b in r.content], str(r.stop_reason), r.usage.to_dict())


def compare_anthropic() -> None:
    import anthropic

    bodies: List[List[bytes]] = [
        A.stream([A.thinking_block(0, "Let me think", "sig=="), A.text_block(1, "Héllo 🌍"),
                  A.tool_use_block(2, "get_weather", {"city": "Paris", "n": [1, 2]})],
                 stop_reason="tool_use", output_tokens=42, input_tokens=85, cache_reads=10, cache_writes=5),
        A.stream([A.redacted_thinking_block(0, "opaque"), A.text_block(1, "x")], stop_reason="max_tokens"),
    ]
    for body in bodies:
        with FakeProviderServer() as server:
            server.add_reply(ScriptedReply.sse(body), ScriptedReply.sse(body))
            sdk = anthropic.Anthropic(api_key="k", base_url=server.url)
            with sdk.messages.stream(model="m", max_tokens=100, messages=[{"role": "user", "content": "hi"}]) as st:
                m = st.get_final_message()
            print("anthropic SDK:", [b.to_dict() for b in m.content], m.stop_reason, m.usage.to_dict())
            client = LLMClient.new_anthropic(HttpClientOptions.new_anthropic("k", api_base=server.url))
            print("llmsdk       :", _ours(client, "m"))


def compare_openai() -> None:
    import openai

    for path in sorted(glob.glob(str(ROOT / "tests/providers/openai/fixtures/openai_*.sse"))):
        raw = Path(path).read_bytes()
        with FakeProviderServer() as server:
            server.add_reply(ScriptedReply.sse([raw]), ScriptedReply.sse([raw]))
            sdk = openai.OpenAI(api_key="k", base_url=server.url + "/v1")
            try:
                with sdk.chat.completions.stream(model="gpt-4.1", messages=[{"role": "user", "content": "hi"}]) as st:
                    c = st.get_final_completion()
                msg = c.choices[0].message
                calls = [(t.id, t.function.name, json.loads(t.function.arguments)) for t in (msg.tool_calls or [])]
                view: Any = (msg.content, msg.refusal, calls, c.choices[0].finish_reason,
                             c.usage.to_dict() if c.usage else None)
            except Exception as exc:  # noqa: BLE001
                view = ("error", type(exc).__name__, str(exc)[:80])
            print(os.path.basename(path))
            print("  openai SDK:", view)
            client = LLMClient.new_openai(HttpClientOptions.new_openai("k", api_base=server.url))
            print("  llmsdk    :", _ours(client, "gpt-4.1"))


if __name__ == "__main__":
    for name, fn in (("anthropic", compare_anthropic), ("openai", compare_openai)):
        try:
            fn()
        except ImportError:
            print(f"({name} SDK not installed: skipped)")
