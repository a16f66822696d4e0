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
description is the model's ``Field(description=...)`` when it has one, else its
entry in ``events.fielddocs.MEANINGS``, in the wording of docs/spec.md §3.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel

from events import common
from events.common import Envelope, Source
from events.examples import EXAMPLES
from events.fielddocs import constraints, describe, description, hints
from events.parse import parse_event
from events.registry import EVENT_TYPES, FAMILIES, type_name

# The CLI help in docs/cli.md is rendered at this width, so it is the same on every machine.
HELP_COLUMNS = "100"





# -- types ---------------------------------------------------------------------------------------------




def padded(markdown: str) -> str:
    """Blank lines around generated Markdown, so a table never runs into cog's end marker."""
    return "\n" + markdown.strip("\n") + "\n\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def field_table(model: type[BaseModel], key: str, names: list[str]) -> str:
    types = hints(model)
    rows = ["| field | type | required | meaning |", "|---|---|---|---|"]
    for name in names:
        info = model.model_fields[name]
        if name == "type":
            kind = f"`\"{type_name(model)}\"`" if issubclass(model, Envelope) and key != "envelope" else "text"
        else:
            kind = describe(types[name])
        rows.append(f"| `{name}` | {_cell(kind)} | {'yes' if info.is_required() else 'no'} | "
                    f"{_cell(description(key, name, info))} |")
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
    from events.talks import Round

    rate = constraints(common.Rate.__metadata__)
    round_ = constraints(Round.__metadata__)
    slug = constraints(common.Slug.__metadata__)
    reserved = ", ".join(f"`{k}` ({v})" for k, v in sorted(common.RESERVED_CODES.items()))
    return padded("\n".join([
        "| kind | rule | examples |",
        "|---|---|---|",
        f"| country code (`imposer`, `partners`, `parties`, `by`, `party`) | ISO 3166-1 alpha-2 from "
        f"`pycountry` ({len(country_codes()) - len(common.RESERVED_CODES)} codes), plus {reserved}; "
        "upper case | `US`, `JP`, `EU` |",
        "| all | `\"*\"` in `partners` means every partner, in `products` every good | `[\"*\"]` |",
        "| HS prefix (`products`, `except_products`) | 2–10 digits, as a string; dots are dropped, so "
        "`\"8703.23\"` is `\"870323\"`; a prefix covers every code it begins; an exception wins over "
        "any product prefix | "
        "`\"87\"`, `\"8703\"`, `\"870323\"` |",
        f"| rate | ad-valorem percent, {rate['ge']} ≤ rate ≤ {rate['le']}, a JSON number: `\"25\"` (a string) is "
        "refused, in a file and in a correction's `fields` alike; on the command line, written as JSON writes it, "
        "in ASCII digits (`--rate 2.5`, `--rate 1e3`; not `1_000`, `２５`, `nan`, `inf`) | `25`, `2.5` |",
        f"| round | a JSON integer, {round_['ge']}–{round_['le']}: `\"6\"` and `6.0` are refused | `6` |",
        f"| slug (`measure`, `track`, `proposal`, `summit`) | `{slug['pattern']}`, "
        f"{slug['min_length']}–{slug['max_length']} characters | `us-232-autos`, `g7-2025` |",
        f"| date | ISO `YYYY-MM-DD`, a real calendar day (no timestamps), from {common.MIN_DATE} to "
        f"{common.MAX_DATE} (the day after is the read models' open-end marker) | `2025-04-09` |",
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
        raise ValueError(f"events/examples.py EXAMPLES lacks: {', '.join(missing)}")
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
        if subs and path[0] != "append":  # a command group (`ledger schedule`): each subcommand's help
            for sub_path, _sub in subs:
                out.append(f"### `ledger {' '.join(sub_path)}`\n")
                out.append(_block(help_text(*sub_path)))
        elif subs:
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
    """The read-model tables as ``projections/readmodel/layout.py`` describes them."""
    import ast

    path = REPO / "projections" / "readmodel" / "layout.py"
    doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
    body = doc.split("\n\n", 1)[1] if "\n\n" in doc else doc
    return padded("```text\n" + body.strip("\n") + "\n```")
