"""``ledger schedule import``: a schedule file → the one event that records what it changes.

The lines come from :mod:`ledger.schedules` (the file readers); what to record is decided
against the schedule the ledger already holds for the same imposer and basis, as stored:

- none in force on the effective date (and no schedule of that slug): ``schedule.published``
  with every line;
- otherwise (the schedule ``--schedule`` names, else the one in force): ``schedule.amended``
  of it with only the lines added or changed and the products no longer listed;
- nothing changed: no event at all, so the same import twice adds nothing.

Worked example: ``us-hts`` holds 8703.23.01 at 2.5% and 8704.21.01 at 25%; a revision
file lists 8703.23.01 at 2.5%, 8704.21.01 at 25% and 0402.21 at "$1.092/kg"::

    {"type": "schedule.amended", "schedule": "us-hts", "effective_on": ...,
     "lines": [{"product": "040221", "rate": null, "text": "$1.092/kg", "specific": true}]}

The event goes through :meth:`ledger.service.Ledger.append`, so it is checked, chained and
indexed like any other, and a file that cannot be read is refused before anything is
written (exit 2 naming the row).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from events.codes import number
from events.errors import BadInput, InputError, LedgerError
from ledger.schedules import ScheduleImport
from projections.schedules import LineView, ScheduleHead, in_force


@dataclass(frozen=True)
class ImportOptions:
    """What the command line says about the schedule being imported."""

    imposer: str
    schedule: str
    effective_on: dt.date
    source: dict[str, Any]
    basis: str = "MFN"
    date: dt.date | None = None
    title: str | None = None
    revision: str | None = None


@dataclass(frozen=True)
class ImportResult:
    """What ``schedule import`` read and recorded: ``action`` is published, amended or unchanged."""

    action: str
    schedule: str
    report: Any  # ledger.schedules.ImportReport
    added: int = 0
    replaced: int = 0
    removed: int = 0
    position: int | None = None
    event_id: str | None = None
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"action": self.action, "schedule": self.schedule, "added": self.added, "replaced": self.replaced,
                "removed": self.removed, "position": self.position, "id": self.event_id,
                "report": self.report.as_json(), "notes": list(self.notes)}

    def rows(self) -> list[dict[str, Any]]:
        data = self.to_json()
        data.pop("report")
        data["notes"] = "; ".join(self.notes)
        return [data]


def _view(line: dict[str, Any]) -> LineView:
    prefs = tuple((p["program"], p["text"]) for p in line.get("preferential") or ())
    return LineView(line["product"], line["rate"], line["text"], line["specific"], prefs)


def _event_line(line: dict[str, Any]) -> dict[str, Any]:
    out = dict(line)
    out["rate"] = None if line["rate"] is None else number(line["rate"])
    return out


def target_of(heads: list[ScheduleHead], opts: ImportOptions) -> ScheduleHead | None:
    """The stored schedule this import revises: the slug named, else the one of imposer and basis in force."""
    named = next((h for h in heads if h.schedule == opts.schedule), None)
    if named is not None:
        if (named.imposer, named.basis) != (opts.imposer, opts.basis):
            raise BadInput([InputError(None, "schedule", f"schedule {opts.schedule!r} is the {named.imposer} "
                                                         f"{named.basis} schedule, not {opts.imposer} {opts.basis}")],
                           nothing_written=True)
        return named
    current = [h for h in in_force(heads, opts.effective_on, opts.imposer) if h.basis == opts.basis]
    return current[0] if current else None


def plan(read: ScheduleImport, opts: ImportOptions, target: ScheduleHead | None,
         stored: list[LineView]) -> tuple[dict[str, Any] | None, int, int, int]:
    """The event to append (None: nothing changed) and the lines it adds, replaces and removes."""
    lines = [line.as_event_line(grouped=True) for line in read.lines]
    envelope: dict[str, Any] = {"date": (opts.date or opts.effective_on).isoformat(), "source": opts.source}
    if target is None:
        event = {"type": "schedule.published", **envelope, "schedule": opts.schedule, "imposer": opts.imposer,
                 "basis": opts.basis, "effective_on": opts.effective_on.isoformat(),
                 "lines": [_event_line(line) for line in lines]}
        event.update({k: v for k, v in (("title", opts.title), ("revision", opts.revision)) if v})
        return event, len(lines), 0, 0
    have = {line.product: line for line in stored}
    changed = [line for line in lines if have.get(line["product"]) != _view(line)]
    listed = {line["product"] for line in lines}
    removed = sorted(p for p in have if p not in listed)
    if not changed and not removed:
        return None, 0, 0, 0
    replaced = sum(1 for line in changed if line["product"] in have)
    event = {"type": "schedule.amended", **envelope, "schedule": target.schedule,
             "effective_on": opts.effective_on.isoformat()}
    if changed:
        event["lines"] = [_event_line(line) for line in changed]
    if removed:
        event["removed"] = removed
    revision = opts.revision or (opts.schedule if opts.schedule != target.schedule else None)
    if revision:
        event["revision"] = revision
    return event, len(changed) - replaced, replaced, len(removed)


def run(ledger: Any, path: str, opts: ImportOptions, fmt: str | None, product_column: str | None,
        rate_column: str | None, author: str | None, progress: Any) -> ImportResult:
    """Read the file, compare with the schedule as stored, append the one event (if any).

    The comparison is made on a read, before the write lock; two imports at once could both plan
    on the same stored schedule and the second record a stale difference. So the append checks,
    under the lock, that no schedule event was recorded since the read, and the plan is made again
    if one was.
    """
    from ledger.append import Stale
    from ledger.reports import ReadModel
    from ledger.schedules import read_schedule
    from projections.readmodel.reads import last_of_kind

    read = read_schedule(path, fmt, product_column, rate_column, progress=progress)  # type: ignore[arg-type]
    for _ in range(PLAN_ATTEMPTS):
        with ledger.reading() as db:
            seen, src = last_of_kind(db, "schedule"), ReadModel(db)
            target = target_of(src.schedule_heads(opts.imposer), opts)
            stored = src.schedule_lines([target.schedule], opts.effective_on).get(target.schedule, []) if target else []
        event, added, replaced, removed = plan(read, opts, target, stored)
        slug = target.schedule if target else opts.schedule
        notes = []
        if target is not None and target.schedule != opts.schedule:
            notes.append(f"recorded as a revision of {target.schedule}, the {opts.imposer} {opts.basis} "
                         f"schedule in force on {opts.effective_on}")
        if event is None:
            return ImportResult("unchanged", slug, read.report, notes=notes)
        try:
            done = ledger.append([(None, event)], author=author, precondition=_unchanged_since(seen))
        except Stale:
            continue
        return ImportResult(event["type"].split(".", 1)[1], slug, read.report, added, replaced, removed,
                            done.last_position, str(done.last_id), notes)
    raise LedgerError(f"the schedules changed under this import {PLAN_ATTEMPTS} times in a row: run it again")


#: How often an import plans again when another writer recorded a schedule event meanwhile.
PLAN_ATTEMPTS = 5


def _unchanged_since(seen: int) -> Any:
    """A precondition for the append: no schedule event recorded after position ``seen``."""
    def check(db: Any) -> None:
        from ledger.append import Stale
        from projections.readmodel.reads import last_of_kind

        if last_of_kind(db, "schedule") != seen:
            raise Stale()

    return check
