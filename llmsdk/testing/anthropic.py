"""Anthropic Messages streams for ``FakeProviderServer``, shaped like recorded ones.

The reply builders speak the vocabulary every ``llmsdk.testing`` provider module shares,
so a test can run one scenario over every provider::

    text_reply(text, *, chunk=8)                    a streamed text answer
    tool_use_reply(name, input, *, tool_id=, text=) a tool call (after some text)
    error_reply(status, message, *, error_type=)    an HTTP error reply
    stream_error_reply(message, *, error_type=, status=, text_before=)
                                                    an error event inside a 200 stream
    truncated_reply(text, *, chunk=8)               a stream that ends before its terminator

``error_type`` defaults to the provider's own type for ``status`` (429 ->
``rate_limit_error``). The older argument orders still work:
``error_reply(status, error_type, message)`` and
``stream_error_reply(error_type, message)``.
"""

from __future__ import annotations

import json
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

from llmsdk.testing.server import BodyPiece, Pause, ScriptedReply, sse_event

DEFAULT_MODEL = "claude-haiku-4-5-20251001"


def event(name: str, **data: Any) -> bytes:
    return sse_event({"type": name, **data}, event=name)


def message_start(msg_id: str = "msg_01Fake", model: str = DEFAULT_MODEL, input_tokens: int = 25,
                  cache_reads: int = 0, cache_writes: int = 0, cache_writes_1h: int = 0) -> bytes:
    """``cache_writes_1h`` of the ``cache_writes`` are reported as 1-hour writes (``cache_creation``)."""
    return event("message_start", message={
        "id": msg_id, "type": "message", "role": "assistant", "content": [], "model": model,
        "stop_reason": None, "stop_sequence": None,
        "usage": {"input_tokens": input_tokens, "output_tokens": 1,
                  "cache_creation_input_tokens": cache_writes, "cache_read_input_tokens": cache_reads,
                  "cache_creation": {"ephemeral_5m_input_tokens": cache_writes - cache_writes_1h,
                                     "ephemeral_1h_input_tokens": cache_writes_1h}},
    })


def ping() -> bytes:
    return event("ping")


def text_block(index: int, text: str, chunk: int = 8) -> List[bytes]:
    out = [event("content_block_start", index=index, content_block={"type": "text", "text": ""})]
    for i in range(0, len(text), max(1, chunk)):
        out.append(event("content_block_delta", index=index,
                         delta={"type": "text_delta", "text": text[i:i + chunk]}))
    out.append(event("content_block_stop", index=index))
    return out


def tool_use_block(index: int, name: str, input: Dict[str, Any], tool_id: str = "toolu_01Fake",
                   fragments: int = 3) -> List[bytes]:
    raw = json.dumps(input)
    size = max(1, -(-len(raw) // max(1, fragments)))
    out = [event("content_block_start", index=index,
                 content_block={"type": "tool_use", "id": tool_id, "name": name, "input": {}}),
           event("content_block_delta", index=index, delta={"type": "input_json_delta", "partial_json": ""})]
    for i in range(0, len(raw), size):
        out.append(event("content_block_delta", index=index,
                         delta={"type": "input_json_delta", "partial_json": raw[i:i + size]}))
    out.append(event("content_block_stop", index=index))
    return out


def thinking_block(index: int, thinking: str, signature: str = "EqQBFakeSignature==", chunk: int = 16) -> List[bytes]:
    out = [event("content_block_start", index=index, content_block={"type": "thinking", "thinking": ""})]
    for i in range(0, len(thinking), max(1, chunk)):
        out.append(event("content_block_delta", index=index,
                         delta={"type": "thinking_delta", "thinking": thinking[i:i + chunk]}))
    out.append(event("content_block_delta", index=index, delta={"type": "signature_delta", "signature": signature}))
    out.append(event("content_block_stop", index=index))
    return out


def redacted_thinking_block(index: int, data: str = "EmwKAhgBEgy3va3pzix/LafPsn4a") -> List[bytes]:
    return [event("content_block_start", index=index, content_block={"type": "redacted_thinking", "data": data}),
            event("content_block_stop", index=index)]


def message_end(stop_reason: str = "end_turn", output_tokens: int = 15, **usage: int) -> List[bytes]:
    return [event("message_delta", delta={"stop_reason": stop_reason, "stop_sequence": None},
                  usage={"output_tokens": output_tokens, **usage}),
            event("message_stop")]


def error_event(error_type: str = "overloaded_error", message: str = "Overloaded") -> bytes:
    return event("error", error={"type": error_type, "message": message})


def stream(blocks: Sequence[Union[bytes, List[bytes]]], *, stop_reason: str = "end_turn", output_tokens: int = 15,
           input_tokens: int = 25, model: str = DEFAULT_MODEL, msg_id: str = "msg_01Fake",
           cache_reads: int = 0, cache_writes: int = 0, cache_writes_1h: int = 0,
           web_search_requests: Optional[int] = None, terminate: bool = True) -> List[bytes]:
    """A whole stream: message_start, the blocks, message_delta and message_stop
    (``web_search_requests``: the final usage's ``server_tool_use`` count)."""
    out = [message_start(msg_id, model, input_tokens, cache_reads, cache_writes, cache_writes_1h)]
    for block in blocks:
        out.extend(block if isinstance(block, list) else [block])
    if terminate:
        end = message_end(stop_reason, output_tokens)
        if web_search_requests is not None:
            end = [event("message_delta", delta={"stop_reason": stop_reason, "stop_sequence": None},
                         usage={"input_tokens": input_tokens, "cache_creation_input_tokens": cache_writes,
                                "cache_read_input_tokens": cache_reads, "output_tokens": output_tokens,
                                "server_tool_use": {"web_search_requests": web_search_requests}}),
                   event("message_stop")]
        out.extend(end)
    return out


def text_reply(text: str = "Hello!", *, chunk: int = 8, headers: Optional[Dict[str, str]] = None,
               framing: str = "chunked", **kwargs: Any) -> ScriptedReply:
    """A streamed text answer."""
    return ScriptedReply.sse(stream([text_block(0, text, chunk)], **kwargs), headers=dict(headers or {}),
                             framing=framing)


def tool_use_reply(name: str, input: Dict[str, Any], *, tool_id: str = "toolu_01Fake", text: Optional[str] = None,
                   **kwargs: Any) -> ScriptedReply:
    """An answer that calls a tool (optionally after some text)."""
    blocks: List[Union[bytes, List[bytes]]] = []
    if text:
        blocks.append(text_block(0, text))
    blocks.append(tool_use_block(len(blocks), name, input, tool_id))
    kwargs.setdefault("stop_reason", "tool_use")
    return ScriptedReply.sse(stream(blocks, **kwargs))


def thinking_reply(thinking: str, text: str, *, signature: str = "EqQBFakeSignature==", **kwargs: Any) -> ScriptedReply:
    return ScriptedReply.sse(stream([thinking_block(0, thinking, signature), text_block(1, text)], **kwargs))


#: Anthropic's ``error.type`` for each HTTP status (PROVIDERS.md §2.5).
ERROR_TYPES: Dict[int, str] = {
    400: "invalid_request_error", 401: "authentication_error", 402: "billing_error", 403: "permission_error",
    404: "not_found_error", 413: "request_too_large", 429: "rate_limit_error", 500: "api_error",
    504: "timeout_error", 529: "overloaded_error",
}
_KNOWN_TYPES = frozenset(ERROR_TYPES.values())


def error_type_for(status: int) -> str:
    """The ``error.type`` Anthropic sends with ``status``."""
    return ERROR_TYPES.get(status) or ("api_error" if status >= 500 else "invalid_request_error")


def error_body(status: int, message: str, *, error_type: Optional[str] = None) -> Dict[str, Any]:
    """The JSON body of an HTTP error reply (and of an ``error`` event)."""
    return {"type": "error", "error": {"type": error_type or error_type_for(status), "message": message},
            "request_id": "req_fake"}


def error_reply(status: int, message: str = "error", legacy_message: Optional[str] = None, *,
                error_type: Optional[str] = None, headers: Optional[Dict[str, str]] = None) -> ScriptedReply:
    """An HTTP error with Anthropic's error body: ``error_reply(429, "slow down")``.
    The older ``error_reply(429, "rate_limit_error", "slow down")`` still works (a third
    positional argument makes the second the type)."""
    if legacy_message is not None:
        error_type, message = message, legacy_message
    return ScriptedReply.json(status, error_body(status, message, error_type=error_type),
                              headers={"request-id": "req_fake", **(headers or {})})


def stream_error_reply(message: str = "Overloaded", legacy_message: Optional[str] = None, *,
                       error_type: Optional[str] = None, status: Optional[int] = None,
                       text_before: Optional[str] = None) -> ScriptedReply:
    """A 200 stream that fails with an ``error`` event (after some text, if given):
    ``stream_error_reply("Overloaded", status=529)``. ``error_type`` defaults to the type
    of ``status`` (``overloaded_error`` without one). The older
    ``stream_error_reply(error_type, message)`` form is read when there are two positional
    arguments or the only one is an Anthropic error type."""
    if legacy_message is not None or message in _KNOWN_TYPES:
        error_type, message = message, legacy_message or "Overloaded"
    if error_type is None:
        error_type = error_type_for(status) if status is not None else "overloaded_error"
    blocks: List[Union[bytes, List[bytes]]] = []
    if text_before:
        blocks.append(text_block(0, text_before)[:-1])  # block still open
    body = stream(blocks, terminate=False)
    body.append(error_event(error_type, message))
    return ScriptedReply.sse(body)


def truncated_reply(text: str = "Hello!", *, chunk: int = 8, **kwargs: Any) -> ScriptedReply:
    """A stream whose body ends cleanly before ``message_stop`` (a dropped connection)."""
    return ScriptedReply.sse(stream([text_block(0, text, chunk)[:-1]], terminate=False, **kwargs))


def pings_only(count: int = 50, interval: float = 0.2) -> ScriptedReply:
    """message_start, then only pings: content never comes."""
    body: List[BodyPiece] = [message_start()]
    for _ in range(count):
        body.extend([Pause(interval), ping()])
    return ScriptedReply.sse(body)


# -- structured output ----------------------------------------------------------------------


def json_reply(obj: Any, *, cut_at: Optional[int] = None, chunk: int = 16, **kwargs: Any) -> ScriptedReply:
    """A structured-output answer: ``obj`` as JSON text (``output_config.format``). With
    ``cut_at`` the JSON stops after that many characters and the reply ends with
    ``stop_reason: "max_tokens"``, as when max_tokens runs out."""
    text = json.dumps(obj)
    if cut_at is not None:
        text = text[:cut_at]
        kwargs.setdefault("stop_reason", "max_tokens")
    return ScriptedReply.sse(stream([text_block(0, text, chunk)], **kwargs))


def output_tool_reply(name: str, obj: Dict[str, Any], **kwargs: Any) -> ScriptedReply:
    """A structured-output answer through the forced output tool (older models): a
    ``tool_use`` named after the type whose input is ``obj``."""
    return tool_use_reply(name, obj, **kwargs)


def refusal_reply(text: str = "", **kwargs: Any) -> ScriptedReply:
    """A reply the model refused: ``stop_reason: "refusal"`` (after ``text``, if any)."""
    blocks: List[Union[bytes, List[bytes]]] = [text_block(0, text)] if text else []
    kwargs.setdefault("stop_reason", "refusal")
    return ScriptedReply.sse(stream(blocks, **kwargs))


# -- documents, citations, web search (issue 15) -----------------------------------------


def char_location(cited_text: str, start: int, end: int, document_index: int = 0,
                  title: Optional[str] = None) -> Dict[str, Any]:
    """A citation of a plain-text document."""
    return {"type": "char_location", "cited_text": cited_text, "document_index": document_index,
            "document_title": title, "start_char_index": start, "end_char_index": end}


def page_location(cited_text: str, start_page: int, end_page: int, document_index: int = 0,
                  title: Optional[str] = None) -> Dict[str, Any]:
    """A citation of a PDF (1-based pages, end exclusive)."""
    return {"type": "page_location", "cited_text": cited_text, "document_index": document_index,
            "document_title": title, "start_page_number": start_page, "end_page_number": end_page}


def web_search_location(url: str, title: str, cited_text: str,
                        encrypted_index: str = "Eo8BCioIAhgBIiQyYjQ0OWJmZi1lNm..") -> Dict[str, Any]:
    """A citation of a web search result (``encrypted_index`` must go back on later turns)."""
    return {"type": "web_search_result_location", "url": url, "title": title, "cited_text": cited_text,
            "encrypted_index": encrypted_index}


def cited_text_block(index: int, text: str, citations: Sequence[Dict[str, Any]], chunk: int = 8) -> List[bytes]:
    """A text block that cites: it opens with ``citations: []``, each citation arrives as a
    ``citations_delta``, then the text."""
    out = [event("content_block_start", index=index, content_block={"type": "text", "text": "", "citations": []})]
    out += [event("content_block_delta", index=index, delta={"type": "citations_delta", "citation": c})
            for c in citations]
    return out + text_block(index, text, chunk)[1:]


def server_tool_use_block(index: int, query: str, tool_id: str = "srvtoolu_01Fake", name: str = "web_search",
                          fragments: int = 3) -> List[bytes]:
    """The model calling a server tool: ``input`` streams as ``input_json_delta`` like a tool call."""
    raw = json.dumps({"query": query})
    size = max(1, -(-len(raw) // max(1, fragments)))
    out = [event("content_block_start", index=index,
                 content_block={"type": "server_tool_use", "id": tool_id, "name": name, "input": {}}),
           event("content_block_delta", index=index, delta={"type": "input_json_delta", "partial_json": ""})]
    out += [event("content_block_delta", index=index, delta={"type": "input_json_delta", "partial_json": raw[i:i + size]})
            for i in range(0, len(raw), size)]
    out.append(event("content_block_stop", index=index))
    return out


def web_search_result(url: str, title: str, page_age: Optional[str] = "April 30, 2025") -> Dict[str, Any]:
    return {"type": "web_search_result", "url": url, "title": title,
            "encrypted_content": "EqgfCioIARgBIiQ3YTAwMjY1Mi1mZjM5LTQ1NGUtODgxNC1kNjNjNTk1ZWI3Y2YSDGFl", "page_age": page_age}


def web_search_tool_result_block(index: int, results: Sequence[Dict[str, Any]],
                                 tool_use_id: str = "srvtoolu_01Fake") -> List[bytes]:
    """The search results: the whole block in ``content_block_start``."""
    return [event("content_block_start", index=index, content_block={
                "type": "web_search_tool_result", "tool_use_id": tool_use_id, "content": list(results)}),
            event("content_block_stop", index=index)]


def web_search_reply(query: str = "claude shannon birth date",
                     results: Sequence[Tuple[str, str]] = (("https://en.wikipedia.org/wiki/Claude_Shannon",
                                                            "Claude Shannon - Wikipedia"),),
                     answer: str = "Claude Shannon was born on April 30, 1916.", *, cited: bool = True,
                     pause: bool = False, tool_id: str = "srvtoolu_01Fake", **kwargs: Any) -> ScriptedReply:
    """A web search turn: text, ``server_tool_use``, ``web_search_tool_result``, then the answer
    citing the first result, with ``server_tool_use.web_search_requests`` in the usage. With
    ``pause`` the turn stops after the results with ``stop_reason: "pause_turn"``."""
    found = [web_search_result(url, title) for url, title in results]
    blocks: List[Union[bytes, List[bytes]]] = [
        text_block(0, "I'll search for that."), server_tool_use_block(1, query, tool_id),
        web_search_tool_result_block(2, found, tool_id)]
    if not pause:
        citations = [web_search_location(found[0]["url"], found[0]["title"], answer)] if cited and found else []
        blocks.append(cited_text_block(3, answer, citations))
    kwargs.setdefault("stop_reason", "pause_turn" if pause else "end_turn")
    kwargs.setdefault("web_search_requests", 1)
    return ScriptedReply.sse(stream(blocks, **kwargs))


def cited_reply(parts: Sequence[Tuple[str, Sequence[Dict[str, Any]]]], **kwargs: Any) -> ScriptedReply:
    """An answer about documents: one text block per ``(text, citations)`` part, as Anthropic
    splits cited text (``[("The grass is green.", [char_location(...)]), (" And...", [])]``)."""
    blocks = [cited_text_block(i, text, cites) if cites else text_block(i, text) for i, (text, cites) in enumerate(parts)]
    return ScriptedReply.sse(stream(blocks, **kwargs))
