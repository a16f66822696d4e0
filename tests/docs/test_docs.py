"""The docs cannot drift from the code: help, generated references, and runnable examples.

- every command and subcommand of ``ledger`` has help with an example, and appears in docs/cli.md;
- the cog-generated parts of docs/events.md, docs/cli.md and docs/architecture.md are current
  (``cog --check``; regenerate with ``make docs``);
- every event type is documented, every field has a meaning, and the examples in docs/events.md
  append cleanly to an empty ledger;
- the ``console`` blocks of docs/tutorial.md and docs/time.md run in a scratch directory: every
  command exits 0 (unless the page shows its status with ``echo $?``) and prints what the page
  shows, record times, ids and digests aside (refresh with
  ``.venv/bin/python docs/console_blocks.py``).
"""

from __future__ import annotations

import importlib.util
import io
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
DOCS = REPO / "docs"
GENERATED = ("events.md", "cli.md", "architecture.md")


def _load(name: str) -> ModuleType:
    """A module from docs/ (not a package: cog imports it by file location)."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, DOCS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


helpers = _load("cog_helpers")
console = _load("console_blocks")

COMMANDS = [path for path, _ in helpers.walk()]


def _name(path: tuple[str, ...]) -> str:
    return " ".join(("ledger", *path))


class TestHelp:
    @pytest.mark.parametrize("path", COMMANDS, ids=_name)
    def test_every_command_has_help_with_an_example(self, path: tuple[str, ...]) -> None:
        text = helpers.help_text(*path)
        assert "Example" in text, f"`{_name(path)} --help` has no example"

    @pytest.mark.parametrize("path", COMMANDS, ids=_name)
    def test_every_command_appears_in_the_cli_reference(self, path: tuple[str, ...]) -> None:
        assert f"`{_name(path)}" in (DOCS / "cli.md").read_text(encoding="utf-8"), (
            f"{_name(path)} is not in docs/cli.md: run `make docs`")

    def test_the_tree_includes_every_typed_append_subcommand(self) -> None:
        from events.registry import EVENT_TYPES

        assert {p[1] for p in COMMANDS if len(p) == 2 and p[0] == "append"} == set(EVENT_TYPES)


class TestGenerated:
    @pytest.mark.parametrize("name", GENERATED)
    def test_the_generated_parts_are_current(self, name: str) -> None:
        from cogapp import Cog

        out, err = io.StringIO(), io.StringIO()
        with redirect_stdout(out), redirect_stderr(err):
            status = Cog().main(["cog", "--check", "-c", str(DOCS / name)])
        assert status == 0, f"docs/{name} is out of date: run `.venv/bin/cog -r -c docs/{name}` " \
                            f"(or `make docs`)\n{out.getvalue()}{err.getvalue()}"

    def test_every_event_type_has_a_section(self) -> None:
        from events.registry import EVENT_TYPES

        text = (DOCS / "events.md").read_text(encoding="utf-8")
        missing = [t for t in EVENT_TYPES if f"### `{t}`" not in text]
        assert not missing, f"docs/events.md lacks {missing}: run `make docs`"

    def test_every_field_has_a_meaning(self) -> None:
        from events.common import Envelope, Source
        from events.registry import EVENT_TYPES

        blank = [f"{key}.{name}" for key, model in [("envelope", Envelope), ("source", Source),
                                                     *EVENT_TYPES.items()]
                 for name, info in model.model_fields.items()
                 if name != "type" and not helpers.description(key, name, info)]
        assert not blank, f"give these fields a description (a MEANINGS entry in events/fielddocs.py): {blank}"

    def test_every_field_type_has_a_readable_name(self) -> None:
        from events.registry import EVENT_TYPES

        raw = [f"{t}.{name}: {helpers.describe(hint)}" for t, model in EVENT_TYPES.items()
               for name, hint in helpers.hints(model).items()
               if name in model.model_fields and ("typing." in helpers.describe(hint) or "[" in helpers.describe(hint)
                                                  and "](#" not in helpers.describe(hint))]
        assert not raw, f"events/fielddocs.py describe() falls back to a Python type name: {raw}"

    def test_the_event_examples_append_to_an_empty_ledger(self, tmp_path: Path) -> None:
        from ledger.service import Ledger

        ledger = Ledger(f"sqlite:///{tmp_path / 'examples.db'}")
        ledger.init()
        try:
            result = ledger.append(enumerate(helpers.EXAMPLES, start=1), author="docs")
        finally:
            ledger.close()
        assert result.appended == len(helpers.EXAMPLES)

    def test_the_bad_line_examples_are_refused(self) -> None:
        from events.errors import BadInput
        from events.parse import parse_event

        for number, obj in enumerate(helpers.BAD_LINES, start=1):
            with pytest.raises(BadInput):
                parse_event(obj, number)


@pytest.fixture(scope="module")
def runs() -> Iterator[dict[str, list[Any]]]:
    """The runnable pages, each run once in its own scratch directory, in parallel (they are slow)."""
    with ThreadPoolExecutor(max_workers=len(console.RUNNABLE)) as pool:
        futures = {path.name: pool.submit(console.check, path) for path in console.RUNNABLE}
        yield {name: future.result() for name, future in futures.items()}


def _failures(problems: list[Any]) -> list[Any]:
    return [p for p in problems if not p.message.startswith("printed something else")]


@pytest.mark.slow
class TestRunnablePages:
    @pytest.mark.parametrize("page", [p.name for p in console.RUNNABLE])
    def test_every_command_succeeds(self, runs: dict[str, list[Any]], page: str) -> None:
        failed = _failures(runs[page])
        assert not failed, "\n\n".join(map(str, failed))

    @pytest.mark.parametrize("page", [p.name for p in console.RUNNABLE])
    def test_every_command_prints_what_the_page_shows(self, runs: dict[str, list[Any]], page: str) -> None:
        drifted = [p for p in runs[page] if p not in _failures(runs[page])]
        assert not drifted, ("the page shows other output than the commands print now; refresh it with "
                             f"`.venv/bin/python docs/console_blocks.py docs/{page}` and read the diff:\n\n"
                             + "\n\n".join(map(str, drifted)))

    @pytest.mark.parametrize("page", [p.name for p in console.RUNNABLE])
    def test_the_page_has_runnable_blocks(self, page: str) -> None:
        lines = (DOCS / page).read_text(encoding="utf-8").split("\n")
        assert sum(len(b.commands) for b in console.parse(lines)) >= 10


class TestOutputComparison:
    """The drift check itself: it masks what changes from run to run, and nothing else."""

    def test_record_times_ids_and_digests_are_masked(self) -> None:
        shown = "appended 1 events; head 5ea0730334e150cc3b0295ce034d7246092f53e1b9a6472087d7d4afc3c2007c at " \
                "2026-11-25T09:50:09.138992+00:00 id 8ee2cd82-5583-4b07-9017-a9ba76ffa30c"
        got = "appended 1 events; head 0000000000000000000000000000000000000000000000000000000000000000 at " \
              "2027-01-02T03:04:05.000006+00:00 id 11111111-2222-4333-8444-555555555555"
        assert console.same_line(shown, got)

    def test_a_changed_rate_is_caught(self) -> None:
        assert not console.same_line("JP 9006 under US on 2025-06-01: 10%", "JP 9006 under US on 2025-06-01: 24%")

    def test_a_wrapped_timestamp_may_differ_digit_for_digit(self) -> None:
        shown = "│ 46       │ 2025-09-04 │ measure.announc │ measure:us-jp- │ 2026-11-25T09:4 │ analyst │"
        got = "│ 46       │ 2025-09-04 │ measure.announc │ measure:us-jp- │ 2027-01-02T11:5 │ analyst │"
        assert console.same_line(shown, got)

    def test_an_extra_line_is_caught(self) -> None:
        assert not console.same_output(["created ledger.db"], ["created ledger.db", "warning: something"])

    def test_a_heredoc_is_one_command(self) -> None:
        block = ["```console", "$ cat > x.jsonl <<'EOF'", "{\"a\": 1}", "EOF", "$ wc -l x.jsonl", "1 x.jsonl", "```"]
        (parsed,) = console.parse(block)
        assert [c.text for c in parsed.commands] == ["cat > x.jsonl <<'EOF'\n{\"a\": 1}\nEOF", "wc -l x.jsonl"]
        assert parsed.commands[1].output == ["1 x.jsonl"]
