"""``python -m benchmarks.schedules``: how long reading a real-size tariff schedule takes.

The HTS has about 30,000 rows. This generates a schedule of that size in the shape of the
USITC JSON export (headings, superior text rows, 8-digit lines with duties drawn from real
HTS texts, 10-digit statistical lines that inherit) and times the readers on it::

    python -m benchmarks.schedules                 # 30,000 rows, best of 3
    python -m benchmarks.schedules --rows 100000 --repeat 5
    python -m benchmarks.schedules --db 'postgresql://postgres@127.0.0.1/test?options=-csearch_path%3Dbench'

It measures the readers (parsing, inheritance, the special column) and then the whole
``ledger schedule import`` on a fresh SQLite ledger: the first revision (one
``schedule.published`` of every line), a second revision with 2% of the lines changed (one
``schedule.amended`` of only those), and the same file again (nothing appended). On that
ledger it then times ``Ledger.rate`` in-process (the median over products of every length,
8- and 10-digit lines and the shorter codes answered from the lines under them) and prints
SQLite's plan for each read query, which must search an index, never scan ``schedule_lines``::

    30,000 rows (9.4 MB JSON): 8,088 lines, 20,114 statistical lines inherited
    read_hts_json 0.34 s, read_hts_csv 0.23 s (best of 1); the lines as event JSON: 4.4 MB
    ledger schedule import: first revision 1.01 s, second revision 1.27 s, again 0.62 s
    Ledger.rate in-process with the schedule: median 1.9 ms, p90 2.3 ms (200 products)
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import time
from typing import Any

import orjson

from ledger.schedules import read_hts_csv, read_hts_json
from ledger.schedules.hts import CSV_COLUMNS

# Duty texts as the HTS prints them (see tests/unit/test_duties.py for where each is printed).
GENERAL_TEXTS = ("Free", "Free", "Free", "2.5%", "6.8%", "4%", "1%", "3.9%", "25%", "10.9%", "2.45%", "26.4%",
                 "1¢/kg", "4.4¢/kg", "0.9¢ each", "$2.21/t", "14.5¢/m2 + 0.4%", "0.8¢ each + 5.4%",
                 "20¢/thousand + 3.5%", "33 1/3%")
SPECIAL_TEXTS = ("Free (A+,AU,BH,CL,CO,D,E,IL,JO,KR,MA,OM,P,PA,PE,S,SG)",
                 "Free (A*,AU,B,BH,CL,CO,D,E,IL,JO,KR,MA,OM,P,PA,PE,S,SG)",
                 "Free (A+,AU,B,BH,CL,CO,D,E,IL,JO,MA,OM,P,PA,PE,S,SG)25% (KR)",
                 "Free (A*,AU,BH,CL,CO,D,E,IL,JO,KR,MA,OM,P,PA,PE,S,SG) 2.8% (JP)")


def _row(htsno: str, indent: int, description: str, general: str = "", special: str = "",
         superior: str | None = None) -> dict[str, Any]:
    return {"htsno": htsno, "indent": str(indent), "description": description, "superior": superior,
            "units": ["No."] if len(htsno) == 13 else [], "general": general, "special": special, "other": "",
            "footnotes": [], "quotaQuantity": None, "additionalDuties": None, "addiitionalDuties": None}


def generate_hts_rows(n: int = 30_000, seed: int = 0) -> list[dict[str, Any]]:
    """``n`` rows in the USITC JSON export's shape; every 8-digit line has a duty, its 10-digit lines none."""
    rng = random.Random(seed)
    rows: list[dict[str, Any]] = []
    heading = 100
    while len(rows) < n:
        hs4 = f"{heading:04d}"
        rows.append(_row(hs4, 0, "Heading:"))
        for sub in range(10, 100, 10):
            rows.append(_row("", 1, "Other:", superior="true"))
            for line in range(10, 100, 20):
                general = rng.choice(GENERAL_TEXTS)
                special = "" if general == "Free" else rng.choice(SPECIAL_TEXTS)
                hs8 = f"{hs4}.{sub:02d}.{line:02d}"
                rows.append(_row(hs8, 2, "Other", general, special))
                for stat in range(10, 10 + 10 * rng.randint(1, 4), 10):
                    rows.append(_row(f"{hs8}.{stat:02d}", 3, "Other"))
        heading += 1
    return rows[:n]


def to_csv(rows: list[dict[str, Any]]) -> str:
    """The same rows as the USITC CSV export prints them."""
    out = io.StringIO()
    out.write(",".join(CSV_COLUMNS) + "\n")
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\n")
    for r in rows:
        units = orjson.dumps(r["units"]).decode() if r["units"] else ""
        writer.writerow([r["htsno"], r["indent"], r["description"], units, r["general"], r["special"],
                         r["other"], "", ""])
    return out.getvalue()


def best_of(repeat: int, work: Any) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - start)
    return best


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.schedules", description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=30_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--db", help="an empty database (or PostgreSQL schema) for the import; default: a "
                        "temporary SQLite file")
    args = parser.parse_args(argv)
    rows = generate_hts_rows(args.rows)
    data = orjson.dumps(rows, option=orjson.OPT_INDENT_2)
    text = to_csv(rows)
    result = read_hts_json(data)
    json_s = best_of(args.repeat, lambda: read_hts_json(data))
    csv_s = best_of(args.repeat, lambda: read_hts_csv(text))
    size = len(orjson.dumps(result.event_lines(), default=str))
    print(f"{args.rows:,} rows ({len(data) / 1e6:.1f} MB JSON): {result.report.lines:,} lines, "
          f"{result.report.inherited:,} statistical lines inherited")
    print(f"read_hts_json {json_s:.2f} s, read_hts_csv {csv_s:.2f} s (best of {args.repeat}); "
          f"the lines as event JSON: {size / 1e6:.1f} MB")
    rates: dict[str, Any] = {}
    times = import_times(rows, lambda ledger: rates.update(rate_times(ledger, rows)), args.db)
    print("ledger schedule import: " + ", ".join(f"{k} {v:.2f} s" for k, v in times.items()))
    print(f"Ledger.rate in-process with the schedule: median {rates['median'] * 1e3:.1f} ms, "
          f"p90 {rates['p90'] * 1e3:.1f} ms ({rates['products']} products)")
    for plan in rates["plans"]:
        print(f"  plan: {plan}")


def rate_times(ledger: Any, rows: list[dict[str, Any]], count: int = 200) -> dict[str, Any]:
    """Seconds per ``Ledger.rate`` on ``ledger`` (median, p90) for ``count`` products drawn from ``rows``,
    and SQLite's query plan of every read query one rate runs."""
    import datetime as dt
    import statistics

    from ledger import reports
    from ledger.storage import connect

    rng = random.Random(1)
    codes = [r["htsno"].replace(".", "") for r in rows if r["htsno"]]
    # Every length the HS allows a question in: the 8- and 10-digit lines, and the 6- and 4-digit codes above them.
    products = [c[:n] for c in rng.sample(codes, count) for n in (rng.choice((4, 6, 8, 10, 10)),) if len(c) >= n]
    day = dt.date(2025, 9, 1)
    ledger.rate("JP", products[0], day, imposer="US")  # warm: the first call imports what rates need
    seconds = []
    for product in products:
        start = time.perf_counter()
        ledger.rate("JP", product, day, imposer="US")
        seconds.append(time.perf_counter() - start)
    seconds.sort()
    reader = connect(ledger.url)
    plans: list[str] = []
    execute = reader.execute
    explain = "EXPLAIN QUERY PLAN " if reader.dialect == "sqlite" else "EXPLAIN "

    def explained(sql: str, args: Any) -> Any:
        steps = [str(step[-1]).strip() for step in execute(explain + sql, args).fetchall()]
        plans.append(f"{sql.split(' FROM ', 1)[1].split()[0]}: {'; '.join(steps)}")
        return execute(sql, args)

    reader.execute = explained  # type: ignore[method-assign]
    try:
        reports.rate(reports.ReadModel(reader), "JP", products[1], day, "US", None)
    finally:
        reader.close()
    return {"median": statistics.median(seconds), "p90": seconds[int(len(seconds) * 0.9)],
            "products": len(seconds), "plans": plans}


def import_times(rows: list[dict[str, Any]], then: Any = None, db: str | None = None) -> dict[str, float]:
    """Seconds for ``schedule import`` of ``rows``, then of a revision changing 2% of its duties, then again."""
    import datetime as dt
    import tempfile
    from pathlib import Path

    from ledger.schedule_import import ImportOptions
    from ledger.service import Ledger

    revised = [dict(r) for r in rows]
    for r in revised[::50]:
        if r["general"]:
            r["general"] = "9.9%"
    times: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as scratch:
        ledger = Ledger(db or f"sqlite:///{Path(scratch) / 'bench.db'}")
        ledger.init()
        for label, data, day in (("first revision", rows, "2025-01-01"), ("second revision", revised, "2025-07-01"),
                                 ("again", revised, "2025-07-01")):
            path = Path(scratch) / f"{label}.json"
            path.write_bytes(orjson.dumps(data))
            options = ImportOptions("US", "us-hts-bench", dt.date.fromisoformat(day),
                                    {"title": "generated HTS-shaped schedule"})
            start = time.perf_counter()
            ledger.schedule_import(str(path), options, "hts-json")
            times[label] = time.perf_counter() - start
        if then is not None:
            then(ledger)
        ledger.close()
    return times


if __name__ == "__main__":
    main()
