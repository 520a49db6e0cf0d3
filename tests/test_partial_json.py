"""parse_partial_json: what survives of JSON cut off mid-way (tool arguments at max_tokens)."""

import json

import pytest

from llmsdk._partial_json import parse_partial_json

WHOLE = {"city": "Zürich", "days": [1, 2, {"x": "a\"b"}], "ok": True, "n": 12.5, "note": "x, y: {z}"}


def test_whole_json_parses_as_usual():
    assert parse_partial_json(json.dumps(WHOLE)) == WHOLE
    assert parse_partial_json("[1, 2]") == [1, 2]


@pytest.mark.parametrize("text, expected", [
    ('{"city": "Pa', {}),
    ('{"city": "Paris", "da', {"city": "Paris"}),
    ('{"city": "Paris", "days": [1, 2', {"city": "Paris", "days": [1]}),  # 2 may be 25 cut short
    ('{"city": "Paris", "days": [1, 2,', {"city": "Paris", "days": [1, 2]}),
    ('{"a": {"b": "c"}, "d": {"e": "f', {"a": {"b": "c"}, "d": {}}),
    ('{"a": "x\\"y", "b": 1', {"a": 'x"y'}),
    ('{"note": "x, y: {z}", "k":', {"note": "x, y: {z}"}),
    ('{', {}),
])
def test_cut_json_keeps_finished_members(text, expected):
    assert parse_partial_json(text) == expected


def test_every_prefix_of_a_document_parses_to_a_subset():
    raw = json.dumps(WHOLE, ensure_ascii=False)
    for end in range(1, len(raw) + 1):
        value = parse_partial_json(raw[:end])
        assert isinstance(value, dict)
        assert set(value) <= set(WHOLE)


def test_garbage_raises():
    with pytest.raises(ValueError):
        parse_partial_json("not json at all")
