"""Field types and the envelope every ledger event shares.

Validation lives here, once, so the JSON reader, the typed CLI options and the
docs all inherit the same rules. For example::

    >>> from pydantic import TypeAdapter
    >>> TypeAdapter(Country).validate_python("JP")
    'JP'
    >>> TypeAdapter(Country).validate_python("jp")
    Traceback (most recent call last):
    ...
    pydantic_core._pydantic_core.ValidationError: 1 validation error for function-before[_country(), str]
    ...

Codes are ISO 3166-1 alpha-2 from `pycountry` (plus ``EU``, which ISO reserves
exceptionally for the European Union because trade measures are imposed by it),
HS prefixes are 2-10 digits (dots are dropped, so ``8703.23`` is ``870323``),
rates are ad-valorem percent between 0 and 1000, given as JSON numbers, and
dates run from 0001-01-01 to 9999-12-30 (:mod:`events.limits` says why).
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Annotated, Any, ClassVar
from uuid import UUID

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    StringConstraints,
    model_validator,
)

from events.codes import ALL, RESERVED_CODES, Subject, country_codes, hs_prefix, number  # noqa: F401  (re-exported)
from events.limits import MAX_DATE, MIN_DATE, iso_date, json_number  # noqa: F401  (re-exported)


def _country(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"expected a country code like JP, got {value!r}")
    if value not in country_codes():
        raise ValueError(f"{value!r} is not an ISO 3166-1 alpha-2 country code")
    return value


def _country_or_all(value: Any) -> str:
    return ALL if value == ALL else _country(value)


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _printable(value: str) -> str:
    # NUL and other control characters can't be stored in PostgreSQL text and are never meant.
    # A printable string has none (they are all category Cc): one C call for nearly every value.
    if not value.isprintable() and _CONTROL.search(value):
        raise ValueError("contains a control character")
    return value


def _source(value: Any) -> Any:
    # A plain string is shorthand for {"title": ...}.
    return {"title": value} if isinstance(value, str) else value


def _no_duplicates(values: list[Any]) -> list[Any]:
    if len(set(values)) != len(values):
        raise ValueError("contains duplicates")
    return values


IsoDate = Annotated[dt.date, BeforeValidator(iso_date)]
Country = Annotated[str, BeforeValidator(_country)]
CountryOrAll = Annotated[str, BeforeValidator(_country_or_all)]
HsPrefix = Annotated[str, BeforeValidator(hs_prefix)]
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9-]+$", min_length=1, max_length=100)]
Name = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500), AfterValidator(_printable)
]
Text = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20_000), AfterValidator(_printable)
]
# A JSON number, never a string that reads as one (json_number): files, corrections and typed options agree.
Rate = Annotated[
    Decimal,
    BeforeValidator(json_number),
    Field(ge=0, le=1000, allow_inf_nan=False, max_digits=12),
    PlainSerializer(number, return_type=int | float, when_used="json"),
]
Countries = Annotated[list[CountryOrAll], Field(min_length=1, max_length=300), AfterValidator(_no_duplicates)]
ExceptCountries = Annotated[list[Country], Field(max_length=300), AfterValidator(_no_duplicates)]
Products = Annotated[list[HsPrefix], Field(min_length=1, max_length=20_000), AfterValidator(_no_duplicates)]
ExceptProducts = Annotated[list[HsPrefix], Field(max_length=20_000), AfterValidator(_no_duplicates)]
Names = Annotated[list[Name], Field(max_length=1000)]
Texts = Annotated[list[Text], Field(min_length=1, max_length=1000)]


class Source(BaseModel):
    """Where a development was reported: at least a publisher or a title."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    publisher: Name | None = None
    title: Text | None = None
    url: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000), AfterValidator(_printable)
    ] | None = None
    published_on: IsoDate | None = None

    @model_validator(mode="after")
    def _named(self) -> Source:
        if self.publisher is None and self.title is None:
            raise ValueError("a source needs a publisher or a title")
        return self


class Envelope(BaseModel):
    """Fields every event carries. Subclasses add a ``type`` literal and their own fields.

    ``subject`` names the field that says what the event is about (``measure``,
    ``track``, ``summit`` or, for corrections, ``target``); ``opens`` is true for
    the event types that introduce a subject, the ones others must follow.
    """

    # defer_build: a model's validator is built the first time it validates, so a command that reads or appends
    # one event type builds one (~15 ms of ~20 models built at import otherwise); fields are known at once.
    model_config = ConfigDict(frozen=True, extra="forbid", str_max_length=20_000, defer_build=True)

    subject: ClassVar[str]
    opens: ClassVar[bool] = False

    type: str
    date: IsoDate
    source: Annotated[Source, BeforeValidator(_source)]
    id: UUID | None = None
    recorded_by: Name | None = None
    note: Text | None = None

    def subject_key(self) -> Subject:
        """``("measure", "us-232-autos")``: the thing this event is about."""
        return self.subject, str(getattr(self, self.subject))

    def payload(self) -> dict[str, Any]:
        """The event as interchange JSON (no nulls), the form stored and exported."""
        return self.model_dump(mode="json", exclude_none=True)


def types_of(module: Any) -> dict[str, type[Envelope]]:
    """The concrete event models one family module defines, by their ``type`` literal, in definition order.

    ``events.registry`` joins every family; a test that checks one family's types takes them from here.
    """
    import typing

    out: dict[str, type[Envelope]] = {}
    for value in vars(module).values():
        if (isinstance(value, type) and issubclass(value, Envelope) and value.__module__ == module.__name__
                and typing.get_origin(value.model_fields["type"].annotation) is typing.Literal):
            (name,) = typing.get_args(value.model_fields["type"].annotation)
            out[str(name)] = value
    return out
