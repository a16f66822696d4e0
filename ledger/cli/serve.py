"""``ledger serve``: the HTTP API and web pages of docs/spec.md §7 (docs/serve.md). Needs the ``serve`` extra."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

app = typer.Typer()


@app.command()
def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option("--host", help="Address to listen on; 0.0.0.0 opens it to the network "
                                      "(put a TLS reverse proxy in front).")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="TCP port.")] = 8000,
    workers: Annotated[int, typer.Option("--workers", min=1, help="Processes serving the ledger (PostgreSQL: "
                                         "several; they share nothing but the database).")] = 1,
    private: Annotated[bool, typer.Option("--private", help="Reads need a token too (writes always do).")] = False,
    max_body: Annotated[int, typer.Option("--max-body", min=1, help="Largest POST /api/events body, in MiB; "
                                          "larger gets 413.")] = 16,
    cors_origin: Annotated[Optional[list[str]], typer.Option(
        "--cors-origin", help="Let pages from this origin call the API from a browser (repeatable); none by "
        "default.")] = None,
    cache: Annotated[int, typer.Option("--cache", min=0, help="Answers of state, rate and diff kept per process, "
                                       "keyed by the log position so an append invalidates them (0: none).")] = 4096,
    forwarded_allow_ips: Annotated[Optional[str], typer.Option(
        "--forwarded-allow-ips", help="Reverse proxies whose X-Forwarded-* headers are trusted "
        "(comma-separated IPs, * for any).")] = None,
) -> None:
    """Serve the ledger over HTTP: the JSON API (/api/…, /openapi.json) and web pages (/, /rate, /timeline,
    /history). Appending (POST /api/events) needs a token from `ledger token create`.

    Example: ledger --db demo.db serve --port 8000
    """
    from ledger.extras import require

    require("serve", "ledger serve")
    import gc
    import os

    from ledger.cli import PYTHON_GC

    gc.set_threshold(*PYTHON_GC)  # a server lives long: Python's own collection schedule, not a command's

    import uvicorn

    from ledger.cli.output import message
    from ledger.serve.app import SETTINGS_VARIABLE, Settings

    ledger = ctx.obj
    ledger.digest()  # no ledger here: say how to create one now, not on the first request
    settings = Settings(db=ledger.url, private=private, max_body=max_body * 1024 * 1024,
                        cors_origins=tuple(cors_origin or ()), cache=cache)
    # uvicorn's worker processes build the app from an import string: the settings travel in their environment.
    os.environ[SETTINGS_VARIABLE] = settings.to_json()
    message(f"serving {ledger.where} on http://{host}:{port}/ ({workers} worker{'s' if workers > 1 else ''}"
            f"{', private' if private else ''}); Ctrl-C stops")
    uvicorn.run("ledger.serve.app:from_environment", factory=True, host=host, port=port, workers=workers,
                log_level="warning", access_log=False, forwarded_allow_ips=forwarded_allow_ips,
                server_header=False)
