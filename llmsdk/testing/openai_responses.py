"""OpenAI Responses API streams for ``FakeProviderServer`` (``api="responses"``), shaped
like recorded ones: named events whose data repeats the ``type`` and carries a
``sequence_number``; output items announced by ``response.output_item.added`` and
finished by ``response.output_item.done``; a terminal ``response.completed`` /
``response.incomplete`` / ``response.failed``, and no ``[DONE]``.

>>> server.add_reply(openai_responses.text_reply("Hello!"))
>>> body = (openai_responses.ResponsesStream().created()
...         .reasoning(["**Plan**\\n\\nCheck the weather."], encrypted_content="gAAAA...")
...         .function_calls([("call_1", "get_weather", {"city": "Paris"})])
...         .completed().events())

The ready-made replies speak the vocabulary every ``llmsdk.testing`` provider module
shares (``text_reply(text, *, chunk=)``, ``tool_use_reply(name, input, *, tool_id=, text=)``,
``error_reply(status, message, *, error_type=)``, ``stream_error_reply(message, *,
error_type=, status=, text_before=)``, ``truncated_reply(text, *, chunk=)``), plus the
Responses API's own endings (``reasoning_reply``, ``refusal_reply``, ``incomplete_reply``,
``failed_reply``). Also importable as ``llmsdk.testing.openai.responses``.
"""

from __future__ import annotations

import json
from typing import Any, Dict, List, Optional, Sequence, Union

from llmsdk.testing._openai_shared import (
    DEFAULT_STREAM_ERROR, FrameList, ToolCall, error_body, error_reply, error_type_for, pieces,
)
from llmsdk.testing.server import ScriptedReply, sse_event

__all__ = [
    "DEFAULT_MODEL",
    "url_citation",
    "ResponsesStream",
    "error_body",
    "error_reply",
    "failed_reply",
    "incomplete_reply",
    "reasoning_reply",
    "refusal_reply",
    "stream_error_reply",
    "text_reply",
    "tool_use_reply",
    "truncated_reply",
    "web_search_reply",
]

DEFAULT_MODEL = "gpt-5.4-mini-2026-03-17"
ENCRYPTED = "gAAAAABp5ki8o0m5pmaGoF4KkBesIEEEIul83V1oO8S50iaHgjolG3_FakeEncryptedReasoning=="



class ResponsesStream(FrameList):
    """Builds one Responses stream, event by event. Methods chain."""

    def __init__(self, *, model: str = DEFAULT_MODEL, response_id: str = "resp_0fake",
                 created_at: int = 1776699580) -> None:
        self.model = model
        self.response_id = response_id
        self.created_at = created_at
        super().__init__()
        self._sequence = 0
        self._output: List[Dict[str, Any]] = []
        self._items = 0

    # -- raw pieces ---------------------------------------------------------------------

    def event(self, kind: str, **data: Any) -> "ResponsesStream":
        """Append one event: ``event: kind`` with ``{"type": kind, ..., "sequence_number"}``."""
        payload = {"type": kind, **data, "sequence_number": self._sequence}
        self._sequence += 1
        self._events.append(sse_event(payload, event=kind))
        return self

    def raw(self, data: Union[str, Dict[str, Any]], event: Optional[str] = None) -> "ResponsesStream":
        """Append one frame as-is (a dict is JSON-encoded)."""
        self._events.append(sse_event(data, event=event))
        return self

    def response(self, status: str, **extra: Any) -> Dict[str, Any]:
        """The ``response`` object terminal and opening events carry."""
        body: Dict[str, Any] = {
            "id": self.response_id, "object": "response", "created_at": self.created_at, "status": status,
            "error": None, "incomplete_details": None, "instructions": None, "max_output_tokens": None,
            "model": self.model, "output": list(self._output) if status != "in_progress" else [],
            "parallel_tool_calls": True, "previous_response_id": None, "reasoning": {"effort": None, "summary": None},
            "store": False, "temperature": 1.0, "text": {"format": {"type": "text"}}, "tool_choice": "auto",
            "tools": [], "top_p": 1.0, "truncation": "disabled", "usage": None, "metadata": {},
        }
        body.update(extra)
        return body

    def created(self) -> "ResponsesStream":
        """``response.created`` then ``response.in_progress``."""
        self.event("response.created", response=self.response("in_progress"))
        return self.event("response.in_progress", response=self.response("in_progress"))

    def _next_item(self) -> int:
        index = self._items
        self._items += 1
        return index

    # -- output items --------------------------------------------------------------------

    def reasoning(self, summary: Union[str, Sequence[str]] = (), *, encrypted_content: Optional[str] = ENCRYPTED,
                  item_id: Optional[str] = None, chunk: int = 16) -> "ResponsesStream":
        """A reasoning item: its summary parts streamed, then the finished item with
        ``encrypted_content`` (the ``added`` copy carries a truncated one, as the docs warn)."""
        parts = [summary] if isinstance(summary, str) else list(summary)
        index = self._next_item()
        rid = item_id or f"rs_0fake{index}"
        added: Dict[str, Any] = {"id": rid, "type": "reasoning", "summary": []}
        if encrypted_content is not None:
            added["encrypted_content"] = encrypted_content[: len(encrypted_content) // 2]
        self.event("response.output_item.added", item=added, output_index=index)
        for n, text in enumerate(parts):
            self.event("response.reasoning_summary_part.added", item_id=rid, output_index=index,
                       part={"type": "summary_text", "text": ""}, summary_index=n)
            for piece in pieces(text, chunk):
                self.event("response.reasoning_summary_text.delta", delta=piece, item_id=rid, obfuscation="x",
                           output_index=index, summary_index=n)
            self.event("response.reasoning_summary_text.done", item_id=rid, output_index=index, summary_index=n,
                       text=text)
            self.event("response.reasoning_summary_part.done", item_id=rid, output_index=index,
                       part={"type": "summary_text", "text": text}, summary_index=n)
        item: Dict[str, Any] = {"id": rid, "type": "reasoning",
                                "summary": [{"type": "summary_text", "text": t} for t in parts]}
        if encrypted_content is not None:
            item["encrypted_content"] = encrypted_content
        self._output.append(item)
        return self.event("response.output_item.done", item=item, output_index=index)

    def _message(self, kind: str, text: str, chunk: int, item_id: Optional[str], finish: bool,
                 annotations: Sequence[Dict[str, Any]] = ()) -> "ResponsesStream":
        index = self._next_item()
        mid = item_id or f"msg_0fake{index}"
        field = "text" if kind == "output_text" else "refusal"
        delta_event = "response.output_text.delta" if kind == "output_text" else "response.refusal.delta"
        done_event = "response.output_text.done" if kind == "output_text" else "response.refusal.done"
        self.event("response.output_item.added", output_index=index,
                   item={"id": mid, "type": "message", "status": "in_progress", "content": [], "role": "assistant"})
        empty: Dict[str, Any] = {"type": kind, field: ""}
        if kind == "output_text":
            empty.update(annotations=[], logprobs=[])
        self.event("response.content_part.added", content_index=0, item_id=mid, output_index=index, part=empty)
        for piece in pieces(text, chunk):
            extra: Dict[str, Any] = {"logprobs": [], "obfuscation": "x"} if kind == "output_text" else {}
            self.event(delta_event, content_index=0, delta=piece, item_id=mid, output_index=index, **extra)
        if not finish:
            return self
        part = dict(empty, **{field: text})
        for n, annotation in enumerate(annotations):
            self.event("response.output_text.annotation.added", item_id=mid, output_index=index, content_index=0,
                       annotation_index=n, annotation=annotation)
        if annotations:
            part["annotations"] = list(annotations)
        self.event(done_event, content_index=0, item_id=mid, output_index=index, **{field: text})
        self.event("response.content_part.done", content_index=0, item_id=mid, output_index=index, part=part)
        item = {"id": mid, "type": "message", "status": "completed", "content": [part], "role": "assistant"}
        self._output.append(item)
        return self.event("response.output_item.done", item=item, output_index=index)

    def text(self, text: str, chunk: int = 8, *, item_id: Optional[str] = None, finish: bool = True,
             annotations: Sequence[Dict[str, Any]] = ()) -> "ResponsesStream":
        """A message item with one ``output_text`` part (``finish=False``: left open), with
        ``annotations`` (``url_citation(...)``) on the finished part."""
        return self._message("output_text", text, chunk, item_id, finish, annotations)

    def web_search(self, query: str, *, item_id: Optional[str] = None) -> "ResponsesStream":
        """A ``web_search_call`` item, run by OpenAI: added, searching, completed, done."""
        index = self._next_item()
        wid = item_id or f"ws_0fake{index}"
        self.event("response.output_item.added", output_index=index,
                   item={"id": wid, "type": "web_search_call", "status": "in_progress"})
        for phase in ("in_progress", "searching", "completed"):
            self.event(f"response.web_search_call.{phase}", item_id=wid, output_index=index)
        item = {"id": wid, "type": "web_search_call", "status": "completed",
                "action": {"type": "search", "query": query}}
        self._output.append(item)
        return self.event("response.output_item.done", item=item, output_index=index)

    def refusal(self, text: str, chunk: int = 8, *, item_id: Optional[str] = None) -> "ResponsesStream":
        """A message item with one ``refusal`` part."""
        return self._message("refusal", text, chunk, item_id, True)

    def function_calls(self, calls: Sequence[ToolCall], fragments: int = 3, *,
                       finish: bool = True) -> "ResponsesStream":
        """One ``function_call`` item per call, one after another (parallel calls arrive as
        consecutive items), each with its arguments in ``fragments`` deltas."""
        for call_id, name, args in calls:
            index = self._next_item()
            fid = f"fc_0fake{index}"
            raw = json.dumps(args, ensure_ascii=False)
            self.event("response.output_item.added", output_index=index, item={
                "id": fid, "type": "function_call", "status": "in_progress", "arguments": "",
                "call_id": call_id, "name": name})
            size = -(-len(raw) // max(1, fragments))
            for piece in pieces(raw, size):
                self.event("response.function_call_arguments.delta", delta=piece, item_id=fid, obfuscation="x",
                           output_index=index)
            if not finish:
                continue
            self.event("response.function_call_arguments.done", arguments=raw, item_id=fid, name=name,
                       output_index=index)
            item = {"id": fid, "type": "function_call", "status": "completed", "arguments": raw,
                    "call_id": call_id, "name": name}
            self._output.append(item)
            self.event("response.output_item.done", item=item, output_index=index)
        return self

    # -- the end -------------------------------------------------------------------------

    @staticmethod
    def usage(input_tokens: int = 32, output_tokens: int = 107, cached_tokens: int = 0,
              reasoning_tokens: int = 0) -> Dict[str, Any]:
        return {"input_tokens": input_tokens, "input_tokens_details": {"cached_tokens": cached_tokens},
                "output_tokens": output_tokens, "output_tokens_details": {"reasoning_tokens": reasoning_tokens},
                "total_tokens": input_tokens + output_tokens}

    def completed(self, **usage: int) -> "ResponsesStream":
        return self.event("response.completed", response=self.response("completed", usage=self.usage(**usage)))

    def incomplete(self, reason: str = "max_output_tokens", **usage: int) -> "ResponsesStream":
        return self.event("response.incomplete", response=self.response(
            "incomplete", incomplete_details={"reason": reason}, usage=self.usage(**usage)))

    def failed(self, code: str = "server_error", message: str = "The model failed to generate a response.",
               **usage: int) -> "ResponsesStream":
        return self.event("response.failed", response=self.response(
            "failed", error={"code": code, "message": message}, usage=self.usage(**usage) if usage else None))

    def error(self, message: str = DEFAULT_STREAM_ERROR, error_type: str = "server_error", code: Optional[str] = None, nested: bool = True) -> "ResponsesStream":
        """An ``error`` event: nested ``{"error": {...}}`` as the API sends it, or flat as
        its reference documents (``nested=False``)."""
        if nested:
            return self.event("error", error={"type": error_type, "code": code or error_type, "message": message,
                                              "param": None})
        return self.event("error", code=code or error_type, message=message, param=None)


def url_citation(url: str, title: str, start: int, end: int) -> Dict[str, Any]:
    """A Responses ``url_citation`` annotation (flat, unlike Chat Completions') over
    characters ``start:end`` of the text."""
    return {"type": "url_citation", "url": url, "title": title, "start_index": start, "end_index": end}


# -- ready-made replies -------------------------------------------------------------------


def text_reply(text: str = "Hello!", *, chunk: int = 8, headers: Optional[Dict[str, str]] = None,
               framing: str = "chunked", model: str = DEFAULT_MODEL, **usage: int) -> ScriptedReply:
    """A streamed text answer."""
    stream = ResponsesStream(model=model).created().text(text, chunk).completed(**usage)
    return stream.reply(headers={"x-request-id": "req_fake", **(headers or {})}, framing=framing)


def tool_use_reply(name: str, input: Dict[str, Any], *, tool_id: str = "call_fake_1", text: Optional[str] = None,
                   reasoning: Optional[str] = None, encrypted_content: str = ENCRYPTED, **usage: int) -> ScriptedReply:
    """An answer that calls one tool (after reasoning and some text, if given)."""
    stream = ResponsesStream().created()
    if reasoning is not None:
        stream.reasoning(reasoning, encrypted_content=encrypted_content)
    if text:
        stream.text(text)
    return stream.function_calls([(tool_id, name, input)]).completed(**usage).reply()


def reasoning_reply(summary: Union[str, Sequence[str]], text: str, *, encrypted_content: str = ENCRYPTED,
                    **usage: int) -> ScriptedReply:
    """A reasoning summary (with its encrypted content), then the answer."""
    stream = ResponsesStream().created().reasoning(summary, encrypted_content=encrypted_content).text(text)
    return stream.completed(**usage).reply()


def refusal_reply(text: str = "I'm sorry, I can't help with that.", **usage: int) -> ScriptedReply:
    return ResponsesStream().created().refusal(text).completed(**usage).reply()


def incomplete_reply(text: str, *, reason: str = "max_output_tokens", **usage: int) -> ScriptedReply:
    """Text cut short: the message item is left open and the response ends incomplete."""
    return ResponsesStream().created().text(text, finish=False).incomplete(reason, **usage).reply()


def failed_reply(code: str = "server_error", message: str = "The model failed to generate a response.",
                 text_before: Optional[str] = None) -> ScriptedReply:
    stream = ResponsesStream().created()
    if text_before:
        stream.text(text_before, finish=False)
    return stream.failed(code, message).reply()


def stream_error_reply(message: str = DEFAULT_STREAM_ERROR, *, error_type: Optional[str] = None,
                       status: Optional[int] = None, code: Optional[str] = None, text_before: Optional[str] = None,
                       nested: bool = True) -> ScriptedReply:
    """A 200 stream that fails with an ``error`` event (after some text, if given);
    ``error_type`` (and ``code``) default to those of ``status`` (``server_error``)."""
    if error_type is None:
        error_type, default_code = error_type_for(status) if status is not None else ("server_error", None)
        code = code if code is not None else default_code
    stream = ResponsesStream().created()
    if text_before:
        stream.text(text_before, finish=False)
    return stream.error(message, error_type, code, nested=nested).reply()


def truncated_reply(text: str = "Hello!", *, chunk: int = 8) -> ScriptedReply:
    """A stream whose body ends cleanly before its terminal event."""
    return ResponsesStream().created().text(text, chunk, finish=False).reply()


def web_search_reply(text: str = "Claude Shannon was born on April 30, 1916.", query: str = "Claude Shannon birth date",
                     citations: Sequence[Dict[str, Any]] = (), **usage: int) -> ScriptedReply:
    """A web search run by OpenAI, then the answer with its ``url_citation`` annotations
    (by default one over the whole text)."""
    found = list(citations) or [url_citation("https://en.wikipedia.org/wiki/Claude_Shannon",
                                             "Claude Shannon - Wikipedia", 0, len(text))]
    return ResponsesStream().created().web_search(query).text(text, annotations=found).completed(**usage).reply()
