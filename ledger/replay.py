"""``ledger verify``, second pass: replay the log one subject at a time — the rules, the corrections, every read model.

The first pass (:mod:`ledger.verify`) proved that each ``ledger_index`` row carries
exactly the stored event at its position, so the index rows grouped by subject
*are* the log, regrouped. For each subject (in :data:`~projections.readmodel.registry.KINDS`
order, then by slug), its events are taken in record order and must be:

1. **filed right** — each event under its own subject, a correction under its target's;
2. **acceptable** — valid as its event model, and replayed through
   :class:`~ledger.checks.LogRules`, the same rules ``ledger append`` applies: the subject
   was introduced by an earlier event, nothing is introduced twice, a correction's target
   came earlier and its fields are valid, no id is stored twice;
3. **read right** — each event's ``current`` form is the fold with corrections applied;
4. **answered right** — for every read model of the registry, the rows its rule gives
   for the subject are exactly the rows stored for it.

For instance, a ``measure.amended`` of ``ghost`` slipped into the log with a correct
chain link, then indexed by ``ledger rebuild``, fails step 2 at its position::

    position 55: the ledger would have refused this event: measure: unknown measure 'ghost': record
    measure.announced for it first

and a row deleted from ``track_pairs`` fails step 4 naming the table and the row::

    track_pairs for 'us-jp-tariffs' differ from a full replay: the row track='us-jp-tariffs', party='JP',
    other='US' is missing

Every table is read once, in subject order (a merge), never one query per subject.
Memory holds one subject's events and rows, plus one integer per negotiation track
(summits name tracks, and are replayed after them).
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, replace
from typing import Any

import orjson

from events.correction import CorrectionEvent
from events.registry import EVENT_TYPES
from ledger.checks import LogRules
from ledger.errors import IntegrityFailure
from projections.inorder import InOrder
from projections.readmodel.layout import event_text, with_log
from projections.readmodel.registry import KINDS, READ_MODELS, Folded, ReadModel, rank
from projections.readmodel.writer import CORRECTION_TYPES, current_text
from projections.recorded import Recorded, effective_events

#: SQL text -> its rows, streamed in pages inside verify's snapshot.
RowSource = Callable[[str], Iterator[Sequence[Any]]]
Owner = tuple[int, str]
# What a row edited into nonsense raises when read (bad JSON, wrong types, an unknown event type):
# reported as a failure at its position, not as a crash. Database errors are not among them.
UNREADABLE = (ValueError, TypeError, KeyError, AttributeError, IndexError)


def check_replay(rows: RowSource, collate: str, pool: Executor | None = None,
                 validated: Validated | None = None, postgres: bool = False) -> None:
    """Replay every subject and compare; raise IntegrityFailure at the first difference.

    ``pool``: worker processes that replay slices of subjects (:func:`replay_slice`) while this
    process reads the index and compares the stored rows with what they return, in subject
    order. The first failure, and its message, are the same with or without workers.
    ``validated``: the stored events already validated (:func:`validate_texts`), else here.
    ``postgres``: the database's SQL for the event's text (:func:`~projections.readmodel.layout.event_text`).
    """
    # Subject order, one kind after another; kinds outside KINDS (a correction of nothing) rank last, together.
    # ``current`` is stored only where corrections changed an event (NULL for most rows), so the rows
    # that go to worker processes carry one copy of each event.
    # SQLite: NOT INDEXED, so it scans the index in position order, reads each event from the log in the
    # same order and sorts, instead of walking the subject index and looking each event up at random (1M
    # events: 9.1 -> 5.0 s for these reads, docs/performance.md; the sort spills to temporary files).
    source = with_log(True) if postgres else with_log(False, " NOT INDEXED")
    columns = (f"position, event_id, subject_kind, subject, recorded_at, recorded_by, {event_text(postgres)}, "
               f"current FROM {source}")
    known = ", ".join(f"'{k}'" for k in KINDS)
    index = itertools.chain(
        *(rows(f"SELECT {columns} WHERE subject_kind = '{k}' ORDER BY subject{collate}, position") for k in KINDS),
        rows(f"SELECT {columns} WHERE subject_kind NOT IN ({known}) ORDER BY subject{collate}, position"))
    stored = [_Stored(m, rows(f"SELECT {', '.join(m.columns)} FROM {m.table.name} "
                              f"ORDER BY {m.order.format(c=collate)}")) for m in READ_MODELS]
    tracks: dict[str, int] = {}  # track -> the position that introduced it, for the summits that name it
    subjects: Iterator[Subject] = (
        (kind, slug, [(r[0], r[1], r[4], r[5], r[6], r[7]) for r in group])
        for (kind, slug), group in itertools.groupby(index, key=lambda r: (r[2], r[3])))
    if pool is None:
        for subject in subjects:
            _compare(stored, tracks, replay_slice([subject], tracks, validated=validated, as_text=False))
    else:
        _replay_parallel(subjects, stored, tracks, pool, validated)
    for table in stored:
        table.finish()


#: One subject as the replay takes it: its kind, slug and index rows, each ``(position, event_id, recorded_at,
#: recorded_by, payload, current)`` (see :func:`check_replay`).
Subject = tuple[str, str, list[tuple[Any, ...]]]
#: A parallel replay's slices: about this many events each, so memory follows the slice.
SLICE_EVENTS = 2000


@dataclass(frozen=True)
class Outcome:
    """What replaying one subject gave: its rows per read model (table name -> the rows, tuples in column
    order, or how many and those rows as one JSON text), the position that opened it if it is a track,
    or the failure its replay stopped at.

    A worker sends one text per table rather than the rows themselves: they would otherwise be
    pickled and unpickled value by value, and the stored rows are compared with the text first
    (:meth:`_Stored.compare`). In one process the tuples are compared as they are.
    """

    kind: str
    slug: str
    position: int
    rows: dict[str, Expected]
    opened: int | None = None
    failure: tuple[int | None, str, str | None] | None = None


class _Undecided(Exception):
    """A track's events asked about another track that a worker's partial map cannot answer."""


def replay_slice(subjects: Sequence[Subject], tracks: dict[str, int], partial: bool = False,
                 validated: Validated | None = None, as_text: bool = True) -> list[Outcome]:
    """Steps 1-4 for consecutive subjects, up to the first failure; what the stored rows must equal.

    Runs in-process or in a worker process (it touches no database). ``tracks``: the tracks
    introduced so far, updated as track subjects pass. ``partial``: some earlier tracks may be
    missing from it (their slices are still in other workers); should a track's events ever ask
    about another track, the outcomes stop there and the caller replays the rest with the
    whole map. ``validated``: the events' validation done already (:func:`validate_texts`).
    ``as_text``: each table's rows as JSON text, for a worker to send back (see :class:`Outcome`).
    """
    out: list[Outcome] = []
    for kind, slug, slim in subjects:
        position = slim[0][0]
        # The index row as the checks read it: (position, event_id, kind, slug, recorded_at, recorded_by,
        # payload, current).
        members: list[Sequence[Any]] = [(p, i, kind, slug, at, by, payload, current)
                                         for p, i, at, by, payload, current in slim]
        try:
            folded = _replay_subject(kind, slug, members, tracks, partial, validated)
            rows: dict[str, Expected] = {}
            for m in READ_MODELS:
                if kind in m.kinds:
                    want = [tuple(map(r.__getitem__, m.columns)) for r in m.rows(folded)]
                    rows[m.table.name] = (len(want), orjson.dumps(want)) if as_text else want
        except _Undecided:
            break
        except IntegrityFailure as exc:
            out.append(Outcome(kind, slug, position, {}, failure=(exc.position, exc.message, exc.table)))
            break
        except UNREADABLE as exc:
            out.append(Outcome(kind, slug, position, {}, failure=(
                position, f"a read-model row cannot be read as an event or interval ({exc.__class__.__name__}: {exc})",
                "ledger_index")))
            break
        out.append(Outcome(kind, slug, position, rows, tracks.get(slug) if kind == "track" else None))
    return out


def _compare(stored: Sequence[_Stored], tracks: dict[str, int], outcomes: Sequence[Outcome]) -> None:
    """Check each outcome's rows against the stored rows, in subject order; raise at the first failure."""
    for outcome in outcomes:
        if outcome.failure is not None:
            raise IntegrityFailure(*outcome.failure)
        if outcome.opened is not None:
            tracks[outcome.slug] = outcome.opened
        kind, slug = outcome.kind, outcome.slug
        try:
            for table in stored:
                if kind in table.model.kinds:
                    table.compare((rank(kind), slug), slug, outcome.rows[table.model.table.name])
        except UNREADABLE as exc:
            raise IntegrityFailure(outcome.position, f"a read-model row cannot be read as an event or interval "
                                                     f"({exc.__class__.__name__}: {exc})", "ledger_index") from None


def _replay_parallel(subjects: Iterator[Subject], stored: Sequence[_Stored], tracks: dict[str, int],
                     pool: Executor, validated: Validated | None) -> None:
    """Replay slices in the pool and compare their outcomes here, in order.

    The summits' rules ask which tracks were introduced before, so a kind's slices are sent
    only once every slice of the kinds before it has been compared (tracks come before
    summits): a summit slice then carries the same map as a replay in one process. While the
    workers are all busy, a slice is replayed here instead of waiting.
    """
    def done(part: list[Subject], outcomes: list[Outcome]) -> None:
        _compare(stored, tracks, outcomes)  # raises at a failure
        if len(outcomes) < len(part):
            # A worker could not decide a subject with its partial map: the rest, here, with the whole one.
            _compare(stored, tracks, replay_slice(part[len(outcomes):], tracks, validated=validated))

    calls: InOrder[list[Subject], list[Outcome]] = InOrder(pool, done)

    def send(part: list[Subject]) -> None:
        # Only tracks add to the map, so for any other kind it is whole and no longer changes; a track
        # slice goes with none, partial (see replay_slice).
        partial = part[0][0] == "track"
        calls.put(part, replay_slice, part, {} if partial else frozen, partial, validated)

    part: list[Subject] = []
    events = 0
    frozen: dict[str, int] = {}
    kind_sent = None
    for subject in subjects:
        if part and (subject[0] != part[0][0] or events >= SLICE_EVENTS):
            send(part)
            part, events = [], 0
        if not part and subject[0] != kind_sent:
            calls.drain()  # a new kind: every earlier subject compared, the track map whole
            # A copy: a submitted call is pickled later, by the pool's own thread, and the map changes.
            frozen, kind_sent = dict(tracks), subject[0]
        part.append(subject)
        events += len(subject[2])
    if part:
        send(part)
    calls.drain()


def _replay_subject(kind: str, slug: str, members: list[Sequence[Any]], tracks: dict[str, int],
                    partial: bool = False, validated: Validated | None = None) -> Folded:
    """Steps 1-3 for one subject's index rows; the subject as the read models see it (plain JSON)."""
    payloads = [_row_json(row, 6) for row in members]
    corrected = _check_filing(kind, slug, members, payloads)
    _check_rules(members, payloads, tracks, kind, slug, partial, validated)
    if kind == "track":
        opener = next((row[0] for row, p in zip(members, payloads, strict=True) if EVENT_TYPES[p["type"]].opens),
                      None)
        if opener is not None:
            tracks[slug] = opener
    recorded = [(row[0], p) for row, p in zip(members, payloads, strict=True)]
    if not corrected:
        # Nothing corrects these events, so each reads as recorded: no ``current`` stored.
        for row in members:
            if row[7] is not None:
                raise IntegrityFailure(row[0], "read model differs from a full replay (corrections applied)",
                                       "ledger_index")
        return Folded(kind, slug, recorded, recorded)
    # Corrections are rare: only their subjects are read into models, to apply them the one way there is.
    live = effective_events(_records(members, payloads))
    current = {str(r.id): r.event.payload() for r in live}
    for row, payload in zip(members, payloads, strict=True):
        # A correction stands as recorded: nothing stored. Another event: as the writer stores it.
        want = None if payload["type"] in CORRECTION_TYPES else current_text(current.get(row[1]), payload)
        if row[7] != want:
            raise IntegrityFailure(row[0], "read model differs from a full replay (corrections applied)",
                                   "ledger_index")
    return Folded(kind, slug, [(r.position, current[str(r.id)]) for r in live], recorded)


def _check_filing(kind: str, slug: str, members: list[Sequence[Any]], payloads: list[dict[str, Any]]) -> bool:
    """Each event filed under its own subject, a correction beside its target; True if any correction."""
    ids = {p.get("id") for p in payloads}
    corrected = False
    for row, payload in zip(members, payloads, strict=True):
        cls = EVENT_TYPES.get(payload.get("type"))  # type: ignore[arg-type]
        if cls is None:
            raise IntegrityFailure(row[0], f"ledger_index holds an event of unknown type {payload.get('type')!r}",
                                   "ledger_index")
        if issubclass(cls, CorrectionEvent):
            corrected = True
            # Outside the subject kinds is where an index files a correction of no event at all: the rules
            # (step 2) say so at its position.
            if payload.get("target") not in ids and kind in KINDS:
                raise IntegrityFailure(row[0], f"ledger_index files this correction under {kind}:{slug}, "
                                               "apart from its target", "ledger_index")
        elif (cls.subject, str(payload.get(cls.subject))) != (kind, slug):
            raise IntegrityFailure(row[0], f"ledger_index files this event under {kind}:{slug}", "ledger_index")
    return corrected


def _check_rules(members: list[Sequence[Any]], payloads: list[dict[str, Any]], tracks: dict[str, int],
                 own_kind: str = "", own_slug: str = "", partial: bool = False,
                 validated: Validated | None = None) -> None:
    """Replay the acceptance rules over one subject's events, in record order.

    Each event is validated by its model first, here, unless ``validated`` holds the verdicts
    of :func:`validate_texts` on the same stored texts (then only the events it could not tell
    are validated here).
    """
    at = 0

    def introduced_before(kind: str, slug: str) -> bool:
        if partial and kind == "track" and slug not in tracks and (kind, slug) != (own_kind, own_slug):
            raise _Undecided(slug)
        return kind == "track" and tracks.get(slug, at) < at

    rules = LogRules(introduced_before)
    for row, payload in zip(members, payloads, strict=True):
        at = row[0]
        if validated is not None and at not in validated:
            problem = None  # its model accepted it already
        elif validated is not None and validated[at] is not None:
            problem = validated[at]
        else:
            problem = _invalid(payload["type"], row[6])
        if problem is not None:
            raise IntegrityFailure(at, problem, "ledger_events")
        verdict, _, problems = rules.check(payload, None)
        if problems:
            raise IntegrityFailure(at, f"the ledger would have refused this event: "
                                       f"{replace(problems[0], line=None)}", "ledger_events")
        if verdict == "duplicate":
            raise IntegrityFailure(at, f"event {payload['id']} is stored twice", "ledger_events")


#: A subject's expected rows in one read model, as :class:`Outcome` holds them.
Expected = list[tuple[Any, ...]] | tuple[int, bytes]
#: Verdicts of :func:`validate_texts` by position: only problems (the message) and events it could not
#: tell (None); a position absent is an event its model accepts.
Validated = dict[int, "str | None"]


def _invalid(event_type: str, text: str | bytes) -> str | None:
    """Why the stored text is not a valid event of its type, or None.

    Every field as the model accepts it (pydantic parses the stored text itself); the model is
    not kept: the rules and the folds read the JSON.
    """
    try:
        EVENT_TYPES[event_type].model_validate_json(text)
    except UNREADABLE as exc:
        return f"the stored event cannot be read as an event ({exc})"
    return None


def validate_texts(items: Sequence[tuple[int, Any, str | bytes]]) -> Validated:
    """Step 2's validation of stored events, ahead of the replay: ``(position, type, event text)`` in (the
    type from ``ledger_index``, the text from the log), the positions that fail (with the replay's message)
    or that it cannot tell out.

    ``verify`` runs this in worker processes during its first pass, on rows that pass already
    checked to carry exactly the stored event (so ``type`` is the payload's own, and the text
    need not be decoded here); the replay then reports each problem where it reaches the event,
    as if it had validated the text itself. A type that is not one of the ledger's is left to the
    replay, which reports it its own way.
    """
    out: Validated = {}
    for position, event_type, text in items:
        if not isinstance(event_type, str) or event_type not in EVENT_TYPES:
            out[position] = None
            continue
        problem = _invalid(event_type, text)
        if problem is not None:
            out[position] = problem
    return out


def _row_json(row: Sequence[Any], column: int) -> dict[str, Any]:
    try:
        value = orjson.loads(row[column])
    except UNREADABLE as exc:
        raise IntegrityFailure(row[0], f"ledger_index holds text that is not JSON ({exc})", "ledger_index") from None
    if not isinstance(value, dict):
        raise IntegrityFailure(row[0], "ledger_index holds JSON that is not an event", "ledger_index")
    return value


def _records(members: list[Sequence[Any]], payloads: list[dict[str, Any]]) -> list[Recorded]:
    records = []
    for row, payload in zip(members, payloads, strict=True):
        try:
            event = EVENT_TYPES[payload["type"]].model_validate(payload)
            records.append(Recorded(row[0], dt.datetime.fromisoformat(row[4]), row[5], event))
        except UNREADABLE as exc:
            raise IntegrityFailure(row[0], f"the stored event cannot be read as an event ({exc})",
                                   "ledger_events") from None
    return records


class _Stored:
    """One read model's stored rows, in subject order, taken a subject at a time and compared with the replay.

    A row is accepted only inside its own subject's run, matched against the replay's rows for
    that subject; any row the database lists out of that order is left over and reported.
    """

    def __init__(self, model: ReadModel, rows: Iterator[Sequence[Any]]):
        self.model = model
        self.columns = model.columns
        self._rows = rows
        self._head: tuple[Owner, tuple[Any, ...]] | None = None
        self._done = False

    def compare(self, owner: Owner, slug: str, expected: Expected) -> None:
        """``expected``: the rows the replay gives for the subject (tuples in the table's column order), or
        how many and those rows as JSON text."""
        self._none_before(owner)
        if isinstance(expected, list):
            want: list[tuple[Any, ...]] | None = expected
            count, text = len(expected), None
        else:
            want = None
            count, text = expected
        have: list[tuple[Any, ...]] = []
        # At most one row more than the replay gives: enough to tell, and memory stays bounded.
        while (head := self._peek()) is not None and head[0] == owner and len(have) <= count:
            have.append(head[1])
            self._head = None
        if text is not None and len(have) == count and _as_text(have) == text:
            return  # the same rows in the same order (the common case, decided without decoding)
        if want is None:
            assert text is not None
            want = [tuple(r) for r in orjson.loads(text)]
        if want != have and Counter(want) != Counter(have):
            raise IntegrityFailure(None, f"{self.model.table.name} for {slug!r} differ from a full replay: "
                                         f"{self._difference(Counter(want), Counter(have))}", self.model.table.name)

    def finish(self) -> None:
        self._none_before(None)

    def _none_before(self, owner: Owner | None) -> None:
        head = self._peek()
        if head is not None and (owner is None or head[0] < owner):
            raise IntegrityFailure(None, f"{self.model.table.name} holds rows for {head[0][1]!r}, which the log "
                                         f"does not have ({self._key(head[1])})", self.model.table.name)

    def _peek(self) -> tuple[Owner, tuple[Any, ...]] | None:
        if self._head is None and not self._done:
            row = next(self._rows, None)
            if row is None:
                self._done = True
            else:
                self._head = (self._owner(row), tuple(row))
        return self._head

    def _owner(self, row: Sequence[Any]) -> Owner:
        try:
            kind, slug = self.model.owner(row)
        except UNREADABLE:
            return (len(KINDS) + 1, "")
        return (rank(kind), slug)

    def _key(self, row: tuple[Any, ...]) -> str:
        return ", ".join(f"{c}={row[self.columns.index(c)]!r}" for c in self.model.key)

    def _difference(self, want: Counter[tuple[Any, ...]], have: Counter[tuple[Any, ...]]) -> str:
        """The first differing row, by key: missing, different, or one the replay does not give."""
        def order(row: tuple[Any, ...]) -> tuple[str, ...]:
            return tuple(str(v) for v in row)

        missing = min(want - have, key=order, default=None)
        extra = min(have - want, key=order, default=None)
        if missing is not None and extra is not None and self._key(missing) == self._key(extra):
            column, stored, replayed = next((c, e, m) for c, m, e in zip(self.columns, missing, extra, strict=True)
                                            if m != e)
            return (f"the row {self._key(missing)} differs ({column} is {_short(stored)}, the replay gives "
                    f"{_short(replayed)})")
        if missing is not None and (extra is None or order(missing) <= order(extra)):
            return f"the row {self._key(missing)} is missing"
        assert extra is not None
        return f"it has a row {self._key(extra)} that the replay does not give"


def _as_text(rows: list[tuple[Any, ...]]) -> bytes | None:
    """Stored rows as the replay's JSON text, or None if JSON cannot stand for them exactly.

    Equal text then means equal rows: strings, integers and None encode one way each. A float
    (only a hand-edited row holds one) could encode like something it does not equal (NaN and
    infinity as ``null``), and other types do not encode at all; those rows are compared as values.
    """
    if any(type(value) is float for row in rows for value in row):
        return None
    try:
        return orjson.dumps(rows)
    except TypeError:  # bytes, an integer beyond 64 bits…
        return None


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else f"{text[:57]}..."
