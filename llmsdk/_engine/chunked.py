"""HTTP/1.1 chunked transfer coding, undone over whatever bytes have arrived. Pure.

Why the engine undoes it itself: a streamed reply is chunked (OpenAI and Anthropic send
one chunk per SSE event), and urllib3's ``read_chunked`` costs two reads, a ``readline``
and a generator step per chunk — about 2 µs of the ~10 µs an event costs end to end.
Reading what the socket holds (``read1``) and cutting every chunk out of it at once costs
half that, and hands the SSE parser fewer, larger pieces. The wiring (which reader, and
telling urllib3 the body was read) is ``body_socket.chunked_reader``.

The rules are urllib3's and http.client's: a size line in hex, its ``;extensions``
ignored; the CRLF after each chunk's data dropped unread; after the ``0`` chunk, trailer
lines up to a blank line. A size line that is not hex is a ``ProtocolError``.
"""

from __future__ import annotations

from typing import List

from urllib3.exceptions import ProtocolError

__all__ = ["Dechunker", "MAX_SIZE_LINE"]

#: The longest chunk-size line accepted (urllib3's limit): a peer that sends an endless
#: line is refused, not buffered.
MAX_SIZE_LINE = 4096


class Dechunker:
    """Feed it the raw bytes of a chunked body as they arrive; it returns the body bytes
    they complete (possibly ``b""``) and sets ``done`` once the last chunk and its
    trailers were read. Bytes after the end are ignored.

    >>> d = Dechunker(); d.feed(b"5\\r\\nhello\\r\\n0\\r\\n\\r\\n"), d.done
    (b'hello', True)
    """

    __slots__ = ("done", "_left", "_skip", "_line", "_trailers")

    def __init__(self) -> None:
        self.done = False
        #: Data bytes of the current chunk still to come.
        self._left = 0
        #: Bytes of the CRLF after a chunk's data still to drop.
        self._skip = 0
        #: The start of a size (or trailer) line cut by the end of a read.
        self._line = b""
        #: The ``0`` chunk was read: the lines now are trailers, up to a blank one.
        self._trailers = False

    def feed(self, data: bytes) -> bytes:
        pieces: List[bytes] = []
        pos, end = 0, len(data)
        while pos < end and not self.done:
            if self._left:  # the rest of a chunk an earlier read cut
                stop = pos + self._left
                if stop <= end:
                    pieces.append(data[pos:stop])
                    self._left, self._skip, pos = 0, 2, stop
                else:
                    pieces.append(data[pos:])
                    self._left -= end - pos
                    pos = end
                continue
            if self._skip:  # the CRLF after a chunk, cut by the end of a read
                taken = min(self._skip, end - pos)
                self._skip -= taken
                pos += taken
                continue
            newline = data.find(b"\n", pos)
            if newline < 0:
                self._line += data[pos:]
                if len(self._line) > MAX_SIZE_LINE:
                    raise ProtocolError("Response chunk size line exceeded maximum allowed length")
                break
            line = self._line + data[pos:newline] if self._line else data[pos:newline]
            self._line = b""
            pos = newline + 1
            if len(line) > MAX_SIZE_LINE:
                raise ProtocolError("Response chunk size line exceeded maximum allowed length")
            if self._trailers:
                self.done = not line.strip()
                continue
            try:
                size = int(line, 16)  # int() strips the "\r" (and any blanks) itself
            except ValueError:
                size = _size_with_extensions(line)
            if size <= 0:
                if size < 0:
                    raise ProtocolError(f"Invalid chunk length: {line[:64]!r}")
                self._trailers = True
                continue
            stop = pos + size
            if stop + 2 <= end:  # the chunk and its CRLF are all here: the usual case
                pieces.append(data[pos:stop])
                pos = stop + 2
            else:
                self._left = size
        if len(pieces) == 1:
            return pieces[0]
        return b"".join(pieces)


def _size_with_extensions(line: bytes) -> int:
    """The size on a chunk-size line with ``;extensions`` (ignored), or ``ProtocolError``."""
    try:
        return int(line.split(b";", 1)[0], 16)
    except ValueError:
        raise ProtocolError(f"Invalid chunk length: {line[:64]!r}") from None
