"""Tariff schedules (docs/spec.md §3.5, §4.4): the schedule in force, a product's line, and the stacking rule.

Answers come from ``ledger.reports`` over a :class:`~ledger.reports.Replay` of a few events
(the ``--known-at`` path; the property test holds the read models to it).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from events.errors import BadInput
from events.parse import parse_event
from ledger import reports
from ledger.reports import Replay
from projections.schedules import line_intervals
from tests.scenario import ev
from tests.unit.test_events import log

DAY = dt.date(2025, 6, 1)


def line(product: str, rate: float | None, text: str | None = None, **more: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"product": product, "text": text or f"{rate}%", "specific": rate is None, **more}
    if rate is not None:
        out["rate"] = rate
    return out


def published(slug: str, effective_on: str, *lines: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return ev("schedule.published", effective_on, schedule=slug, imposer=fields.pop("imposer", "US"),
              effective_on=effective_on, lines=list(lines), **fields)


def amended(slug: str, effective_on: str, **fields: Any) -> dict[str, Any]:
    return ev("schedule.amended", effective_on, schedule=slug, effective_on=effective_on, **fields)


def measure(slug: str, rate: float, basis: str, **fields: Any) -> dict[str, Any]:
    terms = {"imposer": "US", "partners": ["*"], "products": ["*"], "effective_on": "2025-01-01"}
    return ev("measure.announced", "2025-01-01", measure=slug, rate=rate, basis=basis, **{**terms, **fields})


def rate(*payloads: dict[str, Any], product: str = "87042101", day: dt.date = DAY, partner: str = "JP") -> Any:
    return reports.rate(Replay(log(*payloads)), partner, product, day, "US", None)


def adds(answer: Any) -> dict[str, Decimal]:
    return {c.measure: c.rate for c in answer.components}


MFN_TRUCKS = published("us-hts", "2025-01-01", line("870421", 25), line("8708", 2.5), line("87", 10))


def test_the_longest_matching_prefix_gives_the_line() -> None:
    answer = rate(MFN_TRUCKS, product="8704210100")
    assert adds(answer) == {"us-hts": 25}
    (component,) = answer.components
    assert (component.line, component.text, component.basis) == ("870421", "25%", "MFN")
    assert answer.warnings == ()


def test_a_schedule_counts_from_its_effective_date() -> None:
    assert rate(MFN_TRUCKS, day=dt.date(2024, 12, 31)).rate == 0


def test_a_newer_schedule_of_the_same_imposer_and_basis_supersedes_the_older_one() -> None:
    newer = published("us-hts-2025b", "2025-05-01", line("8708", 2.5))
    assert rate(MFN_TRUCKS, newer, day=dt.date(2025, 4, 30)).rate == 25
    answer = rate(MFN_TRUCKS, newer)  # the newer one has no line for trucks: the older one no longer counts
    assert answer.rate == 0
    assert "no tariff schedule of US has a line for 87042101" in answer.warnings[0]


def test_schedules_of_different_bases_both_count() -> None:
    other = published("us-col2", "2025-02-01", line("87", 5), basis="Extra")
    assert adds(rate(MFN_TRUCKS, other)) == {"us-hts": 25, "us-col2": 5}


def test_an_amendment_replaces_and_removes_lines_from_its_effective_date() -> None:
    change = amended("us-hts", "2025-07-01", lines=[line("870421", 30)], removed=["8708"])
    assert rate(MFN_TRUCKS, change).rate == 25
    assert rate(MFN_TRUCKS, change, day=dt.date(2025, 7, 1)).rate == 30
    # 87081000 fell under 8708 (2.5); once removed, the chapter's line (10) is the longest prefix left.
    assert rate(MFN_TRUCKS, change, product="87081000", day=dt.date(2025, 7, 1)).rate == 10


def test_line_intervals_close_where_a_line_changes() -> None:
    events = log(MFN_TRUCKS, amended("us-hts", "2025-07-01", lines=[line("870421", 30)], removed=["8708"]))
    got = {p: [(iv.valid_from.isoformat(), iv.valid_to and iv.valid_to.isoformat(), iv.line.rate) for iv in ivs]
           for p, ivs in line_intervals(events).items()}
    assert got == {"870421": [("2025-01-01", "2025-07-01", Decimal(25)), ("2025-07-01", None, Decimal(30))],
                   "8708": [("2025-01-01", "2025-07-01", Decimal("2.5"))],
                   "87": [("2025-01-01", None, Decimal(10))]}


def test_a_schedule_for_other_partners_does_not_count() -> None:
    assert rate(published("kr-only", "2025-01-01", line("87", 8), partners=["KR"])).rate == 0
    assert rate(published("not-jp", "2025-01-01", line("87", 8), except_partners=["JP"])).rate == 0


@pytest.mark.parametrize("mfn", [
    published("us-hts", "2025-01-01", line("870323", 2.5)),
    measure("us-mfn-8703", 2.5, "MFN", products=["8703"]),
], ids=["schedule", "measure"])
def test_inclusive_of_mfn_reads_a_schedule_as_it_reads_an_mfn_measure(mfn: dict[str, Any]) -> None:
    deal = measure("us-jp-15", 15, "deal", partners=["JP"], products=["8703"], inclusive_of=["MFN"])
    answer = rate(mfn, deal, product="870323")
    assert answer.rate == 15
    assert adds(answer)["us-jp-15"] == Decimal("12.5")


@pytest.mark.parametrize("mfn", [
    published("us-hts", "2025-01-01", line("870421", 25)),
    measure("us-mfn-trucks", 25, "MFN", products=["870421"]),
], ids=["schedule", "measure"])
def test_light_trucks_with_a_25_percent_mfn_line_and_a_15_percent_all_in_rate_add_nothing(
        mfn: dict[str, Any]) -> None:
    deal = measure("us-jp-15", 15, "deal", partners=["JP"], products=["87"], inclusive_of=["MFN"])
    answer = rate(mfn, deal, product="870421")
    assert answer.rate == 25
    assert adds(answer)["us-jp-15"] == 0


@pytest.mark.parametrize("mfn", [
    published("us-hts", "2025-01-01", line("870323", 2.5)),
    measure("us-mfn-8703", 2.5, "MFN", products=["8703"]),
], ids=["schedule", "measure"])
def test_not_with_mfn_drops_a_measure_whether_mfn_is_a_schedule_or_a_measure(mfn: dict[str, Any]) -> None:
    other = measure("us-x", 10, "X", not_with=["MFN"])
    answer = rate(mfn, other, product="870323")
    assert answer.rate == Decimal("2.5")
    assert [(e.measure, e.reason.split(":")[0]) for e in answer.excluded] == [("us-x", "not_with")]


def test_a_specific_duty_adds_nothing_and_is_named_in_a_warning() -> None:
    answer = rate(published("us-hts", "2025-01-01", line("0402", None, "4.4¢/kg")), product="04022150")
    assert answer.rate == 0
    assert answer.warnings == ("the MFN duty of us-hts line 0402 is '4.4¢/kg': none of it is counted in the rate "
                               "(a specific or compound duty)",)


def test_a_compound_duty_counts_its_ad_valorem_part_and_warns_about_the_rest() -> None:
    answer = rate(published("us-hts", "2025-01-01", line("0402", 2.3, "$1.05/kg + 2.3%", specific=True)),
                  product="04022150")
    assert answer.rate == Decimal("2.3")
    assert "only its 2.3% part is counted" in answer.warnings[0]


def test_a_preferential_rate_for_the_partner_is_listed_not_applied() -> None:
    prefs = [{"program": "AU,BH", "text": "Free"}, {"program": "KR", "text": "Free"}]
    answer = rate(published("us-hts", "2025-01-01", line("870421", 25, preferential=prefs)), product="870421",
                  partner="KR")
    assert answer.rate == 25
    (warning,) = answer.warnings
    assert warning.startswith("preferential rate listed for KR in us-hts line 870421: Free under KR")
    assert warning.endswith("(shown, not applied: rules of origin decide)")
    assert rate(published("us-hts", "2025-01-01", line("870421", 25, preferential=prefs)),
                product="870421").warnings == ()


def test_a_retracted_publication_takes_the_schedule_out() -> None:
    pub = {**MFN_TRUCKS, "id": "00000000-0000-4000-8000-000000000001"}
    retraction = ev("ledger.retracted", "2025-02-01", target=pub["id"], reason="wrong file")
    assert rate(pub, retraction).rate == 0


def test_state_lists_the_schedule_in_force_once_without_its_lines() -> None:
    state = reports.state(Replay(log(MFN_TRUCKS)), DAY, None, "US", "JP").to_json()
    assert state["schedules"] == [{"schedule": "us-hts", "imposer": "US", "basis": "MFN", "partners": ["*"],
                                   "except_partners": [], "effective_on": "2025-01-01", "title": None,
                                   "revision": None, "lines": 3}]


@pytest.mark.parametrize(("fields", "message"), [
    ({"lines": [line("87", 2.5), line("87", 3)]}, "product 87 is listed twice"),
    ({"lines": [{"product": "87", "text": "4.4¢/kg"}]}, "must be specific"),
    ({"lines": []}, "lines"),
])
def test_a_malformed_publication_is_bad_input_naming_the_field(fields: dict[str, Any], message: str) -> None:
    payload = {**published("us-hts", "2025-01-01", line("87", 1)), **fields}
    with pytest.raises(BadInput) as caught:
        parse_event(payload, 3)
    assert message in str(caught.value.errors[0])


def test_an_amendment_that_changes_nothing_is_bad_input() -> None:
    with pytest.raises(BadInput):
        parse_event(amended("us-hts", "2025-07-01"))


def test_a_shorter_code_takes_the_duty_all_its_lines_share_and_none_when_they_differ() -> None:
    from decimal import Decimal

    from projections.schedules import LineView, uniform_under

    cars = LineView("87032301", Decimal("2.5"), "2.5%", False)
    assert uniform_under([cars, LineView("8703230190", Decimal("2.5"), "2.5%", False)], "870323") == LineView(
        "870323", Decimal("2.5"), "2.5%", False)
    assert uniform_under([cars, LineView("87032310", None, "Free", False)], "870323") is None
    assert uniform_under([cars], "8704") is None  # nothing under it
    assert uniform_under([cars], "87032301") is None  # a line of its own is the longest-prefix rule's
