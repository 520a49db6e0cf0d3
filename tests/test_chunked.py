"""The engine's own undoing of chunked transfer coding (``_engine/chunked.py``): the same
body bytes however the chunks and the reads fall, urllib3's rules for extensions,
trailers and bad size lines."""

from __future__ import annotations

import pytest
from urllib3.exceptions import ProtocolError

from llmsdk._engine.chunked import MAX_SIZE_LINE, Dechunker
from llmsdk.testing import anthropic as A


def chunked(pieces: list, extension: bytes = b"", trailers: bytes = b"") -> bytes:
    body = b"".join(b"%x%s\r\n%s\r\n" % (len(p), extension, p) for p in pieces)
    return body + b"0\r\n" + trailers + b"\r\n"


def undo(wire: bytes, reads: list) -> bytes:
    """``wire`` fed in reads of the given sizes (the rest in one read)."""
    dechunker, out, pos = Dechunker(), [], 0
    for size in reads:
        out.append(dechunker.feed(wire[pos:pos + size]))
        pos += size
    out.append(dechunker.feed(wire[pos:]))
    assert dechunker.done
    return b"".join(out)


BODY = A.text_reply("Grüße 🌍, chunked at odd places", chunk=3).body_bytes()
PIECES = [BODY[i:i + 37] for i in range(0, len(BODY), 37)]


def test_the_body_comes_back_whole_at_every_read_boundary() -> None:
    wire = chunked(PIECES, extension=b";name=value", trailers=b"X-Trailer: 1\r\n")
    for cut in range(1, len(wire)):
        assert undo(wire, [cut]) == BODY, cut


def test_the_body_comes_back_whole_a_byte_at_a_time() -> None:
    wire = chunked(PIECES)
    assert undo(wire, [1] * len(wire)) == BODY


def test_one_read_of_many_chunks_is_one_piece() -> None:
    dechunker = Dechunker()
    assert dechunker.feed(chunked([b"a", b"bc", b"def"])) == b"abcdef"
    assert dechunker.done


def test_a_partly_arrived_chunk_is_handed_on_at_once() -> None:
    dechunker = Dechunker()
    assert dechunker.feed(b"a\r\nhello") == b"hello"
    assert dechunker.feed(b"world\r\n") == b"world"
    assert not dechunker.done
    assert dechunker.feed(b"0\r\n\r\nHTTP/1.1 200 OK\r\n") == b""
    assert dechunker.done


@pytest.mark.parametrize("line", [b"zz\r\n", b"-5\r\n", b"\r\n"])
def test_a_size_line_that_is_not_hex_is_a_protocol_error(line: bytes) -> None:
    with pytest.raises(ProtocolError, match="Invalid chunk length"):
        Dechunker().feed(line)


def test_an_endless_size_line_is_refused_not_buffered() -> None:
    dechunker = Dechunker()
    with pytest.raises(ProtocolError, match="exceeded maximum"):
        for _ in range(MAX_SIZE_LINE):
            dechunker.feed(b"0000")
