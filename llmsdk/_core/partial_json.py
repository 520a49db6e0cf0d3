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


class PartialJSONParser:
    """The JSON object (or array) in a growing text, parsed so far, at O(piece) per piece.

    ``parse_partial_json`` on the whole text after every delta re-scans it each time
    (quadratic over a long reply); this keeps the scanner's state between pieces and
    remembers the longest prefix that closes into valid JSON (after a complete value, an
    opening bracket, or before a comma), so ``value()`` costs one ``json.loads``. Text
    before the first ``{`` or ``[`` (a code fence, prose) and after the value is ignored.

    >>> p = PartialJSONParser(); p.feed('{"a": [1, 2'); p.value()
    {'a': [1]}
    """

    __slots__ = ("_text", "_stack", "_in_string", "_escaped", "_key", "_scalar", "_ended",
                 "_safe", "_closers", "_parsed_at", "_parsed")

    def __init__(self) -> None:
        self._text = ""
        #: Open containers: [closing char, state]; state is what comes next: "key",
        #: "colon", "value" or "comma" (objects), "value" or "comma" (arrays).
        self._stack: List[List[str]] = []
        self._in_string = self._escaped = self._key = self._scalar = self._ended = False
        self._safe = 0
        self._closers = ""
        self._parsed_at = 0
        self._parsed: Any = None

    def feed(self, piece: str) -> None:
        if self._ended:
            return
        start = len(self._text)
        if not self._stack:  # not started: skip to the first bracket
            found = [i for i in (piece.find("{"), piece.find("[")) if i >= 0]
            if not found:
                return
            piece = piece[min(found):]
        self._text += piece
        for pos in range(start, len(self._text)):
            self._step(self._text[pos], pos)
            if self._ended:
                self._text = self._text[:pos + 1]
                return

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
        if self._scalar and (ch in ",}] \t\r\n"):
            self._scalar = False
            self._value_done(pos)
        if ch == '"':
            self._in_string = True
            self._key = bool(self._stack) and self._stack[-1][0] == "}" and self._stack[-1][1] == "key"
        elif ch in "{[":
            self._stack.append(["}" if ch == "{" else "]", "key" if ch == "{" else "value"])
            self._mark(pos + 1)
        elif ch in "}]":
            if self._stack:
                self._stack.pop()
            self._value_done(pos + 1)
            if not self._stack:
                self._ended = True
        elif ch == ":":
            if self._stack:
                self._stack[-1][1] = "value"
        elif ch == ",":
            if self._stack:
                self._stack[-1][1] = "key" if self._stack[-1][0] == "}" else "value"
        elif ch not in " \t\r\n":
            self._scalar = True  # a number or true/false/null, complete at its delimiter

    def value(self) -> Any:
        """The value of the longest closable prefix (None before there is one)."""
        if self._safe == 0:
            return None
        if self._safe != self._parsed_at:
            candidate = self._text[:self._safe] + self._closers
            try:
                self._parsed = json.loads(candidate)
            except ValueError:  # not the shape this scanner expects: the general parser decides
                try:
                    self._parsed = parse_partial_json(self._text)
                except ValueError:
                    return self._parsed
            self._parsed_at = self._safe
        return self._parsed
