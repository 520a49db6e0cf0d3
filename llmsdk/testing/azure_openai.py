"""Azure OpenAI stream replies: OpenAI's Chat Completions chunks with Azure's
content-filter fields (the first chunk's ``prompt_filter_results``, each choice's
``content_filter_results``, ``finish_reason: "content_filter"`` when the answer is cut).

>>> server.add_reply(azure_openai.text_reply("Hi"))
>>> server.add_reply(azure_openai.filtered_reply("Once upon", category="violence"))
"""

from __future__ import annotations

from typing import Any, Dict, List

from llmsdk.testing.openai import ChatStream
from llmsdk.testing.server import ScriptedReply

__all__ = ["CATEGORIES", "filter_results", "filtered_reply", "prompt_filter_chunk", "text_reply"]

CATEGORIES = ("hate", "self_harm", "sexual", "violence")


def filter_results(filtered: str = "") -> Dict[str, Any]:
    """``content_filter_results`` with every category safe, except ``filtered`` (high)."""
    return {name: {"filtered": name == filtered, "severity": "high" if name == filtered else "safe"}
            for name in CATEGORIES}


def prompt_filter_chunk(stream: ChatStream) -> Dict[str, Any]:
    """The chunk Azure sends first: no choices, an empty id, the prompt's filter results."""
    return {"id": "", "object": "", "created": 0, "model": "", "choices": [],
            "prompt_filter_results": [{"prompt_index": 0, "content_filter_results": filter_results()}]}


def _stream(text: str, chunk: int) -> ChatStream:
    stream = ChatStream("openai", model="gpt-4o-2024-11-20")
    stream.raw(prompt_filter_chunk(stream))
    pieces: List[str] = [text[i:i + chunk] for i in range(0, len(text), chunk)] or [""]
    for index, piece in enumerate(pieces):
        delta: Dict[str, Any] = {"content": piece}
        if index == 0:
            delta["role"] = "assistant"
        data = stream.chunk_dict(delta)
        data["choices"][0]["content_filter_results"] = filter_results()
        stream.raw(data)
    return stream


def text_reply(text: str = "Hello!", *, chunk: int = 8, **finish: Any) -> ScriptedReply:
    """An answer that passed the filters."""
    return _stream(text, chunk).finish("stop", **finish).done().reply()


def filtered_reply(text: str = "Once upon a time", *, category: str = "violence", chunk: int = 8) -> ScriptedReply:
    """An answer the completion filter stopped: ``finish_reason: "content_filter"``."""
    stream = _stream(text, chunk)
    data = stream.chunk_dict({}, "content_filter")
    data["choices"][0]["content_filter_results"] = filter_results(category)
    stream.raw(data)
    usage = stream.chunk_dict()
    usage["choices"] = []
    usage["usage"] = {"prompt_tokens": 9, "completion_tokens": 4, "total_tokens": 13}
    return stream.raw(usage).done().reply()
