"""Tables for people, drawn as text: the ``--format table`` of every answer, the timeline's included.

Rich's ``Table`` measured and wrapped each cell through several layers of renderables: ~0.8 ms
a row, so an unfiltered ``ledger state`` of a 100k-event ledger (12,500 measures) spent 10 s of
its 11 drawing the table, and a read command paid ~30 ms importing rich at start-up. This module
draws the same box (rich's default, heavy head) from plain strings, ~25x faster (5,000 rows that
wrap: 4.6 s → 0.18 s), and wraps a cell where a reader expects it: after a comma, a semicolon or a
space, so a list of products ``8703,870323`` is never cut inside a code as ``87`` / ``03``; only a
word wider than its column is folded.

    >>> print("\\n".join(Grid("Rates", ("measure", "rate"), [("us-232-autos", "25")], (False, True)).lines(80)))
    Rates
    ┏━━━━━━━━━━━━━━┳━━━━━━┓
    ┃ measure      ┃ rate ┃
    ┡━━━━━━━━━━━━━━╇━━━━━━┩
    │ us-232-autos │ 25   │
    └──────────────┴──────┘
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

#: After what a cell may break: a list's comma, a sentence's semicolon or space.
_PIECES = re.compile(r"[^ ,;]*[ ,;]*")
BOLD, ITALIC, RESET = "\x1b[1m", "\x1b[3m", "\x1b[0m"
#: A wrappable column is cut no narrower than this (or its natural width) when the table is too wide.
MIN_WIDTH = 8


#: Characters one column wide for certain, none a combining mark nor wide: Latin, Greek and Cyrillic
#: letters, general punctuation, currency signs. Nearly every non-ASCII cell holds only these
#: (names with accents, the "—" between a source's publisher and title), and matching the class is one C
#: call where measuring each character was 4 of the 17 s a 100k-event timeline took to draw.
#: tests/unit/test_grid.py holds every character of it to :func:`width_of`'s rule.
NARROW = re.compile("[\x00-\u02ff\u0391-\u03a1\u03a3-\u0482\u048a-\u052f\u2010-\u2027\u2030-\u205e\u20a0-\u20bf]*")


def width_of(text: str) -> int:
    """Columns ``text`` takes in a terminal: wide East Asian characters take two, combining marks none."""
    if text.isascii() or NARROW.fullmatch(text):
        return len(text)
    return sum(0 if unicodedata.combining(ch) else 2 if unicodedata.east_asian_width(ch) in "WF" else 1
               for ch in text)


def _fold(word: str, width: int) -> Iterator[str]:
    """A word wider than ``width``, cut into pieces that fit."""
    piece, used = "", 0
    for ch in word:
        w = width_of(ch)
        if used + w > width and piece:
            yield piece
            piece, used = "", 0
        piece, used = piece + ch, used + w
    if piece:
        yield piece


def wrap(text: str, width: int) -> list[str]:
    """``text`` in lines of at most ``width`` columns, broken after separators where it can be."""
    out: list[str] = []
    for paragraph in text.split("\n"):
        if width_of(paragraph) <= width:
            out.append(paragraph)
            continue
        line, used = "", 0
        for piece in _PIECES.findall(paragraph):
            if not piece:
                continue
            w = width_of(piece)
            if used + width_of(piece.rstrip()) <= width:
                line, used = line + piece, used + w
                continue
            if line.strip():
                out.append(line.rstrip())
            line, used = "", 0
            word = piece.rstrip()
            if width_of(word) > width:
                *whole, last = _fold(word, width)
                out.extend(whole)
                piece = last + piece[len(word):]  # the separators stay after what is left of the word
                w = width_of(piece)
            line, used = piece, w
        if line.strip() or not out:
            out.append(line.rstrip())
    return out


#: A piece of :data:`_PIECES` without its trailing spaces: a word and the commas or semicolons after it.
_WORDS = re.compile(r"[^ ,;]*(?:[ ,;]*[,;])?")


def longest_word(text: str) -> int:
    """The widest piece of ``text`` that :func:`wrap` keeps on one line (a word with the comma after it)."""
    return max(map(width_of, _WORDS.findall(text)), default=0)


def fit(natural: Sequence[int], words: Sequence[int], fixed: Sequence[bool], room: int,
        weights: Sequence[int] | None = None) -> list[int]:
    """Column widths within ``room`` columns of text.

    Each column gets its natural width if all fit. Else the widest wrappable columns are cut to one
    common width, but none narrower than the longest word of its cells (``words``; a header may
    break anywhere), so a cell breaks between codes, not inside one; if even that is too wide, the
    longest words are folded, down to :data:`MIN_WIDTH`.
    ``fixed`` columns are never cut: the table is then wider than ``room``. ``weights``: a column cut to
    the common width ``c`` gets ``c`` times its weight (the timeline's sentences take 5 for a source's 2).
    """
    if sum(natural) <= room:
        return list(natural)
    floor = [n if f else min(n, max(w, MIN_WIDTH)) for n, w, f in zip(natural, words, fixed, strict=True)]
    if sum(floor) > room:  # not every word fits whole: fold the longest ones, no narrower than MIN_WIDTH
        least = [n if f else min(n, MIN_WIDTH) for n, f in zip(natural, fixed, strict=True)]
        if sum(least) >= room:
            return least
        floor = _capped(floor, least, room, weights)
    widths = _capped(natural, floor, room, weights)
    spare = room - sum(widths)
    for i, n in enumerate(natural):  # what is left, a column to each cut one from the left
        if spare and widths[i] < n:
            widths[i] += 1
            spare -= 1
    return widths


def _capped(wanted: Sequence[int], floor: Sequence[int], room: int, weights: Sequence[int] | None = None) -> list[int]:
    """``wanted`` with the widest cut to one common width (times each column's weight), none below ``floor``,
    to fit ``room`` if it can."""
    weights = weights or [1] * len(wanted)

    def cut(cap: int) -> list[int]:
        return [max(lo, min(n, cap * w)) for n, lo, w in zip(wanted, floor, weights, strict=True)]

    lo, hi = 0, max(wanted)  # the largest cap that fits: sum(cut(lo)) <= room < sum(cut(hi))
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if sum(cut(mid)) <= room else (lo, mid)
    return cut(lo)


@dataclass(frozen=True)
class Line:
    """A line of text, its ``strong`` end in bold on a terminal (a rate's total)."""

    text: str
    strong: str = ""

    def styled(self, styled: bool) -> str:
        return self.text + (f"{BOLD}{self.strong}{RESET}" if styled and self.strong else self.strong)


@dataclass(frozen=True)
class Grid:
    """A titled table of strings; ``fixed[i]``: column ``i`` is never wrapped (values people copy).
    ``ruled``: a line between rows (rows of several lines, the timeline's); ``weights`` as for :func:`fit`."""

    title: str | None
    headers: Sequence[str]
    rows: Sequence[Sequence[str]]
    fixed: Sequence[bool]
    ruled: bool = False
    weights: Sequence[int] | None = None

    def lines(self, width: int, styled: bool = False) -> Iterator[str]:
        """The table as lines of at most ``width`` columns where it can be (``styled``: bold headers,
        italic title, for a terminal)."""
        n = len(self.headers)
        natural = [width_of(h) for h in self.headers]
        for row in self.rows:
            for i, value in enumerate(row):
                w = len(value) if value.isascii() and "\n" not in value else max(map(width_of, value.split("\n")))
                if w > natural[i]:
                    natural[i] = w
        room = width - 3 * n - 1
        words = natural
        if sum(natural) > room:  # some column must wrap: how narrow can each go without cutting a word?
            # Each different cell once: a column of dates, types or statuses repeats a few values.
            words = [max(map(longest_word, {row[i] for row in self.rows}), default=0) for i in range(n)]
        widths = fit(natural, words, self.fixed, room, self.weights)
        if self.title is not None:
            yield f"{ITALIC}{self.title}{RESET}" if styled else self.title
        yield "┏" + "┳".join("━" * (w + 2) for w in widths) + "┓"
        yield from self._row(self.headers, widths, "┃", styled)
        yield "┡" + "╇".join("━" * (w + 2) for w in widths) + "┩"
        rule = "├" + "┼".join("─" * (w + 2) for w in widths) + "┤"
        for k, row in enumerate(self.rows):
            if k and self.ruled:
                yield rule
            yield from self._row(row, widths, "│", False)
        yield "└" + "┴".join("─" * (w + 2) for w in widths) + "┘"

    @staticmethod
    def _row(cells: Sequence[str], widths: Sequence[int], bar: str, bold: bool) -> Iterator[str]:
        if all(len(c) <= w and c.isascii() and "\n" not in c for c, w in zip(cells, widths, strict=True)):
            # The common case, one line of ASCII that fits: no wrapping, no measuring.
            parts = [f"{BOLD}{c.ljust(w)}{RESET}" if bold else c.ljust(w) for c, w in zip(cells, widths, strict=True)]
            yield f"{bar} " + f" {bar} ".join(parts) + f" {bar}"
            return
        wrapped = [wrap(c, w) for c, w in zip(cells, widths, strict=True)]
        for k in range(max(map(len, wrapped))):
            parts = []
            for lines, w in zip(wrapped, widths, strict=True):
                text = lines[k] if k < len(lines) else ""
                padded = text + " " * (w - width_of(text))
                parts.append(f"{BOLD}{padded}{RESET}" if bold and text else padded)
            yield f"{bar} " + f" {bar} ".join(parts) + f" {bar}"
