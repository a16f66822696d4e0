"""Read commands: state, rate, diff, history, export."""

from __future__ import annotations

import sys
from typing import Annotated, Any, Optional

import typer

from ledger.cli.output import Format

FormatOption = Annotated[Format, typer.Option("--format", help="table (default), json or csv.")]
AsOf = Annotated[str, typer.Option("--as-of", help="Valid date (YYYY-MM-DD) to answer for.")]
KnownAt = Annotated[Optional[str], typer.Option(
    "--known-at", help="Use only what was recorded by this time (a recorded_at from `ledger history`, "
    "or a date = end of that day UTC).")]
Imposer = Annotated[Optional[str], typer.Option("--imposer", help="Country code of the imposing government.")]
Partner = Annotated[Optional[str], typer.Option("--partner", help="Country code of the trading partner.")]

MEASURE_COLUMNS = ("measure", "imposer", "status", "rate", "partners", "except_partners", "products", "basis",
                   "effective_on")
NEGOTIATION_COLUMNS = ("track", "parties", "status", "rounds_held", "last_round", "next_round", "proposals",
                       "summits")
HISTORY_COLUMNS = ("position", "date", "type", "subject", "recorded_at", "recorded_by", "source", "status")


def _country(field: str, value: str | None) -> str | None:
    from events.codes import country_codes
    from ledger.service import raise_input

    if value is not None and value not in country_codes():
        raise_input(field, f"{value!r} is not an ISO 3166-1 alpha-2 country code")
    return value


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


def _source_text(source: dict[str, Any]) -> str:
    return " — ".join(str(source[k]) for k in ("publisher", "title") if source.get(k))


def register(app: typer.Typer) -> None:
    @app.command()
    def state(
        ctx: typer.Context,
        as_of: AsOf,
        known_at: KnownAt = None,
        imposer: Imposer = None,
        partner: Partner = None,
        fmt: FormatOption = Format.table,
    ) -> None:
        """Measures and their status on a date, and every negotiation's status.

        Example: ledger state --as-of 2025-06-01 --partner JP
        """
        from ledger.cli.output import render, table
        from ledger.service import parse_day, parse_known_at

        data = ctx.obj.state(parse_day("as_of", as_of), parse_known_at(known_at),
                             _country("imposer", imposer), _country("partner", partner))
        title = f"Measures as of {data['as_of']}" + (f", as known at {data['known_at']}" if data["known_at"] else "")
        negotiations = table(f"Negotiations as of {data['as_of']}", _negotiation_rows(data["negotiations"]),
                             NEGOTIATION_COLUMNS)
        render(data, fmt, data["measures"], MEASURE_COLUMNS, title, [negotiations])

    @app.command()
    def rate(
        ctx: typer.Context,
        partner: Annotated[str, typer.Argument(help="Partner country code, e.g. JP.")],
        product: Annotated[str, typer.Argument(help="HS code, e.g. 870323.")],
        as_of: AsOf,
        imposer: Imposer = None,
        known_at: KnownAt = None,
        fmt: FormatOption = Format.table,
    ) -> None:
        """The stacked rate a partner's product pays, with what makes it up and what is left out.

        Example: ledger rate JP 870323 --as-of 2025-06-01 --imposer US
        """
        from events.codes import hs_prefix
        from ledger.cli.output import console, emit_csv, emit_json, table
        from ledger.service import parse_day, parse_known_at, raise_input

        try:
            code = hs_prefix(product)
        except ValueError as exc:
            raise_input("product", str(exc))
        data = ctx.obj.rate(_country("partner", partner), code, parse_day("as_of", as_of),
                            _country("imposer", imposer), parse_known_at(known_at))
        rows = [{**c, "status": "applied"} for c in data["components"]] + [
            {**e, "status": "excluded"} for e in data["excluded"]]
        if fmt is Format.json:
            emit_json(data)
        elif fmt is Format.csv:
            total = {"measure": "(total)", "status": "total", "rate": data["rate"]}
            emit_csv([*rows, total], ("measure", "basis", "status", "rate", "listed_rate", "reason"))
        else:
            out = console()
            out.print(f"{data['partner']} {data['product']} under {data['imposer'] or '(no imposer)'} "
                      f"on {data['as_of']}: [bold]{data['rate']}%[/bold]")
            out.print(table("Applied", data["components"], ("measure", "basis", "listed_rate", "rate", "reduced_by"),
                            ("measure", "basis", "listed rate", "adds", "inclusive of")))
            if data["excluded"]:
                out.print(table("Excluded", data["excluded"], ("measure", "basis", "reason")))

    @app.command()
    def diff(
        ctx: typer.Context,
        start: Annotated[str, typer.Option("--from", help="Earlier valid date.")],
        end: Annotated[str, typer.Option("--to", help="Later valid date.")],
        known_at: KnownAt = None,
        imposer: Imposer = None,
        partner: Partner = None,
        fmt: FormatOption = Format.table,
    ) -> None:
        """What changed in the state between two dates.

        Example: ledger diff --from 2025-04-01 --to 2025-07-31
        """
        from ledger.cli.output import render
        from ledger.service import parse_day, parse_known_at

        data = ctx.obj.diff(parse_day("from", start), parse_day("to", end), parse_known_at(known_at),
                            _country("imposer", imposer), _country("partner", partner))
        rows = [_diff_row(c) for c in data["measures"] + data["negotiations"]]
        render(data, fmt, rows, ("subject", "change", "details"), f"Changes from {data['from']} to {data['to']}")

    @app.command()
    def history(
        ctx: typer.Context,
        measure: Annotated[Optional[str], typer.Option("--measure", help="Only this measure's events.")] = None,
        track: Annotated[Optional[str], typer.Option("--track", help="Only this negotiation's events.")] = None,
        summit: Annotated[Optional[str], typer.Option("--summit", help="Only this summit's events.")] = None,
        since: Annotated[Optional[str], typer.Option("--since", help="Events dated on or after this date.")] = None,
        until: Annotated[Optional[str], typer.Option("--until", help="Events dated on or before this date.")] = None,
        fmt: FormatOption = Format.table,
    ) -> None:
        """The audit trail: every recorded event with position, record time, author, source and corrections.

        Example: ledger history --measure us-reciprocal-jp --format json
        """
        from ledger.cli.output import render
        from ledger.service import parse_day, raise_input

        chosen = [(k, v) for k, v in (("measure", measure), ("track", track), ("summit", summit)) if v]
        if len(chosen) > 1:
            raise_input(chosen[1][0], "filter by one of --measure, --track, --summit at a time")
        kind, slug = chosen[0] if chosen else (None, None)
        rows = ctx.obj.history(kind, slug, parse_day("since", since) if since else None,
                               parse_day("until", until) if until else None)
        table_rows = [{**r, "source": _source_text(r["source"])} for r in rows]
        if fmt is Format.json:
            render(rows, fmt, [], ())
        else:
            render(rows, fmt, table_rows, HISTORY_COLUMNS, "History")

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
