"""The whole ledger on a valid date, by replaying (already corrected) events.

This is the reference semantics: the read model answers must equal these for
every query (a property test holds them to it), and ``--known-at`` answers come
from here, with the log cut at that record time.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from projections.measures import MeasureView, measure_on
from projections.negotiations import NegotiationView, negotiation_on
from projections.rates import RateAnswer, rate_from_views
from projections.recorded import Recorded

Subject = tuple[str, str]


def by_subject(events: Iterable[Recorded]) -> dict[Subject, list[Recorded]]:
    groups: dict[Subject, list[Recorded]] = defaultdict(list)
    for rec in events:
        groups[rec.event.subject_key()].append(rec)
    return groups


def covers_partner(view: MeasureView, partner: str) -> bool:
    t = view.terms
    return (partner in t.partners or "*" in t.partners) and partner not in t.except_partners


def keep_negotiation(parties: Sequence[str], imposer: str | None, partner: str | None) -> bool:
    return all(code in parties for code in (imposer, partner) if code is not None)


@dataclass(frozen=True)
class StateView:
    as_of: dt.date
    measures: list[MeasureView]
    negotiations: list[NegotiationView]


def measures_on(groups: dict[Subject, list[Recorded]], day: dt.date) -> list[MeasureView]:
    views = (measure_on(evs, day) for (kind, _), evs in groups.items() if kind == "measure")
    return sorted((v for v in views if v is not None), key=lambda v: (v.imposer, v.measure))


def state_on(
    events: Iterable[Recorded], day: dt.date, imposer: str | None = None, partner: str | None = None
) -> StateView:
    groups = by_subject(events)
    measures = [
        v
        for v in measures_on(groups, day)
        if (imposer is None or v.imposer == imposer) and (partner is None or covers_partner(v, partner))
    ]
    summits = {slug: evs for (kind, slug), evs in groups.items() if kind == "summit"}
    negotiations = []
    for (kind, _), evs in sorted(groups.items()):
        if kind != "track":
            continue
        view = negotiation_on(evs, summits, day)
        if view is not None and keep_negotiation(view.parties, imposer, partner):
            negotiations.append(view)
    return StateView(day, measures, negotiations)


def rate_on(
    events: Iterable[Recorded], day: dt.date, partner: str, product: str, imposer: str | None = None
) -> tuple[str | None, RateAnswer]:
    return rate_from_views(measures_on(by_subject(events), day), partner, product, imposer)
