"""``ledger export --full`` and ``ledger restore``: a backup that keeps record history (SPEC §5).

The source is the sourced sample ledger, then a correction appended later, so a
``--known-at`` between the two appends answers differently from one after. The
copy lives on the *other* backend, and back again, so SQLite → PostgreSQL and
PostgreSQL → SQLite are both exercised. A plain ``export | append --file`` of
the same ledger is the contrast: same events, new record times.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import SAMPLE, Cli, pg_schema_url
from tests.scenario import ev

EMPTY = f"{'0' * 64} 0"
DAYS = ("2025-04-05", "2025-06-01", "2025-08-07", "2025-12-31")
PAIRS = (("JP", "87032301"), ("JP", "9503"), ("CN", "7208"))
# the sample's events and the one correction fill() records
STORED = sum(1 for line in SAMPLE.read_text(encoding="utf-8").splitlines() if line.strip()) + 1


def fill(cli: Cli) -> Cli:
    """The sample ledger, then a correction of the car tariff's rate recorded later."""
    run = cli("append", "--file", str(SAMPLE))
    assert run.exit_code == 0, run.stderr
    autos = next(e for e in cli("history", "--measure", "us-232-autos", "--format", "json").json()
                 if e["type"] == "measure.announced")
    fix = ev("ledger.corrected", "2025-11-01", target=autos["id"], fields={"rate": 27}, reason="test")
    assert cli.append_lines([fix]).exit_code == 0
    return cli


@pytest.fixture
def source(cli: Cli) -> Cli:
    return fill(cli)


@pytest.fixture(scope="module")
def sample_backup(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A backup of the filled sample (from SQLite: the text is the same from either backend)."""
    cli = Cli(f"sqlite:///{tmp_path_factory.mktemp('backup') / 'source.db'}")
    assert cli("init").exit_code == 0
    return fill(cli)("export", "--full").stdout


@contextmanager
def _other(url: str, tmp_path: Path, name: str) -> Iterator[Cli]:
    """An empty, initialised ledger on the backend that ``url`` is not on."""

    @contextmanager
    def database() -> Iterator[str]:
        if url.startswith("sqlite"):
            with contextmanager(pg_schema_url)() as pg:
                yield pg
        else:
            yield f"sqlite:///{tmp_path / name}"

    with database() as other:
        cli = Cli(other)
        assert cli("init").exit_code == 0
        yield cli


@pytest.fixture
def copy(db_url: str, tmp_path: Path) -> Iterator[Cli]:
    with _other(db_url, tmp_path, "copy.db") as cli:
        yield cli


def record_times(cli: Cli) -> list[str]:
    return sorted({e["recorded_at"] for e in cli("history", "--format", "json").json()})


def answers(cli: Cli, moments: list[str | None]) -> dict[str, Any]:
    out: dict[str, Any] = {"digest": cli("digest").stdout,
                           "history": cli("history", "--format", "json").json()}
    for moment in moments:
        cut = ("--known-at", moment) if moment else ()
        for day in DAYS:
            out[f"state {day} {moment}"] = cli("state", "--as-of", day, "--format", "json", *cut).json()
            for partner, product in PAIRS:
                out[f"rate {day} {partner} {product} {moment}"] = cli(
                    "rate", partner, product, "--as-of", day, "--imposer", "US", "--format", "json", *cut).json()
    return out


def restore(cli: Cli, backup: str) -> Any:
    return cli("restore", "-", input=backup)


def test_a_restored_backup_has_the_same_digest_export_and_known_at_answers(source: Cli, copy: Cli) -> None:
    sample_at, correction_at = record_times(source)
    moments = ["2025-01-01T00:00:00+00:00", sample_at, correction_at, None]
    backup = source("export", "--full").stdout
    run = restore(copy, backup)
    assert run.exit_code == 0, run.stderr
    assert f"restored {STORED} events" in run.stderr
    assert copy("digest").stdout == source("digest").stdout
    assert copy("export", "--full").stdout == backup
    assert copy("export").stdout == source("export").stdout
    assert answers(copy, moments) == answers(source, moments)
    before = copy("rate", "JP", "87032301", "--as-of", "2025-06-01", "--imposer", "US", "--format", "json",
                  "--known-at", sample_at).json()["rate"]
    after = copy("rate", "JP", "87032301", "--as-of", "2025-06-01", "--imposer", "US",
                 "--format", "json").json()["rate"]
    assert (before, after) == (27.5, 29.5)  # the correction matters, and only from when it was recorded
    verified = copy("verify")
    assert verified.exit_code == 0, verified.stderr


def test_a_backup_restored_there_and_back_is_byte_identical(source: Cli, copy: Cli, tmp_path: Path) -> None:
    backup = source("export", "--full").stdout
    assert restore(copy, backup).exit_code == 0
    path = tmp_path / "there.jsonl"
    path.write_text(copy("export", "--full").stdout)
    with _other(copy.url, tmp_path, "back.db") as back:
        run = back("restore", str(path))
        assert run.exit_code == 0, run.stderr
        assert back("export", "--full").stdout == backup
        assert back("digest").stdout == source("digest").stdout
        # The restored ledger takes new events like any other, after the restored ones.
        assert back.append_lines([ev("talks.statement", "2025-12-01", track="us-jp-tariffs", speaker="x",
                                     party="JP", text="y")]).exit_code == 0
        assert back("verify").exit_code == 0


def test_a_restore_a_page_at_a_time_files_each_correction_under_its_target(
        source: Cli, copy: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    """One event a page: every correction's target is found in the index written pages before, not on the page."""
    import ledger.backup

    fix = next(e for e in source("history", "--format", "json").json() if e["type"] == "ledger.corrected")
    undo = ev("ledger.retracted", "2025-11-02", target=fix["id"], reason="test: a correction of a correction")
    assert source.append_lines([undo]).exit_code == 0
    monkeypatch.setattr(ledger.backup, "PAGE", 1)
    run = restore(copy, source("export", "--full").stdout)
    assert run.exit_code == 0, run.stderr
    assert answers(copy, [None]) == answers(source, [None])
    assert copy("verify").exit_code == 0


def test_plain_export_and_append_merges_events_but_records_them_anew(source: Cli, copy: Cli) -> None:
    """The difference the docs explain: same events and current answers, new record times and digest."""
    run = copy("append", "--file", "-", input=source("export").stdout)
    assert run.exit_code == 0, run.stderr
    assert copy("export").stdout == source("export").stdout
    assert copy("digest").stdout != source("digest").stdout
    assert record_times(copy) != record_times(source)


def test_each_line_has_every_stored_field(source: Cli) -> None:
    header, *lines = [json.loads(line) for line in source("export", "--full").stdout.splitlines()]
    assert header == {"ledger_backup": 1, "events": STORED, "digest": source("digest").stdout.split()[0]}
    history = source("history", "--format", "json").json()
    assert [line["position"] for line in lines] == list(range(1, STORED + 1))
    for line, entry in zip(lines, history, strict=True):
        assert {"position", "recorded_at", "recorded_by_role", "topic", "event", "link"} == line.keys()
        assert line["recorded_at"] == entry["recorded_at"]
        assert line["event"]["recorded_by"] == entry["recorded_by"]
        assert line["event"]["id"] == entry["id"]
    assert lines[-1]["link"] == header["digest"]


def _edit(backup: str, line: int, change: Callable[[dict[str, Any]], Any]) -> str:
    rows = backup.splitlines()
    value = json.loads(rows[line - 1])
    change(value)
    rows[line - 1] = json.dumps(value)
    return "\n".join(rows) + "\n"


def _set(path: str, new: Any) -> Callable[[dict[str, Any]], None]:
    def change(value: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        for key in parents:
            value = value[key]
        value[last] = new
    return change


# (what, how the backup is spoiled, what the one error line must say)
BAD: list[tuple[str, Callable[[str], str], str]] = [
    ("an edited event", lambda b: _edit(b, 8, _set("event.note", "forged")), "line 8: link: does not match"),
    ("an edited author", lambda b: _edit(b, 3, _set("event.recorded_by", "Federal Register")),
     "line 3: link: does not match"),
    ("a removed line", lambda b: "".join(r for i, r in enumerate(b.splitlines(True)) if i != 4),
     "line 5: position: expected 4, got 5"),
    ("two swapped lines", lambda b: "".join([*b.splitlines(True)[:3], b.splitlines(True)[4],
                                             b.splitlines(True)[3], *b.splitlines(True)[5:]]),
     "line 4: position: expected 3, got 4"),
    ("a backup cut short", lambda b: "".join(b.splitlines(True)[:-3]), "it was cut short or altered"),
    ("a backdated record time", lambda b: _edit(b, 10, _set("recorded_at", "2020-01-01T00:00:00.000000+00:00")),
     "line 10: recorded_at: 2020-01-01T00:00:00.000000+00:00 is before the previous line's"),
    ("a record time in the future", lambda b: _edit(b, 56, _set("recorded_at", "2999-01-01T00:00:00.000000+00:00")),
     "line 56: recorded_at: 2999-01-01T00:00:00.000000+00:00 is later than the database's clock"),
    ("a record time in another form", lambda b: _edit(b, 2, _set("recorded_at", "2025-06-01 09:30:00")),
     "line 2: recorded_at: expected a UTC time"),
    ("an event that does not read", lambda b: _edit(b, 4, _set("event.date", "2025-13-01")),
     "line 4: event.date:"),
    ("a wrong topic", lambda b: _edit(b, 2, _set("topic", "os:system")), "line 2: topic: 'os:system' is not"),
    ("a missing link", lambda b: _edit(b, 2, lambda v: v.pop("link")), "line 2: link: is required but missing"),
    ("an unknown field", lambda b: _edit(b, 2, _set("db_time", "x")), "line 2: db_time: is not a field"),
    ("a line that is not JSON", lambda b: "".join([*b.splitlines(True)[:3], "{oops\n", *b.splitlines(True)[3:]]),
     "line 4: not valid JSON"),
    ("a plain export", lambda b: "".join(json.dumps(json.loads(r)["event"]) + "\n" for r in b.splitlines()[1:]),
     "line 1: not a backup written by `ledger export --full`"),
    ("a header of another format", lambda b: _edit(b, 1, _set("ledger_backup", 99)),
     "line 1: ledger_backup: backup format 99"),
    ("an empty file", lambda b: "", "the backup is empty"),
]


@pytest.mark.parametrize("what, spoil, says", BAD, ids=[b[0] for b in BAD])
def test_a_bad_backup_is_refused_naming_the_line_and_nothing_is_written(
    sample_backup: str, cli: Cli, what: str, spoil: Callable[[str], str], says: str
) -> None:
    empty = cli
    run = restore(empty, spoil(sample_backup))
    assert run.exit_code == 2, (what, run.stderr)
    assert says in run.stderr, (what, run.stderr)
    assert "nothing was written" in run.stderr
    assert "Traceback" not in run.stderr
    assert empty("digest").stdout.strip() == EMPTY
    assert empty("history", "--format", "json").json() == []


def test_restore_refuses_a_ledger_that_is_not_empty(source: Cli) -> None:
    before = source("export", "--full").stdout
    run = restore(source, before)
    assert run.exit_code == 2
    assert "is not empty: restore fills an empty ledger only" in run.stderr
    assert "nothing was written" in run.stderr
    assert source("export", "--full").stdout == before


def test_a_backup_that_cannot_be_read_is_refused(cli: Cli, tmp_path: Path) -> None:
    run = cli("restore", str(tmp_path / "missing.jsonl"))
    assert run.exit_code == 2
    assert "cannot read" in run.stderr and "Traceback" not in run.stderr


def test_a_ledger_without_events_backs_up_and_restores(cli: Cli, tmp_path: Path) -> None:
    backup = cli("export", "--full").stdout
    assert json.loads(backup) == {"ledger_backup": 1, "events": 0, "digest": "0" * 64}
    with _other(cli.url, tmp_path, "copy.db") as copy:
        assert restore(copy, backup).exit_code == 0
        assert copy("digest").stdout.strip() == EMPTY
