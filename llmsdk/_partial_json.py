"""JSON that may have been cut off: tool arguments or structured output stopped by
``max_tokens``, or still streaming."""

from __future__ import annotations

import json
from typing import Any, Dict, List, Optional

from llmsdk.errors import MalformedEventError

__all__ = ["parse_partial_json", "parse_tool_arguments"]


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
