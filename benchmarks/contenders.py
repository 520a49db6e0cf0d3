"""The clients compared, each reduced to one operation: start a streamed reply and yield
its text deltas (``texts()``), or make one tiny non-streaming call (``call()``).

Every contender keeps one client / connection pool for its whole life, as a real program
would, so keep-alive is in play for all of them alike.
"""

from __future__ import annotations

import http.client
import json
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple
from urllib.parse import urlsplit

import harness

Texts = Tuple[Iterator[str], Callable[[], None]]


def _anthropic_text(obj: Dict[str, Any]) -> Optional[str]:
    if obj.get("type") == "content_block_delta":
        return obj["delta"].get("text")  # type: ignore[no-any-return]
    return None


def _openai_text(obj: Dict[str, Any]) -> Optional[str]:
    choices = obj.get("choices")
    if choices:
        return choices[0]["delta"].get("content")  # type: ignore[no-any-return]
    return None


EXTRACT = {"anthropic": _anthropic_text, "openai": _openai_text}


class Floor:
    """The practical floor: ``http.client`` + ``read1`` + split on blank lines + ``json.loads``."""

    label = "raw floor (http.client + split + json.loads)"

    def __init__(self, fmt: str, base: str) -> None:
        parts = urlsplit(base)
        self.fmt = fmt
        self.path = parts.path + harness.wire_path(fmt)
        self.conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=60)
        self.headers = harness.wire_headers(fmt)
        self.stream_body = json.dumps(harness.wire_body(fmt, True)).encode()
        self.body = json.dumps(harness.wire_body(fmt, False)).encode()

    def texts(self) -> Texts:
        self.conn.request("POST", self.path, body=self.stream_body, headers=self.headers)
        response = self.conn.getresponse()
        extract = EXTRACT[self.fmt]
        loads = json.loads

        def gen() -> Iterator[str]:
            buf = b""
            read1 = response.read1
            while True:
                data = read1(65536)
                if not data:
                    return
                buf += data
                frames = buf.split(b"\n\n")
                buf = frames.pop()
                for frame in frames:
                    i = frame.find(b"data: ")
                    if i < 0:
                        continue
                    payload = frame[i + 6:]
                    if payload == b"[DONE]":
                        return
                    text = extract(loads(payload))
                    if text:
                        yield text

        def close() -> None:
            if response.will_close or not response.isclosed():
                self.conn.close()

        return gen(), close

    def call(self) -> Any:
        self.conn.request("POST", self.path, body=self.body, headers=self.headers)
        return json.loads(self.conn.getresponse().read())


class RequestsSSE:
    """What a user would write with the chosen dependencies alone: a ``requests.Session``
    and sseclient-py over ``iter_content(chunk_size=None)``, ``json.loads`` per event."""

    label = "requests + sseclient-py"

    def __init__(self, fmt: str, base: str, pool: int = 10) -> None:
        import requests
        import requests.adapters

        self.fmt = fmt
        self.url = base + harness.wire_path(fmt)
        self.session = requests.Session()
        adapter = requests.adapters.HTTPAdapter(pool_connections=2, pool_maxsize=pool)
        self.session.mount("http://", adapter)
        self.headers = harness.wire_headers(fmt)
        self.stream_body = json.dumps(harness.wire_body(fmt, True)).encode()
        self.body = json.dumps(harness.wire_body(fmt, False)).encode()

    def texts(self) -> Texts:
        from sseclient import SSEClient

        response = self.session.post(self.url, data=self.stream_body, headers=self.headers, stream=True, timeout=60)
        response.raise_for_status()
        extract = EXTRACT[self.fmt]
        loads = json.loads

        def gen() -> Iterator[str]:
            for event in SSEClient(response.iter_content(chunk_size=None)).events():
                if event.data == "[DONE]":
                    return
                text = extract(loads(event.data))
                if text:
                    yield text

        return gen(), response.close

    def call(self) -> Any:
        response = self.session.post(self.url, data=self.body, headers=self.headers, timeout=60)
        response.raise_for_status()
        return response.json()


class Llmsdk:
    """llmsdk: ``client.send(request)`` iterated for typed events (text deltas kept)."""

    label = "llmsdk (iterate events)"

    def __init__(self, fmt: str, base: str) -> None:
        self.client = harness.llmsdk_client(fmt, base)
        self.request = harness.llmsdk_request(fmt)

    def texts(self) -> Texts:
        from llmsdk.events import PartialContent
        from llmsdk.types import TextContent

        stream = self.client.send(self.request)

        def gen() -> Iterator[str]:
            for event in stream:
                if type(event) is PartialContent and type(event.content) is TextContent:
                    yield event.content.text

        return gen(), stream.close

    def call(self) -> Any:
        return self.client.complete(self.request)


class OpenAISDK:
    """The official ``openai`` SDK, ``chat.completions.create(stream=True)``."""

    label = "openai SDK"

    def __init__(self, fmt: str, base: str, pool: int = 10) -> None:
        import openai

        self.client = openai.OpenAI(api_key=harness.API_KEY, base_url=base + "/v1", max_retries=0)
        self.kwargs = harness.sdk_request_kwargs("openai")

    def texts(self) -> Texts:
        stream = self.client.chat.completions.create(**self.kwargs, stream=True,  # type: ignore[call-overload]
                                                     stream_options={"include_usage": True})

        def gen() -> Iterator[str]:
            for chunk in stream:
                if chunk.choices:
                    content = chunk.choices[0].delta.content
                    if content:
                        yield content

        return gen(), stream.close

    def call(self) -> Any:
        return self.client.chat.completions.create(**self.kwargs)  # type: ignore[call-overload]


class AnthropicSDK:
    """The official ``anthropic`` SDK, raw events from ``messages.create(stream=True)``."""

    label = "anthropic SDK (raw events)"

    def __init__(self, fmt: str, base: str, pool: int = 10) -> None:
        import anthropic

        self.client = anthropic.Anthropic(api_key=harness.API_KEY, base_url=base, max_retries=0)
        self.kwargs = harness.sdk_request_kwargs("anthropic")

    def texts(self) -> Texts:
        stream = self.client.messages.create(**self.kwargs, stream=True)  # type: ignore[call-overload]

        def gen() -> Iterator[str]:
            for event in stream:
                if event.type == "content_block_delta" and event.delta.type == "text_delta":
                    yield event.delta.text

        return gen(), stream.close

    def call(self) -> Any:
        return self.client.messages.create(**self.kwargs)  # type: ignore[call-overload]


class AnthropicSDKHelper(AnthropicSDK):
    """The official ``anthropic`` SDK's ``messages.stream()`` helper (accumulates a snapshot)."""

    label = "anthropic SDK (.stream() text_stream)"

    def texts(self) -> Texts:
        manager = self.client.messages.stream(**self.kwargs)  # type: ignore[arg-type]
        stream = manager.__enter__()
        return iter(stream.text_stream), lambda: manager.__exit__(None, None, None)


def available(fmt: str, *, helper: bool = True) -> List[type]:
    """The contender classes that can run for ``fmt`` here (SDKs skipped if not installed)."""
    out: List[type] = [Floor, RequestsSSE]
    if harness.llmsdk_has(fmt):
        out.append(Llmsdk)
    if fmt == "openai" and harness.have("openai"):
        out.append(OpenAISDK)
    if fmt == "anthropic" and harness.have("anthropic"):
        out.append(AnthropicSDK)
        if helper:
            out.append(AnthropicSDKHelper)
    return out


def skipped(fmt: str) -> List[str]:
    notes = []
    if not harness.llmsdk_has(fmt):
        notes.append(f"llmsdk's {fmt} provider is not importable here: llmsdk row skipped")
    sdk = "openai" if fmt == "openai" else "anthropic"
    if not harness.have(sdk):
        notes.append(f"the `{sdk}` SDK is not installed: its rows skipped (`pip install {sdk}`)")
    return notes
