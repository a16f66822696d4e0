"""``--known-at``: what the ledger said about a date, using only what had been recorded by then (docs/spec.md §2).

Record times are the store's; tests take them from ``ledger history --format
json`` (``recorded_at``) after each append, never from a clock.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Cli
from tests.scenario import ev

ANNOUNCE = ("append", "measure.announced", "--date", "2025-03-26", "--measure", "us-232-autos", "--imposer", "US",
            "--partners", "*", "--products", "8703", "--rate", "25", "--basis", "Section 232",
            "--effective-on", "2025-04-03", "--source", "Proclamation 10908")


def recorded_at(cli: Cli) -> list[str]:
    return [e["recorded_at"] for e in cli("history", "--format", "json").json()]


def rate(cli: Cli, day: str, *args: str) -> Any:
    run = cli("rate", "JP", "870323", "--as-of", day, "--imposer", "US", "--format", "json", *args)
    assert run.exit_code == 0, run.stderr
    return run.json()["rate"]


def state(cli: Cli, day: str, *args: str) -> dict[str, Any]:
    run = cli("state", "--as-of", day, "--format", "json", *args)
    assert run.exit_code == 0, run.stderr
    return run.json()  # type: ignore[no-any-return]


@pytest.fixture
def announced(cli: Cli) -> tuple[Cli, str]:
    run = cli(*ANNOUNCE)
    assert run.exit_code == 0, run.stderr
    return cli, run.stdout.strip()


def test_known_at_before_a_correction_shows_the_old_answer_and_after_it_the_new(announced: tuple[Cli, str]) -> None:
    cli, target = announced
    run = cli("append", "ledger.corrected", "--target", target, "--fields", '{"rate": 20}',
              "--reason", "the proclamation says 20", "--source", "Federal Register")
    assert run.exit_code == 0, run.stderr
    before, after = recorded_at(cli)
    assert before < after
    assert rate(cli, "2025-06-01", "--known-at", before) == 25
    assert rate(cli, "2025-06-01", "--known-at", after) == 20
    assert rate(cli, "2025-06-01") == 20


def test_state_under_known_at_says_which_record_time_it_used(announced: tuple[Cli, str]) -> None:
    cli, _ = announced
    (at,) = recorded_at(cli)
    answer = state(cli, "2025-06-01", "--known-at", at)
    assert answer["known_at"] == at
    assert [(m["measure"], m["rate"]) for m in answer["measures"]] == [("us-232-autos", 25)]


def test_known_at_before_a_retraction_still_shows_the_event(announced: tuple[Cli, str]) -> None:
    cli, target = announced
    run = cli("append", "ledger.retracted", "--target", target, "--reason", "duplicate", "--source", "s")
    assert run.exit_code == 0, run.stderr
    before, after = recorded_at(cli)
    assert [m["measure"] for m in state(cli, "2025-06-01", "--known-at", before)["measures"]] == ["us-232-autos"]
    assert state(cli, "2025-06-01", "--known-at", after)["measures"] == []
    assert state(cli, "2025-06-01")["measures"] == []


def test_history_shows_both_the_original_and_its_correction(announced: tuple[Cli, str]) -> None:
    cli, target = announced
    cli("append", "ledger.corrected", "--target", target, "--fields", '{"rate": 20}', "--reason", "r", "--source", "s")
    original, correction = cli("history", "--format", "json").json()
    assert (original["rate"], original["corrected_by"]) == (25, [correction["position"]])
    assert correction["fields"] == {"rate": 20}


def test_a_late_recorded_backfill_changes_answers_about_an_earlier_date(announced: tuple[Cli, str]) -> None:
    cli, _ = announced
    # Recorded now, about April: a suspension nobody had recorded at the time.
    backfill = ev("measure.suspended", "2025-04-20", measure="us-232-autos", until="2025-05-10")
    assert cli.append_lines([backfill]).exit_code == 0
    before, after = recorded_at(cli)
    assert rate(cli, "2025-04-25") == 0
    assert rate(cli, "2025-04-25", "--known-at", after) == 0
    assert rate(cli, "2025-04-25", "--known-at", before) == 25
    assert rate(cli, "2025-05-10") == 25


def test_a_retroactive_amendment_changes_the_past_except_as_known_before_it(announced: tuple[Cli, str]) -> None:
    cli, _ = announced
    amendment = ev("measure.amended", "2025-09-04", measure="us-232-autos", effective_on="2025-08-07", rate=15)
    assert cli.append_lines([amendment]).exit_code == 0
    before, _ = recorded_at(cli)
    assert (rate(cli, "2025-08-10"), rate(cli, "2025-08-10", "--known-at", before)) == (15, 25)
    assert rate(cli, "2025-08-06") == 25


def test_known_at_before_anything_was_recorded_shows_nothing(announced: tuple[Cli, str]) -> None:
    cli, _ = announced
    assert state(cli, "2025-06-01", "--known-at", "2000-01-01")["measures"] == []
    assert rate(cli, "2025-06-01", "--known-at", "2000-01-01T00:00:00+00:00") == 0


def test_known_at_as_a_date_means_the_end_of_that_day(announced: tuple[Cli, str]) -> None:
    cli, _ = announced
    (at,) = recorded_at(cli)
    assert rate(cli, "2025-06-01", "--known-at", at[:10]) == 25


def test_known_at_answers_equal_the_read_model_once_everything_counts(announced: tuple[Cli, str]) -> None:
    cli, target = announced
    cli.append_lines([ev("measure.suspended", "2025-04-20", measure="us-232-autos", until="2025-05-10"),
                      ev("ledger.corrected", "2025-05-01", target=target, fields={"effective_on": "2025-04-05"},
                         reason="r")])
    last = recorded_at(cli)[-1]
    for day in ("2025-04-04", "2025-04-05", "2025-04-25", "2025-05-10"):
        now, then = state(cli, day), state(cli, day, "--known-at", last)
        assert now["measures"] == then["measures"], day


def test_a_known_at_that_is_not_a_time_is_refused(announced: tuple[Cli, str]) -> None:
    cli, _ = announced
    run = cli("state", "--as-of", "2025-06-01", "--known-at", "yesterday")
    assert run.exit_code == 2 and "known_at:" in run.stderr
