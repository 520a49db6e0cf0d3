"""Transcripts for the Mistral, DeepSeek, xAI and Ollama tests (see ``fixtures/README.md``)."""

from __future__ import annotations

from pathlib import Path

from llmsdk.providers.base import StreamProcessor
from llmsdk.types import LLMResponse

from .._streamed import streamed_response
from ..openai._support import assert_every_split_identical, outcome, run

__all__ = ["FIXTURES", "assert_every_split_identical", "outcome", "raw", "response_of", "run", "sse_of"]

FIXTURES = Path(__file__).parent / "fixtures"


def raw(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def sse_of(name: str, done: bool = True) -> bytes:
    """A ``.chunks`` file (one JSON chunk a line, the Vercel AI SDK's format) as the SSE
    body the server sent: ``data:`` frames, then ``data: [DONE]``."""
    lines = [line for line in raw(name).decode("utf-8").splitlines() if line.strip()]
    body = "".join(f"data: {line}\n\n" for line in lines)
    return (body + ("data: [DONE]\n\n" if done else "")).encode("utf-8")


def response_of(processor: StreamProcessor, body: bytes) -> LLMResponse:
    return streamed_response(processor, [body])
