"""Tariff schedules: an imposer's ordinary duties as a table of HS lines (docs/spec.md §3.5).

A schedule is one subject (``schedule``, its slug), opened by ``schedule.published``
with every line of one revision; a later revision of the same tariff records only
what changed, as ``schedule.amended`` (lines added or replaced, products removed), so a
30,000-line schedule does not repeat itself at every revision. Example lines::

    {"type": "schedule.published", "date": "2025-01-01", "schedule": "us-hts-2025", "imposer": "US",
     "effective_on": "2025-01-01", "source": "USITC HTS 2025 Basic Edition",
     "lines": [{"product": "87032301", "rate": 2.5, "text": "2.5%", "specific": false},
               {"product": "87042101", "rate": 25, "text": "25%", "specific": false,
                "preferential": [{"program": "AU,BH", "text": "Free"}]}]}
    {"type": "schedule.amended", "date": "2025-07-01", "schedule": "us-hts-2025",
     "lines": [{"product": "0402", "rate": null, "text": "4.4¢/kg", "specific": true}], "removed": ["87042101"]}

A line's ``rate`` is the ad-valorem part the stacking rule can add (null for a purely
specific duty); ``specific`` says that part of the duty is not a percentage; ``text``
keeps the duty as printed, so an answer can show what it could not count. The
``preferential`` rates are listed, never applied: rules of origin decide.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from events.common import (
    Countries,
    Country,
    Envelope,
    ExceptCountries,
    HsPrefix,
    IsoDate,
    Name,
    Rate,
    Slug,
    Text,
)

#: The most lines one event carries: a whole HTS revision has about 30,000.
MAX_LINES = 60_000


class Preferential(BaseModel):
    """A rate the schedule lists under one or more program symbols (``"A+,AU,BH"``); shown, not applied."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    program: Annotated[str, Field(min_length=1, max_length=500, pattern=r"^[A-Za-z0-9*+]+(,\s*[A-Za-z0-9*+]+)*$")]
    text: Name


class Line(BaseModel):
    """One product's duty: its HS prefix, the ad-valorem part, the text as printed."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    product: HsPrefix
    rate: Rate | None = None  # null (or absent, as stored) when the duty has no ad-valorem part
    text: Name
    specific: bool = False
    preferential: Annotated[list[Preferential], Field(max_length=200)] | None = None

    @model_validator(mode="after")
    def _counted_or_specific(self) -> Line:
        if self.rate is None and not self.specific:
            raise ValueError("a line without an ad-valorem rate must be specific (\"specific\": true)")
        return self


Lines = Annotated[list[Line], Field(max_length=MAX_LINES)]


def _unique_products(lines: list[Line] | None) -> None:
    seen: set[str] = set()
    for line in lines or ():
        if line.product in seen:
            raise ValueError(f"lines: product {line.product} is listed twice")
        seen.add(line.product)


class ScheduleEvent(Envelope):
    subject = "schedule"

    schedule: Slug


class SchedulePublished(ScheduleEvent):
    """A tariff schedule of an imposer takes effect: its lines, one per HS prefix.

    It supersedes the imposer's schedule of the same basis from ``effective_on``.
    """

    opens = True
    type: Literal["schedule.published"]
    imposer: Country
    basis: Name = "MFN"
    partners: Countries = ["*"]  # noqa: RUF012  (pydantic copies defaults)
    except_partners: ExceptCountries | None = None
    effective_on: IsoDate
    lines: Annotated[list[Line], Field(min_length=1, max_length=MAX_LINES)]
    title: Text | None = None
    revision: Name | None = None

    @model_validator(mode="after")
    def _lines_unique(self) -> SchedulePublished:
        _unique_products(self.lines)
        return self


class ScheduleAmended(ScheduleEvent):
    """A revision of a schedule: lines added or replaced and products removed, from ``effective_on``."""

    type: Literal["schedule.amended"]
    effective_on: IsoDate | None = None
    lines: Lines | None = None
    removed: Annotated[list[HsPrefix], Field(max_length=MAX_LINES)] | None = None
    revision: Name | None = None

    @property
    def effective(self) -> dt.date:
        return self.effective_on or self.date

    @model_validator(mode="after")
    def _changes_something(self) -> ScheduleAmended:
        if not self.lines and not self.removed:
            raise ValueError("an amendment needs lines or removed")
        _unique_products(self.lines)
        removed = set(self.removed or ())
        if len(removed) != len(self.removed or ()):
            raise ValueError("removed: contains duplicates")
        both = sorted(removed & {line.product for line in self.lines or ()})
        if both:
            raise ValueError(f"removed: product {both[0]} is also in lines")
        return self


__all__ = ["Line", "Preferential", "ScheduleAmended", "ScheduleEvent", "SchedulePublished"]
