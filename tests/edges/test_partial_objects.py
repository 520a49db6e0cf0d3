"""``partial_objects()`` stays linear on JSON that is not strict (a raw newline inside a
string: once cubic, 106 s of CPU for a 6 KB reply) and is not fooled by a ``[`` in the
prose before the JSON (once ``[]`` forever)."""

from __future__ import annotations

import json
from typing import Any, List

from llmsdk._core import partial_json
from llmsdk._structured.replies import partial_objects
from llmsdk.events import PartialContent
from llmsdk.types import TextContent


def deltas(text: str, size: int = 4) -> List[Any]:
    return [PartialContent(0, TextContent(text[i:i + size])) for i in range(0, len(text), size)]


def test_a_raw_newline_in_a_string_is_read_without_the_slow_parser(monkeypatch) -> None:
    slow_calls: List[int] = []
    real = partial_json.parse_partial_json
    monkeypatch.setattr(partial_json, "parse_partial_json", lambda t: slow_calls.append(len(t)) or real(t))
    loads_calls: List[int] = []
    real_loads = json.loads
    monkeypatch.setattr(partial_json.json, "loads", lambda t, **kw: loads_calls.append(len(t)) or real_loads(t, **kw))
    body = ",".join(f'"k{i}": "line one\nline two {i}"' for i in range(60))  # raw newlines: not strict JSON
    reply = "{" + body + "}"
    events = deltas(reply, 8)
    values = list(partial_objects(events))
    assert values[-1] == {f"k{i}": f"line one\nline two {i}" for i in range(60)}
    assert slow_calls == []
    assert len(loads_calls) <= len(events) + 1  # at most one parse per delta: no re-scan loop


def test_a_bracket_in_the_prose_before_the_json_is_skipped() -> None:
    text = 'Here are the results [see the notes below]: {"items": [1, 2, 3], "ok": true}'
    values = list(partial_objects(deltas(text, 3)))
    assert values[-1] == {"items": [1, 2, 3], "ok": True}
    assert [] not in values


def test_a_closed_bracket_that_is_not_json_is_skipped_too() -> None:
    parser = partial_json.PartialJSONParser()
    for piece in ["Steps [1 2] then ", "[x] and ", '{"a": ', '[1, {"b": 2}]}', " trailing"]:
        parser.feed(piece)
    assert parser.value() == {"a": [1, {"b": 2}]}


def test_a_long_reply_is_parsed_in_linear_total_work(monkeypatch) -> None:
    """Past a few KB the prefix is re-parsed only after it grew by a sixteenth: the
    characters handed to json.loads stay a small multiple of the reply's length."""
    parsed_chars: List[int] = []
    real_loads = json.loads
    monkeypatch.setattr(partial_json.json, "loads", lambda t, **kw: parsed_chars.append(len(t)) or real_loads(t, **kw))
    reply = json.dumps({f"key_{i}": f"value number {i}" for i in range(3000)})  # ~80 KB
    events = deltas(reply, 4)
    values = list(partial_objects(events))
    assert values[-1] == {f"key_{i}": f"value number {i}" for i in range(3000)}
    assert sum(parsed_chars) < 60 * len(reply)
