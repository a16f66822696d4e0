"""Duty texts as printed in a tariff schedule → an ad-valorem rate the ledger can add, and what it cannot.

A schedule prints duties as text, and only part of that text is a percentage of the
value. The stacking rule (docs/spec.md §4.3) adds percentages, so a line must say
which part it can count (``rate``) and whether anything is left over (``specific``):

    >>> parse_duty("2.5%")
    Duty(text='2.5%', kind='ad_valorem', rate=Decimal('2.5'), specific=False, reason=None)
    >>> parse_duty("Free").rate
    Decimal('0')

A specific duty is money per unit; it has no percentage, so ``rate`` is ``None`` and
the answer must warn that it was not counted:

    >>> parse_duty("4.4¢/kg")
    Duty(text='4.4¢/kg', kind='specific', rate=None, specific=True, reason=None)

A compound duty counts its ad-valorem part and flags the rest:

    >>> d = parse_duty("$1.05/kg + 2.3%")
    >>> d.kind, d.rate, d.specific
    ('compound', Decimal('2.3'), True)

Chapter 99 texts are additions on top of another line's duty, and "See ..." texts point
elsewhere; neither is a base duty, so both are refused with a reason:

    >>> parse_duty("The duty provided in the applicable subheading plus 25%").kind
    'skipped'
    >>> parse_duty("See 9903.88.15").reason
    'a reference to 9903.88.15, not a duty'

An empty text is a statistical line that inherits its parent's duty (the readers resolve it):

    >>> parse_duty("").kind
    'empty'

Pure and cached: the same few hundred texts repeat across a 30,000-line schedule.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Literal

Kind = Literal["free", "ad_valorem", "specific", "compound", "reference", "skipped", "empty"]

# Kinds that make a line of the schedule; the others are reported, not imported.
LINE_KINDS: frozenset[str] = frozenset({"free", "ad_valorem", "specific", "compound"})

ZERO = Decimal(0)

# "33 1/3%" is printed as a whole number and a fraction; results keep four decimals.
_FRACTION_PLACES = Decimal("0.0001")

_PERCENT = re.compile(r"^(?P<num>\d+(?:\.\d+)?(?:\s+\d+/\d+)?|\d+/\d+)\s*%\s*(?P<rest>.*)$")
# Money per unit: "$1.05/kg", "4.4¢/kg", "0.9¢ each", "$2.50/thou- sand", "74¢/t".
_MONEY = re.compile(r"^(?:\$\s?\d[\d,]*(?:\.\d+)?|\d[\d,]*(?:\.\d+)?\s?¢)(?P<rest>.*)$")
_BARE_NUMBER = re.compile(r"^\d+(?:\.\d+)?$")
_TERM_SPLIT = re.compile(r"\s*\+\s*")
_TAG = re.compile(r"<[^>]*>")
# A percentage qualified like this is still a percentage of the whole value.
_WHOLE_VALUE = re.compile(r"^on the entire (?:set|article)\b", re.IGNORECASE)
# One trailing program list, as in the special column: "Free (A+,AU,BH)".
_PROGRAM_LIST = re.compile(r"^(?P<duty>.*?)\s*\((?P<codes>\s*[A-Z]{1,2}[*+]?(?:\s*,\s*[A-Z]{1,2}[*+]?)*\s*)\)$")


@dataclass(frozen=True, slots=True)
class Duty:
    """One duty text and what of it a percentage can carry.

    ``rate`` is the ad-valorem part in percent (``0`` for free), ``None`` when there is
    none; ``specific`` is true when part of the duty is not a percentage of the whole
    value; ``reason`` says why a text is not a duty (``reference``, ``skipped``,
    ``empty``) or what a percentage applies to when it is not the whole value.
    """

    text: str
    kind: Kind
    rate: Decimal | None
    specific: bool
    reason: str | None = None

    @property
    def is_line(self) -> bool:
        """True when the text is a duty a schedule line can carry (free, ad valorem, specific, compound)."""
        return self.kind in LINE_KINDS


def normalize(text: str) -> str:
    """The text with markup dropped and runs of white space made one space.

    >>> normalize(" 2.5% <u></u> ")
    '2.5%'
    """
    return " ".join(_TAG.sub(" ", text).split())


def _number(raw: str) -> Decimal:
    """ "2.5" → 2.5; "33 1/3" → 33.3333; "1,000" → 1000."""
    raw = raw.replace(",", "")
    whole, _, fraction = raw.partition(" ")
    if "/" in whole:
        whole, fraction = "0", whole
    value = Decimal(whole)
    if fraction:
        num, den = fraction.split("/")
        value += (Decimal(num) / Decimal(den)).quantize(_FRACTION_PLACES).normalize()
    return value


def _not_a_duty(text: str, lowered: str) -> Duty | None:
    """Texts that are not a base duty of the line: references and chapter 98/99 wording."""
    if lowered.startswith("see "):
        return Duty(text, "reference", None, False, f"a reference to {normalize(text)[4:].rstrip('. ')}, not a duty")
    if lowered.startswith("the duty provided in the applicable subheading"):
        return Duty(text, "skipped", None, False,
                    "chapter 99: a duty added to another line's duty, not a base duty")
    if lowered.startswith("the rate applicable"):
        return Duty(text, "reference", None, False, "the rate of each article of the set, printed on their own lines")
    if lowered.rstrip(".") == "no change":
        return Duty(text, "skipped", None, False, "chapter 99: no change to the line's duty")
    if lowered.startswith("a duty "):
        return Duty(text, "skipped", None, False, "a duty on part of the value (chapter 98), not a rate")
    return None


@lru_cache(maxsize=8192)
def parse_duty(text: str, bare_number_is_percent: bool = False) -> Duty:
    """Parse one duty text (a ``general``, ``special`` or ``other`` cell, or a plain CSV rate).

    ``bare_number_is_percent`` reads ``"2.5"`` as 2.5 percent, as plain CSV extracts
    (WITS, TARIC) print them; the HTS never prints a bare number.

    >>> parse_duty("33 1/3%").rate
    Decimal('33.3333')
    >>> parse_duty("0.9¢ each + 15.8%").kind
    'compound'
    >>> parse_duty("6.5% on the entire set").rate
    Decimal('6.5')
    >>> d = parse_duty("15% on the value of the tires")
    >>> d.rate, d.specific, d.reason
    (Decimal('15'), True, '15% on the value of the tires: a percentage of part of the value, not of the whole')
    >>> parse_duty("Free (A+,AU,BH,CL,CO,D,E,IL,JO,KR,MA,OM,P,PA,PE,S,SG)").kind
    'free'
    >>> parse_duty("2.5", bare_number_is_percent=True).rate
    Decimal('2.5')
    """
    clean = normalize(text).rstrip(".").strip()
    if not clean:
        return Duty(text, "empty", None, False, "no duty printed on the line")
    lowered = clean.lower()
    refused = _not_a_duty(text, lowered)
    if refused is not None:
        return refused
    listed = _PROGRAM_LIST.match(clean)
    if listed and "(" not in listed.group("duty"):
        # A special-column cell with one program list: the duty is the text before it.
        clean = listed.group("duty").strip()
        lowered = clean.lower()
    if lowered == "free":
        return Duty(text, "free", ZERO, False)
    if bare_number_is_percent and _BARE_NUMBER.match(clean):
        return Duty(text, "ad_valorem", Decimal(clean), False)

    if "(" in clean:
        return Duty(text, "skipped", None, False,
                    "several rates for different programs, or a condition: read it with events.programs.parse_special")
    percent = ZERO
    has_percent = has_money = partial = False
    notes: list[str] = []
    for term in _TERM_SPLIT.split(clean):
        if (m := _PERCENT.match(term)) is not None:
            has_percent = True
            percent += _number(m.group("num"))
            rest = m.group("rest")
            if rest and not _WHOLE_VALUE.match(rest):
                partial = True
                notes.append(f"{term}: a percentage of part of the value, not of the whole")
        elif _MONEY.match(term) is not None:
            has_money = True
        else:
            return Duty(text, "skipped", None, False, "unrecognised duty text")
    if has_money and has_percent:
        return Duty(text, "compound", percent, True, "; ".join(notes) or None)
    if has_money:
        return Duty(text, "specific", None, True)
    return Duty(text, "ad_valorem", percent, partial, "; ".join(notes) or None)
