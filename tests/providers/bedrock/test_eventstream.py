"""AWS event-stream framing: every split, CRCs, multi-event frames, truncation — checked
against botocore's own ``EventStreamBuffer`` on the same bytes."""

from __future__ import annotations

import json
import struct
from typing import Any, List, Tuple

import pytest

from llmsdk._engine.eventstream import decode_headers, encode_frame, eventstream_pairs
from llmsdk._engine.sse import feed
from llmsdk.errors import IncompleteStreamError, MalformedEventError
from llmsdk.providers.bedrock.stream import ConverseStreamProcessor
from llmsdk.testing import bedrock

botocore_eventstream = pytest.importorskip("botocore.eventstream")


def transcript() -> bytes:
    reply = bedrock.stream([bedrock.reasoning_block(0, "Let me think.", "sig=="),
                            bedrock.text_block(1, "Héllo, wörld! ✓", chunk=4),
                            bedrock.tool_use_block(2, "get_weather", {"city": "Paris"})],
                           stop_reason="tool_use", cache_reads=7, cache_writes=3)
    return reply.body_bytes() + bedrock.exception("throttlingException", "slow down")


def botocore_pairs(raw: bytes) -> List[Tuple[str, str]]:
    """What botocore makes of the same bytes, in our (event, data) shape."""
    buffer = botocore_eventstream.EventStreamBuffer()
    buffer.add_data(raw)
    out = []
    for message in buffer:
        headers = message.headers
        if headers[":message-type"] == "event":
            out.append((headers[":event-type"], message.payload.decode("utf-8")))
        else:
            out.append(("exception:" + headers[":exception-type"], message.payload.decode("utf-8")))
    return out


def test_whole_body_matches_botocore() -> None:
    raw = transcript()
    ours = list(eventstream_pairs([raw]))
    assert ours == botocore_pairs(raw)
    assert len(ours) == len(bedrock_frames(raw))


def bedrock_frames(raw: bytes) -> List[int]:
    sizes, pos = [], 0
    while pos < len(raw):
        (total,) = struct.unpack_from(">I", raw, pos)
        sizes.append(total)
        pos += total
    return sizes


def test_every_byte_split_gives_the_same_pairs() -> None:
    raw = transcript()
    whole = list(eventstream_pairs([raw]))
    for cut in range(1, len(raw)):
        assert list(eventstream_pairs([raw[:cut], raw[cut:]])) == whole, cut


def test_one_byte_at_a_time() -> None:
    raw = transcript()
    assert list(eventstream_pairs(raw[i:i + 1] for i in range(len(raw)))) == botocore_pairs(raw)


def test_many_frames_in_one_chunk_none_dropped() -> None:
    frames = [bedrock.event("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"text": str(i)}})
              for i in range(50)]
    pairs = list(eventstream_pairs([b"".join(frames)]))
    assert [json.loads(d)["delta"]["text"] for _, d in pairs] == [str(i) for i in range(50)]


@pytest.mark.parametrize("where", ["prelude_crc", "headers", "payload", "message_crc", "length"])
def test_corruption_is_a_malformed_event(where: str) -> None:
    frame = bytearray(bedrock.event("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"text": "hi"}}))
    offset = {"prelude_crc": 9, "headers": 14, "payload": len(frame) - 8, "message_crc": len(frame) - 1, "length": 2}
    frame[offset[where]] ^= 0x01
    good = bedrock.event("messageStart", {"role": "assistant"})
    with pytest.raises(MalformedEventError):
        list(eventstream_pairs([good + bytes(frame) + good]))
    with pytest.raises(botocore_eventstream.ParserError):  # botocore refuses the same bytes
        list(botocore_pairs(good + bytes(frame) + good))


def test_a_frame_cut_at_the_end_is_an_incomplete_stream() -> None:
    raw = transcript()
    for keep in (len(raw) - 1, len(raw) - 20, 5):
        with pytest.raises(IncompleteStreamError):
            list(eventstream_pairs([raw[:keep]]))


def test_cut_converse_stream_keeps_the_partial_response() -> None:
    raw = bedrock.text_reply("Hello there, partial", chunk=4).body_bytes()
    keep = sum(bedrock_frames(raw)[:4]) + 9  # messageStart, three deltas, and a piece of the fourth
    processor = ConverseStreamProcessor()
    with pytest.raises(IncompleteStreamError):
        feed(processor, [raw[:keep]])
    assert processor.open_blocks()[0].text == "Hello there,"


def test_all_header_value_types_decode() -> None:
    block = (b"\x01a\x00" + b"\x01b\x01" + b"\x01c\x02\x7f" + b"\x01d\x03" + struct.pack(">h", -2)
             + b"\x01e\x04" + struct.pack(">i", 7) + b"\x01f\x05" + struct.pack(">q", 1 << 40)
             + b"\x01g\x06" + struct.pack(">H", 2) + b"\x00\xff" + b"\x01h\x07" + struct.pack(">H", 2) + b"ok"
             + b"\x01i\x08" + struct.pack(">q", 1700000000000) + b"\x01j\x09" + bytes(range(16)))
    headers = decode_headers(block)
    assert headers == {"a": True, "b": False, "c": 127, "d": -2, "e": 7, "f": 1 << 40, "g": b"\x00\xff",
                       "h": "ok", "i": 1700000000000, "j": bytes(range(16))}
    with pytest.raises(MalformedEventError):
        decode_headers(b"\x01a\x0a")


def test_error_messages_become_exception_pairs() -> None:
    frame = encode_frame({":message-type": "error", ":error-code": "InternalFailure",
                          ":error-message": "boom"}, b"")
    assert list(eventstream_pairs([frame])) == [("exception:InternalFailure", json.dumps({"message": "boom"}))]


def test_encode_frame_is_what_botocore_reads() -> None:
    frame = encode_frame({":event-type": "chunk", ":message-type": "event"}, b'{"bytes":"e30="}')
    buffer = botocore_eventstream.EventStreamBuffer()
    buffer.add_data(frame)
    message: Any = next(iter(buffer))
    assert message.headers == {":event-type": "chunk", ":message-type": "event"}
    assert message.payload == b'{"bytes":"e30="}'
