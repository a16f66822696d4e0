"""Golden answers on the seed scenario (docs/spec.md §4), through the real CLI, on both backends."""

from __future__ import annotations

import pytest

from tests.scenario import seed_scenario


@pytest.fixture
def seeded(cli):  # type: ignore[no-untyped-def]
    assert cli.append_lines(seed_scenario()).exit_code == 0
    return cli


def test_japanese_cars_pay_the_section_232_rate_and_the_reciprocal_measures_are_excluded(seeded) -> None:
    r = seeded("rate", "JP", "870323", "--as-of", "2025-06-01", "--format", "json").json()
    assert r["rate"] == 25
    assert [c["measure"] for c in r["components"]] == ["us-232-autos"]
    reasons = {e["measure"]: e["reason"] for e in r["excluded"]}
    assert reasons["us-reciprocal-baseline"] == "not_with: us-232-autos applies"
    assert reasons["us-reciprocal-jp"] == "suspended until 2025-07-09"


@pytest.mark.parametrize(("day", "rate"), [("2025-04-04", 0), ("2025-04-05", 10), ("2025-04-09", 24),
                                          ("2025-04-10", 10), ("2025-06-01", 10), ("2025-07-09", 24)])
def test_general_goods_from_japan_follow_the_baseline_and_the_paused_country_rate(seeded, day, rate) -> None:
    assert seeded("rate", "JP", "9503", "--as-of", day, "--imposer", "US", "--format", "json").json()["rate"] == rate


def test_the_negotiation_shows_five_rounds_held_and_round_six_next(seeded) -> None:
    state = seeded("state", "--as-of", "2025-06-10", "--format", "json").json()
    (talks,) = state["negotiations"]
    assert talks["status"] == "in_progress"
    assert talks["rounds_held"] == 5
    assert talks["last_round"] == {"round": 5, "date": "2025-06-06", "venue": "Washington"}
    assert talks["next_round"] == {"round": 6, "starts_on": "2025-06-13", "venue": "Washington"}
    assert talks["proposals"][0]["status"] == "submitted"
    assert [(s["summit"], s["status"]) for s in talks["summits"]] == [("g7-2025", "scheduled")]
