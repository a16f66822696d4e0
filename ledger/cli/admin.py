"""Administration: init, rebuild, verify, digest."""

from __future__ import annotations

from typing import Annotated, Any, Optional

import typer

from ledger.cli.options import TableJson
from ledger.cli.output import TableOrJson

app = typer.Typer()


@app.command()
def init(ctx: typer.Context) -> None:
    """Create the ledger (event store and read models). Safe to run again.

    Example: ledger --db team.db init
    """
    from ledger.cli.output import message

    created = ctx.obj.init()
    message(f"{'created' if created else 'already a ledger at'} {ctx.obj.where}")


@app.command()
def rebuild(ctx: typer.Context) -> None:
    """Drop the read models and rebuild them from the event log.

    Example: ledger rebuild
    """
    from ledger.cli.output import message
    from ledger.cli.progress import counter

    with counter("rebuilding", None) as advance:
        count = ctx.obj.rebuild(advance)
    message(f"rebuilt the read models from {count} events")


def _verified(result: Any) -> list[str]:
    return [f"OK {result.events} events, head {result.digest}"]


@app.command()
def verify(
    ctx: typer.Context,
    digest: Annotated[Optional[str], typer.Option(
        "--digest", help="A line `ledger digest` printed earlier and kept elsewhere (HEX, or HEX and its "
        "event count): also prove the log still extends it.")] = None,
    fmt: TableJson = TableOrJson.table,
) -> None:
    """Check the hash chain over the whole log and the read models against a full replay.

    Prints `OK <n> events, head <digest>`, or exits 1 naming the first bad position.
    Example: ledger verify --digest "$(tail -n 1 ~/ledger-digests.txt)"
    """
    from ledger.cli.output import message, render
    from ledger.cli.progress import counter

    with counter("verifying", None) as advance:
        result = ctx.obj.verify(digest, advance)
    render(result, fmt, _verified)
    if not result.append_only:
        message("warning: the triggers that refuse UPDATE and DELETE on the log are missing; "
                "`ledger init` puts them back")


@app.command()
def digest(ctx: typer.Context, fmt: TableJson = TableOrJson.table) -> None:
    """Print the head digest of the hash chain and the event count (keep it outside the ledger).

    `ledger verify --digest` takes the line back later. Example: ledger digest >> ~/ledger-digests.txt
    """
    from ledger.cli.output import render

    render(ctx.obj.digest(), fmt, lambda d: [f"{d.digest} {d.events}"])
