"""Read commands through the real CLI: history (filters, corrections linked), formats, and the JSON shapes."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from tests.conftest import Cli
from tests.scenario import ev, seed_scenario

AUTOS_ID = "aaaaaaaa-0000-4000-8000-000000000001"


@pytest.fixture
def seeded(cli: Cli) -> Cli:
    events = seed_scenario()
    events[0] = {**events[0], "id": AUTOS_ID}
    run = cli.append_lines(events)
    assert run.exit_code == 0, run.stderr
    return cli


def history(cli: Cli, *args: str) -> list[dict[str, Any]]:
    run = cli("history", "--format", "json", *args)
    assert run.exit_code == 0, run.stderr
    return run.json()  # type: ignore[no-any-return]


def csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_history_lists_every_event_in_record_order_with_its_audit_fields(seeded: Cli) -> None:
    entries = history(seeded)
    assert [e["position"] for e in entries] == list(range(1, len(seed_scenario()) + 1))
    assert [e["type"] for e in entries] == [e["type"] for e in seed_scenario()]
    for entry in entries:
        assert {"position", "id", "type", "date", "recorded_at", "recorded_by", "source"} <= entry.keys()
    assert entries[0]["recorded_by"] == "tester"
    assert entries[0]["source"]["publisher"] == "seed"
    assert [e["recorded_at"] for e in entries] == sorted(e["recorded_at"] for e in entries)


def test_history_filters_by_measure(seeded: Cli) -> None:
    entries = history(seeded, "--measure", "us-reciprocal-jp")
    assert [(e["type"], e["measure"]) for e in entries] == [("measure.announced", "us-reciprocal-jp"),
                                                          ("measure.suspended", "us-reciprocal-jp")]


def test_history_filters_by_track(seeded: Cli) -> None:
    entries = history(seeded, "--track", "us-jp-tariffs")
    assert len(entries) == 8 and {e["track"] for e in entries} == {"us-jp-tariffs"}
    assert entries[0]["type"] == "talks.opened"


def test_history_filters_by_date_both_ends_inclusive(seeded: Cli) -> None:
    entries = history(seeded, "--since", "2025-05-01", "--until", "2025-06-06")
    assert sorted({e["date"] for e in entries}) == ["2025-05-01", "2025-05-23", "2025-05-30", "2025-06-06"]
    assert all(e["type"].startswith("talks.") for e in entries)


def test_history_filters_combine(seeded: Cli) -> None:
    entries = history(seeded, "--track", "us-jp-tariffs", "--since", "2025-05-30")
    assert [(e["type"], e.get("round")) for e in entries] == [
        ("talks.round_held", 4), ("talks.round_held", 5), ("talks.proposal_submitted", None),
        ("talks.round_scheduled", 6)]


def test_history_links_a_correction_to_its_target(seeded: Cli) -> None:
    fix = ev("ledger.corrected", "2025-04-01", target=AUTOS_ID, fields={"rate": 27.5}, reason="typo")
    undo = ev("ledger.retracted", "2025-04-01", target=AUTOS_ID, reason="duplicate")
    assert seeded.append_lines([fix, undo]).exit_code == 0
    entries = history(seeded)
    target, correction, retraction = entries[0], entries[-2], entries[-1]
    assert target["corrected_by"] == [correction["position"], retraction["position"]]
    assert (correction["target"], retraction["target"]) == (AUTOS_ID, AUTOS_ID)
    assert target["rate"] == 25, "history shows what was recorded; the correction is its own entry"


def test_history_by_measure_includes_the_corrections_of_its_events(seeded: Cli) -> None:
    fix = ev("ledger.corrected", "2025-04-01", target=AUTOS_ID, fields={"rate": 27.5}, reason="typo")
    assert seeded.append_lines([fix]).exit_code == 0
    assert [e["type"] for e in history(seeded, "--measure", "us-232-autos")] == ["measure.announced",
                                                                              "ledger.corrected"]


def test_history_as_csv_has_a_header_and_a_row_per_event(seeded: Cli) -> None:
    run = seeded("history", "--format", "csv", "--measure", "us-reciprocal-jp")
    assert run.exit_code == 0, run.stderr
    rows = csv_rows(run.stdout)
    assert [(r["position"], r["type"], r["date"]) for r in rows] == [
        ("3", "measure.announced", "2025-04-02"), ("4", "measure.suspended", "2025-04-09")]
    assert {"position", "recorded_at", "recorded_by", "source"} <= rows[0].keys()


def test_history_as_a_table_names_each_event(seeded: Cli) -> None:
    run = seeded("history", "--measure", "us-232-autos")
    assert run.exit_code == 0 and "measure.announced" in run.stdout and "us-232-autos" in run.stdout


def test_state_as_csv_lists_the_measures_with_their_status(seeded: Cli) -> None:
    run = seeded("state", "--as-of", "2025-06-01", "--format", "csv")
    assert run.exit_code == 0, run.stderr
    rows = {r["measure"]: r for r in csv_rows(run.stdout)}
    assert {m: r["status"] for m, r in rows.items()} == {
        "us-232-autos": "in_force", "us-reciprocal-baseline": "in_force", "us-reciprocal-jp": "suspended"}
    assert rows["us-232-autos"]["rate"] == "25"


def test_state_json_has_the_spec_shape(seeded: Cli) -> None:
    state = seeded("state", "--as-of", "2025-06-10", "--format", "json").json()
    assert (state["as_of"], state["known_at"]) == ("2025-06-10", None)
    keys = {"measure", "imposer", "status", "rate", "partners", "products", "basis", "effective_on"}
    assert state["measures"] and all(keys <= measure.keys() for measure in state["measures"])
    (talks,) = state["negotiations"]
    assert {"track", "parties", "status", "rounds_held", "last_round", "next_round", "proposals",
            "summits"} <= talks.keys()
    assert {"proposal", "by", "status"} <= talks["proposals"][0].keys()
    assert {"summit", "starts_on", "status"} <= talks["summits"][0].keys()


def test_state_filters_by_imposer_and_partner(seeded: Cli) -> None:
    def measures(*args: str) -> list[str]:
        state = seeded("state", "--as-of", "2025-06-01", "--format", "json", *args).json()
        return [m["measure"] for m in state["measures"]]

    assert measures("--partner", "CN") == ["us-232-autos", "us-reciprocal-baseline"]
    assert measures("--partner", "JP") == ["us-232-autos", "us-reciprocal-baseline", "us-reciprocal-jp"]
    assert measures("--imposer", "EU") == []
    negotiations = seeded("state", "--as-of", "2025-06-01", "--partner", "CN", "--format", "json").json()
    assert negotiations["negotiations"] == []


def test_rate_json_has_the_spec_shape_and_its_components_add_up(seeded: Cli) -> None:
    run = seeded("rate", "JP", "9503", "--as-of", "2025-04-09", "--format", "json")
    assert run.exit_code == 0, run.stderr
    rate = run.json()
    assert {k: rate[k] for k in ("imposer", "partner", "product", "as_of", "rate")} == {
        "imposer": "US", "partner": "JP", "product": "9503", "as_of": "2025-04-09", "rate": 24}
    assert sum(c["rate"] for c in rate["components"]) == rate["rate"]
    assert all({"measure", "rate"} <= c.keys() for c in rate["components"])
    assert all({"measure", "reason"} <= e.keys() for e in rate["excluded"])


def test_rate_as_a_table_states_the_rate(seeded: Cli) -> None:
    run = seeded("rate", "JP", "870323", "--as-of", "2025-06-01")
    assert run.exit_code == 0 and "25%" in run.stdout and "us-232-autos" in run.stdout


@pytest.mark.parametrize("command", [("verify",), ("digest",)])
def test_a_format_a_command_cannot_give_is_refused_before_it_runs(cli: Cli, command: tuple[str, ...]) -> None:
    run = cli(*command, "--format", "csv")
    assert run.exit_code == 2
    assert "--format" in run.stderr and "csv" in run.stderr and run.stdout == ""


@pytest.mark.parametrize("command", [
    ("state", "--as-of", "2025-06-01"), ("rate", "JP", "870323", "--as-of", "2025-06-01"),
    ("diff", "--from", "2025-04-01", "--to", "2025-06-01"), ("history",), ("timeline",),
])
def test_every_read_command_gives_table_json_and_csv(cli: Cli, command: tuple[str, ...]) -> None:
    assert cli.append_lines(seed_scenario()).exit_code == 0
    as_json = cli(*command, "--format", "json")
    as_csv = cli(*command, "--format", "csv")
    as_table = cli(*command)
    assert (as_json.exit_code, as_csv.exit_code, as_table.exit_code) == (0, 0, 0)
    assert isinstance(as_json.json(), dict | list)
    assert as_csv.stdout.splitlines()[0].count(",") >= 2 and as_table.stdout.strip()
