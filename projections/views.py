"""What folds produce for a measure: plain frozen dataclasses, no event models.

The read path rebuilds these from the read-model rows and stacks rates with them,
so it never needs pydantic (``ledger rate`` starts faster for it).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

STATUSES = ("announced", "in_force", "suspended", "revoked")


@dataclass(frozen=True, slots=True)
class Terms:
    rate: Decimal
    partners: tuple[str, ...]
    except_partners: tuple[str, ...]
    products: tuple[str, ...]
    except_products: tuple[str, ...]
    not_with: tuple[str, ...]
    inclusive_of: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class MeasureView:
    """What one measure looked like on one valid date."""

    measure: str
    imposer: str
    basis: str
    title: str | None
    status: str
    terms: Terms
    announced_on: dt.date
    effective_on: dt.date | None
    # Only for a suspension: the day it lapses, when one was given.
    suspended_until: dt.date | None = None
