"""Administration: init, rebuild, verify, digest."""

from __future__ import annotations

from typing import Annotated, Any, Optional

import typer

from ledger.cli.options import TableJson
from ledger.cli.output import TableOrJson

app = typer.Typer()


@app.command()
def init(
    ctx: typer.Context,
    force: Annotated[bool, typer.Option(
        "--force", help="Also add the ledger's tables to an existing SQLite database that holds other "
        "tables (refused without it).")] = False,
) -> None:
    """Create the ledger (event store and read models), or upgrade an older one. Safe to run again.

    A ledger whose read models are of an older schema (the read commands refuse it and say so)
    gets them rebuilt from its log, which is left as it is.

    A file that is not a SQLite database, or a SQLite database with other tables and no ledger, is
    refused before anything is written. Example: ledger --db team.db init
    """
    from ledger.cli.output import message

    done = ctx.obj.init(force=force)
    if done.upgraded_from is not None:
        message(f"upgraded the read models at {ctx.obj.where} from schema {done.upgraded_from} to "
                f"{done.schema}: rebuilt from {done.events} events (the log is unchanged)")
    else:
        message(f"{'created' if done.created else 'already a ledger at'} {ctx.obj.where}")


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
    """Check the hash chain over the whole log, every read model against a full replay, and the triggers.

    Prints `OK <n> events, head <digest>`, or exits 1 naming the first bad position or table.
    Example: ledger verify --digest "$(tail -n 1 ~/ledger-digests.txt)"
    """
    from ledger.cli.output import render
    from ledger.cli.progress import counter
    from ledger.errors import IntegrityFailure

    try:
        with counter("verifying", None) as advance:
            result = ctx.obj.verify(digest, advance)
    except IntegrityFailure as exc:
        if fmt == TableOrJson.json:
            render(exc.result(), fmt, _verified)  # and still exit 1, with the message on stderr
        raise
    render(result, fmt, _verified)


@app.command()
def digest(ctx: typer.Context, fmt: TableJson = TableOrJson.table) -> None:
    """Print the head digest of the hash chain and the event count (keep it outside the ledger).

    `ledger verify --digest` takes the line back later. Example: ledger digest >> ~/ledger-digests.txt
    """
    from ledger.cli.output import render

    render(ctx.obj.digest(), fmt, lambda d: [f"{d.digest} {d.events}"])


@app.command()
def restore(
    ctx: typer.Context,
    path: Annotated[str, typer.Argument(metavar="PATH|-", help="A backup written by `ledger export --full`; "
                                             "- reads standard input.")],
) -> None:
    """Fill an empty ledger from a backup, keeping record times, authors, roles and the digest.

    Every line is checked first, the hash chain link by link: a bad or edited line is refused
    with exit 2, naming it, and nothing is written. Only an empty ledger (after `ledger init`) is
    filled; to add events to a ledger that has some, use `ledger export | ledger append --file -`.
    On PostgreSQL, run it as the owner of the ledger's tables (docs/backup.md).

    Example: ledger --db copy.db init && ledger --db copy.db restore backup.jsonl
    """
    import sys

    from events.errors import BadInput, InputError
    from ledger.cli.output import message, plural
    from ledger.cli.progress import counter

    try:
        stream = sys.stdin.buffer if path == "-" else open(path, "rb")  # noqa: SIM115
    except OSError as exc:
        raise BadInput([InputError(None, "file", f"cannot read {path}: {exc.strerror}")],
                       nothing_written=True) from None
    with stream, counter("restoring", None) as advance:
        result = ctx.obj.restore(stream, advance)
    message(f"restored {plural(result.restored, 'event')}; head {result.head}")
