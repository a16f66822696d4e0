"""Recorded events and the ledger as it reads after corrections, cut at a record time.

A :class:`Recorded` is an event with what the store added: its position in
record order, its record time and its author. :func:`effective_events` is the
one place where corrections and retractions are applied::

    position 1  measure.announced  rate 25         (recorded 2025-04-01)
    position 7  ledger.corrected   target=1 rate 20 (recorded 2025-05-01)

    effective_events(log)                         -> announced at rate 20, still position 1
    effective_events(log, known_at=2025-04-15)    -> announced at rate 25
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, replace
from uuid import UUID

from pydantic import ValidationError

from events.common import Envelope
from events.correction import Corrected, CorrectionEvent, Retracted


@dataclass(frozen=True, slots=True)
class Recorded:
    position: int
    recorded_at: dt.datetime
    recorded_by: str
    event: Envelope

    @property
    def id(self) -> UUID:
        assert self.event.id is not None
        return self.event.id


def apply_correction(event: Envelope, fields: dict[str, object]) -> Envelope:
    """The target event as if it had been recorded with ``fields`` replaced (validated again)."""
    # The registry imports every event family; a reader folding negotiations needs only two of them.
    from events.registry import EVENT_TYPES

    payload = event.payload()
    payload.update(fields)
    return EVENT_TYPES[event.type].model_validate(payload)


def effective_events(records: Iterable[Recorded], known_at: dt.datetime | None = None) -> list[Recorded]:
    """Non-correction events in record order, as corrected and retracted by what was recorded by ``known_at``."""
    base: dict[UUID, Recorded] = {}
    corrections: dict[UUID, Recorded] = {}
    for rec in records:
        if known_at is not None and rec.recorded_at > known_at:
            continue
        if isinstance(rec.event, CorrectionEvent):
            corrections[rec.id] = rec
        else:
            base[rec.id] = rec
    # A correction (a retraction included) stands unless a standing retraction targets it. Retractions
    # come after their targets, so deciding in reverse record order settles each one's retractors first:
    # retracting a retraction restores what it had retracted, retracting that withdraws it again.
    retractors: dict[UUID, list[UUID]] = {}
    for cid, crec in corrections.items():
        if isinstance(crec.event, Retracted):
            retractors.setdefault(crec.event.target, []).append(cid)
    stands: dict[UUID, bool] = {}
    for cid in sorted(corrections, key=lambda c: corrections[c].position, reverse=True):
        stands[cid] = not any(stands.get(r, True) for r in retractors.get(cid, ()))
    # Then apply the standing ones in record order.
    for cid, crec in corrections.items():
        if not stands[cid]:
            continue
        fix = crec.event
        target = base.get(fix.target)  # type: ignore[attr-defined]
        if target is None:
            continue
        if isinstance(fix, Retracted):
            del base[fix.target]
        elif isinstance(fix, Corrected):
            try:
                base[fix.target] = replace(target, event=apply_correction(target.event, fix.fields))
            except ValidationError:
                # Each correction was valid when recorded; retracting an earlier one can leave a later
                # one clashing with the original (an `until` before a corrected start). Such a correction
                # no longer applies — the same rule everywhere, so replay and read models agree.
                continue
    return sorted(base.values(), key=lambda r: r.position)
