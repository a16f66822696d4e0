"""The JSON the API answers, as pydantic models: the shapes of docs/spec.md §5.4, for ``/openapi.json``.

The answers themselves are the results' ``to_json()`` — the very JSON ``ledger … --format json``
prints — sent as they are (no second serialisation). These models describe them; every model
forbids keys it does not declare, and ``tests/serve/test_api.py`` validates each endpoint's answer
against its model, so the OpenAPI document cannot drift from what is sent.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class Shape(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Measure(Shape):
    measure: str
    imposer: str
    status: Literal["announced", "in_force", "suspended", "revoked"]
    rate: float | None
    partners: list[str]
    products: list[str]
    basis: str | None
    effective_on: dt.date | None
    except_partners: list[str]
    except_products: list[str]
    not_with: list[str]
    inclusive_of: list[str]
    title: str | None
    announced_on: dt.date | None
    suspended_until: dt.date | None


class LastRound(Shape):
    round: int
    date: dt.date
    venue: str | None


class NextRound(Shape):
    round: int
    starts_on: dt.date
    venue: str | None


class Proposal(Shape):
    proposal: str
    by: str
    status: str = Field(description="`submitted`, or the latest response")
    submitted_on: dt.date | None
    items: list[Any]
    answered_by: str | None = None
    answered_on: dt.date | None = None


class Summit(Shape):
    summit: str
    name: str | None
    starts_on: dt.date
    ends_on: dt.date | None
    venue: str | None
    status: Literal["scheduled", "held"]


class Agreement(Shape):
    title: str | None
    date: dt.date
    terms: Any
    measures: list[str]


class Negotiation(Shape):
    track: str
    title: str | None
    parties: list[str]
    status: Literal["opened", "in_progress", "agreement_reached", "concluded"]
    opened_on: dt.date | None
    rounds_held: int
    last_round: LastRound | None
    next_round: NextRound | None
    proposals: list[Proposal]
    summits: list[Summit]
    agreements: list[Agreement]
    statements: int
    leads: dict[str, list[str]]


class ScheduleRow(Shape):
    schedule: str
    imposer: str
    basis: str | None
    partners: list[str]
    except_partners: list[str]
    effective_on: dt.date
    title: str | None
    revision: str | None
    lines: int = Field(description="how many lines it holds on `as_of`")


class State(Shape):
    """The `state` JSON: measures and negotiations on `as_of`, as recorded by `known_at`."""

    as_of: dt.date
    known_at: str | None
    measures: list[Measure]
    negotiations: list[Negotiation]
    schedules: list[ScheduleRow]


class Component(Shape):
    measure: str
    basis: str | None
    rate: float = Field(description="what it adds (after any `inclusive_of` reduction)")
    listed_rate: float
    reduced_by: list[str]
    line: str | None = Field(None, description="a schedule's line: the HS prefix matched")
    text: str | None = Field(None, description="a schedule's line: the duty as printed")


class Excluded(Shape):
    measure: str
    basis: str | None
    reason: str


class Rate(Shape):
    """The `rate` JSON: the stacked rate, its components (summing to `rate`) and what is left out."""

    imposer: str | None
    partner: str
    product: str
    as_of: dt.date
    known_at: str | None
    rate: float
    components: list[Component]
    excluded: list[Excluded]
    warnings: list[str]


class Change(Shape):
    measure: str | None = None
    track: str | None = None
    change: Literal["appeared", "disappeared", "changed"]
    fields: list[str] | None = None
    from_: dict[str, Any] | None = Field(None, alias="from")
    to: dict[str, Any] | None = None


class Diff(Shape):
    """The `diff` JSON: what changed in the state between `from` and `to`."""

    from_: dt.date = Field(alias="from")
    to: dt.date
    known_at: str | None
    measures: list[Change]
    negotiations: list[Change]


class HistoryItem(BaseModel):
    """An event as recorded, with its place in the log; every other field of the event follows."""

    model_config = ConfigDict(extra="allow")

    position: int
    id: str
    type: str
    date: dt.date
    recorded_at: str
    recorded_by: str
    recorded_by_role: str | None
    source: dict[str, Any]
    subject: str
    corrected_by: list[int]
    status: Literal["recorded", "corrected", "retracted"]


class HistoryPage(Shape):
    events: list[HistoryItem]
    next: str | None = Field(description="pass as `after` for the next page; null on the last page")


class Health(Shape):
    ok: bool
    events: int
    head: str


class Appended(Shape):
    appended: int
    duplicates: int
    first_position: int | None
    last_position: int | None
    head: str
    last_id: str | None
    recorded_by: str = Field(description="the token's name, the author of every event appended")


class ErrorDetail(Shape):
    message: str
    line: int | None = None
    field: str | None = None


class ErrorBody(ErrorDetail):
    errors: list[ErrorDetail] | None = Field(None, description="every problem of a rejected body")
    nothing_written: bool | None = None


class Error(Shape):
    error: ErrorBody
