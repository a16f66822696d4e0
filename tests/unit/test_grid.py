"""Tables drawn as text (ledger/cli/grid.py): rich's box where a table fits, breaks where readers expect them."""

from __future__ import annotations

import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.cli.grid import Grid, Line, fit, longest_word, width_of, wrap


def rich_lines(title: str | None, headers: list[str], rows: list[list[str]], width: int) -> list[str]:
    """The same table drawn by rich as ``--format table`` drew it before (trailing spaces aside)."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title, title_justify="left", show_lines=False)
    for h in headers:
        table.add_column(h, overflow="fold")
    for row in rows:
        table.add_row(*row)
    out = io.StringIO()
    Console(file=out, width=width, highlight=False, soft_wrap=False).print(table)
    return [line.rstrip() for line in out.getvalue().splitlines()]


FITTING = [
    ("Applied", ["measure", "basis", "listed rate", "adds"],
     [["us-232-autos", "Section 232", "25", "25"], ["us-hts-2025", "MFN", "2.5", ""]]),
    ("Measures as of 2025-06-01", ["measure", "partners"], [["us-reciprocal-jp", "JP"], ["x", "*"]]),
    ("Nothing", ["track", "status"], []),
    (None, ["name", "note"], [["会談", "東京で開催"], ["é", "plain"]]),
]


@pytest.mark.parametrize(("title", "headers", "rows"), FITTING, ids=["rate", "state", "empty", "wide-chars"])
def test_a_table_that_fits_is_drawn_as_rich_drew_it(title: str | None, headers: list[str],
                                                    rows: list[list[str]]) -> None:
    grid = Grid(title, headers, rows, [False] * len(headers))
    assert list(grid.lines(160)) == rich_lines(title, headers, rows, 160)


def test_a_list_is_broken_after_a_comma_never_inside_a_code() -> None:
    assert wrap("7208758534,1201,040623,9403996434", 24) == ["7208758534,1201,040623,", "9403996434"]
    # rich folded the same cell at the width, leaving "94" and "03996434": two codes that are not there.


def test_a_word_wider_than_its_column_is_folded_and_keeps_its_separator() -> None:
    assert wrap("nairobi-summit-u8427 2013-12-06: held;", 19) == [
        "nairobi-summit-u842", "7 2013-12-06: held;"]


def test_the_longest_word_carries_its_comma() -> None:
    assert longest_word("8703, 870421,7616995160,x") == 11 and longest_word("") == 0


@settings(max_examples=500, deadline=None)
@given(text=st.text(alphabet=st.sampled_from(list("ab ,;é日\n")) | st.characters(), max_size=30))
def test_the_longest_word_is_the_widest_piece_wrap_keeps_on_a_line(text: str) -> None:
    import re

    pieces = re.findall(r"[^ ,;]*[ ,;]*", text)  # what wrap() breaks after, trailing spaces dropped
    assert longest_word(text) == max((width_of(p.rstrip(" ")) for p in pieces), default=0)


def test_wide_characters_take_two_columns() -> None:
    assert width_of("日本") == 4 and width_of("é") == 1 and width_of("e\u0301") == 1
    assert wrap("日本語のテキスト", 6) == ["日本語", "のテキ", "スト"]


def test_every_character_of_the_narrow_class_is_one_column_by_the_rule() -> None:
    import re
    import unicodedata

    from ledger.cli.grid import NARROW

    ranges = re.findall(r"(.)-(.)", NARROW.pattern[1:-2])
    assert len(ranges) == 7
    for first, last in ranges:
        for code in range(ord(first), ord(last) + 1):
            ch = chr(code)
            assert not unicodedata.combining(ch) and unicodedata.east_asian_width(ch) not in "WF", hex(code)
    assert width_of("São Paulo — Câmara de Comércio…") == 31
    # Past the class the rule measures each character: a combining accent, a wide character.
    assert width_of("e\u0301 日本") == 1 + 1 + 4
    assert not NARROW.fullmatch("e\u0301") and not NARROW.fullmatch("日")


def test_fixed_columns_keep_their_width_and_the_widest_others_give_way() -> None:
    assert fit([10, 40, 30, 5], [10, 4, 4, 5], [True, False, False, False], 60) == [10, 23, 22, 5]
    assert fit([15, 40], [0, 11], [False, False], 24) == [12, 12]  # a header alone wraps before a code
    assert fit([10, 20], [10, 20], [False, False], 60) == [10, 20]
    assert fit([30, 30], [30, 30], [True, True], 20) == [30, 30]  # nothing may give: wider than asked, never cut


def test_no_column_is_cut_narrower_than_its_longest_word_while_there_is_room() -> None:
    assert fit([40, 40], [15, 11], [False, False], 30) == [15, 15]
    assert fit([40, 40], [25, 25], [False, False], 30) == [15, 15]  # no room for whole words: folded
    assert fit([40, 40, 40], [20, 11, 10], [False, False, False], 35) == [14, 11, 10]  # only the longest
    assert wrap("7616995160,7616995170", 11) == ["7616995160,", "7616995170"]


def test_a_copyable_value_is_never_wrapped_even_in_a_narrow_table() -> None:
    slug = "us-reciprocal-baseline-2025"
    grid = Grid(None, ["measure", "products"], [[slug, ",".join(["8703"] * 30)]], [True, False])
    lines = list(grid.lines(60))
    assert any(slug in line for line in lines)
    assert all(width_of(line) <= 60 for line in lines)


def test_rows_of_several_lines_can_be_ruled_and_columns_weighted() -> None:
    grid = Grid(None, ["date", "development", "source"], [["2025-07-22", "Round 8 held " * 8, "Yomiuri " * 6],
                                                          ["2025-07-23", "Statement", "Kantei"]],
                [True, False, False], ruled=True, weights=[1, 5, 2])
    lines = list(grid.lines(80))
    assert sum(line.startswith("├") for line in lines) == 1  # between the two rows, not after the last
    header = lines[1].split("┃")
    assert len(header[2]) > 2 * len(header[3])  # the sentences get the room, 5 to 2
    assert fit([10, 200, 80], [10, 5, 5], [True, False, False], 80, [1, 5, 2]) == [10, 50, 20]


def test_styles_only_when_asked() -> None:
    grid = Grid("T", ["a"], [["1"]], [False])
    assert "\x1b" not in "".join(grid.lines(80))
    styled = list(grid.lines(80, styled=True))
    assert styled[0] == "\x1b[3mT\x1b[0m" and "\x1b[1ma\x1b[0m" in styled[2]
    assert Line("rate: ", "15%").styled(True) == "rate: \x1b[1m15%\x1b[0m"
    assert Line("rate: ", "15%").styled(False) == "rate: 15%"


cells = st.text(st.sampled_from("ab1,; -日é\n"), max_size=40)


@settings(max_examples=300, deadline=None)
@given(text=cells, width=st.integers(1, 30))
def test_wrapping_loses_nothing_and_keeps_to_the_width(text: str, width: int) -> None:
    lines = wrap(text, width)
    assert all(width_of(line) <= max(width, 2) for line in lines)  # a wide character needs two
    assert "".join(lines).replace(" ", "") == text.replace("\n", "").replace(" ", "")


@settings(max_examples=200, deadline=None)
@given(rows=st.lists(st.lists(cells, min_size=3, max_size=3), max_size=6), width=st.integers(20, 120),
       fixed=st.lists(st.booleans(), min_size=3, max_size=3))
def test_every_line_of_a_table_is_as_wide_as_its_border(rows: list[list[str]], width: int,
                                                        fixed: list[bool]) -> None:
    grid = Grid(None, ["one", "two", "three"], rows, fixed)
    lines = list(grid.lines(width))
    assert len({width_of(line) for line in lines}) == 1
    for k in range(3):
        if fixed[k]:
            for row in rows:
                for part in row[k].split("\n"):
                    assert any(part in line for line in lines)  # a fixed column's value is never cut
