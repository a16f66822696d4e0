"""``ledger chart`` (to be written)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Adds the chart command (not yet)."""
