"""Corrections checked against the event as it reads now, deep retraction chains, and subjects that
stay introduced: rules that must not depend on how appends were split into files."""

from __future__ import annotations

import datetime as dt

import pytest

from ledger.service import Ledger

ANN = "00000000-0000-0000-0000-000000000001"
SUS = "00000000-0000-0000-0000-000000000002"


def announce(**extra: object) -> dict[str, object]:
    return {"type": "measure.announced", "id": ANN, "date": "2025-04-02", "measure": "x", "imposer": "US",
            "partners": ["JP"], "products": ["*"], "rate": 10, "basis": "MFN", "effective_on": "2025-04-09",
            "source": "s", **extra}


def suspend() -> dict[str, object]:
    return {"type": "measure.suspended", "id": SUS, "date": "2025-05-01", "measure": "x", "source": "s"}


def correct(target: str, **fields: object) -> dict[str, object]:
    return {"type": "ledger.corrected", "target": target, "fields": fields, "reason": "r", "source": "s"}


def retract(target: str, id_: str | None = None) -> dict[str, object]:
    return {"type": "ledger.retracted", "target": target, "reason": "r", "source": "s",
            **({"id": id_} if id_ else {})}


def test_a_correction_that_clashes_with_an_earlier_correction_is_bad_input(cli) -> None:  # type: ignore[no-untyped-def]
    assert cli.append_lines([announce(), suspend(), correct(SUS, until="2025-05-10")]).exit_code == 0
    run = cli.append_lines([correct(SUS, effective_on="2025-05-20")])
    assert run.exit_code == 2
    assert "fields.until" in run.stderr


def test_a_clash_with_an_earlier_line_of_the_same_file_is_bad_input(cli) -> None:  # type: ignore[no-untyped-def]
    run = cli.append_lines([announce(), suspend(), correct(SUS, until="2025-05-10"),
                            correct(SUS, effective_on="2025-05-20")])
    assert run.exit_code == 2 and "line 4" in run.stderr
    assert cli("history", "--format", "json").json() == []


def test_retracting_an_earlier_correction_drops_a_later_one_that_no_longer_fits(store: Ledger) -> None:
    # S runs 05-01..05-15; C1 moves its end to 05-30; C2 moves its start to 05-20 (fine after C1).
    # Retracting C1 would leave start 05-20 after end 05-15, so C2 stops applying: replay and read model agree.
    c1 = "00000000-0000-0000-0000-000000000003"
    lines = [announce(), {**suspend(), "until": "2025-05-15"},
             {**correct(SUS, until="2025-05-30"), "id": c1}, correct(SUS, effective_on="2025-05-20"), retract(c1)]
    store.append(list(enumerate(lines, start=1)))
    measure = store.state(dt.date(2025, 5, 10)).to_json()["measures"][0]
    assert measure["status"] == "suspended"
    assert store.verify().to_json()["ok"]


def test_a_retraction_chain_of_any_depth_reads_the_same_in_the_read_model(store: Ledger) -> None:
    ids = [f"00000000-0000-0000-0000-00000000001{n}" for n in range(5)]
    lines = [announce()] + [retract(ANN if n == 0 else ids[n - 1], ids[n]) for n in range(5)]
    store.append(list(enumerate(lines, start=1)))
    # Five retractions deep: odd count, so the announcement is withdrawn.
    assert store.state(dt.date(2025, 6, 1)).to_json()["measures"] == []
    assert store.verify().to_json()["ok"]


@pytest.mark.parametrize("split", [False, True])
def test_a_retracted_measure_stays_introduced_however_the_appends_were_split(store: Ledger, split: bool) -> None:
    first = [announce(), retract(ANN)]
    second = [{"type": "measure.revoked", "date": "2025-06-01", "measure": "x", "source": "s"}]
    if split:
        store.append(list(enumerate(first, start=1)))
        result = store.append(list(enumerate(second, start=1)))
    else:
        result = store.append(list(enumerate(first + second, start=1)))
    assert result.last_position == 3
    assert store.state(dt.date(2025, 7, 1)).to_json()["measures"] == []
