"""JSON that may have been cut off: tool arguments or structured output stopped by
``max_tokens``, or still streaming."""

from __future__ import annotations

import json
from typing import Any, Dict, List, Optional

from llmsdk.errors import MalformedEventError

__all__ = ["PartialJSONParser", "parse_partial_json", "parse_tool_arguments"]


def parse_partial_json(text: str) -> Any:
    """Whole JSON parses as usual. Otherwise the longest prefix that ends after a complete
    string, object or array (or before a comma) is closed and parsed: finished members
    are kept, an unfinished trailing one is dropped — what the official SDKs' partial
    parsers give. Raises ``ValueError`` if nothing parses.
    """
    try:
        return json.loads(text)
    except ValueError:
        pass
    for end in range(len(text), 0, -1):
        if not (text[end - 1] in '"}]{[' or (end < len(text) and text[end] == ",")):
            continue
        candidate = _closed(text[:end])
        if candidate is not None:
            try:
                return json.loads(candidate)
            except ValueError:
                continue
    raise ValueError(f"no JSON prefix in {text[:100]!r}")


def parse_tool_arguments(text: str, *, cut_short: bool, what: str) -> Dict[str, Any]:
    """A tool call's streamed arguments as a dict: ``{}`` when empty; when ``cut_short``
    (the reply hit its token limit) the finished members of what arrived; otherwise
    anything but a JSON object is a ``MalformedEventError`` naming ``what``."""
    if not text.strip():
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        value = None
    if isinstance(value, dict):
        return value
    if cut_short:
        try:
            partial = parse_partial_json(text)
        except ValueError:
            partial = None
        return partial if isinstance(partial, dict) else {}
    raise MalformedEventError(f"{what} has arguments that are not a JSON object: {text[:200]!r}")


def _closed(prefix: str) -> Optional[str]:
    """``prefix`` with its open strings refused and its open containers closed."""
    stack: List[str] = []
    in_string = escaped = False
    for ch in prefix:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "{[":
            stack.append("}" if ch == "{" else "]")
        elif ch in "}]" and stack:
            stack.pop()
    if in_string:
        return None
    body = prefix.rstrip().rstrip(",").rstrip()
    if body.endswith(":"):
        return None
    return body + "".join(reversed(stack))


#: Below this many characters every delta is parsed (fine-grained updates where they are cheap).
EAGER_CHARS = 4096
_SCALAR_START = frozenset("-0123456789tfn")
_SCALAR_CHARS = frozenset("-+.0123456789eEtruefalsn")
_SPACE = frozenset(" \t\r\n")


class _NotJson(Exception):
    """The text scanned since the opening bracket is not JSON (a ``[`` in prose)."""


class PartialJSONParser:
    """The JSON object (or array) in a growing text, parsed so far, at O(piece) per piece.

    ``parse_partial_json`` on the whole text after every delta re-scans it each time
    (quadratic over a long reply); this keeps the scanner's state between pieces and
    remembers the longest prefix that closes into valid JSON (after a complete value, an
    opening bracket, or before a comma), so ``value()`` costs at most one ``json.loads``
    (``strict=False``: a raw newline inside a string, as models write, is read, not a
    reason to fall back to a slower parser) and nothing when no new prefix closed. Text
    before the first ``{`` or ``[`` (a code fence, prose) and after the value is ignored; a
    bracket in prose (``see [1] below: {...}``) is dropped as soon as what follows it
    cannot be JSON, and the scan resumes after it.

    >>> p = PartialJSONParser(); p.feed('{"a": [1, 2'); p.value()
    {'a': [1]}
    """

    __slots__ = ("_text", "_stack", "_in_string", "_escaped", "_key", "_scalar", "_ended",
                 "_safe", "_closers", "_parsed_at", "_parsed")

    def __init__(self) -> None:
        self._parsed: Any = None
        self._reset()

    def _reset(self) -> None:
        self._text = ""
        #: Open containers: [closing char, state]; state is what comes next: "key",
        #: "colon", "value" or "comma" (objects), "value" or "comma" (arrays).
        self._stack: List[List[str]] = []
        self._in_string = self._escaped = self._key = self._scalar = self._ended = False
        self._safe = 0
        self._closers = ""
        self._parsed_at = 0
        self._parsed = None

    def feed(self, piece: str) -> None:
        # Each restart drops at least the bracket it began at, so this loop ends.
        while piece and not self._ended:
            if not self._stack and not self._text:  # not started: skip to the first bracket
                found = [i for i in (piece.find("{"), piece.find("[")) if i >= 0]
                if not found:
                    return
                piece = piece[min(found):]
            start = len(self._text)
            self._text += piece
            piece = rest = ""
            try:
                for pos in range(start, len(self._text)):
                    self._step(self._text[pos], pos)
                    if self._ended:
                        rest = self._text[pos + 1:]
                        self._text = self._text[:pos + 1]
                        if not _loads(self._text)[0]:
                            raise _NotJson
                        return
            except _NotJson:
                piece = self._text[1:] + rest
                self._reset()

    def _mark(self, end: int) -> None:
        self._safe = end
        self._closers = "".join(entry[0] for entry in reversed(self._stack))

    def _value_done(self, end: int) -> None:
        if self._stack:
            self._stack[-1][1] = "comma"
        self._mark(end)

    def _step(self, ch: str, pos: int) -> None:
        if self._in_string:
            if self._escaped:
                self._escaped = False
            elif ch == "\\":
                self._escaped = True
            elif ch == '"':
                self._in_string = False
                if self._key:
                    self._stack[-1][1] = "colon"
                else:
                    self._value_done(pos + 1)
            return
        if self._scalar:
            if ch in _SCALAR_CHARS:
                return
            if ch not in ",}]" and ch not in _SPACE:
                raise _NotJson
            self._scalar = False
            self._value_done(pos)
        if ch in _SPACE:
            return
        state = self._stack[-1][1] if self._stack else "value"
        if ch == '"':
            if state not in ("key", "value"):
                raise _NotJson
            self._in_string = True
            self._key = state == "key" and self._stack[-1][0] == "}"
        elif ch in "{[":
            if state != "value":
                raise _NotJson
            self._stack.append(["}" if ch == "{" else "]", "key" if ch == "{" else "value"])
            if len(self._stack) > 1:  # a lone top-level bracket may yet be prose: shown once a member is
                self._mark(pos + 1)
        elif ch in "}]":
            if not self._stack or self._stack[-1][0] != ch or state in ("colon",) or (ch == "}" and state == "value"):
                raise _NotJson
            self._stack.pop()
            self._value_done(pos + 1)
            if not self._stack:
                self._ended = True
        elif ch == ":":
            if state != "colon":
                raise _NotJson
            self._stack[-1][1] = "value"
        elif ch == ",":
            if state != "comma":
                raise _NotJson
            self._stack[-1][1] = "key" if self._stack[-1][0] == "}" else "value"
        elif ch in _SCALAR_START and state == "value":
            self._scalar = True  # a number or true/false/null, complete at its delimiter
        else:
            raise _NotJson

    def value(self, *, force: bool = False) -> Any:
        """The value of the longest closable prefix (None before there is one). Past
        ``EAGER_CHARS`` the prefix is re-parsed only once it has grown by a sixteenth
        since the last parse (or the value ended, or ``force``): the parses of a whole
        reply then cost O(its length), not O(length²) (a 100 KB reply in 4-character
        deltas would otherwise re-read gigabytes)."""
        if self._safe == 0 or self._safe == self._parsed_at:
            return self._parsed
        grown = self._safe - self._parsed_at
        if not (force or self._ended or self._safe <= EAGER_CHARS or grown * 16 >= self._safe):
            return self._parsed
        ok, parsed = _loads(self._text[:self._safe] + self._closers)
        if ok:
            self._parsed = parsed
        self._parsed_at = self._safe  # not retried until more of it closes
        return self._parsed


def _loads(text: str) -> "tuple[bool, Any]":
    try:
        return True, json.loads(text, strict=False)
    except (ValueError, RecursionError):
        return False, None
