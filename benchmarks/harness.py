"""Shared benchmark plumbing: the server subprocess, timing, medians and Markdown tables."""

from __future__ import annotations

import importlib.util
import os
import statistics
import subprocess
import sys
import time
from typing import Callable, Dict, List, Optional, Sequence, Tuple

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)  # benchmark the checkout, not an installed copy

API_KEY = "bench-not-a-real-key"


def have(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def llmsdk_has(provider: str) -> bool:
    """Is the llmsdk provider importable (the OpenAI one may not have landed yet)?"""
    try:
        import llmsdk.providers as providers

        providers.get_provider(provider).adapter()
        return True
    except Exception:  # noqa: BLE001 - any failure means "skip it"
        return False


class ServerProcess:
    """``sse_server.py`` in its own process (its CPU never counts in the clients')."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, os.path.join(HERE, "sse_server.py")],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )
        line = self.proc.stdout.readline() if self.proc.stdout else ""
        if not line.startswith("PORT "):
            self.close()
            raise RuntimeError(f"benchmark server did not start: {line!r}")
        self.port = int(line.split()[1])
        self.url = f"http://127.0.0.1:{self.port}"

    def base(self, fmt: str, kind: str) -> str:
        return f"{self.url}/{fmt}/{kind}"

    def stats(self) -> Dict[str, int]:
        import http.client
        import json

        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            conn.request("GET", "/_stats")
            return json.loads(conn.getresponse().read())  # type: ignore[no-any-return]
        finally:
            conn.close()

    def close(self) -> None:
        if self.proc.poll() is None:
            if self.proc.stdin:
                self.proc.stdin.close()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def __enter__(self) -> "ServerProcess":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def timed(fn: Callable[[], object]) -> Tuple[float, float, object]:
    """(CPU seconds of the whole process, i.e. every thread; wall seconds; result)."""
    c0, w0 = time.process_time(), time.perf_counter()
    result = fn()
    return time.process_time() - c0, time.perf_counter() - w0, result


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def ratio(a: float, b: float) -> str:
    if not b or a != a or b != b:
        return "n/a"
    return f"{a / b:.2f}×"


def table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(out)


def run_interleaved(contenders: Dict[str, Callable[[], object]], runs: int,
                    check: Optional[Callable[[str, object], None]] = None) -> Dict[str, Tuple[List[float], List[float]]]:
    """One warm-up each (checked), then ``runs`` rounds, contenders interleaved so the
    machine's noise hits them alike. Returns name -> (cpu list, wall list)."""
    for name, fn in contenders.items():
        result = fn()
        if check is not None:
            check(name, result)
    samples: Dict[str, Tuple[List[float], List[float]]] = {name: ([], []) for name in contenders}
    for _ in range(runs):
        for name, fn in contenders.items():
            cpu, wall, _ = timed(fn)
            samples[name][0].append(cpu)
            samples[name][1].append(wall)
    return samples


def llmsdk_client(fmt: str, base: str):  # type: ignore[no-untyped-def]
    from llmsdk import HttpClientOptions, LLMClient

    if fmt == "anthropic":
        return LLMClient.new_anthropic(HttpClientOptions.new_anthropic(API_KEY, api_base=base))
    return LLMClient.new_openai(HttpClientOptions.new_openai(API_KEY, api_base=base))


def llmsdk_request(fmt: str):  # type: ignore[no-untyped-def]
    from llmsdk import LLMMessage, LLMRequest

    model = "claude-haiku-4-5" if fmt == "anthropic" else "gpt-4o-mini"
    return LLMRequest(model=model, messages=[LLMMessage(role="user", text="Hello")], max_tokens=64)


def sdk_request_kwargs(fmt: str) -> Dict[str, object]:
    if fmt == "anthropic":
        return {"model": "claude-haiku-4-5", "max_tokens": 64, "messages": [{"role": "user", "content": "Hello"}]}
    return {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Hello"}]}


def wire_body(fmt: str, stream: bool) -> Dict[str, object]:
    body = dict(sdk_request_kwargs(fmt))
    if stream:
        body["stream"] = True
    return body


def wire_path(fmt: str) -> str:
    return "/v1/messages" if fmt == "anthropic" else "/v1/chat/completions"


def wire_headers(fmt: str) -> Dict[str, str]:
    if fmt == "anthropic":
        return {"x-api-key": API_KEY, "anthropic-version": "2023-06-01", "content-type": "application/json"}
    return {"authorization": f"Bearer {API_KEY}", "content-type": "application/json"}
