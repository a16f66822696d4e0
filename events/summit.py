"""Summits: leaders' meetings that may bear on one or more negotiation tracks.

Example line::

    {"type": "summit.scheduled", "date": "2025-06-06", "summit": "g7-2025", "name": "G7 Leaders' Summit",
     "starts_on": "2025-06-15", "ends_on": "2025-06-17", "tracks": ["us-jp-tariffs"], "source": "Asahi"}
"""

from __future__ import annotations

from typing import Literal

from pydantic import model_validator

from events.common import Envelope, IsoDate, Name, Names, Slug, Text


class SummitEvent(Envelope):
    subject = "summit"

    summit: Slug


class SummitScheduled(SummitEvent):
    """A summit is set for ``starts_on``; a later one for the same slug moves it."""

    opens = True
    type: Literal["summit.scheduled"]
    name: Name
    starts_on: IsoDate
    ends_on: IsoDate | None = None
    venue: Name | None = None
    tracks: list[Slug] | None = None
    leaders: Names | None = None

    @model_validator(mode="after")
    def _ends_after_start(self) -> SummitScheduled:
        if self.ends_on is not None and self.ends_on < self.starts_on:
            raise ValueError("ends_on: must not be before starts_on")
        return self


class SummitHeld(SummitEvent):
    """The summit took place."""

    type: Literal["summit.held"]
    outcome: Text | None = None
