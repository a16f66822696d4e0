"""Every event type survives the store: model → append → history and export, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from typing import Any

from events.parse import parse_event
from ledger.service import Ledger
from tests.unit.test_events import EXAMPLES

ENVELOPE = ("type", "date", "id", "recorded_by", "source")


def _exported(store: Ledger) -> list[dict[str, Any]]:
    return [json.loads(line) for line in store.export()]


def test_every_event_type_round_trips_through_the_store_and_export(store: Ledger) -> None:
    result = store.append(list(enumerate(EXAMPLES, start=1)))
    assert (result.appended, result.duplicates, result.first_position, result.last_position) == (
        len(EXAMPLES), 0, 1, len(EXAMPLES))
    exported = _exported(store)
    differing = [e["type"] for e, x in zip(EXAMPLES, exported, strict=True) if parse_event(x) != parse_event(e)]
    assert differing == []
    assert [x["id"] for x in exported] == [e["id"] for e in EXAMPLES]


def test_every_event_type_shows_all_its_fields_in_history(store: Ledger) -> None:
    store.append(list(enumerate(EXAMPLES, start=1)))
    history = store.history().to_json()
    assert [h["position"] for h in history] == list(range(1, len(EXAMPLES) + 1))
    for example, entry in zip(EXAMPLES, history, strict=True):
        assert {k: entry[k] for k in ENVELOPE} == {k: example[k] for k in ENVELOPE}, example["type"]
        assert {k: entry.get(k) for k in example if k not in ENVELOPE} == {
            k: v for k, v in example.items() if k not in ENVELOPE}, example["type"]
        assert entry["recorded_at"].endswith("+00:00")


def test_history_links_corrections_to_their_targets(store: Ledger) -> None:
    store.append(list(enumerate(EXAMPLES, start=1)))
    by_id = {h["id"]: h for h in store.history().to_json()}
    correction, retraction = EXAMPLES[-2], EXAMPLES[-1]
    corrected, retracted = by_id[correction["target"]], by_id[retraction["target"]]
    assert (corrected["corrected_by"], corrected["status"]) == ([by_id[correction["id"]]["position"]], "corrected")
    assert (retracted["corrected_by"], retracted["status"]) == ([by_id[retraction["id"]]["position"]], "retracted")


def test_an_exported_ledger_reimports_as_duplicates_only(store: Ledger) -> None:
    store.append(list(enumerate(EXAMPLES, start=1)))
    lines = [(n, json.loads(line)) for n, line in enumerate(store.export(), start=1)]
    result = store.append(lines)
    assert (result.appended, result.duplicates) == (0, len(EXAMPLES))
    assert len(store.history().to_json()) == len(EXAMPLES)


def test_the_store_fills_in_id_author_and_a_corrections_date(store: Ledger) -> None:
    bare = {k: v for k, v in EXAMPLES[0].items() if k not in ("id", "recorded_by")}
    store.append([(1, bare)], author="bob")
    store.append([(1, {"type": "ledger.retracted", "target": store.history().to_json()[0]["id"], "reason": "test",
                       "source": "s"})], author="bob")
    first, second = _exported(store)
    assert first["recorded_by"] == "bob" and len(first["id"]) == 36
    assert second["date"] == store.history().to_json()[1]["recorded_at"][:10]
