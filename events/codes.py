"""Codes and numbers without pydantic: what the read path needs to check a country, an HS code or print a rate.

Kept apart from :mod:`events.common` so that ``ledger rate`` can validate its
arguments without importing the models (start-up time is part of the contract).
"""

from __future__ import annotations

import re
from decimal import Decimal
from functools import lru_cache
from typing import Any

ALL = "*"
# ISO 3166 "exceptionally reserved" codes that trade policy needs as actors.
RESERVED_CODES = {"EU": "European Union"}

HS = re.compile(r"^[0-9]{2,10}$")


@lru_cache(maxsize=1)
def country_codes() -> frozenset[str]:
    """ISO 3166-1 alpha-2 codes from pycountry's database, plus the reserved codes above.

    The JSON file is read directly: building pycountry's objects costs ~40 ms, a tenth of a
    read command's start-up budget.
    """
    import importlib.util
    from pathlib import Path

    import orjson

    spec = importlib.util.find_spec("pycountry")
    assert spec is not None and spec.origin is not None, "pycountry is a dependency"
    data = orjson.loads((Path(spec.origin).parent / "databases" / "iso3166-1.json").read_bytes())
    return frozenset(entry["alpha_2"] for entry in data["3166-1"]) | frozenset(RESERVED_CODES)


def hs_prefix(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"expected an HS code prefix as a string like \"8703\", got {value!r}")
    if value == ALL:
        return ALL
    digits = value.replace(".", "").strip()
    if not HS.match(digits):
        raise ValueError(f"{value!r} is not an HS code prefix of 2-10 digits (or \"*\")")
    return digits


def number(rate: Decimal) -> int | float:
    return int(rate) if rate == rate.to_integral_value() else float(rate)


# What an event is about: ``("measure", "us-232-autos")``, ``("track", "us-jp-tariffs")``.
Subject = tuple[str, str]
