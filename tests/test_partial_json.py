"""parse_partial_json: what survives of JSON cut off mid-way (tool arguments at max_tokens)."""

import json

import pytest

from llmsdk._core.partial_json import parse_partial_json

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


# -- PartialJSONParser: the incremental form behind stream.partial_objects() --------------------


def feed_all(text: str, size: int) -> list:
    from llmsdk._core.partial_json import PartialJSONParser

    parser = PartialJSONParser()
    values = []
    for i in range(0, len(text), size):
        parser.feed(text[i:i + size])
        values.append(parser.value())
    return values


@pytest.mark.parametrize("size", [1, 2, 5, 16])
def test_incremental_parser_ends_with_the_whole_value(size):
    text = json.dumps(WHOLE)
    values = feed_all(text, size)
    assert values[-1] == WHOLE
    assert values[0] in (None, {})


def test_incremental_parser_never_shows_a_cut_scalar_or_a_key_without_value():
    text = '{"city": "Paris", "n": 125, "days": [10, 20]}'
    seen = [v for v in feed_all(text, 1) if v is not None]
    assert {"city": "Paris", "n": 12} not in seen and {"city": "Pa"} not in seen
    assert {"city": "Paris", "days": [10, 2]} not in seen
    for value in seen:  # every value is a prefix-consistent view of the whole
        assert all(json.loads(text)[k] == v for k, v in value.items() if not isinstance(v, list))


def test_incremental_parser_skips_fences_and_prose():
    text = 'Here you go:\n```json\n{"a": "x}]`", "b": [1]}\n```\nDone.'
    assert feed_all(text, 3)[-1] == {"a": "x}]`", "b": [1]}
