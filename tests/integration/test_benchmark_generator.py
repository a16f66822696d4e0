"""The benchmark generator: reproducible for a seed, valid event by event, and big = small + unrelated.

The growth benchmark depends on these: a big ledger must contain the small one
unchanged (so both give the same US–Japan answers), and every generated line
must be accepted, or a 1M-event import would fail at the end.
"""

from __future__ import annotations

import io
import sqlite3
from contextlib import closing
from itertools import islice
from pathlib import Path
from typing import Any

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks.generate import big, ledger, plain, sample_events, small, write_jsonl
from events.parse import parse_event
from events.registry import EVENT_TYPES
from ledger.service import Ledger


def _bytes(kind: str, size: int, seed: int) -> bytes:
    out = io.BytesIO()
    write_jsonl(ledger(kind, size, seed, small_size=100), out)
    return out.getvalue()


def test_same_seed_gives_the_same_ledger_byte_for_byte() -> None:
    assert _bytes("big", 1500, seed=3) == _bytes("big", 1500, seed=3)


def test_another_seed_gives_another_ledger() -> None:
    assert _bytes("plain", 200, seed=3) != _bytes("plain", 200, seed=4)


def test_a_ledger_has_exactly_the_requested_size() -> None:
    assert sum(1 for _ in big(700, seed=1, small_size=100)) == 700
    assert sum(1 for _ in small(100, seed=1)) == 100


def test_big_ledger_holds_the_small_one_unchanged_and_in_order() -> None:
    small_events = list(small(100, seed=5))
    in_big = [e for e in big(1000, seed=5, small_size=100) if e in small_events]
    assert in_big == small_events


def test_small_ledger_holds_the_whole_sample() -> None:
    ids = {e["id"] for e in small(100, seed=2)}
    assert {e["id"] for e in sample_events()} <= ids


def test_unrelated_events_never_touch_us_measures_or_us_japan_talks() -> None:
    small_ids = {e["id"] for e in small(100, seed=6)}
    for event in big(3000, seed=6, small_size=100):
        if event["id"] in small_ids:
            continue
        assert event.get("imposer") != "US"
        assert not {"US", "JP"} <= set(event.get("parties", ()))


def test_generated_events_cover_every_event_type() -> None:
    types = {e["type"] for e in islice(plain(5000, seed=0), 5000)}
    assert types == set(EVENT_TYPES)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(min_value=0, max_value=2**32))
def test_every_generated_event_passes_validation(seed: int) -> None:
    for line, event in enumerate(plain(400, seed), start=1):
        parse_event(event, line)


def test_store_accepts_a_generated_ledger(store: Ledger) -> None:
    events = list(big(300, seed=1, small_size=100))
    result = store.append(list(enumerate(events, start=1)), author="tester")
    assert result.appended == 300
    assert store.append(list(enumerate(events, start=1)), author="tester").duplicates == 300


def test_the_schedule_import_benchmark_runs_its_three_imports() -> None:
    from benchmarks.schedules import generate_hts_rows, import_times

    times = import_times(generate_hts_rows(400))
    assert list(times) == ["first revision", "second revision", "again"]
    assert all(seconds > 0 for seconds in times.values())


def test_the_library_ceiling_saves_every_line_through_the_librarys_own_application(tmp_path: Path) -> None:
    from benchmarks.library import save_all

    path = tmp_path / "lines.jsonl"
    path.write_bytes(b"".join(orjson.dumps(e) + b"\n" for e in islice(big(2500, seed=1), 2500)))
    found = save_all(str(path), f"sqlite:///{tmp_path / 'library.db'}")
    assert found["events"] == 2500
    with closing(sqlite3.connect(tmp_path / "library.db")) as db:
        assert db.execute("SELECT count(*), max(originator_version) FROM application_events").fetchone() == (2500, 2500)


def generated_ledger(url: str, size: int = 1500, seed: int = 2) -> str:
    """A new ledger at ``url`` holding a generated big ledger of ``size`` events."""
    store = Ledger(url)
    store.init()
    try:
        store.append(list(enumerate(islice(big(size, seed=seed), size), start=1)))
    finally:
        store.close()
    return url


def rendered(*runs: dict[str, Any]) -> str:
    """The report's Markdown for these runs, on a made-up machine and baseline."""
    from benchmarks.report import render

    result = {"baseline": {"python_pass_ms": 18, "python_sqlite_ms": 23, "ledger_help_ms": 69,
                           "sqlite_insert_rows_per_s": 600_000},
              "machine": {"cpus": 2, "python": "3.11", "platform": "linux", "commit": "abc", "load_avg": [0, 0, 0]},
              "mode": "quick", "seed": 0, "seconds": 1, "runs": list(runs)}
    return render(result, markdown=True)


def test_the_report_puts_the_library_ceiling_beside_the_import() -> None:
    run = {"backend": "sqlite", "size": 1000, "import": {"events_per_s": 30_000.0, "events_per_cpu_s": 31_000.0},
           "library": {"events_per_s": 12_000.0, "events_per_cpu_s": 12_500.0}}
    text = rendered({**run, "growth_base_size": 1000})
    assert "| library ev/s |" in text
    assert "| 30,000 | 31,000 | 600,000 | 12,000 | 12,500 |" in text
    assert "| import ÷ library ceiling | sqlite | 1k | ≥ 1.0 × | 2.50× | yes |" in text


def test_the_whole_ledgers_answer_is_measured_as_table_and_json(tmp_path: Path) -> None:
    from benchmarks.run import whole_state

    found = whole_state(generated_ledger(f"sqlite:///{tmp_path / 'whole.db'}"))
    assert found["table_s"] > 0 and found["json_s"] > 0 and found["table_rss_mb"] > 10
    assert found["json_mb"] > 0.01  # the answer itself, not an error
    assert found["history_mb"] > found["timeline_mb"] > 0.1 and found["history_s"] > 0 and found["timeline_s"] > 0
    text = rendered({"backend": "sqlite", "size": 1500, "whole_state": found, "growth_base_size": 1500})
    assert "#### The whole ledger's answer" in text
    assert f"| sqlite | 1500 | {found['table_s']:,.1f} | {found['table_rss_mb']:,.0f} |" in text
