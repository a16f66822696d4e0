"""``ledger schedule import|list|show`` and schedules as ordinary subjects, on SQLite and PostgreSQL.

Imports the real HTS excerpts of tests/data (README.md there says where they come from), then
checks what a revision records, what a bad file does, and that a schedule goes through
corrections, ``--known-at``, history, export/import, verify and rebuild like any subject.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.conftest import Cli

DATA = Path(__file__).parent.parent / "data"
HTS_JSON = DATA / "hts-json-excerpt.json"
HTS_CSV = DATA / "hts-csv-excerpt.csv"
TRUCK = "8704210100"  # light trucks: 25% MFN (the "chicken tax")


def imported(cli: Cli, path: Path, *extra: str, effective_on: str = "2025-01-01", slug: str = "us-hts") -> Any:
    return cli("schedule", "import", str(path), "--imposer", "US", "--schedule", slug, "--effective-on",
               effective_on, "--source-title", "USITC HTS excerpt", *extra)


def rate(cli: Cli, product: str, day: str = "2025-06-01", *extra: str) -> dict[str, Any]:
    run = cli("rate", "JP", product, "--as-of", day, "--imposer", "US", "--format", "json", *extra)
    assert run.exit_code == 0, run.stderr
    return run.json()  # type: ignore[no-any-return]


def count(cli: Cli) -> int:
    return int(cli("digest").stdout.split()[1])


def test_an_import_reports_its_lines_and_the_rate_counts_the_mfn_line(cli: Cli) -> None:
    run = imported(cli, HTS_JSON)
    assert run.exit_code == 0, run.stderr
    assert "400 rows read: 132 lines (32 free, 87 ad valorem, 13 specific or compound)" in run.stderr
    assert "published us-hts at position 1: 132 lines added" in run.stderr
    answer = rate(cli, TRUCK)
    assert answer["rate"] == 25
    assert answer["components"] == [{"measure": "us-hts", "basis": "MFN", "rate": 25, "listed_rate": 25,
                                      "reduced_by": [], "line": TRUCK, "text": "25%"}]
    assert answer["warnings"] == []


def test_the_same_import_twice_adds_nothing(cli: Cli) -> None:
    assert imported(cli, HTS_JSON).exit_code == 0
    run = imported(cli, HTS_JSON)
    assert run.exit_code == 0
    assert "us-hts: nothing changed, nothing appended" in run.stderr
    assert count(cli) == 1


def test_a_later_revision_records_only_its_changes(cli: Cli, tmp_path: Path) -> None:
    assert imported(cli, HTS_JSON).exit_code == 0
    rows = json.loads(HTS_JSON.read_text(encoding="utf-8"))
    truck = next(r for r in rows if r["htsno"] == "8704.21.01.00")
    truck["general"] = "30%"
    dropped = next(r for r in rows if r["htsno"] == "8704.10.10.00")
    rows.remove(dropped)
    revision = tmp_path / "rev2.json"
    revision.write_text(json.dumps(rows), encoding="utf-8")
    run = imported(cli, revision, "--revision", "Revision 2", effective_on="2025-07-01")
    assert run.exit_code == 0, run.stderr
    assert "amended us-hts at position 2: 0 lines added, 1 replaced, 1 removed" in run.stderr
    event = json.loads(cli("export").stdout.splitlines()[-1])
    assert event["type"] == "schedule.amended"
    assert event["lines"] == [{"product": "8704210100", "rate": 30, "text": "30%", "specific": False,
                               "preferential": truck_preferential(event)}]
    assert event["removed"] == ["8704101000"]
    assert rate(cli, TRUCK)["rate"] == 25
    assert rate(cli, TRUCK, "2025-07-01")["rate"] == 30
    assert imported(cli, revision, effective_on="2025-07-01").stderr.endswith("nothing appended\n")


def truck_preferential(event: dict[str, Any]) -> list[dict[str, str]]:
    prefs: list[dict[str, str]] = event["lines"][0]["preferential"]
    assert {p["text"] for p in prefs} == {"Free", "25%"}
    return prefs


def test_a_malformed_row_exits_2_naming_it_and_writes_nothing(cli: Cli, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    rows = json.loads(HTS_JSON.read_text(encoding="utf-8"))[:20]
    rows[4]["htsno"] = "87x3"
    bad.write_text(json.dumps(rows), encoding="utf-8")
    run = imported(cli, bad)
    assert run.exit_code == 2
    assert "row 5" in run.stderr or "line 5" in run.stderr, run.stderr
    assert run.stderr.rstrip().endswith("nothing was written")
    assert "Traceback" not in run.stderr
    assert count(cli) == 0


def test_a_plain_csv_with_named_columns_imports(cli: Cli, tmp_path: Path) -> None:
    plain = tmp_path / "wits.csv"
    plain.write_text("hs6,mfn\n870421,25%\n870323,2.5%\n040221,$1.092/kg\n", encoding="utf-8")
    run = imported(cli, plain, "--format", "csv", "--product-column", "hs6", "--rate-column", "mfn")
    assert run.exit_code == 0, run.stderr
    assert rate(cli, "870323")["rate"] == 2.5
    specific = rate(cli, "04022150")
    assert specific["rate"] == 0 and "$1.092/kg" in specific["warnings"][0]


def test_the_hts_csv_export_imports(cli: Cli) -> None:
    run = imported(cli, HTS_CSV, "--format", "hts-csv")
    assert run.exit_code == 0, run.stderr
    assert cli("schedule", "list", "--format", "json").json()[0]["schedule"] == "us-hts"


def test_list_and_show_answer_in_each_format(cli: Cli) -> None:
    assert imported(cli, HTS_JSON).exit_code == 0
    listed = cli("schedule", "list", "--imposer", "US", "--as-of", "2025-06-01", "--format", "json").json()
    assert [(s["schedule"], s["in_force"], s["lines"]) for s in listed] == [("us-hts", True, 132)]
    shown = cli("schedule", "show", "us-hts", "--product", "870421", "--as-of", "2025-06-01", "--format", "json")
    assert [ln["product"] for ln in shown.json()["lines"]] == [TRUCK]
    assert cli("schedule", "show", "us-hts", "--format", "csv").stdout.startswith("product,rate,text,specific")
    assert "8704210100" in cli("schedule", "show", "us-hts", "--product", "8704").stdout
    missing = cli("schedule", "show", "nope")
    assert missing.exit_code == 2 and missing.stderr.startswith("error: schedule: no schedule 'nope'")


def test_state_lists_the_schedule_in_force_as_one_row(cli: Cli) -> None:
    assert imported(cli, HTS_JSON).exit_code == 0
    state = cli("state", "--as-of", "2025-06-01", "--format", "json").json()
    assert [(s["schedule"], s["lines"]) for s in state["schedules"]] == [("us-hts", 132)]
    assert "Tariff schedules in force on 2025-06-01" in cli("state", "--as-of", "2025-06-01").stdout


def test_a_schedule_is_an_ordinary_subject(cli: Cli) -> None:
    assert imported(cli, HTS_JSON).exit_code == 0
    history = cli("history", "--format", "json").json()
    assert [(h["type"], h["subject"]) for h in history] == [("schedule.published", "schedule:us-hts")]
    before = cli("history", "--format", "json").json()[0]["recorded_at"]
    fix = cli("append", "ledger.corrected", "--target", history[0]["id"], "--fields",
              '{"effective_on": "2025-07-01"}', "--reason", "the revision took effect in July", "--source", "USITC")
    assert fix.exit_code == 0, fix.stderr
    assert rate(cli, TRUCK)["rate"] == 0
    assert rate(cli, TRUCK, "2025-06-01", "--known-at", before)["rate"] == 25
    assert cli("verify").exit_code == 0
    assert cli("rebuild").exit_code == 0 and cli("verify").exit_code == 0
    assert rate(cli, TRUCK, "2025-07-01")["rate"] == 25
    retract = cli("append", "ledger.retracted", "--target", history[0]["id"], "--reason", "wrong file",
                  "--source", "USITC")
    assert retract.exit_code == 0, retract.stderr
    assert cli("schedule", "list", "--format", "json").json() == []
    assert cli("verify").exit_code == 0


def test_export_and_import_give_the_same_answers(cli: Cli, tmp_path: Path) -> None:
    from ledger.service import Ledger

    assert imported(cli, HTS_JSON).exit_code == 0
    exported = cli("export").stdout
    copy = Cli(f"sqlite:///{tmp_path / 'copy.db'}")
    Ledger(copy.url).init()
    assert copy("append", "--file", "-", input=exported).exit_code == 0
    assert rate(copy, TRUCK) == rate(cli, TRUCK)
    assert copy("verify").exit_code == 0


def test_the_timeline_describes_schedule_events(cli: Cli) -> None:
    assert imported(cli, HTS_JSON).exit_code == 0
    entries = cli("timeline", "--format", "json").json()
    assert entries[0]["description"] == "us-hts published by US: MFN schedule of 132 lines, in force from 2025-01-01"
