"""``ledger token``: the tokens that may append over HTTP (``ledger serve``); only their hashes are kept."""

from __future__ import annotations

from typing import Annotated

import typer

from ledger.cli.options import TableJson
from ledger.cli.output import TableOrJson

app = typer.Typer(name="token", help="Tokens for `ledger serve`: who may append over HTTP, under which name.\n\n"
                  "Example: ledger token create alice",
                  no_args_is_help=True, rich_markup_mode=None)

Name = Annotated[str, typer.Argument(help="The token's name; it becomes recorded_by of what it appends.")]


@app.command()
def create(ctx: typer.Context, name: Name) -> None:
    """Create a token and print its secret, once: only a hash of it is stored.

    Example: ledger token create alice
    """
    from ledger.cli.output import message

    secret = ctx.obj.token_create(name)
    print(secret)
    message(f"token {name!r} created: send it as `Authorization: Bearer …`; it is shown only now")


@app.command("list")
def list_(ctx: typer.Context, fmt: TableJson = TableOrJson.table) -> None:
    """The tokens, live and revoked (never their secrets).

    Example: ledger token list
    """
    from ledger.cli.output import emit, emit_json, table

    found = ctx.obj.token_list()
    if fmt == TableOrJson.json:
        emit_json([t.to_json() for t in found])
        return
    emit([table("Tokens", [t.to_json() for t in found], ("name", "created_at", "revoked_at"))])


@app.command()
def revoke(ctx: typer.Context, name: Name) -> None:
    """Revoke a token; a running server refuses it from its next request.

    Example: ledger token revoke alice
    """
    from ledger.cli.output import message

    ctx.obj.token_revoke(name)
    message(f"token {name!r} revoked")
