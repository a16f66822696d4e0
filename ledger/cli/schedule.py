"""``ledger schedule import|list|show``: tariff schedules (docs/spec.md §5.2). Parse, call the service, render."""

from __future__ import annotations

import sys
from typing import Annotated, Any, Optional

import typer

from ledger.cli.options import Imposer, KnownAt, TableJsonCsv
from ledger.cli.output import Format

app = typer.Typer(name="schedule", help="Tariff schedules: import a revision, list them, show their lines.\n\n"
                  "Example: ledger schedule list --imposer US --as-of 2025-06-01", no_args_is_help=True)

LIST_COLUMNS = ("schedule", "imposer", "basis", "effective_on", "in_force", "lines", "partners", "revision", "title")
LINE_COLUMNS = ("product", "rate", "text", "specific", "preferential")
IMPORT_COLUMNS = ("action", "schedule", "added", "replaced", "removed", "position", "id", "notes")
AsOfOptional = Annotated[Optional[str], typer.Option("--as-of", help="Valid date (YYYY-MM-DD) to answer for.")]


@app.command("import")
def import_(
    ctx: typer.Context,
    path: Annotated[str, typer.Argument(help="The schedule file (- = standard input).")],
    imposer: Annotated[str, typer.Option("--imposer", help="Country code of the government whose tariff it is.")],
    schedule: Annotated[str, typer.Option("--schedule", help="The schedule's slug, e.g. us-hts-2025.")],
    effective_on: Annotated[str, typer.Option("--effective-on", help="The date the revision takes effect.")],
    source_title: Annotated[str, typer.Option("--source-title", help="The source's title.")],
    source_url: Annotated[Optional[str], typer.Option("--source-url", help="Where to read the source.")] = None,
    source_publisher: Annotated[Optional[str], typer.Option("--source-publisher", help="Who published it.")] = None,
    basis: Annotated[str, typer.Option("--basis", help="The duty column the schedule gives.")] = "MFN",
    file_format: Annotated[Optional[str], typer.Option(
        "--format", help="hts-json, hts-csv or csv (default: from the content).")] = None,
    product_column: Annotated[Optional[str], typer.Option(
        "--product-column", help="A plain CSV's column of HS codes.")] = None,
    rate_column: Annotated[Optional[str], typer.Option(
        "--rate-column", help="A plain CSV's column of duty texts.")] = None,
    title: Annotated[Optional[str], typer.Option("--title", help="The schedule's name.")] = None,
    revision: Annotated[Optional[str], typer.Option("--revision", help="The revision, e.g. 'Revision 19'.")] = None,
    date: Annotated[Optional[str], typer.Option("--date", help="The event's date (default: --effective-on).")] = None,
    author: Annotated[Optional[str], typer.Option("--author", help="Who records it.")] = None,
    output: Annotated[Optional[str], typer.Option("--output-format", help="table (default) or json.")] = None,
) -> None:
    """Import a tariff schedule; a later revision records only the lines that changed.

    Example: ledger schedule import hts.json --imposer US --schedule us-hts-2025 --effective-on 2025-01-01
    --source-title "HTS 2025 Basic Edition"
    """
    from ledger.cli.options import country, day
    from ledger.cli.output import emit_json, message
    from ledger.cli.progress import counter
    from ledger.schedule_import import ImportOptions
    from ledger.schedules import FORMATS
    from ledger.service import parse_day, raise_input

    if file_format is not None and file_format not in FORMATS:
        raise_input("format", f"unknown format {file_format!r}; one of {', '.join(FORMATS)}")
    if output not in (None, "table", "json"):
        raise_input("output_format", "table or json")
    _slug(schedule)
    source = {k: v for k, v in (("title", source_title), ("url", source_url), ("publisher", source_publisher)) if v}
    options = ImportOptions(country("imposer", imposer) or imposer, schedule, parse_day("effective_on", effective_on),
                            source, basis, day("date", date), title, revision)
    seen = [0]
    with counter("reading rows", None) as advance:
        def progress(done: int, _total: int) -> None:
            advance(done - seen[0])
            seen[0] = done

        result = ctx.obj.schedule_import(path, options, file_format, product_column, rate_column, author, progress)
    message(result.report.summary())
    for note in result.notes:
        message(note)
    if result.action == "unchanged":
        message(f"{result.schedule}: nothing changed, nothing appended")
    else:
        message(f"{result.action} {result.schedule} at position {result.position}: {result.added} lines added, "
                f"{result.replaced} replaced, {result.removed} removed")
    if output == "json":
        emit_json(result.to_json())


def _slug(value: str) -> None:
    import re

    from ledger.service import raise_input

    if not re.fullmatch(r"[a-z0-9-]{1,100}", value):
        raise_input("schedule", f"{value!r} is not a slug (lowercase letters, digits and -)")


@app.command("list")
def list_(
    ctx: typer.Context,
    imposer: Imposer = None,
    as_of: AsOfOptional = None,
    known_at: KnownAt = None,
    fmt: TableJsonCsv = Format.table,
) -> None:
    """The schedules recorded; with --as-of, which is in force then and how many lines each holds.

    Example: ledger schedule list --imposer US --as-of 2025-06-01
    """
    from ledger.cli.options import country, day
    from ledger.cli.output import render, table
    from ledger.service import parse_known_at

    result = ctx.obj.schedules(day("as_of", as_of), country("imposer", imposer), parse_known_at(known_at))
    when = f" as of {result.as_of}" if result.as_of else ""
    render(result, fmt, lambda r: [table(f"Schedules{when}", _list_rows(r.rows()), LIST_COLUMNS)], LIST_COLUMNS,
           lambda r: _list_rows(r.rows()))


def _list_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**r, "partners": ",".join(r["partners"]) + (f" except {','.join(r['except_partners'])}"
                                                         if r["except_partners"] else "")} for r in rows]


@app.command()
def show(
    ctx: typer.Context,
    slug: Annotated[str, typer.Argument(help="The schedule's slug.")],
    product: Annotated[Optional[str], typer.Option("--product", help="Only lines under or above this HS prefix.")]
    = None,
    as_of: AsOfOptional = None,
    known_at: KnownAt = None,
    fmt: TableJsonCsv = Format.table,
) -> None:
    """A schedule's lines on a date (default: its effective date).

    Example: ledger schedule show us-hts-2025 --product 8704 --as-of 2025-06-01
    """
    from ledger.cli.options import day
    from ledger.cli.options import product as hs_product
    from ledger.cli.output import render, table
    from ledger.service import parse_known_at

    _slug(slug)
    prefix = hs_product("product", product) if product is not None else None
    result = ctx.obj.schedule(slug, day("as_of", as_of), prefix, parse_known_at(known_at))

    def draw(r: Any) -> list[Any]:
        h = r.head
        status = "in force" if r.in_force else "not in force"
        title = f"{h.schedule} ({h.imposer} {h.basis}, effective {h.effective_on}) on {r.as_of}: {status}"
        return [table(title, r.rows(), LINE_COLUMNS)]

    render(result, fmt, draw, LINE_COLUMNS)
    if fmt == Format.table and not result.lines:
        print("no lines", file=sys.stderr)
