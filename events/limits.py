"""What the ledger accepts as a date, a record-time cut and a number: declared once, without pydantic.

The event models (:mod:`events.common`), the typed ``ledger append`` options and
the read commands' ``--as-of``/``--known-at`` all check through these functions,
so a value refused in one place is refused everywhere, with the same message.
Kept free of pydantic so that ``ledger rate`` can check its options without
importing the models (start-up time is part of the contract).

Dates run from :data:`MIN_DATE` (0001-01-01) to :data:`MAX_DATE` (9999-12-30).
The last day Python can represent, 9999-12-31, is kept out of valid time: the
read models mark an interval that is still open with it
(``projections.readmodel.tables.OPEN_END``), and a chart's last step ends the
day after its last date. A record-time cut (``--known-at``) must fall, once
converted to UTC, within the same days::

    >>> iso_date("9999-12-30")
    datetime.date(9999, 12, 30)
    >>> iso_date("9999-12-31")
    Traceback (most recent call last):
    ValueError: '9999-12-31' is after 9999-12-30, the last date the ledger accepts

Numbers are JSON numbers: a file's ``"rate": "25"`` is refused, not read as 25.
On the command line a number is written as JSON writes it (``25``, ``2.5``,
``1e3``), with ASCII digits only: ``1_000``, ``２５``, ``nan`` and ``inf`` are refused.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

MIN_DATE = dt.date.min
# One day short of dt.date.max: that day is the read models' open-end marker, and charts need end + 1 day.
MAX_DATE = dt.date.max - dt.timedelta(days=1)
RANGE = f"{MIN_DATE.isoformat()} to {MAX_DATE.isoformat()}"

# JSON's number grammar (RFC 8259 §6), ASCII digits only: Python's \d would admit full-width digits.
_JSON_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")


def in_range(day: dt.date, text: Any = None) -> dt.date:
    """``day`` if the ledger accepts it, else ValueError naming the bound it crosses."""
    # No check against MIN_DATE: it is dt.date.min, so no date falls before it.
    if day > MAX_DATE:
        shown = repr(text) if text is not None else repr(day.isoformat())
        raise ValueError(f"{shown} is after {MAX_DATE.isoformat()}, the last date the ledger accepts")
    return day


#: Texts already read as dates. A ledger's events share few distinct dates (a decade is ~3,650), and
#: reading them was a fifth of what validating a stored event cost in ``verify``; bounded all the same.
_READ: dict[str, dt.date] = {}
_READ_MAX = 100_000


def iso_date(value: Any) -> dt.date:
    """An ISO calendar date ``YYYY-MM-DD`` (ASCII digits, a real day, within the accepted range)."""
    if type(value) is str:
        day = _READ.get(value)
        if day is None:
            day = _iso_text(value)
            if len(_READ) < _READ_MAX:
                _READ[value] = day
        return day
    if isinstance(value, dt.datetime):
        raise ValueError("expected a date like 2025-04-09, not a timestamp")
    if isinstance(value, dt.date):
        return in_range(value)
    return _iso_text(value)


def _iso_text(value: Any) -> dt.date:
    # The shape test first, cheaply: this runs for every date of every event read.
    if not (isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-"
            and value.isascii() and (value[:4] + value[5:7] + value[8:]).isdigit()):
        raise ValueError(f"expected an ISO date like 2025-04-09, got {value!r}")
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a real date") from None
    return in_range(day, value)


def record_time_cut(text: str) -> dt.datetime:
    """A ``--known-at`` value as an aware UTC moment.

    A date means the end of that day in UTC; a timestamp without a zone is UTC.
    Either must land, in UTC, on a day the ledger accepts: ``0001-01-01T00:00:00+01:00``
    is a moment before year 1 in UTC, so it is refused rather than overflowing.
    """
    value = text.strip()
    if len(value) == 10:
        return dt.datetime.combine(iso_date(value), dt.time.max, dt.UTC)
    if not value.isascii():
        raise ValueError(f"expected a timestamp like 2025-06-01T09:30:00+00:00 or a date, got {text!r}")
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"expected a timestamp like 2025-06-01T09:30:00+00:00 or a date, got {text!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    try:
        utc = moment.astimezone(dt.UTC)
    except OverflowError:
        raise ValueError(f"{text!r} is outside the record times the ledger accepts ({RANGE}, in UTC)") from None
    if not MIN_DATE <= utc.date() <= MAX_DATE:
        raise ValueError(f"{text!r} is outside the record times the ledger accepts ({RANGE}, in UTC)")
    return utc


def _shown(value: Any) -> str:
    if isinstance(value, str):
        return f"the string {value!r} (write numbers without quotes)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    return f"a {type(value).__name__}" if isinstance(value, (list, dict)) else repr(value)


def json_number(value: Any) -> Any:
    """A JSON number (int, float or Decimal), unchanged; a string, a boolean or anything else is refused.

    pydantic would read ``"25"`` or ``"２５"`` as 25 and ``true`` as 1; the ledger stores what the
    source said, so a number must arrive as a number.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        raise ValueError(f"expected a number like 25 or 2.5, got {_shown(value)}")
    return value


def whole_number(value: Any) -> Any:
    """A JSON integer, unchanged: ``"6"``, ``6.0``, ``6.5`` and ``true`` are refused."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"expected a whole number like 2, got {_shown(value)}")
    return value


def number_text(text: str, whole: bool = False) -> int | float:
    """A number typed on the command line, read exactly as a JSON file's number would be.

    Only JSON's notation (``25``, ``-1``, ``2.5``, ``1e3``) with ASCII digits; ``1_000``,
    ``２５``, ``nan``, ``inf``, ``+5``, ``.5`` and surrounding spaces are refused. ``whole``
    only words the message for a field that takes integers; the model still decides.
    """
    import orjson

    if not _JSON_NUMBER.fullmatch(text):
        kind = "a whole number like 2" if whole else "a number like 25 or 2.5"
        raise ValueError(f"expected {kind} (ASCII digits, as JSON writes it), got {text!r}")
    try:
        return orjson.loads(text)  # type: ignore[no-any-return]
    except orjson.JSONDecodeError:  # an exponent past a double's range
        raise ValueError(f"{text!r} is too large a number") from None
