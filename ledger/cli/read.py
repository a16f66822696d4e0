"""Read commands: state, rate, diff, history, export. Each parses, asks the service once, renders."""

from __future__ import annotations

import sys
from typing import Annotated, Any, Optional

import typer

from ledger.cli.options import (
    AsOf,
    Imposer,
    KnownAt,
    Partner,
    PartnerArg,
    ProductArgs,
    ProductsFile,
    Since,
    TableJsonCsv,
    Until,
)
from ledger.cli.output import Format

app = typer.Typer()

MEASURE_COLUMNS = ("measure", "imposer", "status", "rate", "partners", "except_partners", "products", "basis",
                   "effective_on")
NEGOTIATION_COLUMNS = ("track", "parties", "status", "rounds_held", "last_round", "next_round", "proposals",
                       "summits")
HISTORY_COLUMNS = ("position", "date", "type", "subject", "recorded_at", "recorded_by", "source", "status")
RATE_COLUMNS = ("measure", "basis", "status", "rate", "listed_rate", "line", "text", "reason")
SCHEDULE_COLUMNS = ("schedule", "imposer", "basis", "effective_on", "lines", "revision", "title")


def _negotiation_rows(negotiations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    for n in negotiations:
        last, nxt = n["last_round"], n["next_round"]
        rows.append({
            **n,
            "last_round": f"{last['round']} on {last['date']}" + (f", {last['venue']}" if last.get("venue") else "")
            if last else "",
            "next_round": f"{nxt['round']} from {nxt['starts_on']}" + (f", {nxt['venue']}" if nxt.get("venue") else "")
            if nxt else "",
            "proposals": "; ".join(f"{p['proposal']} ({p['by']}): {p['status']}" for p in n["proposals"]),
            "summits": "; ".join(f"{s['summit']} {s['starts_on']}: {s['status']}" for s in n["summits"]),
        })
    return rows


def _brief(value: Any) -> str:
    """A readable one-liner for a state value in a diff (rounds, proposals, summits summarised)."""
    from ledger.cli.output import cell

    if isinstance(value, dict) and "round" in value:
        return f"round {value['round']} ({value.get('date') or value.get('starts_on')})"
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return "; ".join(
            f"{v.get('proposal') or v.get('summit') or v.get('title')}: {v.get('status', v.get('date', ''))}"
            for v in value)
    return cell(value) or "—"


def _diff_row(change: dict[str, Any]) -> dict[str, Any]:
    subject = change.get("measure") or change.get("track")
    if change["change"] == "changed":
        details = "; ".join(f"{f}: {_brief(change['from'][f])} → {_brief(change['to'][f])}" for f in change["fields"])
    else:
        values = change.get("to") or change.get("from") or {}
        keys = [k for k in ("status", "rate", "rounds_held", "effective_on") if k in values]
        details = ", ".join(f"{k} {_brief(values[k])}" for k in keys)
    return {"subject": subject, "change": change["change"], "details": details}


def _state_tables(state: Any) -> list[Any]:
    from ledger.cli.output import table

    known = f", as known at {state.known_at}" if state.known_at else ""
    out = [table(f"Measures as of {state.as_of}{known}", state.rows(), MEASURE_COLUMNS),
           table(f"Negotiations as of {state.as_of}", _negotiation_rows(state.negotiation_rows()),
                 NEGOTIATION_COLUMNS)]
    if state.schedules:
        out.append(table(f"Tariff schedules in force on {state.as_of}", state.schedule_rows(), SCHEDULE_COLUMNS))
    return out


@app.command()
def state(
    ctx: typer.Context,
    as_of: AsOf,
    known_at: KnownAt = None,
    imposer: Imposer = None,
    partner: Partner = None,
    fmt: TableJsonCsv = Format.table,
) -> None:
    """Measures and their status on a date, and every negotiation's status.

    Example: ledger state --as-of 2025-06-01 --partner JP
    """
    from ledger.cli.options import country
    from ledger.cli.output import render
    from ledger.service import parse_day, parse_known_at

    result = ctx.obj.state(parse_day("as_of", as_of), parse_known_at(known_at),
                           country("imposer", imposer), country("partner", partner))
    render(result, fmt, _state_tables, MEASURE_COLUMNS)


def _rate_rows(rate: Any) -> list[dict[str, Any]]:
    # The CSV ends with a total row, so a spreadsheet gets the sum it would compute.
    return [*rate.rows(), {"measure": "(total)", "status": "total", "rate": rate.to_json()["rate"]}]


def _rate_tables(rate: Any) -> list[Any]:
    from ledger.cli.grid import Line
    from ledger.cli.output import table

    data = rate.to_json()
    head = Line(f"{data['partner']} {data['product']} under {data['imposer'] or '(no imposer)'} on {data['as_of']}: ",
                f"{data['rate']}%")
    columns: tuple[str, ...] = ("measure", "basis", "listed_rate", "rate", "reduced_by")
    headers: tuple[str, ...] = ("measure", "basis", "listed rate", "adds", "inclusive of")
    if any("line" in c for c in data["components"]):
        columns, headers = (*columns, "line", "text"), (*headers, "line", "duty as printed")
    out = [head, table("Applied", data["components"], columns, headers)]
    if data["excluded"]:
        out.append(table("Excluded", data["excluded"], ("measure", "basis", "reason")))
    out.extend(f"warning: {w}" for w in data["warnings"])
    return out


class _Rates:
    """Several rates as one answer for :func:`render`: a JSON list of rate objects, CSV rows led by the product."""

    def __init__(self, rates: list[Any]):
        self.rates = rates

    def to_json(self) -> list[dict[str, Any]]:
        return [r.to_json() for r in self.rates]


def _many_rate_rows(many: _Rates) -> list[dict[str, Any]]:
    return [{"product": r.product, **row} for r in many.rates for row in _rate_rows(r)]


def _many_rate_tables(many: _Rates) -> list[Any]:
    out: list[Any] = []
    for i, r in enumerate(many.rates):
        if i:
            out.append("")  # a blank line between two products' blocks
        out.extend(_rate_tables(r))
    return out


def products_from_file(path: str) -> list[tuple[int | None, str]]:
    """``(line, product)`` for each product of ``--products-file`` (``-``: standard input).

    One product per line; blank lines and ``#`` comments (whole lines or after a code) are skipped.
    """
    from ledger.service import raise_input

    try:
        if path == "-":
            text = sys.stdin.read()
        else:
            with open(path, encoding="utf-8") as stream:
                text = stream.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise_input("products_file", f"cannot read {path}: {getattr(exc, 'strerror', None) or exc}")
    out: list[tuple[int | None, str]] = []
    for number, line in enumerate(text.splitlines(), 1):
        code = line.split("#", 1)[0].strip()
        if code:
            out.append((number, code))
    return out


def _products(given: list[str], path: str | None) -> list[str]:
    """The products asked for, checked: every bad one is reported (exit 2), naming it and its line."""
    from events.codes import hs_prefix
    from events.errors import BadInput, InputError

    asked: list[tuple[int | None, str]] = [(None, p) for p in given]
    if path is not None:
        asked += products_from_file(path)
    if not asked:
        raise BadInput([InputError(None, "product", "give at least one PRODUCT, or --products-file")])
    products, errors = [], []
    for line, value in asked:
        try:
            products.append(hs_prefix(value))
        except ValueError as exc:
            errors.append(InputError(line, "product", str(exc)))
    if errors:
        raise BadInput(errors)
    return products


@app.command()
def rate(
    ctx: typer.Context,
    partner: PartnerArg,
    as_of: AsOf,
    products: ProductArgs = None,
    imposer: Imposer = None,
    known_at: KnownAt = None,
    products_file: ProductsFile = None,
    fmt: TableJsonCsv = Format.table,
) -> None:
    """The stacked rate a partner's product pays, with what makes it up and what is left out.

    Several products (or --products-file, one per line) are answered in one run: one block each
    as a table, a JSON list of rate objects, or CSV rows led by the product.

    Example: ledger rate JP 870323 --as-of 2025-06-01 --imposer US

    Example: ledger rate JP 870323 8708 --products-file codes.txt --as-of 2025-06-01 --format csv
    """
    from ledger.cli.options import country
    from ledger.cli.output import render
    from ledger.service import parse_day, parse_known_at

    asked = _products(products or [], products_file)
    args = (country("partner", partner), asked, parse_day("as_of", as_of), country("imposer", imposer),
            parse_known_at(known_at))
    if len(asked) == 1 and products_file is None:  # one question, one rate object (as before issue 12)
        render(ctx.obj.rate(args[0], asked[0], *args[2:]), fmt, _rate_tables, RATE_COLUMNS, _rate_rows)
        return
    render(_Rates(ctx.obj.rates(*args)), fmt, _many_rate_tables, ("product", *RATE_COLUMNS), _many_rate_rows)


@app.command()
def diff(
    ctx: typer.Context,
    start: Annotated[str, typer.Option("--from", help="Earlier valid date.")],
    end: Annotated[str, typer.Option("--to", help="Later valid date.")],
    known_at: KnownAt = None,
    imposer: Imposer = None,
    partner: Partner = None,
    fmt: TableJsonCsv = Format.table,
) -> None:
    """What changed in the state between two dates.

    Example: ledger diff --from 2025-04-01 --to 2025-07-31
    """
    from ledger.cli.options import country
    from ledger.cli.output import render, table
    from ledger.service import parse_day, parse_known_at

    result = ctx.obj.diff(parse_day("from", start), parse_day("to", end), parse_known_at(known_at),
                          country("imposer", imposer), country("partner", partner))
    render(result, fmt, lambda r: [table(f"Changes from {r.start} to {r.end}", _diff_rows(r), DIFF_COLUMNS)],
           DIFF_COLUMNS, _diff_rows)


DIFF_COLUMNS = ("subject", "change", "details")


def _diff_rows(result: Any) -> list[dict[str, Any]]:
    return [_diff_row(c) for c in result.rows()]


@app.command()
def history(
    ctx: typer.Context,
    measure: Annotated[Optional[str], typer.Option("--measure", help="Only this measure's events.")] = None,
    track: Annotated[Optional[str], typer.Option("--track", help="Only this negotiation's events.")] = None,
    summit: Annotated[Optional[str], typer.Option("--summit", help="Only this summit's events.")] = None,
    since: Since = None,
    until: Until = None,
    fmt: TableJsonCsv = Format.table,
) -> None:
    """The audit trail: every recorded event with position, record time, author, source and corrections.

    Example: ledger history --measure us-reciprocal-jp --format json
    """
    from ledger.cli.options import date_range
    from ledger.cli.output import render_entries, table
    from ledger.service import raise_input
    from projections.audit import flat_rows
    chosen = [(k, v) for k, v in (("measure", measure), ("track", track), ("summit", summit)) if v]
    if len(chosen) > 1:
        raise_input(chosen[1][0], "filter by one of --measure, --track, --summit at a time")
    kind, slug = chosen[0] if chosen else (None, None)
    first, last = date_range("since", since, "until", until)
    # Written as it is read, a page at a time: the history of a 1M-event ledger is never held whole.
    render_entries(ctx.obj.history_entries(kind, slug, first, last), fmt,
                   lambda entries: [table("History", flat_rows(entries), HISTORY_COLUMNS)], HISTORY_COLUMNS)


@app.command()
def export(
    ctx: typer.Context,
    full: Annotated[bool, typer.Option(
        "--full", help="A backup for `ledger restore`: every stored field (position, record time, author, "
        "database role, chain link) after a header line. Without it: the events alone, to merge into "
        "another ledger with `ledger append --file`, which records them anew.")] = False,
) -> None:
    """All events as JSON Lines in record order; `ledger append --file` re-imports them.

    The plain export merges into any ledger, where the events get new record times (so a new digest
    and other --known-at answers). `--full` is a backup: `ledger restore` puts it into an empty ledger
    with the same record times, authors and digest (docs/backup.md).

    Example: ledger export --full > backup.jsonl; ledger --db copy.db init; ledger --db copy.db restore backup.jsonl
    """
    out = sys.stdout.buffer
    for line in ctx.obj.export_full() if full else ctx.obj.export():
        out.write(line)
    out.flush()
