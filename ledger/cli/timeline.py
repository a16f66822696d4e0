"""``ledger timeline``: the developments in date order, one sentence each, with their sources.

The sentences, the corrections attached and the filters are
:mod:`projections.timeline`; this module draws the table.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, Optional

import typer

from ledger.cli.options import Since, TableJsonCsv, Until
from ledger.cli.output import Format

app = typer.Typer()
DETAIL_CHARS = 220  # a table shows this much of an event's detail; JSON has it all
COLUMNS = ("date", "subject", "description", "detail", "source", "status")


def _table(items: Sequence[dict[str, Any]], title: str) -> Any:
    from rich.table import Table
    from rich.text import Text

    from projections.audit import source_text

    table = Table(title=title, title_justify="left", show_lines=True, expand=True)
    table.add_column("date", no_wrap=True, min_width=10)
    table.add_column("subject", overflow="fold", max_width=22, style="dim")
    table.add_column("development", overflow="fold", ratio=5)
    table.add_column("source", overflow="fold", ratio=2)
    for item in items:
        what = Text()
        if item["status"] != "recorded":
            what.append(f"[{item['status']}] ", style="bold red" if item["status"] == "retracted" else "bold yellow")
        what.append(item["description"], style="strike" if item["status"] == "retracted" else "bold")
        if item["detail"]:
            detail = item["detail"]
            cut = detail if len(detail) <= DETAIL_CHARS else detail[: DETAIL_CHARS - 1].rstrip() + "…"
            what.append(f"\n{cut}", style="dim")
        for c in item["corrections"]:
            verb = "retracted" if c["type"] == "ledger.retracted" else "corrected"
            what.append(f"\n{verb} at position {c['position']}: {c['reason']}", style="yellow")
        table.add_row(Text(item["date"]), Text(item["subject"].split(":", 1)[1]), what,
                      Text(source_text(item["source"])))
    return table


@app.command()
def timeline(
    ctx: typer.Context,
    track: Annotated[Optional[str], typer.Option("--track", help="Only this negotiation (and the summits "
                                                 "that name it).")] = None,
    measure: Annotated[Optional[str], typer.Option("--measure", help="Only this measure.")] = None,
    partner: Annotated[Optional[str], typer.Option("--partner", help="Only measures naming this partner "
                                                   "and talks it is a party to.")] = None,
    imposer: Annotated[Optional[str], typer.Option("--imposer", help="Only this imposer's measures and "
                                                   "talks it is a party to.")] = None,
    since: Since = None,
    until: Until = None,
    fmt: TableJsonCsv = Format.table,
) -> None:
    """The developments in date order, one sentence each, with their sources; corrections marked.

    Example: ledger timeline --partner JP --since 2025-04-01 --until 2025-07-31
    """
    from ledger.cli.options import country, date_range
    from ledger.cli.output import render
    from ledger.service import raise_input
    from projections.timeline import Filters

    if track and measure:
        raise_input("measure", "filter by --track or --measure, not both")
    first, last = date_range("since", since, "until", until)
    result = ctx.obj.timeline(Filters(track, measure, country("partner", partner), country("imposer", imposer),
                                      first, last))
    shown = [f"{k} {v}" for k, v in (("track", track), ("measure", measure), ("partner", partner),
                                      ("imposer", imposer), ("since", since), ("until", until)) if v]
    title = "Timeline" + (f" ({', '.join(shown)})" if shown else "")
    render(result, fmt, lambda r: [_table(r.to_json(), title)], COLUMNS)
