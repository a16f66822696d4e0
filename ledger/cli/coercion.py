"""Option values that need no conversion skip typer's pydantic adapters: a start-up saving, same answers.

typer (0.29) converts every option value through a pydantic ``TypeAdapter`` built for that
option, even a string that stays a string: the first one imports pydantic's type machinery
and its plugin loader (~40–70 ms of a ~200 ms ``ledger rate``), and each costs ~1 ms to build.
Most of the ledger's options are plain strings that the command checks itself
(:mod:`ledger.cli.options`), so for a value already of its declared type the conversion is
the identity::

    --imposer US          (str)            -> "US"            no adapter
    --format json         (Format, exact)  -> Format.json     no adapter
    --format JSON         (not a choice)   -> typer's adapter and its own error message
    ledger rate JP 8703 8708 (list[str])   -> ["8703", "8708"]

Anything else — a value to convert or to refuse — goes to typer's own adapter, built then, so
what is accepted and every error message stay typer's.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

_SLOW = object()


def _plain(annotation: Any, value: Any, ctx: Any) -> Any:
    """``value`` as typer would return it, when that needs no conversion; else ``_SLOW``."""
    if annotation is str:
        return value if isinstance(value, str) else _SLOW
    if annotation is bool:
        return value if isinstance(value, bool) else _SLOW
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        if isinstance(value, annotation):
            return value
        if isinstance(value, str) and ctx.token_normalize_func is None:
            for member in annotation:
                if member.value == value:
                    return member
        return _SLOW
    strings = getattr(annotation, "__origin__", None) is list and annotation.__args__ == (str,)
    if strings and isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return list(value)
    return _SLOW


class PlainFirst:
    """A parameter's coercion: the identity for values already of its type, else typer's adapter (lazily)."""

    def __init__(self, param: Any):
        self.annotation = param.type_descriptor.annotation
        self.case_sensitive = param.type_descriptor.parameter_info.case_sensitive
        self.full: Any = None

    def coerce(self, value: Any, param: Any, ctx: Any) -> Any:
        multi = param.multiple or param.nargs == -1
        if value is None:
            return () if multi else None
        if self.case_sensitive and not (multi and isinstance(value, str)):
            fast = _plain(self.annotation, value, ctx)
            if fast is not _SLOW:
                return fast
        if self.full is None:
            from typer._coercion import build_runtime_param

            self.full = build_runtime_param(param.type_descriptor)
        return self.full.coerce(value, param=param, ctx=ctx)


def _install(param: Any) -> Any:
    if param is not None and hasattr(param, "type_descriptor") and getattr(param, "_runtime_param", None) is None:
        param._runtime_param = PlainFirst(param)
    return param


def plain_first(command: Any) -> Any:
    """Give ``command`` and every subcommand already built :class:`PlainFirst` coercion; returns it.

    The ``--help`` option is made per context when the command runs, so it is given it then.
    """
    for param in getattr(command, "params", ()):
        _install(param)
    if hasattr(command, "get_help_option"):
        made = command.get_help_option
        command.get_help_option = lambda ctx: _install(made(ctx))
    for sub in getattr(command, "commands", {}).values():
        plain_first(sub)
    return command
