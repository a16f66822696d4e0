"""What cog runs to write the generated parts of ``docs/events.md`` and ``docs/cli.md``.

The event vocabulary and the command line are defined once, in code; these
helpers render them as Markdown so the reference cannot drift from it. cog puts
this file's directory on ``sys.path``, so a cog block only needs::

    <!-- [[[cog
    import cog_helpers
    cog.out(cog_helpers.event_families())
    ]]] -->
    <!-- [[[end]]] -->

``make docs`` regenerates (``cog -r -c``); ``make lint`` and ``tests/docs`` check
that nothing changed (``cog --check``). A field's type is read from its annotation
(``partners: Countries`` → "list of country codes or `*`, at least 1"); its
description is the model's ``Field(description=...)`` when it has one, else the
fallback text below, taken from SPEC §3.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import inspect
import json
import typing
import uuid
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import annotated_types
from pydantic import BaseModel, StringConstraints
from pydantic.fields import FieldInfo

from events import common
from events.common import Envelope, Source
from events.parse import parse_event
from events.registry import EVENT_TYPES, FAMILIES, type_name

# The CLI help in docs/cli.md is rendered at this width, so it is the same on every machine.
HELP_COLUMNS = "100"

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

# Used only while a model field has no description of its own (SPEC §3 wording).
# Keyed by field name, or by "type.field" where one type means something else.
FALLBACK: dict[str, str] = {
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

# One example per type, in an order that forms a valid ledger (openers first,
# corrections after their targets); checked against the models when cog runs and
# appended to a fresh ledger by tests/docs. Facts from examples/us-japan-2025.jsonl.
EXAMPLES: list[dict[str, Any]] = [
    {"type": "measure.announced", "date": "2025-03-26", "measure": "us-232-autos", "imposer": "US",
     "partners": ["*"], "products": ["8703", "870421"], "rate": 25, "basis": "Section 232",
     "effective_on": "2025-04-03", "source": {"publisher": "Federal Register", "title": "Proclamation 10908"}},
    {"type": "measure.announced", "date": "2025-04-02", "measure": "us-reciprocal-jp", "imposer": "US",
     "partners": ["JP"], "products": ["*"], "rate": 14, "basis": "IEEPA reciprocal", "effective_on": "2025-04-09",
     "not_with": ["Section 232"], "source": "Executive Order 14257"},
    {"type": "measure.amended", "date": "2025-09-04", "measure": "us-reciprocal-jp", "effective_on": "2025-08-07",
     "rate": 15, "inclusive_of": ["MFN"], "source": "Executive Order 14345",
     "note": "retroactive: signed 2025-09-04, applies from 2025-08-07"},
    {"type": "measure.suspended", "id": "11a23219-cd78-4c15-877e-22256188782f", "date": "2025-04-09",
     "measure": "us-reciprocal-jp", "effective_on": "2025-04-10", "until": "2025-07-09",
     "source": "Executive Order 14266"},
    {"type": "measure.resumed", "date": "2025-07-07", "measure": "us-reciprocal-jp", "effective_on": "2025-08-01",
     "source": {"publisher": "Jiji/Nippon.com", "title": "U.S. announces 25 pct tariffs for Japan"}},
    {"type": "measure.announced", "date": "2025-09-04", "measure": "us-jp-autos-15", "imposer": "US",
     "partners": ["JP"], "products": ["8703"], "rate": 15, "basis": "Section 232", "inclusive_of": ["MFN"],
     "source": "Executive Order 14345"},
    {"type": "measure.rescheduled", "date": "2025-09-16", "measure": "us-jp-autos-15", "effective_on": "2025-09-16",
     "source": {"publisher": "Carmichael International", "title": "Updated Implementation Guidance"}},
    {"type": "measure.revoked", "date": "2025-09-16", "measure": "us-232-autos", "effective_on": "2025-09-16",
     "source": "illustration only: in the sample, Japan is excepted instead (measure.amended)"},
    {"type": "talks.opened", "date": "2025-04-11", "track": "us-jp-tariffs", "parties": ["US", "JP"],
     "title": "US–Japan tariff negotiations", "leads": {"JP": ["Ryosei Akazawa"], "US": ["Scott Bessent"]},
     "source": {"publisher": "Asahi Shimbun", "title": "Akazawa leaves for U.S. talks", "published_on": "2025-04-16"}},
    {"type": "talks.round_scheduled", "date": "2025-06-09", "track": "us-jp-tariffs", "round": 6,
     "starts_on": "2025-06-13", "venue": "Washington", "source": "Caliber.Az"},
    {"type": "talks.round_held", "date": "2025-06-13", "track": "us-jp-tariffs", "round": 6, "venue": "Washington",
     "participants": ["Ryosei Akazawa", "Howard Lutnick", "Scott Bessent"], "source": "Japan Times"},
    {"type": "talks.proposal_submitted", "date": "2025-06-09", "track": "us-jp-tariffs", "proposal": "jp-package",
     "by": "JP", "items": ["Semiconductors and critical minerals", "Shipbuilding"], "source": "Caliber.Az"},
    {"type": "talks.proposal_answered", "date": "2025-06-16", "track": "us-jp-tariffs", "proposal": "jp-package",
     "by": "US", "response": "noted", "source": "illustration only: the sample records no answer"},
    {"type": "talks.statement", "date": "2025-07-23", "track": "us-jp-tariffs", "speaker": "Ryosei Akazawa",
     "party": "JP", "text": "The 50% duties on steel and aluminium stay in place under the deal.",
     "source": "US Africa Online"},
    {"type": "talks.agreement_reached", "date": "2025-07-22", "track": "us-jp-tariffs",
     "title": "US–Japan tariff agreement (15% deal)", "terms": ["Reciprocal tariff on Japanese goods set at 15%"],
     "measures": ["us-reciprocal-jp"], "source": "Reuters via Yomiuri"},
    {"type": "talks.concluded", "date": "2025-09-04", "track": "us-jp-tariffs",
     "outcome": "illustration only: the sample leaves the track open", "source": "illustration"},
    {"type": "summit.scheduled", "date": "2025-06-06", "summit": "g7-2025", "name": "G7 Leaders' Summit",
     "starts_on": "2025-06-15", "ends_on": "2025-06-17", "venue": "Kananaskis, Alberta, Canada",
     "tracks": ["us-jp-tariffs"], "source": "Asahi Shimbun"},
    {"type": "summit.held", "date": "2025-06-16", "summit": "g7-2025", "outcome": "No deal; ministers to continue.",
     "source": "Yomiuri"},
    {"type": "ledger.corrected", "id": "0b8c5e0e-6a1e-4c43-9a7f-1d0f3c3f2b10",
     "target": "11a23219-cd78-4c15-877e-22256188782f", "fields": {"effective_on": "2025-04-09"},
     "reason": "illustration: follow the reading that the 24% rate never applied", "source": "Asahi Shimbun"},
    {"type": "ledger.retracted", "target": "0b8c5e0e-6a1e-4c43-9a7f-1d0f3c3f2b10",
     "reason": "the Federal Register text is clear: the pause began on 2025-04-10", "source": "Federal Register"},
]


# -- types ---------------------------------------------------------------------------------------------


def _alias_names() -> dict[int, str]:
    """id(alias object) → its name in events/common.py, for every ``Annotated`` alias defined there."""
    return {id(v): k for k, v in vars(common).items() if typing.get_origin(v) is typing.Annotated}


def _constraints(metadata: tuple[Any, ...]) -> dict[str, Any]:
    """ge/le/min_length/max_length/pattern from ``Annotated`` metadata, however pydantic wrapped them."""
    found: dict[str, Any] = {}
    for item in metadata:
        if isinstance(item, FieldInfo):
            found.update(_constraints(tuple(item.metadata)))
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
        c = _constraints(hint.__metadata__)
        if name == "Rate":
            return f"{many if plural else singular}{_bounds(c)} (percent)"
        if singular.startswith("list of"):
            return singular + _at_least(c)
        return many if plural else singular
    if origin is typing.Annotated:
        base, c = args[0], _constraints(hint.__metadata__)
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


def _hints(model: type[BaseModel]) -> dict[str, Any]:
    return typing.get_type_hints(model, include_extras=True)


def _description(key: str, name: str, info: FieldInfo) -> str:
    if info.description:
        return info.description
    return FALLBACK.get(f"{key}.{name}") or FALLBACK.get(name, "")


def padded(markdown: str) -> str:
    """Blank lines around generated Markdown, so a table never runs into cog's end marker."""
    return "\n" + markdown.strip("\n") + "\n\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def field_table(model: type[BaseModel], key: str, names: list[str]) -> str:
    hints = _hints(model)
    rows = ["| field | type | required | meaning |", "|---|---|---|---|"]
    for name in names:
        info = model.model_fields[name]
        if name == "type":
            kind = f"`\"{type_name(model)}\"`" if issubclass(model, Envelope) and key != "envelope" else "text"
        else:
            kind = describe(hints[name])
        rows.append(f"| `{name}` | {_cell(kind)} | {'yes' if info.is_required() else 'no'} | "
                    f"{_cell(_description(key, name, info))} |")
    return "\n".join(rows) + "\n"


# -- events.md -----------------------------------------------------------------------------------------


def _doc(obj: Any) -> str:
    return " ".join((inspect.getdoc(obj) or "").split("\n\n")[0].split())


def _own_fields(model: type[Envelope]) -> list[str]:
    """Fields beyond the envelope's, plus envelope fields the type redefines (a correction's optional date)."""
    base = Envelope.model_fields
    out = []
    for name, info in model.model_fields.items():
        if name == "type":
            continue
        if name not in base or info.is_required() != base[name].is_required():
            out.append(name)
    return out


def envelope() -> str:
    """The fields every event carries."""
    return padded(field_table(Envelope, "envelope", list(Envelope.model_fields)))


def source() -> str:
    """The Source object."""
    return padded(field_table(Source, "source", list(Source.model_fields)))


def codes() -> str:
    """The code rules, with the figures read from the field types."""
    from events.common import country_codes

    rate = _constraints(common.Rate.__metadata__)
    slug = _constraints(common.Slug.__metadata__)
    reserved = ", ".join(f"`{k}` ({v})" for k, v in sorted(common._RESERVED_CODES.items()))
    return padded("\n".join([
        "| kind | rule | examples |",
        "|---|---|---|",
        f"| country code (`imposer`, `partners`, `parties`, `by`, `party`) | ISO 3166-1 alpha-2 from "
        f"`pycountry` ({len(country_codes()) - len(common._RESERVED_CODES)} codes), plus {reserved}; "
        "upper case | `US`, `JP`, `EU` |",
        "| all | `\"*\"` in `partners` means every partner, in `products` every good | `[\"*\"]` |",
        "| HS prefix (`products`, `except_products`) | 2–10 digits, as a string; dots are dropped, so "
        "`\"8703.23\"` is `\"870323\"`; a prefix covers every code it begins; an exception wins over "
        "any product prefix | "
        "`\"87\"`, `\"8703\"`, `\"870323\"` |",
        f"| rate | ad-valorem percent, {rate['ge']} ≤ rate ≤ {rate['le']}, a JSON number | `25`, `2.5` |",
        f"| slug (`measure`, `track`, `proposal`, `summit`) | `{slug['pattern']}`, "
        f"{slug['min_length']}–{slug['max_length']} characters | `us-232-autos`, `g7-2025` |",
        "| date | ISO `YYYY-MM-DD`, a real calendar day (no timestamps) | `2025-04-09` |",
        "| lists | no duplicates; on the command line, comma-separated (`--partners JP,CN`) | |",
    ]))


def _subject_of(module: Any) -> str:
    kinds = {c.subject for c in EVENT_TYPES.values() if c.__module__ == module.__name__}
    return ", ".join(sorted(kinds))


def _example_for(type_: str) -> dict[str, Any] | None:
    return next((e for e in EXAMPLES if e["type"] == type_), None)


def check_examples() -> None:
    """Every type has an example and every example passes its model (cog fails otherwise)."""
    missing = sorted(set(EVENT_TYPES) - {e["type"] for e in EXAMPLES})
    if missing:
        raise ValueError(f"docs/cog_helpers.py EXAMPLES lacks: {', '.join(missing)}")
    for example in EXAMPLES:
        parse_event(example)


def example_line(example: dict[str, Any]) -> str:
    return json.dumps(example, ensure_ascii=False)


def event_families() -> str:
    """Per family: a table of its types, then each type's fields and an example line."""
    check_examples()
    out: list[str] = []
    for module in FAMILIES:
        family = module.__name__.rsplit(".", 1)[-1]
        types = [(t, c) for t, c in EVENT_TYPES.items() if c.__module__ == module.__name__]
        out.append(f"## Family `{family}` (subject: `{_subject_of(module)}`)\n")
        out.append(_doc(module) + "\n")
        out.append("| type | what it records | opens its subject |")
        out.append("|---|---|---|")
        for t, c in types:
            out.append(f"| [`{t}`](#{t.replace('.', '')}) | {_cell(_doc(c))} | "
                       f"{'yes' if c.opens else ''} |")
        out.append("")
        for t, c in types:
            out.append(f"### `{t}`\n")
            out.append(" ".join((inspect.getdoc(c) or "").split()) + "\n")
            out.append("Besides the [envelope](#the-envelope):\n")
            out.append(field_table(c, t, _own_fields(c)))
            example = _example_for(t)
            if example is not None:
                out.append("```json\n" + example_line(example) + "\n```\n")
    return padded("\n".join(out))


def example_file() -> str:
    """All the examples as one JSON Lines file, ready for ``ledger append --file``."""
    check_examples()
    return padded("```json\n" + "\n".join(example_line(e) for e in EXAMPLES) + "\n```")


# -- cli.md --------------------------------------------------------------------------------------------


def root_command() -> Any:
    """The click command tree behind the typer app."""
    import typer.main

    from ledger.cli import app

    return typer.main.get_command(app)


def walk(command: Any = None, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    """(("append", "measure.announced"), command) for every command and subcommand, in help order.

    Duck-typed: typer vendors its own copy of click, so ``isinstance(x, click.Group)`` is False.
    """
    command = command if command is not None else root_command()
    yield path, command
    if hasattr(command, "list_commands") and hasattr(command, "get_command"):
        ctx = command.context_class(command, info_name=path[-1] if path else "ledger")
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            if sub is not None and not sub.hidden:
                yield from walk(sub, (*path, name))


def help_text(*path: str) -> str:
    """``ledger PATH --help`` as a user sees it at a fixed terminal width, run in-process."""
    from typer.testing import CliRunner

    from ledger.cli import app

    result = CliRunner().invoke(app, [*path, "--help"], prog_name="ledger", env={"COLUMNS": HELP_COLUMNS})
    if result.exit_code != 0:
        raise RuntimeError(f"ledger {' '.join(path)} --help exited {result.exit_code}: {result.output}")
    return "\n".join(line.rstrip() for line in result.output.strip("\n").splitlines()) + "\n"


def _block(text: str) -> str:
    return "```text\n" + text + "```\n"


def _options(command: Any, type_: str, required: bool) -> str:
    """The subcommand's options whose field is (or is not) required by the event's model."""
    model = EVENT_TYPES[type_]
    names = []
    for param in command.params:
        if getattr(param, "param_type_name", "") != "option" or param.name not in model.model_fields:
            continue
        if model.model_fields[param.name].is_required() == required:
            names.append(param.opts[0])
    return " ".join(f"`{n}`" for n in names)


def cli_reference() -> str:
    """Every command's ``--help``; the append subcommands as a table plus one of them in full."""
    tree = list(walk())
    out = ["## `ledger`\n", _block(help_text())]
    for path, _command in tree:
        if len(path) != 1:
            continue
        out.append(f"## `ledger {path[0]}`\n")
        out.append(_block(help_text(*path)))
        subs = [(p, c) for p, c in tree if len(p) == 2 and p[0] == path[0]]
        if subs:
            out.append(f"### The `ledger {path[0]}` subcommands\n")
            out.append("One per event type, generated from the models: options are the field names "
                       "(`effective_on` → `--effective-on`), lists are comma-separated, objects are JSON. "
                       "Every subcommand also takes `--source` (a title, or a JSON object) or "
                       "`--source-publisher`, `--source-title`, `--source-url`, `--source-published-on`. "
                       "Field meanings: [events.md](events.md).\n")
            out.append("| subcommand | records | required options | optional options |")
            out.append("|---|---|---|---|")
            for sub_path, sub in subs:
                out.append(f"| `ledger {' '.join(sub_path)}` | {_cell(_doc(sub.callback) or sub.help or '')} | "
                           f"{_options(sub, sub_path[1], True)} | {_options(sub, sub_path[1], False)} |")
            out.append("")
            first = subs[0][0]
            out.append(f"### `ledger {' '.join(first)}`\n")
            out.append("The help of one of them; the others follow the same pattern.\n")
            out.append(_block(help_text(*first)))
    return padded("\n".join(out))


# Lines that break one rule each, for the "what a bad line looks like" section.
BAD_LINES: list[dict[str, Any]] = [
    {"type": "measure.revoked", "date": "2025-13-01", "measure": "us-232-autos", "source": "Federal Register"},
    {"type": "measure.announced", "date": "2025-04-02", "measure": "us-reciprocal-xx", "imposer": "US",
     "partners": ["XX"], "products": ["87a"], "rate": -1, "basis": "IEEPA reciprocal", "source": {}},
    {"type": "measure.cancelled", "date": "2025-04-02", "measure": "us-232-autos", "source": "Federal Register"},
]


def error_examples() -> str:
    """Bad lines and the messages the reader gives for them (model-level checks only)."""
    from events.errors import BadInput

    out = ["```json"]
    out.extend(example_line(obj) for obj in BAD_LINES)
    out.append("```\n")
    out.append("```text")
    out.append("$ ledger append --file bad.jsonl")
    for number, obj in enumerate(BAD_LINES, start=1):
        try:
            parse_event(obj, number)
        except BadInput as exc:
            out.extend(f"error: {error}" for error in exc.errors)
        else:
            raise ValueError(f"BAD_LINES[{number - 1}] is accepted by the model")
    out.append("nothing was written")
    out.append("```")
    return padded("\n".join(out))


# -- architecture.md -----------------------------------------------------------------------------------

REPO = __import__("pathlib").Path(__file__).resolve().parent.parent
PACKAGES = ("events", "projections", "ledger")


def _module_doc(path: Any) -> str:
    """The first paragraph of a module's docstring, read without importing it."""
    import ast

    doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
    return " ".join(doc.split("\n\n")[0].split())


def module_map() -> str:
    """Every module of the three packages with the first paragraph of its docstring."""
    rows = ["| module | what it is for |", "|---|---|"]
    for package in PACKAGES:
        for path in sorted((REPO / package).rglob("*.py")):
            rel = path.relative_to(REPO).as_posix()
            rows.append(f"| `{rel}` | {_cell(_module_doc(path))} |")
    return padded("\n".join(rows))


def import_contracts() -> str:
    """The import-linter contracts of pyproject.toml, as a list."""
    import tomllib

    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    out = []
    for contract in config["tool"]["importlinter"]["contracts"]:
        if contract["type"] == "layers":
            layers = " → ".join(f"`{layer}`" for layer in contract["layers"])
            out.append(f"- **{contract['name']}** (layers): {layers} — a package may import only those after it.")
        elif contract["type"] == "forbidden":
            sources = ", ".join(f"`{m}`" for m in contract["source_modules"])
            banned = ", ".join(f"`{m}`" for m in contract["forbidden_modules"])
            out.append(f"- **{contract['name']}** (forbidden): {sources} never import {banned}.")
        else:
            out.append(f"- **{contract['name']}** ({contract['type']})")
    return padded("\n".join(out))


def readmodel_tables() -> str:
    """The read-model tables as ``projections/readmodel/tables.py`` describes them."""
    import ast

    path = REPO / "projections" / "readmodel" / "tables.py"
    doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
    body = doc.split("\n\n", 1)[1] if "\n\n" in doc else doc
    return padded("```text\n" + body.strip("\n") + "\n```")
