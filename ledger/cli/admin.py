"""Administration: init, rebuild, verify, digest."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from ledger.cli.output import Format

FormatOption = Annotated[Format, typer.Option("--format", help="table (default) or json.")]


def register(app: typer.Typer) -> None:
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

    @app.command()
    def verify(
        ctx: typer.Context,
        digest: Annotated[Optional[str], typer.Option(
            "--digest", help="A line `ledger digest` printed earlier and kept elsewhere (HEX, or HEX and its "
            "event count): also prove the log still extends it.")] = None,
        fmt: FormatOption = Format.table,
    ) -> None:
        """Check the hash chain over the whole log, every read model against a full replay, and the triggers.

        Prints `OK <n> events, head <digest>`, or exits 1 naming the first bad position or table.
        Example: ledger verify --digest "$(tail -n 1 ~/ledger-digests.txt)"
        """
        from ledger.cli.output import emit_json
        from ledger.cli.progress import counter
        from ledger.errors import IntegrityFailure

        try:
            with counter("verifying", None) as advance:
                result = ctx.obj.verify(digest, advance)
        except IntegrityFailure as exc:
            if fmt is Format.json:
                emit_json(exc.report())  # and still exit 1, with the message on stderr
            raise
        if fmt is Format.json:
            emit_json(result)
        else:
            print(f"OK {result['events']} events, head {result['digest']}")

    @app.command()
    def digest(ctx: typer.Context, fmt: FormatOption = Format.table) -> None:
        """Print the head digest of the hash chain and the event count (keep it outside the ledger).

        `ledger verify --digest` takes the line back later. Example: ledger digest >> ~/ledger-digests.txt
        """
        from ledger.cli.output import emit_json

        result = ctx.obj.digest()
        if fmt is Format.json:
            emit_json(result)
        else:
            print(f"{result['digest']} {result['events']}")
