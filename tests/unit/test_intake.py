"""Validation at the edge (``ledger.intake``): a raw line validated straight from its JSON text must
give exactly what the decoded value gives through ``parse_event`` — the same payload, or the same
errors — and validating on worker processes must give what one process gives, in input order.

The lines are the hostile-input suite's: valid events, the same with fields swapped for hostile
values (huge numbers, NaN, lone surrogates, NUL, deep nesting, wrong types), and non-JSON.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from events.errors import BadInput
from ledger.intake import CHUNK, _parse_decoded, parse_one, parsed
from ledger.lines import decode
from tests.cli.test_hostile_input import lines, valid_event

AUTHORS = ("ana", "  padded  ", "", "a\u0000b", "x" * 600)


def without_fresh_id(outcome: Any) -> Any:
    """A generated id differs run to run; everything else must not."""
    line, done = outcome
    if isinstance(done, list):
        return line, done
    payload, fresh = done
    if fresh:
        assert len(payload.pop("id")) == 36
    return line, (payload, fresh)


def reference(line: int, raw: bytes, author: str, author_fixed: bool) -> Any:
    """The decoded-value path alone: what every line went through before the fast path."""
    return without_fresh_id(_parse_decoded(line, decode(line, raw), author, author_fixed))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=lines(), author=st.sampled_from(AUTHORS), author_fixed=st.booleans(),
       with_id=st.sampled_from([None, "keep", "null"]))
def test_a_raw_line_gives_what_its_decoded_value_gives(text: str, author: str, author_fixed: bool,
                                                       with_id: str | None) -> None:
    raw = text.encode("utf-8", "surrogatepass")
    if with_id is not None and text.startswith("{") and text.endswith("}"):
        # With an id given (kept as is) or null (one is generated): both paths must treat it alike.
        value = "null" if with_id == "null" else '"0b5fd3a8-8c1e-4f57-9a3e-5b4b1e0d6c2a"'
        raw = b'{"id": ' + value.encode() + b", " + raw[1:] if len(raw) > 2 else raw
    assert without_fresh_id(parse_one(4, raw, author, author_fixed)) == reference(4, raw, author, author_fixed)


def test_the_author_is_stored_as_the_model_reads_it() -> None:
    raw = json.dumps(valid_event(1)).encode()
    _, (payload, _) = parse_one(1, raw, "  padded  ")
    assert payload["recorded_by"] == "padded"
    _, errors = parse_one(1, raw, "")
    assert [str(e) for e in errors] == ["line 1: recorded_by: String should have at least 1 character"]


def file_of(count: int, bad: set[int]) -> list[tuple[int, bytes]]:
    """``count`` numbered lines, valid except those in ``bad`` (the line number of each is its own)."""
    out = []
    for number in range(1, count + 1):
        event = valid_event(number % 3, number)
        if number in bad:
            event["date"] = "2025-02-30"
        out.append((number, json.dumps(event).encode()))
    return out


@pytest.mark.parametrize("workers", [1, 2])
def test_workers_give_what_one_process_gives_in_order(workers: int) -> None:
    items = file_of(CHUNK * 3 + 17, bad={5, CHUNK + 1, CHUNK * 3 + 17})
    with parsed(items, "ana", workers=0) as alone:
        assert alone.pool is None
        expected = [without_fresh_id(outcome) for outcome in alone.items]
    with parsed(items, "ana", workers=workers) as pooled:
        assert pooled.pool is not None
        got = [without_fresh_id(outcome) for outcome in pooled.items]
    assert got == expected
    assert [line for line, done in got if isinstance(done, list)] == [5, CHUNK + 1, CHUNK * 3 + 17]


def test_leaving_early_stops_the_workers() -> None:
    items = file_of(CHUNK * 6, bad=set())
    with parsed(items, "ana", workers=2) as pooled:
        first = next(pooled.items)
    assert first[0] == 1


def test_a_bad_worker_count_is_refused_naming_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEDGER_WORKERS", "two")
    with pytest.raises(BadInput, match="LEDGER_WORKERS: expected a whole number"), parsed([], "ana"):
        pass


json_scalars = st.one_of(st.none(), st.booleans(), st.integers(-(2**63), 2**63 - 1),
                         st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=20))
payloads = st.dictionaries(st.text(max_size=10), st.recursive(
    json_scalars, lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=5), inner,
                                                                                       max_size=3)),
    max_leaves=8), max_size=8)


@settings(max_examples=300, deadline=None)
@given(payload=payloads)
def test_texts_made_by_a_worker_are_the_texts_the_writer_would_make(payload: dict[str, Any]) -> None:
    import orjson

    from ledger.log import encode_state
    from projections.readmodel.payload import Payload, compact_text

    made = Payload.of(payload)
    stamp = "2025-06-01T09:30:00.000000+00:00"
    assert made == payload
    assert encode_state(stamp, made) == encode_state(stamp, payload) == orjson.dumps(
        {"recorded_at": stamp, "event": payload})
    assert compact_text(made) == compact_text(payload) == orjson.dumps(payload)
