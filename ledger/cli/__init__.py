"""The ``ledger`` command. Commands are thin: parse → call :class:`ledger.service.Ledger` → render.

Heavy modules (SQLAlchemy, eventsourcing, pydantic models) are imported inside
commands, so ``ledger --help`` and reads start fast.
"""

from __future__ import annotations

import os
import sys
from typing import Annotated, Optional

import typer

from ledger.cli import admin, append, chart, read, timeline

app = typer.Typer(
    name="ledger",
    help="An append-only, event-sourced ledger of tariff measures and trade negotiations.\n\n"
    "Example: ledger init && ledger append --file examples/us-japan-2025.jsonl && "
    "ledger state --as-of 2025-06-01",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 120},
)


@app.callback()
def _root(
    ctx: typer.Context,
    db: Annotated[Optional[str], typer.Option(
        "--db", help="Database URL or SQLite file path. Default: $LEDGER_DB, else sqlite:///ledger.db "
        "in the current directory; postgresql+psycopg://user@host/db for a shared ledger.")] = None,
) -> None:
    from ledger.service import Ledger

    ctx.obj = Ledger(db)


admin.register(app)
append.register(app)
read.register(app)
chart.register(app)
timeline.register(app)


def run(argv: list[str]) -> int:
    """Run ``ledger ARGV`` in this process and return its exit status (for tests and doc runners)."""
    saved = sys.argv
    sys.argv = ["ledger", *argv]
    try:
        main()
        return 0
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    finally:
        sys.argv = saved


def main() -> None:
    """Run the CLI; errors become one line on stderr and an exit status (2 for bad input)."""
    from events.errors import BadInput, LedgerError

    try:
        result = app(standalone_mode=False)
        sys.exit(result if isinstance(result, int) else 0)
    except BadInput as exc:
        for error in exc.errors[:20]:
            print(f"error: {error}", file=sys.stderr)
        if len(exc.errors) > 20:
            print(f"error: … and {len(exc.errors) - 20} more", file=sys.stderr)
        if getattr(exc, "nothing_written", False):
            print("nothing was written", file=sys.stderr)
        sys.exit(2)
    except LedgerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(1)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        print("aborted", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        print("interrupted: nothing was written by the unfinished command", file=sys.stderr)
        sys.exit(130)
    except BrokenPipeError:
        sys.stderr.close()
        sys.exit(0)
    except Exception as exc:  # a bug: say so in one line, traceback only on request
        # typer vendors click: recognise its usage errors (exit 2) by shape, not by class.
        if hasattr(exc, "show") and isinstance(getattr(exc, "exit_code", None), int):
            exc.show()
            sys.exit(exc.exit_code)  # type: ignore[attr-defined]
        from ledger.failures import storage_failure

        failure = storage_failure(exc)
        if failure is not None:  # the database, not the program: a connection lost, a privilege missing
            print(f"error: {failure}", file=sys.stderr)
            sys.exit(1)
        if os.environ.get("LEDGER_DEBUG"):
            raise
        print(f"internal error: {exc.__class__.__name__}: {exc} (set LEDGER_DEBUG=1 for a traceback; "
              "please report it)", file=sys.stderr)
        sys.exit(1)
