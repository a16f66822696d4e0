"""The stacking rule (docs/spec.md §4.3): what a partner's product pays, and why, on one date.

Each test announces a few measures of one imposer, all in force from
2025-01-01, and asks for the rate on 2025-06-01 unless it says otherwise.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from projections.rates import product_matches
from projections.recorded import Recorded
from projections.state import rate_on
from tests.scenario import ev
from tests.unit.test_events import log

DAY = dt.date(2025, 6, 1)


def measure(slug: str, rate: float, basis: str | None = None, **fields: Any) -> dict[str, Any]:
    terms = {"imposer": "US", "partners": ["*"], "products": ["*"], "effective_on": "2025-01-01"}
    return ev("measure.announced", "2025-01-01", measure=slug, rate=rate, basis=basis or slug.upper(),
              **{**terms, **fields})


def rate(records: list[Recorded], partner: str = "JP", product: str = "870323", day: dt.date = DAY) -> Any:
    imposer, answer = rate_on(records, day, partner, product, "US")
    assert imposer == "US"
    return answer


def applied(answer: Any) -> dict[str, Decimal]:
    return {c.measure: c.rate for c in answer.components}


def excluded(answer: Any) -> dict[str, str]:
    return {e.measure: e.reason for e in answer.excluded}


def test_measures_that_cover_the_pair_add_up() -> None:
    answer = rate(log(measure("mfn", 2.5, "MFN"), measure("extra", 10)))
    assert answer.rate == Decimal("12.5")
    assert applied(answer) == {"mfn": Decimal("2.5"), "extra": 10}


def test_no_measure_means_a_zero_rate() -> None:
    answer = rate(log(measure("cn-only", 10, partners=["CN"])))
    assert (answer.rate, answer.components, answer.excluded) == (0, [], [])


def test_not_with_naming_a_slug_drops_the_measure_and_says_why() -> None:
    answer = rate(log(measure("autos", 25, "Section 232"), measure("recip", 10, not_with=["autos"])))
    assert applied(answer) == {"autos": 25}
    assert excluded(answer) == {"recip": "not_with: autos applies"}


def test_not_with_naming_a_basis_drops_the_measure() -> None:
    answer = rate(log(measure("autos", 25, "Section 232"), measure("recip", 10, not_with=["Section 232"])))
    assert answer.rate == 25 and "recip" in excluded(answer)


def test_not_with_only_counts_measures_that_apply_to_the_pair() -> None:
    records = log(measure("autos", 25, "Section 232", products=["8703"]), measure("recip", 10, not_with=["autos"]))
    assert rate(records, product="9503").rate == 10
    assert rate(records, product="870323").rate == 25


def test_not_with_a_suspended_measure_does_not_drop_anything() -> None:
    records = log(measure("autos", 25), measure("recip", 10, not_with=["autos"]),
                  ev("measure.suspended", "2025-05-01", measure="autos"))
    answer = rate(records)
    assert applied(answer) == {"recip": 10}
    assert excluded(answer) == {"autos": "suspended"}


def test_mutual_not_with_drops_both_measures() -> None:
    # Drops are decided against the same set, so each one's presence drops the other.
    answer = rate(log(measure("a", 10, not_with=["b"]), measure("b", 20, not_with=["a"])))
    assert answer.rate == 0
    assert set(excluded(answer)) == {"a", "b"}


def test_not_with_naming_its_own_basis_does_not_drop_itself() -> None:
    answer = rate(log(measure("recip", 10, "IEEPA", not_with=["IEEPA"])))
    assert answer.rate == 10


@pytest.mark.parametrize(("included", "adds", "total"), [(2.5, "12.5", "15"), (15, "0", "15"), (20, "0", "20")])
def test_an_all_in_rate_adds_what_the_included_duty_leaves(included: float, adds: str, total: str) -> None:
    answer = rate(log(measure("mfn", included, "MFN"), measure("deal", 15, inclusive_of=["MFN"])))
    assert applied(answer) == {"mfn": Decimal(str(included)), "deal": Decimal(adds)}
    assert answer.rate == Decimal(total)
    (deal,) = [c for c in answer.components if c.measure == "deal"]
    assert (deal.listed_rate, deal.reduced_by) == (15, ("mfn",))


def test_inclusive_of_may_name_a_slug() -> None:
    answer = rate(log(measure("mfn", 2.5, "MFN"), measure("deal", 15, inclusive_of=["mfn"])))
    assert answer.rate == 15


def test_an_all_in_rate_without_its_included_duty_adds_in_full() -> None:
    answer = rate(log(measure("mfn", 2.5, "MFN", products=["8703"]), measure("deal", 15, inclusive_of=["MFN"])),
                  product="9503")
    assert applied(answer) == {"deal": 15}


def test_an_all_in_rate_is_not_reduced_by_a_measure_that_does_not_apply() -> None:
    records = log(measure("mfn", 2.5, "MFN"), measure("deal", 15, inclusive_of=["MFN"]),
                  ev("measure.suspended", "2025-05-01", measure="mfn"))
    assert applied(rate(records)) == {"deal": 15}


def test_a_product_matched_by_a_longer_and_a_shorter_prefix_pays_both_measures() -> None:
    records = log(measure("chapter", 5, products=["87"]), measure("cars", 10, products=["8703"]))
    assert rate(records, product="870323").rate == 15
    assert rate(records, product="8704").rate == 5
    assert rate(records, product="9503").rate == 0


def test_a_measure_listing_overlapping_prefixes_counts_once() -> None:
    assert rate(log(measure("cars", 10, products=["87", "8703", "870323"]))).rate == 10


def test_the_longest_matching_prefix_is_the_match() -> None:
    assert product_matches(["87", "870323", "8703"], "87032310") == "870323"
    assert product_matches(["*", "87"], "8703") == "87"
    assert product_matches(["*"], "8703") == "*"
    assert product_matches(["88", "870324"], "870323") is None


def test_an_excepted_partner_is_excluded_with_the_reason() -> None:
    records = log(measure("autos", 25, partners=["*"], except_partners=["JP"]))
    assert rate(records, partner="CN").rate == 25
    answer = rate(records, partner="JP")
    assert answer.rate == 0
    assert "JP is excepted" in excluded(answer)["autos"]


def test_an_excepted_product_is_excluded_by_its_prefix() -> None:
    records = log(measure("autos", 25, products=["87"], except_products=["8703"]))
    assert rate(records, product="870410").rate == 25
    answer = rate(records, product="870323")
    assert answer.rate == 0
    assert "870323 is excepted (8703)" in excluded(answer)["autos"]


def test_an_amendment_that_changes_partners_moves_the_rate() -> None:
    records = log(measure("autos", 25, partners=["JP"]),
                  ev("measure.amended", "2025-05-01", measure="autos", effective_on="2025-05-10", partners=["CN"]))
    before, after = dt.date(2025, 5, 9), dt.date(2025, 5, 10)
    assert (rate(records, "JP", day=before).rate, rate(records, "CN", day=before).rate) == (25, 0)
    assert (rate(records, "JP", day=after).rate, rate(records, "CN", day=after).rate) == (0, 25)


def test_an_amendment_that_adds_an_exception_excludes_the_partner() -> None:
    records = log(measure("autos", 25), ev("measure.amended", "2025-05-01", measure="autos", except_partners=["JP"]))
    assert rate(records, day=dt.date(2025, 4, 30)).rate == 25
    assert rate(records, day=dt.date(2025, 5, 1)).rate == 0


def test_star_partners_and_products_cover_everything() -> None:
    records = log(measure("baseline", 10, partners=["*"], products=["*"]))
    assert {rate(records, p, hs).rate for p, hs in (("JP", "870323"), ("BR", "01"), ("DE", "9503"))} == {10}


def test_a_measure_not_yet_in_force_is_excluded_with_its_date() -> None:
    answer = rate(log(measure("later", 10, effective_on="2025-07-01")))
    assert excluded(answer) == {"later": "not yet in force (takes effect 2025-07-01)"}


def test_a_measure_without_a_date_is_excluded_as_not_yet_known() -> None:
    records = log(ev("measure.announced", "2025-01-01", measure="later", imposer="US", partners=["*"],
                     products=["*"], rate=10, basis="X"))
    assert excluded(rate(records)) == {"later": "not yet in force (effective date not yet known)"}


def test_a_suspended_measure_is_excluded_with_its_lapse_date() -> None:
    records = log(measure("recip", 14), ev("measure.suspended", "2025-04-10", measure="recip", until="2025-07-09"))
    assert excluded(rate(records)) == {"recip": "suspended until 2025-07-09"}
    assert rate(records, day=dt.date(2025, 7, 9)).rate == 14


def test_a_revoked_measure_is_neither_applied_nor_excluded() -> None:
    answer = rate(log(measure("gone", 10), ev("measure.revoked", "2025-05-01", measure="gone")))
    assert (answer.rate, answer.components, answer.excluded) == (0, [], [])


def test_another_imposers_measures_do_not_count() -> None:
    records = log(measure("us", 10), {**measure("eu", 20), "imposer": "EU"})
    assert rate(records).rate == 10


def test_without_an_imposer_the_only_one_naming_the_pair_is_chosen() -> None:
    records = log({**measure("eu", 20, partners=["JP"]), "imposer": "EU"}, measure("us", 10, partners=["CN"]))
    assert rate_on(records, DAY, "JP", "870323")[0] == "EU"


def test_without_an_imposer_several_naming_the_pair_is_ambiguous() -> None:
    records = log({**measure("eu", 20), "imposer": "EU"}, measure("us", 10))
    with pytest.raises(LookupError) as caught:
        rate_on(records, DAY, "JP", "870323")
    assert caught.value.args[0] == ["EU", "US"]


# -- property: the explanation adds up ---------------------------------------------------------------------

SLUGS = ["a", "b", "c", "d"]
BASES = ["MFN", "Section 232", "IEEPA"]


@st.composite
def measure_sets(draw: st.DrawFn) -> list[Recorded]:
    slugs = draw(st.lists(st.sampled_from(SLUGS), min_size=1, max_size=4, unique=True))
    names = st.lists(st.sampled_from(SLUGS + BASES), max_size=2, unique=True)
    events = []
    for slug in slugs:
        extra: dict[str, Any] = {
            "partners": draw(st.sampled_from([["*"], ["JP"], ["CN"]])),
            "products": draw(st.sampled_from([["*"], ["87"], ["8703"], ["9503"]])),
            "effective_on": draw(st.sampled_from(["2025-01-01", "2025-09-01"])),
        }
        if nw := draw(names):
            extra["not_with"] = nw
        if inc := draw(names):
            extra["inclusive_of"] = inc
        events.append(measure(slug, draw(st.sampled_from([0, 2.5, 10, 15, 25])), draw(st.sampled_from(BASES)),
                              **extra))
    return log(*events)


@settings(max_examples=300, deadline=None)
@given(measure_sets(), st.sampled_from(["JP", "CN"]), st.sampled_from(["870323", "9503", "01"]))
def test_components_sum_to_the_rate_and_every_named_measure_is_explained(
    records: list[Recorded], partner: str, product: str
) -> None:
    answer = rate(records, partner, product)
    assert answer.rate == sum((c.rate for c in answer.components), Decimal(0))
    assert all(Decimal(0) <= c.rate <= c.listed_rate for c in answer.components)
    explained = [c.measure for c in answer.components] + [e.measure for e in answer.excluded]
    assert len(explained) == len(set(explained)), "a measure is either applied or excluded, once"
    assert all(e.reason for e in answer.excluded)


def test_an_imposer_whose_schedule_has_a_line_for_the_product_names_the_pair() -> None:
    from projections.rates import pick_imposer

    assert pick_imposer([], "JP", "87032301", None, ["US"]) == "US"
    assert pick_imposer([], "JP", "87032301", "EU", ["US"]) == "EU"  # an imposer given is never second-guessed
    with pytest.raises(LookupError):
        pick_imposer([], "JP", "87032301", None, ["EU", "US"])
