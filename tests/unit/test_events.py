"""The event vocabulary (docs/spec.md §3): every type round-trips, the registry is derived, bad input names its field.

``EXAMPLES`` is one valid, fully filled event per type, in an order that is
itself a valid ledger (openers first, corrections after their targets), so the
store tests reuse it. ``log()`` turns payloads into the recorded events the
pure projections fold.
"""

from __future__ import annotations

import datetime as dt
import typing
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from events.common import Envelope
from events.errors import BadInput, InputError
from events.parse import parse_event
from events.registry import EVENT_TYPES, OPENERS
from projections.recorded import Recorded

SRC = {"publisher": "Nikkei", "title": "Tariff talks", "url": "https://example.org/a", "published_on": "2025-04-02"}
T0 = dt.datetime(2025, 11, 1, 9, 0, tzinfo=dt.UTC)


def _id(n: int) -> str:
    return str(uuid.UUID(int=n))


# Payloads exactly as `Envelope.payload()` writes them (no nulls, normalised source), so equality is exact.
EXAMPLES: list[dict[str, Any]] = [
    {"type": "measure.announced", "date": "2025-04-02", "source": SRC, "id": _id(1), "recorded_by": "ana",
     "note": "EO 14257", "measure": "us-reciprocal-jp", "imposer": "US", "partners": ["JP", "CN"],
     "except_partners": ["CN"], "products": ["*"], "except_products": ["8703", "870323"], "rate": 24,
     "basis": "IEEPA reciprocal", "effective_on": "2025-04-09", "not_with": ["Section 232", "us-232-autos"],
     "inclusive_of": ["MFN"], "title": "Reciprocal tariff on Japan"},
    {"type": "measure.amended", "date": "2025-07-31", "source": SRC, "id": _id(2), "recorded_by": "ana",
     "measure": "us-reciprocal-jp", "effective_on": "2025-08-07", "rate": 15.5, "partners": ["JP"],
     "except_partners": ["KR"], "products": ["87", "9503"], "except_products": ["870324"],
     "not_with": ["Section 232"], "inclusive_of": ["MFN", "us-mfn-8703"]},
    {"type": "measure.suspended", "date": "2025-04-09", "source": SRC, "id": _id(3), "recorded_by": "ana",
     "measure": "us-reciprocal-jp", "effective_on": "2025-04-10", "until": "2025-07-09"},
    {"type": "measure.resumed", "date": "2025-07-09", "source": SRC, "id": _id(4), "recorded_by": "ana",
     "measure": "us-reciprocal-jp", "effective_on": "2025-07-09"},
    {"type": "measure.rescheduled", "date": "2025-04-08", "source": SRC, "id": _id(5), "recorded_by": "ana",
     "measure": "us-reciprocal-jp", "effective_on": "2025-04-09"},
    {"type": "measure.revoked", "date": "2025-12-01", "source": SRC, "id": _id(6), "recorded_by": "ana",
     "measure": "us-reciprocal-jp", "effective_on": "2025-12-02"},
    {"type": "talks.opened", "date": "2025-04-11", "source": SRC, "id": _id(7), "recorded_by": "ana",
     "track": "us-jp-tariffs", "parties": ["US", "JP"], "title": "US–Japan tariff talks",
     "leads": {"JP": ["Ryosei Akazawa"], "US": ["Scott Bessent", "Howard Lutnick"]}},
    {"type": "talks.round_scheduled", "date": "2025-04-12", "source": SRC, "id": _id(8), "recorded_by": "ana",
     "track": "us-jp-tariffs", "round": 1, "starts_on": "2025-04-16", "ends_on": "2025-04-17",
     "venue": "Washington"},
    {"type": "talks.round_held", "date": "2025-04-16", "source": SRC, "id": _id(9), "recorded_by": "ana",
     "track": "us-jp-tariffs", "round": 1, "venue": "Washington", "participants": ["Ryosei Akazawa"],
     "outcome": "agreed to meet again"},
    {"type": "talks.proposal_submitted", "date": "2025-06-06", "source": SRC, "id": _id(10), "recorded_by": "ana",
     "track": "us-jp-tariffs", "proposal": "jp-package", "by": "JP", "items": ["shipbuilding", "US farm imports"],
     "summary": "a package"},
    {"type": "talks.proposal_answered", "date": "2025-06-07", "source": SRC, "id": _id(11), "recorded_by": "ana",
     "track": "us-jp-tariffs", "proposal": "jp-package", "by": "US", "response": "countered"},
    {"type": "talks.statement", "date": "2025-06-08", "source": SRC, "id": _id(12), "recorded_by": "ana",
     "track": "us-jp-tariffs", "speaker": "Ryosei Akazawa", "party": "JP", "text": "no common ground yet"},
    {"type": "talks.agreement_reached", "date": "2025-07-22", "source": SRC, "id": _id(13), "recorded_by": "ana",
     "track": "us-jp-tariffs", "title": "US–Japan deal", "terms": ["15% all-in", "$550bn investment"],
     "measures": ["us-reciprocal-jp"]},
    {"type": "talks.concluded", "date": "2025-09-04", "source": SRC, "id": _id(14), "recorded_by": "ana",
     "track": "us-jp-tariffs", "outcome": "implemented by EO 14345"},
    {"type": "summit.scheduled", "date": "2025-06-09", "source": SRC, "id": _id(15), "recorded_by": "ana",
     "summit": "g7-2025", "name": "G7 Leaders' Summit", "starts_on": "2025-06-15", "ends_on": "2025-06-17",
     "venue": "Kananaskis", "tracks": ["us-jp-tariffs"], "leaders": ["Shigeru Ishiba", "Donald Trump"]},
    {"type": "summit.held", "date": "2025-06-16", "source": SRC, "id": _id(16), "recorded_by": "ana",
     "summit": "g7-2025", "outcome": "no deal"},
    {"type": "schedule.published", "date": "2024-12-20", "source": SRC, "id": _id(19), "recorded_by": "ana",
     "schedule": "us-hts-2025", "imposer": "US", "basis": "MFN", "partners": ["*"], "except_partners": ["CU", "KP"],
     "effective_on": "2025-01-01", "title": "HTS 2025", "revision": "Basic Edition",
     "lines": [{"product": "87032301", "rate": 2.5, "text": "2.5%", "specific": False},
               {"product": "04022150", "text": "$1.092/kg", "specific": True,
                "preferential": [{"program": "AU,JO", "text": "Free"}, {"program": "KR", "text": "$0.546/kg"}]}]},
    {"type": "schedule.amended", "date": "2025-06-30", "source": SRC, "id": _id(20), "recorded_by": "ana",
     "schedule": "us-hts-2025", "effective_on": "2025-07-01", "revision": "Revision 17",
     "lines": [{"product": "870421", "rate": 25, "text": "25%", "specific": False}], "removed": ["04022150"]},
    {"type": "ledger.corrected", "date": "2025-11-02", "source": SRC, "id": _id(17), "recorded_by": "ana",
     "target": _id(1), "fields": {"rate": 25, "date": "2025-04-03"}, "reason": "misread the annex"},
    {"type": "ledger.retracted", "date": "2025-11-03", "source": SRC, "id": _id(18), "recorded_by": "ana",
     "target": _id(12), "reason": "misattributed quote"},
]

MEASURE = {"type": "measure.announced", "date": "2025-04-02", "source": "EO 14257", "measure": "x", "imposer": "US",
           "partners": ["JP"], "products": ["87"], "rate": 10, "basis": "MFN"}


def log(*payloads: dict[str, Any], start: dt.datetime = T0) -> list[Recorded]:
    """Payloads → recorded events in that order (position 1…, a minute apart, ids 1… unless given)."""
    out = []
    for n, payload in enumerate(payloads, start=1):
        event = parse_event({"id": _id(n), **payload})
        out.append(Recorded(n, start + dt.timedelta(minutes=n), "tester", event))
    return out


def _subclasses(cls: type) -> Iterator[type]:
    sub: type
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def _literal_type(cls: type[Envelope]) -> str | None:
    annotation = cls.model_fields["type"].annotation
    return typing.get_args(annotation)[0] if typing.get_origin(annotation) is typing.Literal else None


def errors_of(obj: Any, line: int | None = None) -> list[InputError]:
    with pytest.raises(BadInput) as caught:
        parse_event(obj, line)
    return caught.value.errors


def test_the_examples_cover_every_event_type_once() -> None:
    assert sorted(e["type"] for e in EXAMPLES) == sorted(EVENT_TYPES)


@pytest.mark.parametrize("payload", EXAMPLES, ids=[e["type"] for e in EXAMPLES])
def test_every_event_type_round_trips_through_its_payload(payload: dict[str, Any]) -> None:
    event = parse_event(payload)
    assert type(event) is EVENT_TYPES[payload["type"]]
    assert event.payload() == payload
    assert parse_event(event.payload()) == event


def test_every_envelope_subclass_with_a_literal_type_is_registered() -> None:
    concrete = {cls for cls in _subclasses(Envelope) if cls.__module__.startswith("events.") and _literal_type(cls)}
    assert {_literal_type(cls): cls for cls in concrete} == EVENT_TYPES


def test_each_subject_has_exactly_one_opener() -> None:
    assert OPENERS == {"measure": "measure.announced", "track": "talks.opened", "summit": "summit.scheduled",
                       "schedule": "schedule.published"}


def test_a_source_string_is_shorthand_for_a_title() -> None:
    assert parse_event({**MEASURE, "source": "EO 14257"}).payload()["source"] == {"title": "EO 14257"}


def test_hs_prefixes_lose_their_dots() -> None:
    assert parse_event({**MEASURE, "products": ["8703.23"]}).payload()["products"] == ["870323"]


def test_rates_keep_their_decimals_exactly() -> None:
    event = parse_event({**MEASURE, "rate": 2.5})
    assert str(event.rate) == "2.5"  # type: ignore[attr-defined]
    assert event.payload()["rate"] == 2.5


def test_rate_bounds_are_inclusive() -> None:
    assert parse_event({**MEASURE, "rate": 0}).rate == 0  # type: ignore[attr-defined]
    assert parse_event({**MEASURE, "rate": 1000}).rate == 1000  # type: ignore[attr-defined]


def test_eu_is_accepted_as_an_imposer() -> None:
    assert parse_event({**MEASURE, "imposer": "EU"}).imposer == "EU"  # type: ignore[attr-defined]


def test_a_correction_may_leave_its_date_to_the_store() -> None:
    event = parse_event({"type": "ledger.retracted", "source": "s", "target": _id(1), "reason": "dup"})
    assert event.date is None


# -- bad input (docs/spec.md §5.5), at the model level --------------------------------------------------------

AMENDED = {"type": "measure.amended", "date": "2025-05-01", "source": "s", "measure": "x"}
SUSPENDED = {"type": "measure.suspended", "date": "2025-05-01", "source": "s", "measure": "x"}

BAD = [
    ("unknown type", {**MEASURE, "type": "measure.imposed"}, "type"),
    ("missing type", {k: v for k, v in MEASURE.items() if k != "type"}, "type"),
    ("missing field", {k: v for k, v in MEASURE.items() if k != "rate"}, "rate"),
    ("missing source", {k: v for k, v in MEASURE.items() if k != "source"}, "source"),
    ("empty source", {**MEASURE, "source": {"url": "https://example.org"}}, "source"),
    ("unknown field", {**MEASURE, "tariff": 10}, "tariff"),
    ("impossible date", {**MEASURE, "date": "2025-02-30"}, "date"),
    ("not an ISO date", {**MEASURE, "date": "02/04/2025"}, "date"),
    ("a timestamp for a date", {**MEASURE, "date": "2025-04-02T10:00:00"}, "date"),
    ("impossible effective date", {**MEASURE, "effective_on": "2025-02-29"}, "effective_on"),
    ("unknown country", {**MEASURE, "imposer": "XX"}, "imposer"),
    ("lower-case country", {**MEASURE, "imposer": "us"}, "imposer"),
    ("unknown partner", {**MEASURE, "partners": ["JP", "XX"]}, "partners.1"),
    ("no partners", {**MEASURE, "partners": []}, "partners"),
    ("negative rate", {**MEASURE, "rate": -1}, "rate"),
    ("rate above 1000", {**MEASURE, "rate": 1000.5}, "rate"),
    ("rate as a word", {**MEASURE, "rate": "ten"}, "rate"),
    ("HS prefix too short", {**MEASURE, "products": ["8"]}, "products.0"),
    ("HS prefix too long", {**MEASURE, "products": ["87032310001"]}, "products.0"),
    ("HS prefix with letters", {**MEASURE, "products": ["87a3"]}, "products.0"),
    ("HS prefix as a number", {**MEASURE, "products": [8703]}, "products.0"),
    ("slug with capitals", {**MEASURE, "measure": "US-Autos"}, "measure"),
    ("slug with spaces", {**MEASURE, "measure": "us autos"}, "measure"),
    ("amended with no change", AMENDED, None),
    ("until before effective", {**SUSPENDED, "effective_on": "2025-05-10", "until": "2025-05-09"}, "until"),
    ("until on the effective day", {**SUSPENDED, "until": "2025-05-01"}, "until"),
    ("rescheduled without a date", {**AMENDED, "type": "measure.rescheduled"}, "effective_on"),
    ("one party", {"type": "talks.opened", "date": "2025-04-11", "source": "s", "track": "t", "parties": ["US"]},
     "parties"),
    ("round zero", {"type": "talks.round_held", "date": "2025-04-16", "source": "s", "track": "t", "round": 0},
     "round"),
    ("unknown response", {"type": "talks.proposal_answered", "date": "2025-06-07", "source": "s", "track": "t",
                          "proposal": "p", "by": "US", "response": "maybe"}, "response"),
    ("correction with no fields", {"type": "ledger.corrected", "source": "s", "target": _id(1), "fields": {},
                                   "reason": "r"}, "fields"),
    ("round ends before it starts", {**dict(EXAMPLES[7]), "ends_on": "2025-04-15"}, "ends_on"),
    ("summit ends before it starts", {**dict(EXAMPLES[14]), "ends_on": "2025-06-14"}, "ends_on"),
    ("target not a UUID", {"type": "ledger.retracted", "source": "s", "target": "42", "reason": "r"}, "target"),
]


@pytest.mark.parametrize(("obj", "field"), [(obj, field) for _, obj, field in BAD], ids=[n for n, _, _ in BAD])
def test_bad_input_is_refused_naming_the_line_and_field(obj: dict[str, Any], field: str | None) -> None:
    errors = errors_of(obj, line=3)
    assert errors, "a refusal lists at least one problem"
    assert all(e.line == 3 for e in errors)
    if field is not None:
        assert field in [e.field for e in errors], [str(e) for e in errors]
    assert all(str(e).startswith("line 3: ") for e in errors)


def test_an_amendment_with_no_change_says_which_fields_it_needs() -> None:
    (error,) = errors_of(AMENDED)
    assert "rate" in error.message and "partners" in error.message


def test_a_value_that_is_not_an_object_is_refused() -> None:
    (error,) = errors_of(["measure.announced"], line=7)
    assert error.line == 7 and "object" in error.message


def test_every_problem_of_an_event_is_reported_at_once() -> None:
    fields = {e.field for e in errors_of({**MEASURE, "imposer": "XX", "rate": -1, "date": "2025-13-01"})}
    assert {"imposer", "rate", "date"} <= fields


def test_a_duplicated_partner_is_refused() -> None:
    assert [e.field for e in errors_of({**MEASURE, "partners": ["JP", "JP"]})] == ["partners"]


def test_leads_must_be_parties() -> None:
    obj = {"type": "talks.opened", "date": "2025-04-11", "source": "s", "track": "t", "parties": ["US", "JP"],
           "leads": {"CN": ["Someone"]}}
    assert [e.field for e in errors_of(obj)] == ["leads"]


def test_country_codes_are_pycountrys_alpha_2_codes_plus_the_reserved_ones() -> None:
    import pycountry

    from events.codes import RESERVED_CODES, country_codes

    assert country_codes() == {c.alpha_2 for c in pycountry.countries} | set(RESERVED_CODES)
