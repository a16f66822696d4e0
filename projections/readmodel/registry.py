"""The read models as data: each table with the one rule that maps a subject's events to its rows.

Every table that ``state``, ``rate`` or the append checks answer from is declared
here once, as a :class:`ReadModel`: the table, the subject kinds whose events
fill it, and the function that computes a subject's rows. The writer (each
append, and ``ledger rebuild``) stores what those functions return; ``ledger
verify`` calls the very same functions on a fresh replay of the log and
compares, row for row; the list of tables to wipe on ``rebuild`` and to
``ANALYZE`` after a large import is this tuple too. A new read model is one more
entry here — and a table left out fails ``tests/integration/test_tamper_tables.py``.

Worked example: the track ``us-jp`` opened between US and JP on 2025-04-07::

    party_rows(Folded("track", "us-jp", live))
    -> [{"track": "us-jp", "party": "US", "opened_on": "2025-04-07"},
        {"track": "us-jp", "party": "JP", "opened_on": "2025-04-07"}]

The append writes those two rows to ``track_parties``; ``verify`` recomputes
them from the log, and a deleted, edited or invented row fails it with the
table and the row's key (``track_parties for 'us-jp' differ from a full replay:
the row track='us-jp', party='JP' is missing``).

Rows of a subject are compared as a whole, one subject at a time, so ``verify``
reads every table in *subject order* — the order of :data:`KINDS`, then the slug
— which each model's :attr:`ReadModel.order` gives in SQL and
:attr:`ReadModel.owner` in Python.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from events.correction import CorrectionEvent
from events.registry import EVENT_TYPES
from events.summit import SummitScheduled
from events.talks import ProposalSubmitted, TalksOpened
from projections.measures import Interval, measure_timeline_plain
from projections.readmodel.layout import (
    OPEN_END,
    TableDef,
    measure_intervals,
    measure_scope,
    schedule_heads,
    schedule_lines,
    subjects,
    summit_tracks,
    track_pairs,
    track_parties,
)
from projections.readmodel.payload import canonical_text as dumps  # the one canonical text (re-exported)
from projections.schedules import LineInterval, Revision, ScheduleHead, head_of, intervals_of, revisions_plain
from projections.shapes import head_json, line_json, measure_json

Subject = tuple[str, str]
Row = dict[str, Any]

#: Subject kinds in the order ``verify`` replays them. Registry order (measures, talks, summits)
#: puts tracks before summits, which name them.
KINDS: tuple[str, ...] = tuple(dict.fromkeys(
    c.subject for c in EVENT_TYPES.values() if not issubclass(c, CorrectionEvent)))
PROPOSAL_TYPE = next(t for t, c in EVENT_TYPES.items() if c is ProposalSubmitted)
OPENED_TYPE = next(t for t, c in EVENT_TYPES.items() if c is TalksOpened)
SUMMIT_SCHEDULED_TYPE = next(t for t, c in EVENT_TYPES.items() if c is SummitScheduled)
#: Subjects introduced inside another's events: a proposal belongs to its track.
WITHIN = {"proposal": ProposalSubmitted.subject}


#: One live event of a subject: its position and its interchange JSON, corrections applied.
Live = tuple[int, Mapping[str, Any]]


class Folded:
    """One subject's events as the read models see them: plain data, no event models.

    ``live``: ``(position, interchange JSON)`` of its events with corrections applied and
    retracted ones left out, in record order. ``recorded``: ``(position, payload)`` of every
    event filed under it as recorded (corrections included) — only the models written at
    index time need them.
    """

    def __init__(self, kind: str, slug: str, live: Sequence[Live],
                 recorded: Sequence[tuple[int, Mapping[str, Any]]] = ()):
        self.kind = kind
        self.slug = slug
        self.live = live
        self.recorded = recorded

    @cached_property
    def timeline(self) -> list[Interval]:
        """A measure's states over valid time (computed once for all the models that need it)."""
        return measure_timeline_plain(self.live)

    @cached_property
    def revisions(self) -> list[Revision]:
        return revisions_plain(self.live)

    @cached_property
    def head(self) -> ScheduleHead | None:
        """A schedule's head (None once its publication is retracted)."""
        return head_of(self.revisions)

    @cached_property
    def lines(self) -> dict[str, list[LineInterval]]:
        """A schedule's lines over its own valid time, by product."""
        return intervals_of(self.revisions)

    def first(self, event_type: str) -> Mapping[str, Any] | None:
        return next((payload for _, payload in self.live if payload["type"] == event_type), None)


# -- the rules: a subject's events -> its rows ------------------------------------------------------


def interval_rows(f: Folded) -> list[Row]:
    """``measure_intervals``: each state of the measure over ``[valid_from, valid_to)``."""
    return [{
        "measure": f.slug,
        "valid_from": iv.valid_from.isoformat(),
        "valid_to": iv.valid_to.isoformat() if iv.valid_to else OPEN_END,
        "imposer": iv.view.imposer,
        "status": iv.view.status,
        "view": dumps(measure_json(iv.view)),
    } for iv in f.timeline]


def scope_rows(f: Folded) -> list[Row]:
    """``measure_scope``: every partner (``p``) and HS prefix (``h``) any state of the measure names."""
    if not f.timeline:
        return []
    named = {("p", v) for iv in f.timeline for v in iv.view.terms.partners}
    named |= {("h", v) for iv in f.timeline for v in iv.view.terms.products}
    imposer = f.timeline[0].view.imposer
    return [{"measure": f.slug, "imposer": imposer, "axis": a, "value": v} for a, v in sorted(named)]


def schedule_head_rows(f: Folded) -> list[Row]:
    """``schedule_heads``: the schedule's imposer, basis, start and partners (one row, none once retracted)."""
    h = f.head
    if h is None:
        return []
    return [{"schedule": f.slug, "imposer": h.imposer, "basis": h.basis, "effective_on": h.effective_on.isoformat(),
             "position": h.position, "head": dumps(head_json(h))}]


def schedule_line_rows(f: Folded) -> list[Row]:
    """``schedule_lines``: each line of the schedule over ``[valid_from, valid_to)`` of its own events."""
    h = f.head
    if h is None:
        return []
    return [{"schedule": f.slug, "imposer": h.imposer, "basis": h.basis, "product": product,
             "valid_from": iv.valid_from.isoformat(), "valid_to": iv.valid_to.isoformat() if iv.valid_to else OPEN_END,
             **line_json(iv.line)}
            for product, ivs in sorted(f.lines.items()) for iv in ivs]


def party_rows(f: Folded) -> list[Row]:
    """``track_parties``: the parties of the track's (live) opening."""
    ev = f.first(OPENED_TYPE)
    if ev is None:
        return []
    return [{"track": f.slug, "party": p, "opened_on": ev["date"]} for p in ev["parties"]]


def pair_rows(f: Folded) -> list[Row]:
    """``track_pairs``: every ordered pair of distinct parties, so "talks between US and JP" is one lookup."""
    ev = f.first(OPENED_TYPE)
    if ev is None:
        return []
    parties = ev["parties"]
    return [{"track": f.slug, "party": p, "other": o, "opened_on": ev["date"]}
            for p in parties for o in parties if p != o]


def summit_rows(f: Folded) -> list[Row]:
    """``summit_tracks``: every track any live schedule of the summit names."""
    tracks = {t for _, ev in f.live if ev["type"] == SUMMIT_SCHEDULED_TYPE for t in ev.get("tracks") or ()}
    return [{"summit": f.slug, "track": t} for t in sorted(tracks)]


def introduction(payload: Mapping[str, Any], subject: Subject) -> Subject | None:
    """The subject an event introduces (an opener, or a proposal within its track), if any."""
    if EVENT_TYPES[payload["type"]].opens:
        return subject
    if payload["type"] == PROPOSAL_TYPE:
        return ("proposal", f"{payload['track']}/{payload['proposal']}")
    return None


def introductions(events: Iterable[tuple[int, Mapping[str, Any], Subject]]) -> dict[Subject, int]:
    """What ``(position, payload, subject)`` events introduce, each with the first position that does.

    As recorded, whatever later corrections do: a retracted opener still introduced its subject,
    so whether a later event about it is accepted does not depend on how appends were split.
    """
    new: dict[Subject, int] = {}
    for position, payload, subject in events:
        intro = introduction(payload, subject)
        if intro is not None:
            new.setdefault(intro, position)
    return new


def subject_row(subject: Subject, position: int) -> Row:
    return {"kind": subject[0], "slug": subject[1], "position": position, "facts": "{}"}


def subject_rows(f: Folded) -> list[Row]:
    """``subjects``: what the subject's events introduced (itself, its proposals), at the first position."""
    found = introductions((p, payload, (f.kind, f.slug)) for p, payload in f.recorded)
    return [subject_row(s, p) for s, p in found.items()]


# -- the declaration ---------------------------------------------------------------------------------


def kind_rank(column: str, within: Mapping[str, str] | None = None) -> str:
    """SQL ranking a kind column in :data:`KINDS` order (``within``: kinds ranked as their owner's)."""
    ranks = {k: i for i, k in enumerate(KINDS)}
    ranks.update({k: ranks[owner] for k, owner in (within or {}).items()})
    cases = " ".join(f"WHEN '{k}' THEN {i}" for k, i in ranks.items())
    return f"CASE {column} {cases} ELSE {len(KINDS)} END"


def rank(kind: str) -> int:
    """A kind's place in :data:`KINDS` (unknown kinds last), as :func:`kind_rank` gives it in SQL."""
    return KINDS.index(kind) if kind in KINDS else len(KINDS)


@dataclass(frozen=True)
class ReadModel:
    """A read-model table and the rule that fills it.

    ``order`` is the SQL ORDER BY that lists the stored rows subject by subject in
    :data:`KINDS` order (``{c}`` stands for a byte-order collation), ``owner`` the subject a
    stored row belongs to. ``refold``: rows are replaced whenever the subject is refolded
    (deleted by ``table.c[owner column]``); otherwise they are added as events are indexed
    and never change.
    """

    table: TableDef
    kinds: tuple[str, ...]
    rows: Callable[[Folded], list[Row]]
    key: tuple[str, ...]
    order: str
    owner: Callable[[Sequence[Any]], Subject]
    refold: bool = True

    @property
    def columns(self) -> tuple[str, ...]:
        return self.table.columns

    @property
    def owner_column(self) -> str:
        return self.columns[0]


def _per_subject(table: TableDef, kind: str, rows: Callable[[Folded], list[Row]], *key: str) -> ReadModel:
    """A model whose first column names the subject its rows belong to."""
    return ReadModel(table, (kind,), rows, key, f"{table.columns[0]}{{c}}", lambda row: (kind, str(row[0])))


def _subject_owner(row: Sequence[Any]) -> Subject:
    kind, slug = str(row[0]), str(row[1])
    return (WITHIN[kind], slug.split("/", 1)[0]) if kind in WITHIN else (kind, slug)


READ_MODELS: tuple[ReadModel, ...] = (
    _per_subject(measure_intervals, "measure", interval_rows, "measure", "valid_from"),
    _per_subject(measure_scope, "measure", scope_rows, "measure", "axis", "value"),
    _per_subject(track_parties, "track", party_rows, "track", "party"),
    _per_subject(track_pairs, "track", pair_rows, "track", "party", "other"),
    _per_subject(summit_tracks, "summit", summit_rows, "summit", "track"),
    _per_subject(schedule_heads, "schedule", schedule_head_rows, "schedule"),
    _per_subject(schedule_lines, "schedule", schedule_line_rows, "schedule", "product", "valid_from"),
    # A proposal's row sorts inside its track's: "t/p" as "t p" (slugs are [a-z0-9-], all after a space).
    ReadModel(subjects, KINDS, subject_rows, ("kind", "slug"),
              f"{kind_rank('kind', WITHIN)}, replace(slug, '/', ' '){{c}}, kind{{c}}", _subject_owner,
              refold=False),
)
