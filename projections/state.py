"""The whole ledger on a valid date, by replaying (already corrected) events.

This is the reference semantics: the read model answers must equal these for
every query (a property test holds them to it), and ``--known-at`` answers come
from here, with the log cut at that record time. The rules themselves live in
the folds this module calls: ``measures`` (status), ``rates`` (stacking and
partner coverage) and ``negotiations`` (status, and which talks are "between"
two countries).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence

from events.codes import Subject
from projections.measures import MeasureView, measure_on
from projections.negotiations import entries, negotiations_on
from projections.rates import RateAnswer, rate_from_views, select_measures
from projections.recorded import Recorded
from projections.results import State


def by_subject(events: Iterable[Recorded]) -> dict[Subject, list[Recorded]]:
    groups: dict[Subject, list[Recorded]] = defaultdict(list)
    for rec in events:
        groups[rec.event.subject_key()].append(rec)
    return groups


def of_kind(groups: dict[Subject, list[Recorded]], kind: str) -> dict[str, list[Recorded]]:
    """The groups of one kind of subject, by slug."""
    return {slug: evs for (k, slug), evs in groups.items() if k == kind}


def measures_on(measures: Mapping[str, Sequence[Recorded]], day: dt.date) -> list[MeasureView]:
    """Every measure announced by ``day`` as it stood then; ``measures`` maps slugs to their events."""
    views = (measure_on(evs, day) for evs in measures.values())
    return sorted((v for v in views if v is not None), key=lambda v: (v.imposer, v.measure))


def state_on(
    events: Iterable[Recorded], day: dt.date, imposer: str | None = None, partner: str | None = None
) -> State:
    """The measures (of ``imposer``, covering ``partner``) and the negotiations between them on ``day``."""
    groups = by_subject(events)
    measures = select_measures(measures_on(of_kind(groups, "measure"), day), imposer, partner)
    # The negotiation fold reads the events' JSON, as the read path hands it the stored rows.
    tracks, summits = ({slug: entries(evs) for slug, evs in of_kind(groups, kind).items()}
                       for kind in ("track", "summit"))
    negotiations = negotiations_on(tracks, summits, day, imposer, partner)
    return State(day, None, tuple(measures), tuple(negotiations))


def rate_on(
    events: Iterable[Recorded], day: dt.date, partner: str, product: str, imposer: str | None = None
) -> tuple[str | None, RateAnswer]:
    """The imposer chosen and the stacked rate of ``partner``'s ``product`` on ``day``, by replay."""
    return rate_from_views(measures_on(of_kind(by_subject(events), "measure"), day), partner, product, imposer)
