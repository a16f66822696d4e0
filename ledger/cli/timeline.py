"""``ledger timeline``: the developments in date order, one sentence each, with their sources.

The sentences, the corrections attached and the filters are
:mod:`projections.timeline`; this module draws the table.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Any, Optional

import typer

from ledger.cli.options import Since, TableJsonCsv, Until
from ledger.cli.output import Format

app = typer.Typer()
DETAIL_CHARS = 220  # a table shows this much of an event's detail; JSON has it all
COLUMNS = ("date", "subject", "description", "detail", "source", "status")


def _table(entries: Iterable[Any], title: str) -> Any:
    from ledger.cli.grid import Grid
    from projections.audit import source_text

    rows = []
    for entry in entries:
        lines = [entry.description if entry.status == "recorded" else f"[{entry.status}] {entry.description}"]
        if entry.detail:
            detail = entry.detail
            lines.append(detail if len(detail) <= DETAIL_CHARS else detail[: DETAIL_CHARS - 1].rstrip() + "…")
        for c in entry.corrections:
            verb = "retracted" if c["type"] == "ledger.retracted" else "corrected"
            lines.append(f"{verb} at position {c['position']}: {c['reason']}")
        rows.append((entry.date, entry.subject.split(":", 1)[1], "\n".join(lines), source_text(entry.source)))
    # A development reads as sentences: it takes five columns of width for each two of its source's.
    return Grid(title, ("date", "subject", "development", "source"), rows, (True, True, False, False),
                ruled=True, weights=(1, 1, 5, 2))


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
    from ledger.cli.output import render_entries
    from ledger.service import raise_input
    from projections.timeline import Filters

    if track and measure:
        raise_input("measure", "filter by --track or --measure, not both")
    first, last = date_range("since", since, "until", until)
    # Written as it is read: the timeline of a 1M-event ledger is never held whole.
    entries = ctx.obj.timeline_entries(Filters(track, measure, country("partner", partner),
                                               country("imposer", imposer), first, last))
    shown = [f"{k} {v}" for k, v in (("track", track), ("measure", measure), ("partner", partner),
                                      ("imposer", imposer), ("since", since), ("until", until)) if v]
    title = "Timeline" + (f" ({', '.join(shown)})" if shown else "")
    render_entries(entries, fmt, lambda items: [_table(items, title)], COLUMNS)
