"""The developments in valid-date order, one sentence each, with their sources and corrections.

Each event reads as a sentence generated from its fields, e.g.::

    2025-04-09  us-reciprocal-jp  us-reciprocal-jp suspended from 2025-04-10 until 2025-07-09
    2025-06-06  us-jp-tariffs     Round 5 held in Washington

Events are shown as corrected (and marked ``corrected``); a retracted event is
still listed, marked ``retracted``, as it was recorded. Correction events are
not developments themselves: they are listed under the event they fix.
Filters: ``track`` (with the summits that name it), ``measure``,
``partner`` / ``imposer`` (measures of that imposer or naming that partner
in any version of their terms, and tracks with those parties, with their
summits), ``since`` / ``until`` on the event's date.

Pure functions over index rows and interchange JSON: no I/O, no event models.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from projections.audit import flat_rows, record_status
from projections.parties import parties_between

# -- sentences ------------------------------------------------------------------------------


def _codes(values: Sequence[str], everything: str, limit: int = 4) -> str:
    if "*" in values:
        return everything
    shown = ", ".join(values[:limit])
    return shown + (f" (+{len(values) - limit} more)" if len(values) > limit else "")


def _rate(value: Any) -> str:
    return f"{value:g}%" if isinstance(value, int | float) else f"{value}%"


def _terms(ev: dict[str, Any]) -> list[str]:
    # The scope and stacking terms a measure event sets, in words.
    out = []
    if ev.get("except_partners"):
        out.append(f"except {', '.join(ev['except_partners'])}")
    if ev.get("except_products"):
        out.append(f"except HS {_codes(ev['except_products'], 'all goods')}")
    if ev.get("not_with"):
        out.append(f"not with {', '.join(ev['not_with'])}")
    if ev.get("inclusive_of"):
        out.append(f"inclusive of {', '.join(ev['inclusive_of'])}")
    return out


def _measure(ev: dict[str, Any]) -> str:
    slug, kind = ev["measure"], ev["type"].split(".", 1)[1]
    since = ev.get("effective_on") or ev["date"]
    if kind == "announced":
        goods = "all goods" if "*" in ev["products"] else f"HS {_codes(ev['products'], '')}"
        scope = f"{_rate(ev['rate'])} ({ev['basis']}) on {goods}"
        when = f"in force from {ev['effective_on']}" if ev.get("effective_on") else "effective date not yet set"
        extra = "".join(f", {t}" for t in _terms(ev))
        return (f"{slug} announced by {ev['imposer']}: {scope} from "
                f"{_codes(ev['partners'], 'all partners')}{extra}; {when}")
    if kind == "amended":
        changes = []
        if "rate" in ev:
            changes.append(f"rate {_rate(ev['rate'])}")
        if ev.get("partners"):
            changes.append(f"partners {_codes(ev['partners'], 'all partners')}")
        if ev.get("products"):
            changes.append("all goods" if "*" in ev["products"] else f"products HS {_codes(ev['products'], '')}")
        changes += _terms(ev)
        return f"{slug} amended from {since}: {'; '.join(changes)}"
    if kind == "suspended":
        lapse = f"until {ev['until']}" if ev.get("until") else "until further notice"
        return f"{slug} suspended from {since} {lapse}"
    if kind == "rescheduled":
        return f"{slug} to take effect on {ev['effective_on']}"
    return f"{slug} {kind} from {since}"  # resumed, revoked


def _talks(ev: dict[str, Any], names: Mapping[str, str]) -> str:
    kind = ev["type"].split(".", 1)[1]
    venue = f" in {ev['venue']}" if ev.get("venue") else ""
    if kind == "opened":
        between = ", ".join(ev["parties"][:-1]) + f" and {ev['parties'][-1]}"
        return f"Talks opened between {between}" + (f": {ev['title']}" if ev.get("title") else "")
    if kind == "round_scheduled":
        until = f" to {ev['ends_on']}" if ev.get("ends_on") else ""
        return f"Round {ev['round']} scheduled for {ev['starts_on']}{until}{venue}"
    if kind == "round_held":
        return f"Round {ev['round']} held{venue}"
    if kind == "proposal_submitted":
        return f"{ev['by']} submits proposal {ev['proposal']} ({len(ev['items'])} items)"
    if kind == "proposal_answered":
        return f"{ev['by']} {ev['response']} proposal {ev['proposal']}"
    if kind == "statement":
        return f"Statement by {ev['speaker']} ({ev['party']})"
    if kind == "agreement_reached":
        return f"Agreement reached: {ev['title']}"
    if kind == "concluded":
        return f"Talks concluded: {ev['outcome']}"
    if kind == "scheduled":  # summit
        until = f" to {ev['ends_on']}" if ev.get("ends_on") else ""
        return f"{ev['name']} scheduled for {ev['starts_on']}{until}{venue}"
    return f"{names.get(ev['summit'], ev['summit'])} held"  # summit.held


def _schedule(ev: dict[str, Any]) -> str:
    slug, kind = ev["schedule"], ev["type"].split(".", 1)[1]
    since = ev.get("effective_on") or ev["date"]
    lines = len(ev.get("lines") or ())
    if kind == "published":
        return (f"{slug} published by {ev['imposer']}: {ev.get('basis', 'MFN')} schedule of {lines} lines, "
                f"in force from {since}")
    return f"{slug} amended from {since}: {lines} lines added or replaced, {len(ev.get('removed') or ())} removed"


def describe(ev: dict[str, Any], summit_names: Mapping[str, str] | None = None) -> tuple[str, str]:
    """One line for an event (interchange JSON), and a longer detail (may be empty)."""
    family = ev["type"].split(".", 1)[0]
    if family == "measure":
        line = _measure(ev)
    elif family == "schedule":
        line = _schedule(ev)
    else:
        line = _talks(ev, summit_names or {})
    detail: str = ""
    if ev["type"] == "measure.announced":
        detail = ev.get("title") or ""
    elif ev["type"] == "talks.round_held":
        who = f"With {', '.join(ev['participants'])}." if ev.get("participants") else ""
        detail = " ".join(x for x in (ev.get("outcome"), who) if x)
    elif ev["type"] == "talks.proposal_submitted":
        detail = "; ".join(ev["items"])
    elif ev["type"] == "talks.statement":
        detail = ev["text"]
    elif ev["type"] == "talks.agreement_reached":
        detail = "; ".join(ev["terms"])
    elif ev["type"] == "summit.scheduled":
        detail = f"Leaders: {', '.join(ev['leaders'])}" if ev.get("leaders") else ""
    elif ev["type"] == "summit.held":
        detail = ev.get("outcome") or ""
    return line, detail


# -- gathering ------------------------------------------------------------------------------
#
# The timeline is read as a stream (``ledger.trail.timeline_entries``): what the filters must know of the
# whole ledger (every partner a measure ever named, a track's parties, the tracks a summit names, summit
# names) is learnt first from the few event types that say it; the corrections, about 1% of a ledger, are
# held; then the developments come in date order, each made into its entry and let go.


@dataclass(frozen=True)
class Filters:
    track: str | None = None
    measure: str | None = None
    partner: str | None = None
    imposer: str | None = None
    since: dt.date | None = None
    until: dt.date | None = None

    def need_measures(self) -> bool:
        """Whether keeping a measure needs what its versions said (the partners it named, its imposer)."""
        return self.partner is not None or self.imposer is not None

    def need_talks(self) -> bool:
        """Whether keeping a track or summit needs the parties of tracks and the tracks summits name."""
        return any(x is not None for x in (self.track, self.partner, self.imposer))


@dataclass
class Knowledge:
    """What the filters and the sentences need to know of the whole ledger, learnt in record order."""

    partners: dict[str, set[str]] = field(default_factory=dict)  # measure: every partner any version named
    imposers: dict[str, str] = field(default_factory=dict)
    parties: dict[str, set[str]] = field(default_factory=dict)  # track: its parties
    linked: dict[str, set[str]] = field(default_factory=dict)  # summit: the tracks it names
    names: dict[str, str] = field(default_factory=dict)  # summit: its name

    def learn(self, kind: str, slug: str, ev: Mapping[str, Any]) -> None:
        """Take in one event as it reads (corrected; as recorded once retracted), in record order."""
        if kind == "measure":
            self.partners.setdefault(slug, set()).update(ev.get("partners") or ())
            if "imposer" in ev:
                self.imposers[slug] = ev["imposer"]
        elif ev["type"] == "talks.opened":
            self.parties[slug] = set(ev["parties"])
        elif ev["type"] == "summit.scheduled":
            self.linked.setdefault(slug, set()).update(ev.get("tracks") or ())
            self.names[slug] = ev["name"]


#: The event types :meth:`Knowledge.learn` takes beside a measure's.
TALKS_LEARNT = ("talks.opened", "summit.scheduled")


def keeper(known: Knowledge, f: Filters) -> Callable[[str, str, str], bool]:
    """Whether the filters keep a development of subject ``(kind, slug)`` dated ``day`` (ISO text)."""
    tracks = {t for t, p in known.parties.items() if (f.track is None or t == f.track)
              and parties_between(tuple(p), f.imposer, f.partner)}
    talks_filtered = f.need_talks()
    since = f.since.isoformat() if f.since is not None else None
    until = f.until.isoformat() if f.until is not None else None

    def keep(kind: str, slug: str, day: str) -> bool:
        if (since is not None and day < since) or (until is not None and day > until):
            return False
        if kind == "measure":
            return (f.track is None and f.measure in (None, slug) and f.imposer in (None, known.imposers.get(slug))
                    and (f.partner is None or bool({f.partner, "*"} & known.partners.get(slug, set()))))
        if f.measure is not None:
            return False
        if kind == "track":
            return slug in tracks
        return not talks_filtered or bool(known.linked.get(slug, set()) & tracks)

    return keep


def corrections_by_base(rows: Iterable[Any]) -> dict[str, list[dict[str, Any]]]:
    """The corrections of index ``rows`` (corrections only, in record order, with ``payload``), listed under
    the event each is ultimately about; ``of`` names the correction a correction corrects."""
    target_of: dict[str, str] = {}
    out: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        base = target_of.get(row.target, row.target)
        target_of[row.event_id] = base
        payload = json.loads(row.payload)
        out.setdefault(base, []).append({"position": row.position, "id": row.event_id, "type": row.type,
                                         "date": payload.get("date"), "reason": payload.get("reason"),
                                         "of": None if base == row.target else row.target})
    return out


def development(row: Any, ev: dict[str, Any], corrections: Sequence[dict[str, Any]],
                names: Mapping[str, str]) -> TimelineEntry:
    """The timeline's entry for index ``row`` (not a correction) whose event reads as ``ev``."""
    line, detail = describe(ev, names)
    return TimelineEntry(
        date=ev["date"], position=row.position, id=row.event_id, type=ev["type"],
        subject=f"{row.subject_kind}:{row.subject}", description=line, detail=detail, source=ev["source"],
        status=record_status(row), corrections=tuple(corrections), recorded_at=row.recorded_at,
        recorded_by=row.recorded_by, note=ev.get("note"),
    )


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """One development: its date, a sentence, a longer detail, its source and how it stands."""

    date: str
    position: int
    id: str
    type: str
    subject: str
    description: str
    detail: str
    source: Mapping[str, Any]
    status: str
    corrections: tuple[dict[str, Any], ...]
    recorded_at: str
    recorded_by: str
    note: str | None

    def to_json(self) -> dict[str, Any]:
        return {"date": self.date, "position": self.position, "id": self.id, "type": self.type,
                "subject": self.subject, "description": self.description, "detail": self.detail,
                "source": dict(self.source), "status": self.status, "corrections": list(self.corrections),
                "recorded_at": self.recorded_at, "recorded_by": self.recorded_by, "note": self.note}


@dataclass(frozen=True, slots=True)
class Timeline:
    entries: tuple[TimelineEntry, ...]

    def to_json(self) -> list[dict[str, Any]]:
        return [e.to_json() for e in self.entries]

    def rows(self) -> list[dict[str, Any]]:
        """Flat rows: the source as one line of text."""
        return list(flat_rows(self.entries))
