"""AWS event-stream framing (``application/vnd.amazon.eventstream``), the body format of
Bedrock's ConverseStream and InvokeModelWithResponseStream: pure, bytes in, pairs out.

A frame is a 12-byte prelude (total length, headers length, CRC-32 of those 8 bytes),
the headers, the payload, and a CRC-32 of everything before it. Frames arrive cut
anywhere across reads; every prelude and message CRC is checked (``zlib.crc32``, as
botocore's ``EventStreamBuffer`` does). A bad CRC or an impossible length is a
``MalformedEventError``; bytes left over when the body ends are a frame cut short, an
``IncompleteStreamError``.

``eventstream_pairs`` hands a stream processor ``(event, data)``: for an ``event``
message, its ``:event-type`` and the payload text; for an ``exception`` (or ``error``)
message, ``"exception:" + :exception-type`` (or ``:error-code``) and the payload text
(for ``error`` messages, ``{"message": :error-message}``). ``encode_frame`` builds frames
for the fake server and tests.
"""

from __future__ import annotations

import json
import struct
import zlib
from typing import Dict, Iterable, Iterator, Tuple, Union

from llmsdk.errors import IncompleteStreamError, MalformedEventError

__all__ = ["EXCEPTION_PREFIX", "decode_headers", "encode_frame", "eventstream_pairs"]

#: The event name a processor sees for an in-stream exception: this prefix + its type.
EXCEPTION_PREFIX = "exception:"

_PRELUDE = struct.Struct(">III")
_CRC = struct.Struct(">I")
_U16 = struct.Struct(">H")
#: Fixed sizes of the header value types 0-9 (bool true/false, byte, short, int, long,
#: byte array and string are length-prefixed (-1), timestamp, uuid).
_FIXED = {0: 0, 1: 0, 2: 1, 3: 2, 4: 4, 5: 8, 8: 8, 9: 16}
_MAX_FRAME = 16 * 1024 * 1024 + 128 * 1024  # the format's limits: 16 MiB payload, 128 KiB headers
_crc32 = zlib.crc32

HeaderValue = Union[str, bytes, int, bool]


def decode_headers(raw: bytes) -> Dict[str, HeaderValue]:
    """The headers block of one frame (strings decoded; other types as ints, bytes, bools)."""
    headers: Dict[str, HeaderValue] = {}
    pos, end = 0, len(raw)
    try:
        while pos < end:
            name_len = raw[pos]
            name = raw[pos + 1:pos + 1 + name_len].decode("utf-8")
            pos += 1 + name_len
            kind = raw[pos]
            pos += 1
            if kind in (6, 7):
                (size,) = _U16.unpack_from(raw, pos)
                value = raw[pos + 2:pos + 2 + size]
                pos += 2 + size
                headers[name] = value.decode("utf-8") if kind == 7 else bytes(value)
            elif kind in _FIXED:
                size = _FIXED[kind]
                if kind < 2:
                    headers[name] = kind == 0
                elif kind == 9:
                    headers[name] = bytes(raw[pos:pos + size])
                else:
                    headers[name] = int.from_bytes(raw[pos:pos + size], "big", signed=True)
                pos += size
            else:
                raise MalformedEventError(f"event-stream header {name!r} has unknown value type {kind}")
    except (IndexError, struct.error, UnicodeDecodeError) as exc:
        raise MalformedEventError(f"event-stream headers are malformed: {exc}") from exc
    if pos != end:
        raise MalformedEventError("event-stream headers overrun their block")
    return headers


#: Most frames of a stream carry the same few header blocks (``:event-type chunk``...):
#: each distinct block is parsed once. Bounded, so odd streams cannot grow it.
_HEADER_CACHE: Dict[bytes, Dict[str, HeaderValue]] = {}
_HEADER_CACHE_MAX = 256


def _pair(raw_headers: bytes, payload: bytes) -> Tuple[str, str]:
    headers = _HEADER_CACHE.get(raw_headers)
    if headers is None:
        headers = decode_headers(raw_headers)
        if len(_HEADER_CACHE) < _HEADER_CACHE_MAX:
            _HEADER_CACHE[raw_headers] = headers
    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MalformedEventError(f"event-stream payload is not UTF-8: {exc}") from exc
    kind = headers.get(":message-type", "event")
    if kind == "event":
        return str(headers.get(":event-type", "")), text
    if kind == "exception":
        return EXCEPTION_PREFIX + str(headers.get(":exception-type", "")), text
    if kind == "error":
        message = str(headers.get(":error-message", "") or text)
        return EXCEPTION_PREFIX + str(headers.get(":error-code", "")), json.dumps({"message": message})
    raise MalformedEventError(f"event-stream message type {kind!r} is unknown")


def eventstream_pairs(chunks: Iterable[bytes]) -> Iterator[Tuple[str, str]]:
    """The ``(event, data)`` pairs of an event-stream body, checking every CRC."""
    buf = b""
    for chunk in chunks:
        buf = buf + chunk if buf else chunk
        pos, size = 0, len(buf)
        while size - pos >= 12:
            total, headers_len, prelude_crc = _PRELUDE.unpack_from(buf, pos)
            if _crc32(buf[pos:pos + 8]) != prelude_crc:
                raise MalformedEventError("event-stream prelude CRC mismatch (corrupted frame)")
            if total < 16 or total > _MAX_FRAME or headers_len > total - 16:
                raise MalformedEventError(f"event-stream frame lengths are impossible ({total}, {headers_len})")
            end = pos + total
            if end > size:
                break
            frame = memoryview(buf)[pos:end]
            if _crc32(frame[:-4]) != _CRC.unpack_from(frame, total - 4)[0]:
                raise MalformedEventError("event-stream message CRC mismatch (corrupted frame)")
            yield _pair(bytes(frame[12:12 + headers_len]), bytes(frame[12 + headers_len:total - 4]))
            pos = end
        if pos:
            buf = buf[pos:]
    if buf:
        raise IncompleteStreamError(f"the event stream ended inside a frame ({len(buf)} bytes of it arrived)")


def _header(name: str, value: str) -> bytes:
    raw_name, raw_value = name.encode("utf-8"), value.encode("utf-8")
    return bytes([len(raw_name)]) + raw_name + b"\x07" + _U16.pack(len(raw_value)) + raw_value


def encode_frame(headers: Dict[str, str], payload: bytes) -> bytes:
    """One frame with string headers (what AWS sends for events and exceptions)."""
    block = b"".join(_header(k, v) for k, v in headers.items())
    total = 16 + len(block) + len(payload)
    prelude = struct.pack(">II", total, len(block))
    prelude += _CRC.pack(_crc32(prelude))
    body = prelude + block + payload
    return body + _CRC.pack(_crc32(body))
