"""``--format json`` is written as it is encoded, and reads as ``json.dumps(…, indent=2)`` would: the same
layout and values, floats in their shortest form (orjson's, as the HTTP API and ``ledger export`` write them)."""

from __future__ import annotations

import json
from typing import Any

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.cli.output import dumps, json_chunks

INT64 = st.integers(min_value=-(2**63), max_value=2**64 - 1)  # orjson's range: a result's counts and positions
exact = st.none() | st.booleans() | INT64 | st.text(max_size=8)
scalars = exact | st.floats(allow_nan=False, allow_infinity=False)


def trees(leaves: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    values = st.recursive(leaves, lambda inner: st.lists(inner, max_size=4)
                          | st.dictionaries(st.text(max_size=6), inner, max_size=4), max_leaves=25)
    # The shapes that stream: an object of lists of objects (a state: measures, negotiations, schedules).
    return st.dictionaries(st.text(max_size=6), values | st.lists(values, max_size=5), max_size=5) | values


@settings(max_examples=300, deadline=None)
@given(data=trees(exact))
def test_without_floats_the_text_is_json_dumps_byte_for_byte(data: Any) -> None:
    assert "".join(json_chunks(data)) == json.dumps(data, ensure_ascii=False, indent=2)


@settings(max_examples=300, deadline=None)
@given(data=trees(scalars))
def test_the_chunks_are_one_encoding_of_the_whole_and_read_back_as_the_data(data: Any) -> None:
    text = "".join(json_chunks(data))
    assert text == orjson.dumps(data, option=orjson.OPT_INDENT_2).decode()
    assert json.loads(text) == data


def test_a_small_rate_reads_as_the_http_api_and_export_write_it() -> None:
    assert dumps({"rate": 0.00001}) == '{\n  "rate": 0.00001\n}'
    assert json.loads(dumps([1.5e-05, 1e16, 0.1])) == [1.5e-05, 1e16, 0.1]


def test_a_report_is_never_one_string() -> None:
    state = {"as_of": "2025-06-01", "measures": [{"measure": f"m{i}", "products": ["8703"]} for i in range(3)]}
    chunks = list(json_chunks(state))
    assert len(chunks) > 3 and max(map(len, chunks)) < len("".join(chunks)) / 2
    assert json.loads("".join(chunks)) == state


def test_what_orjson_refuses_the_standard_library_writes() -> None:
    assert "".join(json_chunks({1: [1, 2], "a": None})) == json.dumps({1: [1, 2], "a": None}, indent=2)
    assert "".join(json_chunks({"n": [2**70]})) == json.dumps({"n": [2**70]}, indent=2)
