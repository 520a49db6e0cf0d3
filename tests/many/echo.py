"""A scripted provider for many-requests tests: answers each request with its own prompt,
fails the prompts it is told to, and can refuse everything with 429s for a while."""

from __future__ import annotations

import threading
import time
from typing import Callable, Dict, List, Optional, Set

from llmsdk import HttpClientOptions, LLMClient, LLMMessage, LLMRequest, Timeouts
from llmsdk.testing import FakeProviderServer, Pause, RecordedRequest, ScriptedReply, Stall
from llmsdk.testing import anthropic as A

from ..conftest import TEST_KEY

MODEL = "claude-haiku-4-5"


def prompt_of(recorded: RecordedRequest) -> str:
    content = recorded.json["messages"][-1]["content"]
    return content if isinstance(content, str) else "".join(b.get("text", "") for b in content)


def ask(prompt: str, **kwargs: object) -> LLMRequest:
    return LLMRequest(model=MODEL, messages=[LLMMessage.user(prompt)], **kwargs)


class Echo:
    """``server.route("/v1/messages", echo)``: replies ``"echo: <prompt>"``.

    ``fail``: prompts answered with a 400. ``delay``: seconds before the reply body
    (``delays`` per prompt). ``stall``: prompts whose body never comes (until the client
    hangs up).
    ``refuse_until``: a monotonic time before which every request gets a 429 with
    ``retry-after: <retry_after>``. ``times``/``prompts`` record arrivals (answered or not).
    """

    def __init__(self, fail: Optional[Set[str]] = None, delay: float = 0.0, retry_after: Optional[float] = None,
                 gate: Optional[Callable[[str], None]] = None, delays: Optional[Dict[str, float]] = None,
                 stall: Optional[Set[str]] = None) -> None:
        self.fail = set(fail or ())
        self.stall = set(stall or ())
        self.delay = delay
        self.delays = dict(delays or {})
        self.retry_after = retry_after
        self.refuse_until = 0.0
        self.gate = gate
        self.lock = threading.Lock()
        self.times: List[float] = []
        self.prompts: List[str] = []
        self.refused = 0
        self.counts: Dict[str, int] = {}

    def __call__(self, recorded: RecordedRequest) -> ScriptedReply:
        prompt = prompt_of(recorded)
        now = time.monotonic()
        with self.lock:
            self.times.append(now)
            self.prompts.append(prompt)
            self.counts[prompt] = self.counts.get(prompt, 0) + 1
            refusing = now < self.refuse_until
            if refusing:
                self.refused += 1
        if refusing:
            headers = {"retry-after": f"{self.retry_after:g}"} if self.retry_after is not None else {}
            return A.error_reply(429, "Number of requests has exceeded your rate limit",
                                 error_type="rate_limit_error", headers=headers)
        if prompt in self.fail:
            return A.error_reply(400, f"cannot answer {prompt}", error_type="invalid_request_error")
        if self.gate is not None:
            self.gate(prompt)
        if prompt in self.stall:
            return ScriptedReply.sse([A.message_start(), Stall(20)])
        reply = A.text_reply(f"echo: {prompt}")
        delay = self.delays.get(prompt, self.delay)
        if delay:
            reply.body.insert(0, Pause(delay))
        return reply


def map_threads() -> List[threading.Thread]:
    """The worker threads of running ``client.map`` calls."""
    return [t for t in threading.enumerate() if t.name.startswith("llmsdk-map-")]


def echo_client(server: FakeProviderServer, **kwargs: object) -> LLMClient:
    kwargs.setdefault("timeouts", Timeouts(connect=5, read=20))
    return LLMClient.new_anthropic(HttpClientOptions.new_anthropic(TEST_KEY, api_base=server.url, **kwargs))
