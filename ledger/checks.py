"""Checks an event can only pass against the ledger: its subject exists, its id is new, its target is real.

Field-level validation is the models' job (``events``). What needs the ledger
is here: an event about a measure, track, summit or proposal that neither the
ledger nor an earlier line of the same file introduced; a second announcement
of the same measure; an id already used for different content; a correction of
an unknown event or with fields the target does not have. Problems come back as
:class:`InputError` values so a whole file can be reported at once.

The rules are written once, in :class:`Rules`, and applied twice: by
:class:`Checker` to what an append brings (facts come from the ledger's tables),
and by :class:`LogRules` to the log itself in ``ledger verify`` (facts come from
the events replayed before). A row slipped into the log behind the CLI's back —
say ``measure.amended`` of ``ghost``, which nothing announced — is then refused
by ``verify`` exactly as ``ledger append`` refuses it::

    position 55: the ledger would have refused this event: measure: unknown measure 'ghost': ...
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import orjson
from pydantic import ValidationError
from sqlalchemy import Connection, select

from events.codes import Subject
from events.common import Envelope
from events.correction import Corrected, CorrectionEvent
from events.errors import InputError
from events.parse import validation_errors
from events.registry import CORRECTION_TYPES, EVENT_TYPES, OPENERS
from events.summit import SummitScheduled
from events.talks import ProposalAnswered, ProposalSubmitted
from projections.readmodel.queries import in_chunks
from projections.readmodel.tables import ledger_index, subjects

# Fields a correction may not replace: they say what the event *is*, not what it says.
FIXED_FIELDS = {"type", "id", "recorded_by"}
_NOUN = {"measure": "measure", "track": "track", "summit": "summit", "proposal": "proposal", "schedule": "schedule"}


@dataclass(frozen=True)
class Known:
    """What the checker knows about an event id: its type, subject and comparable content."""

    type: str
    subject: Subject
    payload: dict[str, Any]
    # The event as it reads after the corrections recorded so far (None once retracted).
    current: dict[str, Any] | None = None

    @property
    def content(self) -> bytes:
        # Computed only when an id comes up again: most never do.
        return comparable(self.payload)


def comparable(payload: dict[str, Any]) -> bytes:
    """Content that decides whether a re-appended event is 'the same': everything but the author."""
    return orjson.dumps({k: v for k, v in payload.items() if k != "recorded_by"}, option=orjson.OPT_SORT_KEYS)


def _known(row: Any) -> Known:
    payload = json.loads(row.payload)
    current = json.loads(row.current) if row.current is not None else None
    return Known(row.type, (row.subject_kind, row.subject), payload, current)


class Rules:
    """The acceptance rules, applied to events in order over what is known so far.

    What is known: the subjects introduced and the events (by id) seen, cached in
    ``subjects`` and ``ids`` as the rules learn them. Where a fact not yet seen comes from
    is the subclass's business — the ledger's tables for :class:`Checker` (appends), the
    log being replayed for :class:`LogRules` (``ledger verify``) — so one copy of the
    rules decides both what is accepted and what ``verify`` accepts as having been.
    """

    def __init__(self) -> None:
        self.subjects: dict[Subject, bool] = {}
        self.ids: dict[str, Known | None] = {}

    def lookup_subject(self, kind: str, slug: str) -> bool:
        raise NotImplementedError

    def lookup_event(self, event_id: str) -> Known | None:
        raise NotImplementedError

    def has_subject(self, kind: str, slug: str) -> bool:
        key = (kind, slug)
        if key not in self.subjects:
            self.subjects[key] = self.lookup_subject(kind, slug)
        return self.subjects[key]

    def known(self, event_id: str) -> Known | None:
        if event_id not in self.ids:
            self.ids[event_id] = self.lookup_event(event_id)
        return self.ids[event_id]

    def check(
        self, event: Envelope, line: int | None, fresh_id: bool = False, payload: dict[str, Any] | None = None
    ) -> tuple[str, Subject | None, list[InputError]]:
        """``("new"|"duplicate", subject, errors)`` for one event (with its id), registering it when new.

        ``fresh_id`` says the id was just generated, so no earlier event can have it; ``payload`` is the
        event's interchange form when the caller has it already (it saves dumping the model again).
        """
        if not fresh_id:
            seen = self.known(str(event.id))
            if seen is not None:
                if seen.content == comparable(payload or event.payload()) or (
                    isinstance(event, CorrectionEvent) and event.date is None
                    and seen.content == comparable({**event.payload(), "date": seen.payload.get("date")})
                ):
                    return "duplicate", seen.subject, []
                return "new", None, [InputError(line, "id", f"{event.id} is already recorded with different content")]
        if isinstance(event, CorrectionEvent):
            subject, errors = self._check_correction(event, line)
        else:
            subject = event.subject_key()
            errors = self._check_subject(event, subject, line)
        if not errors:
            assert subject is not None
            self._register(event, subject)
            if not fresh_id:  # a generated id cannot come up again, so there is nothing to remember
                self.register_id(event, subject, payload)
        return "new", subject, errors

    def register_id(self, event: Envelope, subject: Subject, payload: dict[str, Any] | None = None) -> None:
        payload = payload if payload is not None else event.payload()
        current = None if isinstance(event, CorrectionEvent) else payload
        self.ids[str(event.id)] = Known(event.type, subject, payload, current)

    def _register(self, event: Envelope, subject: Subject) -> None:
        kind, slug = subject
        if event.opens:
            self.subjects[(kind, slug)] = True
        if isinstance(event, ProposalSubmitted):
            self.subjects[("proposal", f"{event.track}/{event.proposal}")] = True

    def _check_subject(self, event: Envelope, subject: Subject, line: int | None) -> list[InputError]:
        kind, slug = subject
        exists = self.has_subject(kind, slug)
        if event.opens:
            if exists and kind != "summit":
                return [InputError(line, kind, f"{kind} {slug!r} was already introduced ({event.type}); "
                                               f"record a change to it instead")]
        elif not exists:
            return [InputError(line, kind, f"unknown {_NOUN[kind]} {slug!r}: record {OPENERS[kind]} for it first")]
        if isinstance(event, ProposalAnswered) and not self.has_subject("proposal", f"{event.track}/{event.proposal}"):
            return [InputError(line, "proposal", f"unknown proposal {event.proposal!r} in track {event.track!r}: "
                                                 "record talks.proposal_submitted first")]
        if isinstance(event, SummitScheduled):
            unknown = [t for t in event.tracks or () if not self.has_subject("track", t)]
            if unknown:
                return [InputError(line, "tracks", f"unknown track {unknown[0]!r}: record talks.opened for it first")]
        return []

    def _check_correction(self, event: CorrectionEvent, line: int | None) -> tuple[Subject | None, list[InputError]]:
        target = self.known(str(event.target))
        if target is None:
            message = f"no event with id {event.target} in the ledger or earlier in this file"
            return None, [InputError(line, "target", message)]
        if isinstance(event, Corrected):
            if target.type in CORRECTION_TYPES:
                return None, [InputError(line, "target", "is itself a correction: correct the original event, "
                                                         "or retract the correction")]
            cls = EVENT_TYPES[target.type]
            fixed = FIXED_FIELDS | {cls.subject}
            for name in event.fields:
                if name not in cls.model_fields:
                    return None, [InputError(line, f"fields.{name}", f"is not a field of {target.type}")]
                if name in fixed:
                    return None, [InputError(line, f"fields.{name}", "cannot be corrected: retract the event "
                                                                     "and record a new one")]
            # Against the event as it reads now: earlier corrections (in the ledger or this file) count.
            corrected = {**(target.current or target.payload), **event.fields}
            try:
                cls.model_validate(corrected)
            except ValidationError as exc:
                errs = validation_errors(exc, line)
                return None, [InputError(e.line, f"fields.{e.field}", e.message) for e in errs]
            self.ids[str(event.target)] = replace(target, current=corrected)
        elif target.type not in CORRECTION_TYPES:
            self.ids[str(event.target)] = replace(target, current=None)
        return target.subject, []


class Checker(Rules):
    """Validates events in order against the ledger (read through ``conn``) and earlier lines."""

    def __init__(self, conn: Connection):
        super().__init__()
        self.conn = conn

    def forget(self) -> None:
        """Drop the cache once what it holds has been written (the database now answers)."""
        self.subjects.clear()
        self.ids.clear()

    def prefetch(self, events: list[tuple[Envelope, bool]]) -> None:
        """Load, in a few queries, what checking these events will ask about (subjects, ids, targets)."""
        keys: set[Subject] = set()
        ids: set[str] = set()
        for event, fresh in events:
            if not fresh:
                ids.add(str(event.id))
            if isinstance(event, CorrectionEvent):
                ids.add(str(event.target))
                continue
            keys.add(event.subject_key())
            if isinstance(event, ProposalAnswered):
                keys.add(("proposal", f"{event.track}/{event.proposal}"))
            if isinstance(event, SummitScheduled):
                keys.update(("track", t) for t in event.tracks or ())
        by_kind: dict[str, list[str]] = {}
        for kind, slug in keys - self.subjects.keys():
            by_kind.setdefault(kind, []).append(slug)
        for kind, slugs in by_kind.items():
            for part in in_chunks(slugs):
                found = set(self.conn.execute(
                    select(subjects.c.slug).where(subjects.c.kind == kind, subjects.c.slug.in_(part))).scalars())
                self.subjects.update({(kind, slug): slug in found for slug in part})
        wanted = sorted(ids - self.ids.keys())
        c = ledger_index.c
        for part in in_chunks(wanted):
            for row in self.conn.execute(
                select(c.event_id, c.type, c.subject_kind, c.subject, c.payload, c.current).where(c.event_id.in_(part))
            ):
                self.ids[row.event_id] = _known(row)
            for event_id in part:
                self.ids.setdefault(event_id, None)

    def lookup_subject(self, kind: str, slug: str) -> bool:
        query = select(subjects.c.slug).where(subjects.c.kind == kind, subjects.c.slug == slug)
        return self.conn.execute(query).first() is not None

    def lookup_event(self, event_id: str) -> Known | None:
        row = self.conn.execute(
            select(ledger_index.c.type, ledger_index.c.subject_kind, ledger_index.c.subject, ledger_index.c.payload,
                   ledger_index.c.current)
            .where(ledger_index.c.event_id == event_id)
        ).first()
        return None if row is None else _known(row)


class LogRules(Rules):
    """The rules replayed over the log itself (``ledger verify``): only what was replayed before counts.

    ``verify`` replays one subject's events at a time, in record order, with a fresh
    :class:`LogRules`: its own events are learnt as they pass; a subject of another kind
    (a track a summit names) is asked of ``elsewhere``, which answers whether the log
    introduced it before the event being checked. Nothing is looked up in a table.
    """

    def __init__(self, elsewhere: Callable[[str, str], bool] = lambda kind, slug: False):
        super().__init__()
        self.elsewhere = elsewhere

    def lookup_subject(self, kind: str, slug: str) -> bool:
        return self.elsewhere(kind, slug)

    def lookup_event(self, event_id: str) -> Known | None:
        return None
