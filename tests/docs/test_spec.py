"""docs/spec.md, the product's contract, agrees with the code.

- the event vocabulary (docs/spec.md §3): every implemented type is in a table of the spec with
  exactly its fields, required or optional (`?`) as the model says; every type of the spec is
  implemented or in ``NOT_YET_BUILT``, and exactly those sit under a heading marked "planned";
- docs/events.md (generated from the models) lists the same types and fields as the spec;
- the command tables (docs/spec.md §5.2, §5.3): every command and option of a row marked built
  exists in ``ledger``; a row marked planned is not entirely built already; every command of
  ``ledger`` appears in a row.

When an issue builds something the spec marks planned, it removes the marker (and, for event
types, the entry in ``NOT_YET_BUILT``); these tests fail until it does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from events.registry import EVENT_TYPES

REPO = Path(__file__).resolve().parents[2]
SPEC = REPO / "docs" / "spec.md"
EVENTS_MD = REPO / "docs" / "events.md"

# Event types the spec defines and the code does not have yet (docs/spec.md §3.5: issue 11 builds them).
NOT_YET_BUILT: set[str] = set()


# -- reading Markdown ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Table:
    heading: str  # the nearest heading above the table
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


def cells(line: str) -> tuple[str, ...]:
    """The cells of a table row; ``\\|`` is a literal bar, not a cell border."""
    inner = line.strip()[1:-1]
    return tuple(cell.strip().replace("\\|", "|") for cell in re.split(r"(?<!\\)\|", inner))


def tables(text: str) -> list[Table]:
    """Every table of a Markdown page (outside code fences), with the heading it sits under."""
    out: list[Table] = []
    heading = ""
    block: list[str] = []
    fenced = False
    for line in [*text.splitlines(), ""]:
        if line.startswith("```"):
            fenced = not fenced
        if fenced:
            continue
        if line.startswith("|"):
            block.append(line)
            continue
        if len(block) >= 2:
            out.append(Table(heading, cells(block[0]), tuple(cells(row) for row in block[2:])))
        block = []
        if line.startswith("#"):
            heading = line.lstrip("#").strip()
    return out


def code_spans(text: str) -> list[str]:
    return re.findall(r"`([^`]+)`", text)


def top_level_fields(cell: str) -> dict[str, bool]:
    """``{field: required}`` from a cell like ``a`, `b`? (note with `x`), `c` (…)`.

    The code spans outside parentheses are the field names; a ``?`` right after one marks it optional.
    """
    out: dict[str, bool] = {}
    parts = cell.split("`")  # even indices: text, odd: code
    depth = 0
    for i, part in enumerate(parts):
        if i % 2 == 1:
            if depth == 0:
                name = part
                assert re.fullmatch(r"[a-z_]+", name), f"{name!r} is not a field name: put notes in parentheses"
                assert name not in out, f"{name!r} is listed twice"
                following = parts[i + 1] if i + 1 < len(parts) else ""
                out[name] = not following.startswith("?")
            continue
        for char in part:
            depth += {"(": 1, ")": -1}.get(char, 0)
            assert depth >= 0, f"unbalanced parentheses in {cell!r}"
    assert depth == 0, f"unbalanced parentheses in {cell!r}"
    return out


# -- the spec's event vocabulary ----------------------------------------------------------------------


@dataclass(frozen=True)
class SpecType:
    fields: dict[str, bool]
    planned: bool
    heading: str


def spec_types() -> dict[str, SpecType]:
    out: dict[str, SpecType] = {}
    for table in tables(SPEC.read_text(encoding="utf-8")):
        if table.header != ("type", "fields"):
            continue
        for row in table.rows:
            (type_,) = code_spans(row[0])
            assert type_ not in out, f"docs/spec.md lists {type_} twice"
            out[type_] = SpecType(top_level_fields(row[1]), "planned" in table.heading.lower(), table.heading)
    return out


def model_fields(type_: str) -> dict[str, bool]:
    """``{field: required}`` of a type beyond the envelope (plus envelope fields it redefines)."""
    from events.common import Envelope

    base = Envelope.model_fields
    return {name: info.is_required() for name, info in EVENT_TYPES[type_].model_fields.items()
            if name != "type" and (name not in base or info.is_required() != base[name].is_required())}


def _fields_text(fields: dict[str, bool]) -> str:
    return ", ".join(f"`{name}`{'' if required else '?'}" for name, required in fields.items())


class TestEventVocabulary:
    def test_every_implemented_type_is_in_the_spec(self) -> None:
        missing = sorted(set(EVENT_TYPES) - set(spec_types()))
        assert not missing, f"docs/spec.md §3 lacks {missing}: add a row to its family's table"

    def test_every_spec_type_is_implemented_or_known_not_built(self) -> None:
        unknown = sorted(set(spec_types()) - set(EVENT_TYPES) - NOT_YET_BUILT)
        assert not unknown, f"docs/spec.md §3 lists {unknown}, which no model defines"

    def test_the_not_yet_built_set_is_current(self) -> None:
        built = sorted(NOT_YET_BUILT & set(EVENT_TYPES))
        assert not built, f"{built} are built now: remove them from NOT_YET_BUILT in {Path(__file__).name} " \
                          "and the 'planned' marker from their heading in docs/spec.md"
        assert not NOT_YET_BUILT - set(spec_types()), "NOT_YET_BUILT names types docs/spec.md does not list"

    def test_exactly_the_types_not_built_are_marked_planned(self) -> None:
        marked = {t for t, s in spec_types().items() if s.planned}
        assert marked == NOT_YET_BUILT, (
            f"marked planned in docs/spec.md: {sorted(marked)}; not built: {sorted(NOT_YET_BUILT)}")

    @pytest.mark.parametrize("type_", sorted(EVENT_TYPES))
    def test_each_type_has_exactly_the_models_fields(self, type_: str) -> None:
        spec = spec_types().get(type_)
        assert spec is not None, f"docs/spec.md §3 lacks {type_}"
        model = model_fields(type_)
        assert spec.fields == model, (
            f"{type_} in docs/spec.md ({spec.heading}):\n  spec:   {_fields_text(spec.fields)}\n"
            f"  models: {_fields_text(model)}\n(`?` marks an optional field)")

    def test_the_envelope_table_matches_the_model(self) -> None:
        from events.common import Envelope

        (table,) = [t for t in tables(SPEC.read_text(encoding="utf-8")) if t.header[:2] == ("field", "required")]
        spec = {code_spans(row[0])[0]: row[1] == "yes" for row in table.rows}
        model = {name: info.is_required() for name, info in Envelope.model_fields.items()}
        assert spec == model, f"docs/spec.md §3.1: {spec} != the envelope's fields {model}"


def events_md_types() -> dict[str, dict[str, bool]]:
    """``{type: {field: required}}`` from the generated sections of docs/events.md."""
    out: dict[str, dict[str, bool]] = {}
    current: str | None = None
    for line in EVENTS_MD.read_text(encoding="utf-8").splitlines():
        heading = re.fullmatch(r"### `([a-z_]+\.[a-z_]+)`", line.strip())
        if heading:
            current = heading.group(1)
            out[current] = {}
        elif line.startswith("#"):
            current = None
        elif current is not None and line.startswith("| `"):
            row = cells(line)
            out[current][code_spans(row[0])[0]] = row[2] == "yes"
    return out


class TestEventsPage:
    def test_events_md_lists_the_types_the_spec_marks_built(self) -> None:
        built = {t for t, s in spec_types().items() if not s.planned}
        documented = set(events_md_types())
        assert documented == built, (
            f"only in docs/events.md: {sorted(documented - built)}; only in docs/spec.md: {sorted(built - documented)} "
            "(docs/events.md is generated: `make docs`)")

    def test_events_md_gives_each_type_the_spec_fields(self) -> None:
        spec = spec_types()
        differ = {t: (fields, spec[t].fields) for t, fields in events_md_types().items()
                  if t in spec and fields != spec[t].fields}
        assert not differ, "\n".join(f"{t}: events.md {_fields_text(a)}; spec.md {_fields_text(b)}"
                                     for t, (a, b) in differ.items())


# -- the spec's command tables ------------------------------------------------------------------------


def root() -> Any:
    import typer.main

    from ledger.cli import app

    return typer.main.get_command(app)


def subcommand(group: Any, name: str) -> Any | None:
    """The named subcommand of a click group (duck-typed: typer vendors its own click), else None."""
    if not hasattr(group, "get_command"):
        return None
    return group.get_command(group.context_class(group, info_name="ledger"), name)


def subcommand_names(group: Any) -> list[str]:
    if not hasattr(group, "list_commands"):
        return []
    return list(group.list_commands(group.context_class(group, info_name="ledger")))


def options(command: Any) -> set[str]:
    names = [opt for param in command.params for opt in (*param.opts, *getattr(param, "secondary_opts", ()))]
    return {name for name in names if name.startswith("-")}


@dataclass(frozen=True)
class Invocation:
    """One `ledger …` code span of a command cell: the command path and the options it names."""

    text: str
    path: tuple[str, ...]
    options: tuple[str, ...]
    then_placeholder: bool  # an upper-case word follows the path: `ledger append TYPE …`, `ledger rate PARTNER …`


def invocations(cell: str) -> list[Invocation]:
    out = []
    for span in code_spans(cell):
        words = span.split()
        if not words or words[0] != "ledger":
            continue
        path: list[str] = []
        placeholder = False
        for word in words[1:]:
            if not re.fullmatch(r"[a-z][a-z0-9._-]*", word):
                placeholder = word.rstrip("…").isupper()
                break
            path.append(word)
        opts = tuple(m.group(0) for w in words if (m := re.match(r"--[a-z][a-z0-9-]*", w.lstrip("["))))
        out.append(Invocation(span, tuple(path), opts, placeholder))
    return out


def resolve(path: tuple[str, ...]) -> tuple[Any | None, tuple[str, ...]]:
    """``(command, ())`` for the command at ``path``, or ``(None, the path up to the first missing name)``."""
    command = root()
    for i, name in enumerate(path):
        command = subcommand(command, name)
        if command is None:
            return None, path[: i + 1]
    return command, ()


def missing_parts(inv: Invocation) -> list[str]:
    """What of the invocation the CLI lacks: the command, or options."""
    command, rest = resolve(inv.path)
    if command is None:
        return [f"`ledger {' '.join(rest)}`"]
    if inv.then_placeholder and subcommand_names(command):
        return []  # `ledger append TYPE --field value …`: the options are the subcommands' own
    return [opt for opt in inv.options if opt not in options(command)]


@dataclass(frozen=True)
class CommandRow:
    heading: str
    cell: str
    status: str


def command_rows() -> list[CommandRow]:
    out = []
    for table in tables(SPEC.read_text(encoding="utf-8")):
        if table.header == ("command", "does", "status"):
            out.extend(CommandRow(table.heading, row[0], row[2]) for row in table.rows)
    return out


def _row_ids(rows: list[CommandRow]) -> list[str]:
    return [row.cell[:60] for row in rows]


ROWS = command_rows()


class TestCommands:
    def test_the_spec_has_command_tables(self) -> None:
        assert len(ROWS) >= 10, "docs/spec.md §5: no `| command | does | status |` tables found"
        odd = [row.status for row in ROWS if not row.status.startswith(("built", "planned"))]
        assert not odd, f"a status starts with 'built' or 'planned': {odd}"

    @pytest.mark.parametrize("row", ROWS, ids=_row_ids(ROWS))
    def test_what_a_row_marks_built_exists(self, row: CommandRow) -> None:
        if not row.status.startswith("built"):
            return
        still_planned = set(code_spans(row.status))  # e.g. "built for one product; `--products-file`: planned"
        missing = [part for inv in invocations(row.cell) for part in missing_parts(inv) if part not in still_planned]
        assert not missing, f"docs/spec.md marks {row.cell!r} built, but `ledger` lacks {missing}"
        assert invocations(row.cell), f"no `ledger …` in {row.cell!r}"

    @pytest.mark.parametrize("row", ROWS, ids=_row_ids(ROWS))
    def test_what_a_row_marks_planned_is_not_all_there(self, row: CommandRow) -> None:
        if row.status.startswith("planned"):
            missing = [part for inv in invocations(row.cell) for part in missing_parts(inv)]
            assert missing, f"{row.cell!r} exists in full: mark it built in docs/spec.md"
        elif "planned" in row.status:
            options_planned = [span for span in code_spans(row.status) if span.startswith("--")]
            present = set()
            for inv in invocations(row.cell):
                command, _ = resolve(inv.path)
                if command is not None:
                    present |= options(command)
            done = [opt for opt in options_planned if opt in present]
            assert not done, f"{done} exist now: update the status of {row.cell!r} in docs/spec.md"

    def test_every_command_of_the_cli_is_in_the_spec(self) -> None:
        named = {inv.path for row in ROWS for inv in invocations(row.cell)}
        prefixes = {path[:n] for path in named for n in range(1, len(path) + 1)}
        top = root()
        absent = []
        for name in subcommand_names(top):
            if (name,) not in prefixes:
                absent.append(name)
            elif name != "append":  # append's subcommands are the event types (§3)
                absent += [f"{name} {sub}" for sub in subcommand_names(subcommand(top, name))
                           if (name, sub) not in prefixes]
        assert not absent, f"docs/spec.md §5.2/§5.3 do not list `ledger {'`, `ledger '.join(absent)}`"
