"""``--format json`` is written as it is encoded, and reads exactly as ``json.dumps(…, indent=2)`` would."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.cli.output import json_chunks

scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8)
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                      | st.dictionaries(st.text(max_size=6), inner, max_size=4), max_leaves=25)
# The shapes that stream: an object of lists of objects (a state: measures, negotiations, schedules).
reports = st.dictionaries(st.text(max_size=6), values | st.lists(values, max_size=5), max_size=5)


@settings(max_examples=300, deadline=None)
@given(data=reports | values)
def test_the_chunks_are_the_text_json_dumps_gives(data: Any) -> None:
    assert "".join(json_chunks(data)) == json.dumps(data, ensure_ascii=False, indent=2)


def test_a_report_is_never_one_string() -> None:
    state = {"as_of": "2025-06-01", "measures": [{"measure": f"m{i}", "products": ["8703"]} for i in range(3)]}
    chunks = list(json_chunks(state))
    assert len(chunks) > 3 and max(map(len, chunks)) < len("".join(chunks)) / 2
    assert json.loads("".join(chunks)) == state


def test_keys_json_would_convert_fall_back_to_one_string() -> None:
    assert "".join(json_chunks({1: [1, 2], "a": None})) == json.dumps({1: [1, 2], "a": None}, indent=2)
