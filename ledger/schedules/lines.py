"""Schedule lines as the readers produce them, and the report of one import.

A line is what ``schedule.published`` carries per product (docs/spec.md §3.5)::

    {"product": "87032301", "rate": Decimal("2.5"), "text": "2.5%", "specific": False,
     "preferential": [{"program": "AU", "text": "Free"}, ...]}

``rate`` is the ad-valorem percent the stacking rule may add (``None`` for a purely
specific duty); ``specific`` says part of the duty is not in ``rate``; ``text`` is the
duty as printed, kept so an answer can show what it could not count.

The report counts what the file held and why rows did not become lines, so ``ledger
schedule import`` can say e.g. "30,112 rows: 11,803 lines (4,120 free, 6,950 ad valorem,
733 specific or compound); 17,402 statistical lines covered by their 8-digit line;
skipped 912: chapter 99: a duty added to another line's duty (655), ...".
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import Any

from events.duties import Duty
from events.errors import BadInput, InputError
from events.programs import parse_special

# At most this many problems are collected before a file is refused; more add nothing.
MAX_ERRORS = 50

Progress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class Preferential:
    """A rate the special column lists under one program symbol (shown, never applied)."""

    program: str
    text: str


@dataclass(frozen=True, slots=True)
class ScheduleLine:
    """One product's duty in a schedule; ``product`` is the HS code without dots (2-10 digits)."""

    product: str
    rate: Decimal | None
    text: str
    specific: bool
    preferential: tuple[Preferential, ...] = ()

    def as_event_line(self, grouped: bool = False) -> dict[str, Any]:
        """The line as ``schedule.published``/``schedule.amended`` carry it (``preferential`` only when any).

        One ``preferential`` entry per program symbol, as docs/spec.md §3.5 shows it; with
        ``grouped``, one per printed rate with its symbols joined (``"A+,AU,BH"``), which is
        about a sixth of the size on the HTS, where most lines list 17 symbols.

        >>> line = ScheduleLine("87042101", Decimal(25), "25%", False,
        ...                     preferential("Free (AU,BH)25% (KR)"))
        >>> line.as_event_line(grouped=True)["preferential"]
        [{'program': 'AU,BH', 'text': 'Free'}, {'program': 'KR', 'text': '25%'}]
        """
        out: dict[str, Any] = {"product": self.product, "rate": self.rate, "text": self.text,
                               "specific": self.specific}
        if self.preferential and grouped:
            groups: dict[str, list[str]] = {}
            for p in self.preferential:
                groups.setdefault(p.text, []).append(p.program)
            out["preferential"] = [{"program": ",".join(codes), "text": text} for text, codes in groups.items()]
        elif self.preferential:
            out["preferential"] = [{"program": p.program, "text": p.text} for p in self.preferential]
        return out


@lru_cache(maxsize=4096)
def preferential(special: str) -> tuple[Preferential, ...]:
    """Every (program symbol, rate text) pair of a special-column cell, in printed order (cached: cells repeat).

    >>> [(p.program, p.text) for p in preferential("Free (AU,JO) 5% (KR)")]
    [('AU', 'Free'), ('JO', 'Free'), ('KR', '5%')]
    """
    return tuple(Preferential(code, rate.text) for rate in parse_special(special) for code in rate.programs)


def make_line(product: str, duty: Duty, special: str = "") -> ScheduleLine:
    """A line from a parsed duty (which must be one a line can carry) and its special-column cell."""
    return ScheduleLine(product, duty.rate, " ".join(duty.text.split()), duty.specific, preferential(special))


@dataclass
class ImportReport:
    """What one import read, produced and left out, with reasons."""

    rows: int = 0
    lines: int = 0
    free: int = 0
    ad_valorem: int = 0
    specific: int = 0
    compound: int = 0
    inherited: int = 0
    without_duty: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    examples: dict[str, list[str]] = field(default_factory=dict)

    @property
    def specific_or_compound(self) -> int:
        return self.specific + self.compound

    @property
    def skipped_total(self) -> int:
        return sum(self.skipped.values())

    def count_line(self, duty: Duty) -> None:
        self.lines += 1
        if duty.kind == "free":
            self.free += 1
        elif duty.kind == "ad_valorem":
            self.ad_valorem += 1
        elif duty.kind == "specific":
            self.specific += 1
        else:
            self.compound += 1

    def skip(self, reason: str, where: str) -> None:
        self.skipped[reason] += 1
        shown = self.examples.setdefault(reason, [])
        if len(shown) < 3:
            shown.append(where)

    def as_json(self) -> dict[str, Any]:
        return {
            "rows": self.rows, "lines": self.lines, "free": self.free, "ad_valorem": self.ad_valorem,
            "specific": self.specific, "compound": self.compound,
            "specific_or_compound": self.specific_or_compound, "inherited": self.inherited,
            "without_duty": self.without_duty,
            "skipped": [{"reason": reason, "count": count, "examples": self.examples.get(reason, [])}
                        for reason, count in self.skipped.most_common()],
        }

    def summary(self) -> str:
        """A few lines of text for standard error.

        >>> r = ImportReport(rows=5, lines=2, free=1, ad_valorem=1)
        >>> r.skip("chapter 99: a duty added to another line's duty, not a base duty", "9903.01.01")
        >>> print(r.summary())
        5 rows read: 2 lines (1 free, 1 ad valorem, 0 specific or compound)
        skipped 1: chapter 99: a duty added to another line's duty, not a base duty (1, e.g. 9903.01.01)
        """
        out = [f"{self.rows:,} rows read: {self.lines:,} lines ({self.free:,} free, {self.ad_valorem:,} ad valorem, "
               f"{self.specific_or_compound:,} specific or compound)"]
        if self.inherited:
            out.append(f"{self.inherited:,} statistical lines take their parent line's duty")
        if self.without_duty:
            out.append(f"{self.without_duty:,} headings and subheadings have no duty of their own")
        if self.skipped:
            reasons = "; ".join(f"{reason} ({count:,}, e.g. {', '.join(self.examples.get(reason, []))})"
                                for reason, count in self.skipped.most_common())
            out.append(f"skipped {self.skipped_total:,}: {reasons}")
        return "\n".join(out)


@dataclass
class ScheduleImport:
    """A read schedule: its lines in file order, unique by product, and the report."""

    lines: list[ScheduleLine]
    report: ImportReport

    def event_lines(self) -> list[dict[str, Any]]:
        return [line.as_event_line() for line in self.lines]


class Problems:
    """Collects row errors, so a file's problems are reported together (docs/spec.md §5.5)."""

    def __init__(self) -> None:
        self.errors: list[InputError] = []

    def add(self, line: int | None, field: str | None, message: str) -> None:
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(InputError(line, field, message))

    def full(self) -> bool:
        return len(self.errors) >= MAX_ERRORS

    def raise_if_any(self) -> None:
        if self.errors:
            raise BadInput(self.errors, nothing_written=True)

    def rows(self, reader: Any) -> Iterator[tuple[int, list[str]]]:
        """The non-blank rows of a ``csv.reader`` with their line numbers, until the problems are full."""
        for cells in reader:
            if self.full():
                return
            if any(cell.strip() for cell in cells):
                yield reader.line_num, cells
