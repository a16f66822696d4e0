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

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

import orjson
from pydantic import ValidationError

from events.codes import Subject
from events.common import Envelope
from events.correction import Corrected
from events.errors import InputError
from events.parse import validation_errors
from events.registry import CORRECTION_TYPES, EVENT_TYPES, OPENERS, type_name
from events.summit import SummitScheduled
from events.talks import ProposalAnswered
from projections.readmodel.layout import event_text, with_log
from projections.readmodel.queries import WriteDb, in_chunks, postgres
from projections.readmodel.registry import introduction
from projections.readmodel.writer import fetch

# Fields a correction may not replace: they say what the event *is*, not what it says.
FIXED_FIELDS = {"type", "id", "recorded_by"}
CORRECTED, PROPOSAL_ANSWERED, SUMMIT_SCHEDULED = (
    type_name(c) for c in (Corrected, ProposalAnswered, SummitScheduled))
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


def comparable(payload: Mapping[str, Any]) -> bytes:
    """Content that decides whether a re-appended event is 'the same': everything but the author."""
    return orjson.dumps({k: v for k, v in payload.items() if k != "recorded_by"}, option=orjson.OPT_SORT_KEYS)


def _known_sql(db: WriteDb) -> str:
    """``SELECT`` the index columns a :class:`Known` is made of, in :func:`_known`'s order, the event from the log."""
    pg = postgres(db)
    return f"SELECT event_id, type, subject_kind, subject, {event_text(pg)}, current, target FROM {with_log(pg)}"


def _known(type_: str, kind: str, slug: str, payload: str, current: str | None, target: str | None) -> Known:
    recorded = orjson.loads(payload)
    # ``current`` is stored only where corrections changed the event (JSON null once retracted);
    # a correction itself reads as nothing a later correction could apply to.
    if current is not None:
        return Known(type_, (kind, slug), recorded, orjson.loads(current))
    return Known(type_, (kind, slug), recorded, None if target is not None else recorded)


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
        self, event: Mapping[str, Any], line: int | None, fresh_id: bool = False
    ) -> tuple[str, Subject | None, list[InputError]]:
        """``("new"|"duplicate", subject, errors)`` for one event (with its id), registering it when new.

        ``event`` is the validated event's interchange JSON (plain data: appends pass what they
        are about to store, ``verify`` what is stored). ``fresh_id`` says the id was just
        generated, so no earlier event can have it.
        """
        event_id = event["id"]
        kind = event["type"]
        cls = EVENT_TYPES[kind]
        correction = kind in CORRECTION_TYPES
        if not fresh_id:
            seen = self.known(event_id)
            if seen is not None:
                if seen.content == comparable(event) or (
                    correction and event.get("date") is None
                    and seen.content == comparable({**event, "date": seen.payload.get("date")})
                ):
                    return "duplicate", seen.subject, []
                return "new", None, [InputError(line, "id", f"{event_id} is already recorded with different content")]
        if correction:
            subject, errors = self._check_correction(event, line)
        else:
            subject = (cls.subject, str(event[cls.subject]))
            errors = self._check_subject(event, cls, subject, line)
        if not errors:
            assert subject is not None
            self._register(event, subject)
            if not fresh_id:  # a generated id cannot come up again, so there is nothing to remember
                self.register_id(event, subject)
        return "new", subject, errors

    def register_id(self, event: Mapping[str, Any], subject: Subject) -> None:
        # Kept, not copied: a payload is never changed once validated (a correction makes a new dict).
        payload = event if isinstance(event, dict) else dict(event)
        current = None if event["type"] in CORRECTION_TYPES else payload
        self.ids[event["id"]] = Known(event["type"], subject, payload, current)

    def _register(self, event: Mapping[str, Any], subject: Subject) -> None:
        # What an event introduces is the registry's rule, the one the subjects table is written by.
        introduced = introduction(event, subject)
        if introduced is not None:
            self.subjects[introduced] = True

    def _check_subject(self, event: Mapping[str, Any], cls: type[Envelope], subject: Subject,
                       line: int | None) -> list[InputError]:
        kind, slug = subject
        exists = self.has_subject(kind, slug)
        if cls.opens:
            if exists and kind != "summit":
                return [InputError(line, kind, f"{kind} {slug!r} was already introduced ({event['type']}); "
                                               f"record a change to it instead")]
        elif not exists:
            return [InputError(line, kind, f"unknown {_NOUN[kind]} {slug!r}: record {OPENERS[kind]} for it first")]
        if event["type"] == PROPOSAL_ANSWERED and not self.has_subject(
                "proposal", f"{event['track']}/{event['proposal']}"):
            return [InputError(line, "proposal", f"unknown proposal {event['proposal']!r} in track "
                                                 f"{event['track']!r}: record talks.proposal_submitted first")]
        if event["type"] == SUMMIT_SCHEDULED:
            unknown = [t for t in event.get("tracks") or () if not self.has_subject("track", t)]
            if unknown:
                return [InputError(line, "tracks", f"unknown track {unknown[0]!r}: record talks.opened for it first")]
        return []

    def _check_correction(self, event: Mapping[str, Any], line: int | None) -> tuple[Subject | None, list[InputError]]:
        target_id = event["target"]
        target = self.known(target_id)
        if target is None:
            message = f"no event with id {target_id} in the ledger or earlier in this file"
            return None, [InputError(line, "target", message)]
        if event["type"] == CORRECTED:
            if target.type in CORRECTION_TYPES:
                return None, [InputError(line, "target", "is itself a correction: correct the original event, "
                                                         "or retract the correction")]
            cls = EVENT_TYPES[target.type]
            fixed = FIXED_FIELDS | {cls.subject}
            for name in event["fields"]:
                if name not in cls.model_fields:
                    return None, [InputError(line, f"fields.{name}", f"is not a field of {target.type}")]
                if name in fixed:
                    return None, [InputError(line, f"fields.{name}", "cannot be corrected: retract the event "
                                                                     "and record a new one")]
            # Against the event as it reads now: earlier corrections (in the ledger or this file) count.
            corrected = {**(target.current or target.payload), **event["fields"]}
            try:
                cls.model_validate(corrected)
            except ValidationError as exc:
                errs = validation_errors(exc, line)
                return None, [InputError(e.line, f"fields.{e.field}", e.message) for e in errs]
            self.ids[target_id] = replace(target, current=corrected)
        elif target.type not in CORRECTION_TYPES:
            self.ids[target_id] = replace(target, current=None)
        return target.subject, []


class IdFilter:
    """The ids one append has recorded, as a Bloom filter: "certainly not among them" costs no query.

    On a large ledger each id looked up is a random probe of the id index (measured ~26 µs at
    1M events, a quarter of an import's time), and an import's ids are almost all new. When
    the ledger was empty as the append began, an id the filter has not seen was recorded
    nowhere, so only the few the filter may have seen (a repeated id, a correction's target,
    a false positive) are asked of the database, which answers for all of them.

        >>> ids = IdFilter()
        >>> ids.add("0b5fd3a8-8c1e-4f57-9a3e-5b4b1e0d6c2a")
        >>> ids.may_hold("0b5fd3a8-8c1e-4f57-9a3e-5b4b1e0d6c2a"), ids.may_hold("c0ffee00-0000-4000-8000-000000000000")
        (True, False)
    """

    #: 2 MB of bits: with 3 probes, ~0.4% false positives at 1M ids and ~6% at 10M (each one query, no error).
    BITS = 1 << 24

    def __init__(self) -> None:
        self.bits = bytearray(self.BITS // 8)

    def _probes(self, event_id: str) -> tuple[int, int, int]:
        h = hash(event_id) & 0xFFFFFFFFFFFFFFFF
        first, step, mask = h, (h >> 32) | 1, self.BITS - 1
        return first & mask, (first + step) & mask, (first + 2 * step) & mask

    def add(self, event_id: str) -> None:
        for bit in self._probes(event_id):
            self.bits[bit >> 3] |= 1 << (bit & 7)

    def may_hold(self, event_id: str) -> bool:
        return all(self.bits[bit >> 3] & (1 << (bit & 7)) for bit in self._probes(event_id))


class Checker(Rules):
    """Validates events in order against the ledger (read through ``db``) and earlier lines.

    ``introduced``: given when the ledger held no event as the append began, the subjects the
    append has introduced so far (the writer adds each batch's: ``register_subjects``), which
    is then all the ``subjects`` table holds: a subject is looked up there, not in the database,
    and an id this append has not recorded (:class:`IdFilter`) is unknown without a query.

    """

    def __init__(self, db: WriteDb, introduced: set[Subject] | None = None):
        super().__init__()
        self.db = db
        self.introduced = introduced
        self.recorded = IdFilter() if introduced is not None else None

    def lookup_subject(self, kind: str, slug: str) -> bool:
        if self.introduced is not None:
            return (kind, slug) in self.introduced
        mark = self.db.placeholder
        return bool(fetch(self.db, f"SELECT slug FROM subjects WHERE kind = {mark} AND slug = {mark}", (kind, slug)))

    def register_id(self, event: Mapping[str, Any], subject: Subject) -> None:
        super().register_id(event, subject)
        if self.recorded is not None:
            self.recorded.add(event["id"])

    def _unrecorded(self, event_id: str) -> bool:
        return self.recorded is not None and not self.recorded.may_hold(event_id)

    def forget(self) -> None:
        """Drop the cache once what it holds has been written (the database now answers)."""
        self.subjects.clear()
        self.ids.clear()

    def prefetch(self, events: list[tuple[Mapping[str, Any], bool]]) -> None:
        """Load, in a few queries, what checking these events will ask about (subjects, ids, targets)."""
        keys: set[Subject] = set()
        ids: set[str] = set()
        for event, fresh in events:
            if not fresh:
                ids.add(event["id"])
            kind = event["type"]
            if kind in CORRECTION_TYPES:
                ids.add(event["target"])
                continue
            field = EVENT_TYPES[kind].subject
            keys.add((field, str(event[field])))
            if kind == PROPOSAL_ANSWERED:
                keys.add(("proposal", f"{event['track']}/{event['proposal']}"))
            if kind == SUMMIT_SCHEDULED:
                keys.update(("track", t) for t in event.get("tracks") or ())
        by_kind: dict[str, list[str]] = {}
        for kind, slug in keys - self.subjects.keys():
            if self.introduced is not None:
                self.subjects[(kind, slug)] = (kind, slug) in self.introduced
            else:
                by_kind.setdefault(kind, []).append(slug)
        mark = self.db.placeholder
        for kind, slugs in by_kind.items():
            for part in in_chunks(slugs):
                sql = f"SELECT slug FROM subjects WHERE kind = {mark} AND slug IN ({', '.join([mark] * len(part))})"
                found = {slug for (slug,) in fetch(self.db, sql, [kind, *part])}
                self.subjects.update({(kind, slug): slug in found for slug in part})
        wanted = []
        for event_id in sorted(ids - self.ids.keys()):
            if self._unrecorded(event_id):
                self.ids[event_id] = None
            else:
                wanted.append(event_id)
        for part in in_chunks(wanted):
            sql = f"{_known_sql(self.db)} WHERE event_id IN ({', '.join([mark] * len(part))})"
            for row in fetch(self.db, sql, part):
                self.ids[row[0]] = _known(*row[1:])
            for event_id in part:
                self.ids.setdefault(event_id, None)

    def lookup_event(self, event_id: str) -> Known | None:
        if self._unrecorded(event_id):
            return None
        found = fetch(self.db, f"{_known_sql(self.db)} WHERE event_id = {self.db.placeholder}", (event_id,))
        return _known(*found[0][1:]) if found else None


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
