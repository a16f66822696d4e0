"""A measure's status and terms on a valid date (docs/spec.md §4.1), and its timeline of intervals.

Every test is a short measure history written as ledger lines; ``on(day)`` asks
what the fold says on that day.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from itertools import pairwise
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from projections.measures import measure_on, measure_timeline
from projections.recorded import Recorded
from tests.scenario import ev
from tests.unit.test_events import log

D = dt.date.fromisoformat


def announce(date: str = "2025-04-02", **fields: Any) -> dict[str, Any]:
    terms = {"measure": "x", "imposer": "US", "partners": ["JP"], "products": ["*"], "rate": 10, "basis": "MFN"}
    return ev("measure.announced", date, **{**terms, **fields})


def change(type_: str, date: str, **fields: Any) -> dict[str, Any]:
    return ev(f"measure.{type_}", date, measure="x", **fields)


def status(records: list[Recorded], day: str) -> str | None:
    view = measure_on(records, D(day))
    return view.status if view is not None else None


def test_a_measure_is_not_listed_before_its_announcement() -> None:
    records = log(announce("2025-04-02", effective_on="2025-04-09"))
    assert measure_on(records, D("2025-04-01")) is None
    assert status(records, "2025-04-02") == "announced"


def test_a_measure_is_announced_until_its_effective_date_then_in_force() -> None:
    records = log(announce("2025-04-02", effective_on="2025-04-09"))
    assert status(records, "2025-04-08") == "announced"
    assert status(records, "2025-04-09") == "in_force"


def test_a_measure_without_an_effective_date_stays_announced() -> None:
    records = log(announce("2025-04-02"))
    view = measure_on(records, D("2030-01-01"))
    assert view is not None and view.status == "announced" and view.effective_on is None


def test_a_suspension_lapses_on_its_until_date() -> None:
    records = log(announce(effective_on="2025-04-09"),
                  change("suspended", "2025-04-09", effective_on="2025-04-10", until="2025-07-09"))
    assert status(records, "2025-04-09") == "in_force"
    assert status(records, "2025-04-10") == "suspended"
    assert status(records, "2025-07-08") == "suspended"
    assert status(records, "2025-07-09") == "in_force"  # until is exclusive


def test_a_suspended_measure_knows_when_its_suspension_lapses() -> None:
    records = log(announce(effective_on="2025-04-09"), change("suspended", "2025-04-10", until="2025-07-09"))
    view = measure_on(records, D("2025-05-01"))
    assert view is not None and view.suspended_until == D("2025-07-09")


def test_a_suspension_without_until_lasts_until_a_resumption() -> None:
    records = log(announce(effective_on="2025-04-09"), change("suspended", "2025-04-10"),
                  change("resumed", "2025-05-01", effective_on="2025-05-05"))
    assert status(records, "2025-05-04") == "suspended"
    assert status(records, "2025-05-05") == "in_force"


def test_a_resumption_ends_a_suspension_before_its_until() -> None:
    records = log(announce(effective_on="2025-04-09"), change("suspended", "2025-04-10", until="2025-07-09"),
                  change("resumed", "2025-06-01"))
    assert status(records, "2025-05-31") == "suspended"
    assert status(records, "2025-06-01") == "in_force"


def test_a_revoked_measure_is_revoked_from_the_revocations_effective_date() -> None:
    records = log(announce(effective_on="2025-04-09"), change("revoked", "2025-08-01", effective_on="2025-08-05"))
    assert status(records, "2025-08-04") == "in_force"
    assert status(records, "2025-08-05") == "revoked"


def test_revocation_outranks_a_suspension() -> None:
    records = log(announce(effective_on="2025-04-09"), change("suspended", "2025-04-10"),
                  change("revoked", "2025-05-01"))
    assert status(records, "2025-05-01") == "revoked"


def test_a_measure_revoked_before_it_took_effect_is_revoked() -> None:
    records = log(announce(effective_on="2025-06-01"), change("revoked", "2025-05-01"))
    assert status(records, "2025-05-01") == "revoked"
    assert status(records, "2025-06-02") == "revoked"


def test_a_reschedule_dated_on_or_before_the_day_moves_the_effective_date() -> None:
    records = log(announce(effective_on="2025-04-09"),
                  change("rescheduled", "2025-04-08", effective_on="2025-05-01"))
    view = measure_on(records, D("2025-04-09"))
    assert view is not None and (view.status, view.effective_on) == ("announced", D("2025-05-01"))
    assert status(records, "2025-05-01") == "in_force"


def test_a_reschedule_dated_after_the_day_does_not_count_yet() -> None:
    records = log(announce(effective_on="2025-04-09"),
                  change("rescheduled", "2025-04-20", effective_on="2025-05-01"))
    view = measure_on(records, D("2025-04-10"))
    assert view is not None and (view.status, view.effective_on) == ("in_force", D("2025-04-09"))
    assert status(records, "2025-04-20") == "announced"


def test_a_reschedule_fixes_the_date_of_a_measure_announced_without_one() -> None:
    records = log(announce(), change("rescheduled", "2025-05-01", effective_on="2025-05-10"))
    assert status(records, "2025-04-30") == "announced"
    view = measure_on(records, D("2025-05-01"))
    assert view is not None and view.effective_on == D("2025-05-10")
    assert status(records, "2025-05-10") == "in_force"


def test_the_latest_reschedule_wins_and_same_day_ones_follow_record_order() -> None:
    records = log(announce(effective_on="2025-04-09"),
                  change("rescheduled", "2025-04-05", effective_on="2025-06-01"),
                  change("rescheduled", "2025-04-05", effective_on="2025-07-01"),
                  change("rescheduled", "2025-04-01", effective_on="2025-05-01"))
    view = measure_on(records, D("2025-04-06"))
    assert view is not None and view.effective_on == D("2025-07-01")


def test_an_amendment_changes_the_terms_from_its_effective_date() -> None:
    records = log(announce(effective_on="2025-04-09"),
                  change("amended", "2025-07-31", effective_on="2025-08-07", rate=15, partners=["JP", "KR"]))
    before, after = measure_on(records, D("2025-08-06")), measure_on(records, D("2025-08-07"))
    assert before is not None and (before.terms.rate, before.terms.partners) == (Decimal(10), ("JP",))
    assert after is not None and (after.terms.rate, after.terms.partners) == (Decimal(15), ("JP", "KR"))


def test_an_amendment_keeps_the_fields_it_does_not_name() -> None:
    records = log(announce(effective_on="2025-04-09", not_with=["Section 232"]),
                  change("amended", "2025-05-01", rate=5))
    view = measure_on(records, D("2025-05-01"))
    assert view is not None and view.terms.not_with == ("Section 232",) and view.terms.products == ("*",)


def test_a_retroactive_amendment_changes_answers_about_earlier_dates() -> None:
    # Signed 2025-09-04, applying to entries from 2025-08-07.
    records = log(announce(effective_on="2025-04-09"),
                  change("amended", "2025-09-04", effective_on="2025-08-07", rate=15))
    view = measure_on(records, D("2025-08-10"))
    assert view is not None and view.terms.rate == 15
    view = measure_on(records, D("2025-08-06"))
    assert view is not None and view.terms.rate == 10


def test_a_retroactive_suspension_counts_from_its_effective_date() -> None:
    records = log(announce(effective_on="2025-04-09"), change("suspended", "2025-09-04", effective_on="2025-08-07"))
    assert status(records, "2025-08-06") == "in_force"
    assert status(records, "2025-08-07") == "suspended"


def test_a_retroactive_revocation_counts_from_its_effective_date() -> None:
    records = log(announce(effective_on="2025-04-09"), change("revoked", "2025-09-04", effective_on="2025-08-07"))
    assert status(records, "2025-08-07") == "revoked"


def test_amendments_apply_in_effective_order_not_record_order() -> None:
    records = log(announce(effective_on="2025-04-09"),
                  change("amended", "2025-05-01", effective_on="2025-06-01", rate=30),
                  change("amended", "2025-05-02", effective_on="2025-05-15", rate=20))
    rates = [measure_on(records, D(day)).terms.rate for day in ("2025-05-14", "2025-05-15", "2025-06-01")]  # type: ignore[union-attr]
    assert rates == [10, 20, 30]


def test_same_day_amendments_follow_record_order() -> None:
    records = log(announce(effective_on="2025-04-09"), change("amended", "2025-05-01", rate=30),
                  change("amended", "2025-05-01", rate=20))
    view = measure_on(records, D("2025-05-01"))
    assert view is not None and view.terms.rate == 20


def test_a_same_day_suspension_and_resumption_follow_record_order() -> None:
    suspend, resume = change("suspended", "2025-05-01"), change("resumed", "2025-05-01")
    assert status(log(announce(effective_on="2025-04-09"), suspend, resume), "2025-05-01") == "in_force"
    assert status(log(announce(effective_on="2025-04-09"), resume, suspend), "2025-05-01") == "suspended"


def test_a_change_recorded_before_the_announcement_date_still_counts_from_its_effect() -> None:
    records = log(announce("2025-04-02", effective_on="2025-04-09"), change("amended", "2025-03-01", rate=12))
    view = measure_on(records, D("2025-04-02"))
    assert view is not None and view.terms.rate == 12


def test_the_timeline_starts_at_the_announcement_and_splits_at_each_change() -> None:
    records = log(announce("2025-04-02", effective_on="2025-04-09"),
                  change("suspended", "2025-04-09", effective_on="2025-04-10", until="2025-07-09"))
    spans = [(str(i.valid_from), str(i.valid_to) if i.valid_to else None, i.view.status)
             for i in measure_timeline(records)]
    assert spans == [("2025-04-02", "2025-04-09", "announced"), ("2025-04-09", "2025-04-10", "in_force"),
                     ("2025-04-10", "2025-07-09", "suspended"), ("2025-07-09", None, "in_force")]


# -- property: the timeline's intervals say what measure_on says, every day ----------------------------------

START = D("2025-01-01")
SPAN = 40


def _day(offset: int) -> str:
    return (START + dt.timedelta(days=offset)).isoformat()


offsets = st.integers(0, SPAN)
maybe_offset = st.none() | offsets


@st.composite
def change_events(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(["amended", "suspended", "resumed", "rescheduled", "revoked"]))
    date = draw(offsets)
    effective = draw(maybe_offset) if kind != "rescheduled" else draw(offsets)
    fields: dict[str, Any] = {}
    if effective is not None:
        fields["effective_on"] = _day(effective)
    if kind == "amended":
        fields["rate"] = draw(st.sampled_from([0, 2.5, 15, 25]))
        if draw(st.booleans()):
            fields["partners"] = draw(st.sampled_from([["JP"], ["*"], ["CN", "JP"]]))
    if kind == "suspended" and draw(st.booleans()):
        start = effective if effective is not None else date
        fields["until"] = _day(start + draw(st.integers(1, 10)))
    return change(kind, _day(date), **fields)


@st.composite
def measure_histories(draw: st.DrawFn) -> list[Recorded]:
    effective = draw(maybe_offset)
    ann = announce(_day(draw(offsets)), **({"effective_on": _day(effective)} if effective is not None else {}))
    changes = draw(st.lists(change_events(), max_size=8))
    # The announcement is recorded first (the ledger refuses changes to an unknown measure).
    return log(ann, *changes)


@settings(max_examples=200, deadline=None)
@given(measure_histories())
def test_timeline_intervals_equal_measure_on_every_day(records: list[Recorded]) -> None:
    timeline = measure_timeline(records)
    for a, b in pairwise(timeline):
        assert a.valid_to == b.valid_from, "intervals are consecutive"
        assert a.view != b.view, "neighbouring intervals differ"
    assert timeline[-1].valid_to is None
    for offset in range(-2, SPAN + 15):
        day = START + dt.timedelta(days=offset)
        covering = [i for i in timeline if i.valid_from <= day and (i.valid_to is None or day < i.valid_to)]
        expected = measure_on(records, day)
        if expected is None:
            assert covering == []
        else:
            assert [i.view for i in covering] == [expected], day
