"""A reply is billed exactly once: when the finishing bookkeeping raises, when the JSON
is too deep to parse (no ``RecursionError`` escapes), and when Ctrl-C interrupts
``complete()`` (billed input still reaches ``get_usage()``)."""

from __future__ import annotations

import pytest

from llmsdk import Usage
from llmsdk._engine import worker
from llmsdk.errors import OutputParseError
from llmsdk.testing import anthropic as A

from ..conftest import simple_request

SCHEMA = {"type": "object", "properties": {"a": {"type": "array"}}}


def one_reply_usage(reply_text: str = "hi") -> Usage:
    return Usage(input_tokens=25, output_tokens=15)


def test_usage_is_counted_once_when_the_finishing_bookkeeping_raises(anthropic_client, server, monkeypatch) -> None:
    from llmsdk._structured import replies

    def broken(response, request):  # type: ignore[no-untyped-def]
        raise RuntimeError("bookkeeping bug")

    monkeypatch.setattr(replies, "attach_output", broken)
    server.add_reply(A.text_reply('{"a": []}'))
    client = anthropic_client()
    with pytest.raises(RuntimeError, match="bookkeeping bug"):
        client.complete(simple_request(output_schema=SCHEMA))
    assert client.get_usage() == one_reply_usage()


def test_json_nested_too_deeply_is_a_parse_error_not_a_recursion_error(anthropic_client, server) -> None:
    deep = "[" * 50_000 + "]" * 50_000
    server.add_reply(A.text_reply('{"a": ' + deep + "}", chunk=20_000))
    client = anthropic_client()
    response = client.complete(simple_request(output_schema=SCHEMA))
    with pytest.raises(OutputParseError, match="nested too deeply"):
        response.parsed  # noqa: B018
    assert client.get_usage() == one_reply_usage()


def test_ctrl_c_during_complete_still_records_the_usage(anthropic_client, server, monkeypatch) -> None:
    real_pour = worker.pour

    def interrupted_pour(processor, chunks, sink):  # type: ignore[no-untyped-def]
        process = processor.process

        def process_then_interrupt(event, data):  # type: ignore[no-untyped-def]
            out = process(event, data)
            if event == "content_block_delta":
                raise KeyboardInterrupt
            return out

        processor.process = process_then_interrupt
        return real_pour(processor, chunks, sink)

    monkeypatch.setattr(worker, "pour", interrupted_pour)
    server.add_reply(A.text_reply("a long answer", chunk=2))
    client = anthropic_client()
    with pytest.raises(KeyboardInterrupt):
        client.complete(simple_request())
    assert client.get_usage().input_tokens == 25  # message_start's billed input
