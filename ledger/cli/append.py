"""``ledger append``: one subcommand per event type, generated from the models, and ``--file``.

Options come from each model's fields (``effective_on`` → ``--effective-on``);
lists are comma-separated (``--partners JP,CN``), objects are JSON
(``--leads '{"JP": ["Ryosei Akazawa"]}'``). Validation is the model's: the CLI
passes strings through and reports what the model says, naming the field.
"""

from __future__ import annotations

import inspect
import json
import sys
import typing
from collections.abc import Iterator
from decimal import Decimal
from typing import Annotated, Any, Optional

import typer
from typer.core import TyperGroup

APPEND_EPILOG = (
    "Examples:\n\n"
    "  ledger append --file examples/us-japan-2025.jsonl\n\n"
    "  ledger append talks.statement --date 2025-06-06 --track us-jp-tariffs --speaker 'Ryosei Akazawa' "
    "--party JP --text 'yet to find common ground' --source 'Asahi Shimbun'"
)


def _kind(annotation: Any) -> str:
    """How a field is typed on the command line: list, dict, int, number or str."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _kind(typing.get_args(annotation)[0])
    if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
        kinds = [_kind(a) for a in typing.get_args(annotation) if a is not type(None)]
        return kinds[0] if kinds else "str"
    if origin is list:
        (item,) = typing.get_args(annotation) or (str,)
        # A list of objects (a schedule's lines) is typed as JSON, like an object.
        return "dict" if isinstance(item, type) and hasattr(item, "model_fields") else "list"
    if origin is dict or annotation is dict:
        return "dict"
    if annotation is int:
        return "int"
    if annotation is Decimal:
        return "number"
    return "str"


_HOW = {"list": ", comma-separated", "dict": ", as JSON", "int": "", "number": "", "str": ""}


def option_help(type_name: str, model: Any, name: str, kind: str, required: bool) -> str:
    """``--partners``: "trading partners it applies to; * = all (list of country codes or *, …, comma-separated)"."""
    from events.fielddocs import describe, hints, meaning

    what = describe(hints(model)[name]) + _HOW[kind]
    text = f"{meaning(type_name, name)} ({what}){'; required' if required else ''}"
    return text.replace("`", "")


def option_specs(model: Any) -> list[tuple[str, str, bool]]:
    """(field, kind, required) for the options of one event type, in the model's field order."""
    out = []
    for name, info in model.model_fields.items():
        if name in ("type", "source"):
            continue
        out.append((name, _kind(info.annotation), info.is_required()))
    return out


def _convert(kind: str, field: str, raw: str) -> Any:
    from events.errors import BadInput, InputError

    if kind == "list":
        return [part.strip() for part in raw.split(",") if part.strip()]
    if kind == "dict":
        import orjson

        try:  # orjson stops at 1,024 levels of nesting instead of overflowing the stack
            return orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise BadInput([InputError(None, field, f"expected a JSON object: {exc}")]) from None
    if kind in ("int", "number"):
        from events.limits import number_text

        # Read as a JSON file's number would be; the model then decides (a round must be whole).
        try:
            return number_text(raw, whole=kind == "int")
        except ValueError as exc:
            raise BadInput([InputError(None, field, str(exc))]) from None
    return raw


def _source(values: dict[str, Any]) -> Any:
    """``--source`` is a title, or a JSON object; ``--source-url`` etc. add to it."""
    from events.errors import BadInput, InputError

    raw = values.pop("source", None)
    parts = {k[len("source_"):]: values.pop(k) for k in list(values) if k.startswith("source_")}
    parts = {k: v for k, v in parts.items() if v is not None}
    if raw is not None and raw.lstrip().startswith("{"):
        import orjson

        try:
            base = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise BadInput([InputError(None, "source", f"expected a JSON object: {exc}")]) from None
    elif raw is not None:
        base = {"title": raw}
    else:
        base = {}
    if isinstance(base, dict):
        base.update(parts)
    return base if base else None


def _make_command(type_name: str, model: Any) -> Any:
    from events.common import Source

    specs = option_specs(model)
    params = []
    for name, kind, required in specs:
        help_text = option_help(type_name, model, name, kind, required)
        params.append(inspect.Parameter(
            name, inspect.Parameter.KEYWORD_ONLY, default=None,
            annotation=Annotated[Optional[str], typer.Option("--" + name.replace("_", "-"), help=help_text)],
        ))
    params.append(inspect.Parameter(
        "source", inspect.Parameter.KEYWORD_ONLY, default=None,
        annotation=Annotated[Optional[str], typer.Option(
            "--source", help="source title, or a JSON object {publisher, title, url, published_on} (required)")],
    ))
    for name in Source.model_fields:
        params.append(inspect.Parameter(
            f"source_{name}", inspect.Parameter.KEYWORD_ONLY, default=None,
            annotation=Annotated[Optional[str], typer.Option("--source-" + name.replace("_", "-"),
                                                             help=f"source {name.replace('_', ' ')}")],
        ))
    params.append(inspect.Parameter("ctx", inspect.Parameter.KEYWORD_ONLY, annotation=typer.Context))
    kinds = {name: kind for name, kind, _ in specs}

    def command(**values: Any) -> None:
        from events.errors import BadInput

        ctx = values.pop("ctx")
        obj: dict[str, Any] = {"type": type_name}
        try:
            source = _source(values)
            for name, raw in values.items():
                if raw is not None:
                    obj[name] = _convert(kinds[name], name, raw)
        except BadInput as exc:
            raise BadInput(exc.errors, nothing_written=True) from None
        if source is not None:
            obj["source"] = source
        ledger = ctx.obj
        result = ledger.append([(None, obj)], author=ctx.parent.params.get("author"))
        from ledger.cli.output import message

        if result.appended:
            print(result.last_id)
            message(f"appended {type_name} at position {result.last_position}")
        else:
            message("already recorded: nothing appended")

    command.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    command.__name__ = type_name.replace(".", "_")
    command.__doc__ = (inspect.getdoc(model) or type_name).replace("``", "") + "\n\n" + example(type_name)
    return command


def example(type_name: str) -> str:
    """A runnable command line for ``type_name`` from the vocabulary's example event (kept unwrapped)."""
    import shlex

    from events.examples import EXAMPLES

    event = next(e for e in EXAMPLES if e["type"] == type_name)
    words = ["ledger", "append", type_name]
    for name, value in event.items():
        if name in ("type", "id"):  # ids are optional: the store generates one
            continue
        if name == "source" and isinstance(value, dict):
            for part, text in value.items():
                words += [f"--source-{part.replace('_', '-')}", str(text)]
            continue
        if isinstance(value, list) and any(isinstance(v, dict) for v in value):
            value = json.dumps(value, ensure_ascii=False)
        elif isinstance(value, list):
            value = ",".join(str(v) for v in value)
        elif isinstance(value, dict):
            value = json.dumps(value)
        words += [f"--{name.replace('_', '-')}", str(value)]
    # "\b" keeps click from re-flowing the line, so it can be copied as is.
    return "Example:\n\n\b\n" + shlex.join(words)


def _read_lines(path: str) -> Iterator[tuple[int | None, Any]]:
    from events.errors import BadInput, InputError
    from ledger.lines import split_lines

    try:
        stream = sys.stdin.buffer if path == "-" else open(path, "rb")  # noqa: SIM115
    except OSError as exc:
        raise BadInput([InputError(None, "file", f"cannot read {path}: {exc.strerror}")]) from None
    with stream:
        yield from split_lines(stream)


class LazyAppendGroup(TyperGroup):
    """Builds the typed subcommands only when ``append`` runs: other commands never import the models."""

    def list_commands(self, ctx: Any) -> list[str]:
        from events.registry import EVENT_TYPES

        return list(EVENT_TYPES)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        from events.registry import EVENT_TYPES

        model = EVENT_TYPES.get(cmd_name)
        if model is None:
            return None
        single = typer.Typer(rich_markup_mode=None, add_completion=False)
        command = _make_command(cmd_name, model)
        single.command(cmd_name, help=command.__doc__)(command)
        from ledger.cli.coercion import plain_first

        built = plain_first(typer.main.get_command(single))
        built.name = cmd_name
        return built


def register(app: typer.Typer) -> None:
    group = typer.Typer(
        cls=LazyAppendGroup,
        help="Append events: one typed event, or a JSON Lines file (all or nothing).",
        epilog=APPEND_EPILOG,
        invoke_without_command=True,
        rich_markup_mode=None,
    )

    @group.callback()
    def _append(
        ctx: typer.Context,
        file: Annotated[Optional[str], typer.Option(
            "--file", "-f", help="JSON Lines file to append atomically; - reads standard input.")] = None,
        author: Annotated[Optional[str], typer.Option(
            "--author", help="Who records (default $LEDGER_AUTHOR, then the OS user).")] = None,
    ) -> None:
        if ctx.invoked_subcommand is not None:
            if file is not None:  # the subcommand would run and the file be silently ignored
                from events.errors import BadInput, InputError

                refused = BadInput([InputError(None, "file", "use --file or an event type, not both")])
                refused.nothing_written = True  # type: ignore[attr-defined]
                raise refused
            return
        if file is None:
            typer.echo(ctx.get_help())
            raise typer.Exit(2)
        from ledger.cli.output import message, plural
        from ledger.cli.progress import counter

        ledger = ctx.obj
        with counter("appending", None) as advance:
            result = ledger.append(_read_lines(file), author=author, progress=advance)
        span = ""
        if result.appended:
            span = (f" (position {result.last_position})" if result.first_position == result.last_position
                    else f" (positions {result.first_position}–{result.last_position})")
        message(f"appended {plural(result.appended, 'event')}{span}; {result.duplicates} already recorded; "
                f"head {result.head}")

    app.add_typer(group, name="append")
