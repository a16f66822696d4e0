"""What each event field means and how its type reads, for people: docs, CLI help, messages.

The vocabulary is defined once, in the models; this module only names it. A
field's type is read from its annotation (``partners: Countries`` → "list of
country codes or `*`, at least 1"); its meaning comes from ``MEANINGS`` (docs/spec.md §3
wording), keyed by field name, or ``"type.field"`` where one type means
something else, unless the model field has a ``description`` of its own::

    >>> meaning("measure.rescheduled", "effective_on")
    'the new date from which a measure not yet in force takes effect'
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import inspect
import typing
import uuid
from decimal import Decimal
from typing import Any

import annotated_types
from pydantic import BaseModel, StringConstraints
from pydantic.fields import FieldInfo

from events import common

# Names for the field types of events/common.py. An alias missing here is still
# described, from its base type and constraints ("text, 1-100 chars").
ALIASES: dict[str, tuple[str, str]] = {
    # alias: (singular, plural)
    "IsoDate": ("date", "dates"),
    "Country": ("country code", "country codes"),
    "CountryOrAll": ("country code or `*`", "country codes or `*`"),
    "HsPrefix": ("HS prefix", "HS prefixes"),
    "Slug": ("slug", "slugs"),
    "Name": ("short text", "short texts"),
    "Text": ("text", "texts"),
    "Rate": ("rate", "rates"),
    "Countries": ("list of country codes or `*`", ""),
    "ExceptCountries": ("list of country codes", ""),
    "Products": ("list of HS prefixes or `*`", ""),
    "ExceptProducts": ("list of HS prefixes", ""),
    "Names": ("list of short texts", ""),
    "Texts": ("list of texts", ""),
}

# What each field means (docs/spec.md §3 wording), unless the model field has a description.
# Keyed by field name, or by "type.field" where one type means something else.
MEANINGS: dict[str, str] = {
    "type": "the event type, one of the types below",
    "date": "the day the development happened (valid time)",
    "source": "where it was reported: an object (see [Source](#source)) or a string, short for `{\"title\": ...}`",
    "id": "the event's UUID, generated when absent; re-appending the same id with the same content is a "
          "no-op, with different content an error",
    "recorded_by": "who recorded it; defaults to `--author`, then `$LEDGER_AUTHOR`, then the OS user",
    "note": "free text: caveats, uncertain dates, how the sources were read",
    "measure": "the measure's slug",
    "imposer": "the government imposing the measure",
    "partners": "the trading partners it applies to; `*` = all",
    "except_partners": "partners left out (useful with `*`)",
    "products": "the goods it applies to, as HS prefixes; `*` = all goods",
    "except_products": "goods left out, as HS prefixes; an exception wins over any prefix in `products`",
    "rate": "ad-valorem duty in percent",
    "basis": "the legal basis, e.g. `Section 232`, `IEEPA reciprocal`, `MFN`; `not_with` and "
             "`inclusive_of` may name it",
    "measure.announced.effective_on": "when it takes effect; absent or null = not yet known "
                                      "(set it later with `measure.rescheduled`)",
    "effective_on": "when the change counts from; default: the event's `date`; may precede `date` "
                    "(a retroactive change)",
    "measure.rescheduled.effective_on": "the new date from which a measure not yet in force takes effect",
    "not_with": "measure slugs or bases: this measure does not apply to a product where one of those applies",
    "inclusive_of": "measure slugs or bases: the rate is an all-in total that already includes those "
                    "(15% inclusive of a 2.5% MFN duty adds 12.5)",
    "title": "a human-readable title",
    "until": "the day the suspension lapses (exclusive); absent = until a `measure.resumed`",
    "track": "the negotiation's slug",
    "parties": "the governments negotiating",
    "leads": "chief negotiators per party, e.g. `{\"JP\": [\"Ryosei Akazawa\"]}`",
    "round": "the round's number, from 1",
    "starts_on": "first day",
    "ends_on": "last day (inclusive)",
    "venue": "where it takes place",
    "participants": "who attended",
    "outcome": "what came of it",
    "proposal": "the proposal's slug, unique within the track",
    "by": "the party proposing or answering",
    "items": "what the proposal offers or asks",
    "summary": "a one-line summary",
    "response": "the answer; the latest one is the proposal's status",
    "speaker": "who spoke",
    "party": "the party the speaker speaks for",
    "text": "what was said",
    "talks.agreement_reached.title": "the agreement's name",
    "terms": "the agreed terms, one per item",
    "talks.agreement_reached.measures": "slugs of the tariff measures the agreement affects",
    "talks.concluded.outcome": "how the negotiation ended",
    "summit": "the summit's slug",
    "name": "the summit's name",
    "tracks": "slugs of the negotiations it bears on (they must exist)",
    "leaders": "leaders expected",
    "summit.held.outcome": "what came of it",
    "schedule": "the schedule's slug, e.g. `us-hts-2025`",
    "schedule.published.imposer": "the government whose tariff it is",
    "schedule.published.basis": "the duty column it gives, e.g. `MFN` (the HTS general column); `not_with` and "
                                "`inclusive_of` of measures may name it",
    "schedule.published.partners": "the partners whose goods it applies to; `*` = all",
    "schedule.published.except_partners": "partners it does not apply to (e.g. those under column 2)",
    "schedule.published.effective_on": "when it takes effect; from then it supersedes the imposer's schedule "
                                       "of the same basis",
    "schedule.published.lines": "one object per HS prefix: `product`, `rate` (ad-valorem percent, null when the "
                                "duty has none), `text` (the duty as printed), `specific` (true when part of the "
                                "duty is not a percentage), `preferential`? (`[{\"program\", \"text\"}]`, shown, "
                                "never applied); a product's line is its longest matching prefix",
    "schedule.published.title": "the schedule's name",
    "revision": "the revision it records, e.g. `Revision 19`",
    "schedule.amended.effective_on": "when the changed lines count from; default: the event's `date`",
    "schedule.amended.lines": "lines added or replaced (same shape as in `schedule.published`)",
    "removed": "products whose lines are dropped",
    "target": "the `id` of the event being corrected or retracted",
    "fields": "replacement values for the target's fields (its `date` included); not `type`, `id`, "
              "`recorded_by` or its subject slug",
    "reason": "why the correction or retraction is made",
    "ledger.corrected.date": "the day of the correction; default: the day it is recorded",
    "ledger.retracted.date": "the day of the retraction; default: the day it is recorded",
    "source.publisher": "who published it (a government, a newspaper, a law firm)",
    "source.title": "the document's or article's title",
    "source.url": "where to read it",
    "source.published_on": "when it was published",
}

def _alias_names() -> dict[int, str]:
    """id(alias object) → its name in events/common.py, for every ``Annotated`` alias defined there."""
    return {id(v): k for k, v in vars(common).items() if typing.get_origin(v) is typing.Annotated}


def constraints(metadata: tuple[Any, ...]) -> dict[str, Any]:
    """ge/le/min_length/max_length/pattern from ``Annotated`` metadata, however pydantic wrapped them."""
    found: dict[str, Any] = {}
    for item in metadata:
        if isinstance(item, FieldInfo):
            found.update(constraints(tuple(item.metadata)))
        elif isinstance(item, StringConstraints):
            for key in ("min_length", "max_length", "pattern"):
                if getattr(item, key) is not None:
                    found[key] = getattr(item, key)
        elif isinstance(item, (annotated_types.Ge, annotated_types.Le, annotated_types.MinLen,
                               annotated_types.MaxLen)):
            found.update({f.name: getattr(item, f.name) for f in dataclasses.fields(item)})
    return found


def _bounds(c: dict[str, Any]) -> str:
    if "ge" in c and "le" in c:
        return f" {c['ge']}–{c['le']}"
    if "ge" in c:
        return f" ≥ {c['ge']}"
    if "le" in c:
        return f" ≤ {c['le']}"
    return ""


def _at_least(c: dict[str, Any]) -> str:
    least = c.get("min_length")
    return f", at least {least}" if least else ""


def describe(hint: Any, plural: bool = False) -> str:
    """A reader's name for a field type: ``Products`` → "list of HS prefixes or `*`, at least 1"."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
        inner = [a for a in args if a is not type(None)]
        return " or ".join(describe(a, plural) for a in inner)
    name = _alias_names().get(id(hint))
    if name in ALIASES:
        singular, many = ALIASES[name]
        c = constraints(hint.__metadata__)
        if name == "Rate":
            return f"{many if plural else singular}{_bounds(c)} (percent)"
        if singular.startswith("list of"):
            return singular + _at_least(c)
        return many if plural else singular
    if origin is typing.Annotated:
        base, c = args[0], constraints(hint.__metadata__)
        text = describe(base, plural)
        if typing.get_origin(base) is list:
            return text + _at_least(c)
        return text + _bounds(c)
    if origin is list:
        return "list of " + describe(args[0], plural=True)
    if origin is dict:
        return f"object: {describe(args[0])} → {describe(args[1])}"
    if origin is typing.Literal:
        return "one of " + ", ".join(f"`{a}`" for a in args)
    simple = {int: ("integer", "integers"), str: ("text", "texts"), uuid.UUID: ("event id (UUID)", "event ids"),
              dt.date: ("date", "dates"), Decimal: ("number", "numbers"), bool: ("true/false", "true/false")}
    if hint in simple:
        return simple[hint][plural]
    if hint is Any:
        return "any JSON value"
    if inspect.isclass(hint) and issubclass(hint, BaseModel):
        return f"[{hint.__name__}](#{hint.__name__.lower()}) object"
    return getattr(hint, "__name__", str(hint))


def hints(model: type[BaseModel]) -> dict[str, Any]:
    return typing.get_type_hints(model, include_extras=True)


def description(key: str, name: str, info: FieldInfo) -> str:
    if info.description:
        return info.description
    return MEANINGS.get(f"{key}.{name}") or MEANINGS.get(name, "")



def meaning(key: str, name: str) -> str:
    """The meaning of field ``name`` of event type (or ``"envelope"``/``"source"``) ``key``."""
    from events.common import Envelope, Source
    from events.registry import EVENT_TYPES

    model: Any = {"envelope": Envelope, "source": Source}.get(key) or EVENT_TYPES.get(key)
    info = model.model_fields.get(name) if model is not None else None
    if info is not None and info.description:
        return str(info.description)
    return MEANINGS.get(f"{key}.{name}") or MEANINGS.get(name, "")
