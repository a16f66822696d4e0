"""Tariff measures: announced, amended, suspended, resumed, rescheduled, revoked.

A measure is identified by its slug. Changes count from their ``effective_on``
(default: the event's ``date``), which may precede ``date`` for a retroactive
order. Example line::

    {"type": "measure.suspended", "date": "2025-04-09", "measure": "us-reciprocal-jp",
     "effective_on": "2025-04-10", "until": "2025-07-09", "source": "EO 14266"}
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import model_validator

from events.common import (
    Countries,
    Country,
    Envelope,
    ExceptCountries,
    ExceptProducts,
    IsoDate,
    Name,
    Products,
    Rate,
    Slug,
    Text,
)

# Fields a measure.amended may replace; the docs and the fold read this tuple.
AMENDABLE = ("rate", "partners", "except_partners", "products", "except_products", "not_with", "inclusive_of")


class MeasureEvent(Envelope):
    subject = "measure"

    measure: Slug


class MeasureChange(MeasureEvent):
    """A change to an announced measure; it counts from ``effective_on``, else from ``date``."""

    effective_on: IsoDate | None = None

    @property
    def effective(self) -> dt.date:
        return self.effective_on or self.date


class MeasureAnnounced(MeasureEvent):
    """A tariff measure is announced: who imposes it on whom, for which goods, at what rate."""

    opens = True
    type: Literal["measure.announced"]
    imposer: Country
    partners: Countries
    except_partners: ExceptCountries | None = None
    products: Products
    except_products: ExceptProducts | None = None
    rate: Rate
    basis: Name
    effective_on: IsoDate | None = None
    not_with: list[Name] | None = None
    inclusive_of: list[Name] | None = None
    title: Text | None = None


class MeasureAmended(MeasureChange):
    """The terms of a measure change from ``effective_on``; fields left out keep their value."""

    type: Literal["measure.amended"]
    rate: Rate | None = None
    partners: Countries | None = None
    except_partners: ExceptCountries | None = None
    products: Products | None = None
    except_products: ExceptProducts | None = None
    not_with: list[Name] | None = None
    inclusive_of: list[Name] | None = None

    @model_validator(mode="after")
    def _changes_something(self) -> MeasureAmended:
        values = self.__dict__  # plain dict lookups: this runs for every amendment read back
        if all(values[name] is None for name in AMENDABLE):
            raise ValueError(f"an amendment needs at least one of: {', '.join(AMENDABLE)}")
        return self


class MeasureSuspended(MeasureChange):
    """A measure stops applying from ``effective_on`` until a resumption or ``until`` (exclusive)."""

    type: Literal["measure.suspended"]
    until: IsoDate | None = None

    @model_validator(mode="after")
    def _until_after_start(self) -> MeasureSuspended:
        if self.until is not None and self.until <= self.effective:
            raise ValueError("until: must be after the suspension's effective date")
        return self


class MeasureResumed(MeasureChange):
    """A suspended measure applies again from ``effective_on``."""

    type: Literal["measure.resumed"]


class MeasureRescheduled(MeasureChange):
    """A measure not yet in force gets a new effective date (a postponement, or a date fixed later)."""

    type: Literal["measure.rescheduled"]
    effective_on: IsoDate  # type: ignore[assignment]


class MeasureRevoked(MeasureChange):
    """A measure ends for good from ``effective_on``."""

    type: Literal["measure.revoked"]


__all__ = [
    "AMENDABLE",
    "MeasureAmended",
    "MeasureAnnounced",
    "MeasureChange",
    "MeasureEvent",
    "MeasureRescheduled",
    "MeasureResumed",
    "MeasureRevoked",
    "MeasureSuspended",
]
