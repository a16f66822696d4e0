"""Benchmark results as tables (plain text or Markdown), with the ceilings and the targets of issue 12.

``docs/performance.md`` pastes the Markdown form; after a re-run,
``python -m benchmarks --from-json benchmarks/results/<file>.json --markdown``
prints the same tables from the saved JSON without measuring again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Row = dict[str, Any]


def get(row: Row, *keys: str) -> Any:
    """``row[k1][k2]…`` or None when any step is missing (a failed or skipped measurement)."""
    value: Any = row
    for key in keys:
        if not isinstance(value, dict) or value.get(key) is None:
            return None
        value = value[key]
    return value


def _n(value: float | None, digits: int = 0) -> str:
    if value is None:
        return "—"
    return f"{value:,.{digits}f}"


def _ms(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:,.2f}" if value < 10 else f"{value:,.0f}"


def ratio(value: float | None, base: float | None) -> float | None:
    """``value / base``, or None when either is missing (a failed or skipped measurement)."""
    return value / base if value is not None and base else None


def _x(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}×"


def _size(n: int) -> str:
    return f"{n // 1_000_000}M" if n >= 1_000_000 and n % 1_000_000 == 0 else (
        f"{n // 1000}k" if n % 1000 == 0 else str(n))


def write_table(result: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    base = result["baseline"]
    head = ["backend", "events", "import ev/s", "(per CPU-s)", "ceiling rows/s", "library ev/s", "(per CPU-s)",
            "import RSS MB", "rebuild ev/s",
            "rebuild RSS MB", "verify ev/s", "verify RSS MB", "raw read+decode /s", "append one ms", "db MB", "load"]
    rows = []
    for r in result["runs"]:
        ceil = base.get(f"{'sqlite' if r['backend'] == 'sqlite' else 'postgres'}_insert_rows_per_s")
        rows.append([r["backend"], _size(r["size"]), _n(get(r, "import", "events_per_s")),
                     _n(get(r, "import", "events_per_cpu_s")), _n(ceil), _n(get(r, "library", "events_per_s")),
                     _n(get(r, "library", "events_per_cpu_s")),
                     _n(get(r, "import", "peak_rss_mb")), _n(get(r, "rebuild", "events_per_s")),
                     _n(get(r, "rebuild", "peak_rss_mb")), _n(get(r, "verify", "events_per_s")),
                     _n(get(r, "verify", "peak_rss_mb")),
                     _n(r.get("raw_read_decode_per_s")), _ms(r.get("append_one_ms")), _n(r.get("db_mb")),
                     _n(r.get("load_avg"), 1)])
    return head, rows


def read_table(result: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    head = ["backend", "events", "cold state ms", "(CPU ms)", "cold state json", "cold rate", "cold diff",
            "cold history", "in-proc state ms", "in-proc rate", "in-proc diff", "in-proc history", "raw query ms",
            "same answers"]
    rows = []
    for r in result["runs"]:
        c, i = r.get("cold_ms", {}), r.get("inproc_ms", {})
        cpu = get(r, "cold_cpu_ms", "state")
        rows.append([r["backend"], _size(r["size"]), _ms(c.get("state")), _ms(cpu),
                     *(_ms(c.get(k)) for k in ("state_json", "rate", "diff", "history")),
                     *(_ms(i.get(k)) for k in ("state", "rate", "diff", "history")), _ms(r.get("raw_query_ms")),
                     "yes" if r.get("answers_match") else "NO"])
    return head, rows


def whole_table(result: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    head = ["backend", "events", "table s", "table RSS MB", "json s", "json RSS MB", "json MB", "history json s",
            "history RSS MB", "history MB", "timeline json s", "timeline RSS MB", "timeline MB"]
    rows = []
    for r in result["runs"]:
        w = r.get("whole_state") or {}
        rows.append([r["backend"], _size(r["size"]), _n(w.get("table_s"), 1), _n(w.get("table_rss_mb")),
                     _n(w.get("json_s"), 1), _n(w.get("json_rss_mb")), _n(w.get("json_mb"), 1),
                     *(cell for name in ("history", "timeline") for cell in (
                         _n(w.get(f"{name}_s"), 1), _n(w.get(f"{name}_rss_mb")), _n(w.get(f"{name}_mb"), 1)))])
    return head, rows


def floor_table(result: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    """Rebuild and import beside the write floors: the database alone writing the same rows (no Python per
    row). A rebuild cannot be faster than its floor; "÷ floor" is the share of that speed reached."""
    head = ["backend", "events", "rebuild ev/s", "rebuild floor ev/s", "rebuild ÷ floor", "import ev/s",
            "import floor ev/s", "import ÷ floor"]
    rows = []
    for r in result["runs"]:
        rebuild, imp = get(r, "rebuild", "events_per_s"), get(r, "import", "events_per_s")
        floor_rebuild, floor_import = get(r, "write_floor", "rebuild_per_s"), get(r, "write_floor", "import_per_s")
        rows.append([r["backend"], _size(r["size"]), _n(rebuild), _n(floor_rebuild), _x(ratio(rebuild, floor_rebuild)),
                     _n(imp), _n(floor_import), _x(ratio(imp, floor_import))])
    return head, rows


def growth_table(result: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    head = ["backend", "events", "vs", "in-proc state", "(CPU)", "in-proc rate", "(CPU)", "in-proc diff",
            "in-proc history", "(CPU)", "cold state", "(CPU)", "cold rate", "(CPU)"]
    rows = []
    for r in result["runs"]:
        g = r.get("growth", {})
        keys = ("inproc_state", "inproc_cpu_state", "inproc_rate", "inproc_cpu_rate", "inproc_diff", "inproc_history",
                "inproc_cpu_history", "cold_state", "cold_cpu_state", "cold_rate", "cold_cpu_rate")
        rows.append([r["backend"], _size(r["size"]), _size(r["growth_base_size"]), *(_x(g.get(k)) for k in keys)])
    return head, rows


@dataclass(frozen=True)
class Target:
    what: str
    backend: str
    goal: float
    higher_is_better: bool
    unit: str
    value: Callable[[Row], float | None]


def _vs_library(r: Row) -> float | None:
    """The import's rate over the library's own, same lines, same run: above 1 beats it."""
    mine, theirs = get(r, "import", "events_per_s"), get(r, "library", "events_per_s")
    return mine / theirs if mine is not None and theirs else None


TARGETS = (
    Target("bulk import", "sqlite", 20_000, True, "events/s", lambda r: get(r, "import", "events_per_s")),
    Target("bulk import", "postgres", 10_000, True, "events/s", lambda r: get(r, "import", "events_per_s")),
    Target("import ÷ library ceiling", "*", 1, True, "×", _vs_library),
    Target("import peak RSS", "*", 500, False, "MB", lambda r: get(r, "import", "peak_rss_mb")),
    Target("rebuild peak RSS", "*", 500, False, "MB", lambda r: get(r, "rebuild", "peak_rss_mb")),
    Target("verify peak RSS", "*", 500, False, "MB", lambda r: get(r, "verify", "peak_rss_mb")),
    Target("state, in-process", "*", 10, False, "ms", lambda r: get(r, "inproc_ms", "state")),
    Target("rate, in-process", "*", 10, False, "ms", lambda r: get(r, "inproc_ms", "rate")),
    Target("state, cold CLI", "sqlite", 250, False, "ms", lambda r: get(r, "cold_ms", "state")),
    Target("rate, cold CLI", "sqlite", 250, False, "ms", lambda r: get(r, "cold_ms", "rate")),
    Target("state, cold CLI", "postgres", 300, False, "ms", lambda r: get(r, "cold_ms", "state")),
    Target("rate, cold CLI", "postgres", 300, False, "ms", lambda r: get(r, "cold_ms", "rate")),
    Target("state growth vs 1k", "*", 1.5, False, "×", lambda r: get(r, "growth", "inproc_state")),
    Target("rate growth vs 1k", "*", 1.5, False, "×", lambda r: get(r, "growth", "inproc_rate")),
    Target("rebuild", "*", 100_000, True, "events/s", lambda r: get(r, "rebuild", "events_per_s")),
    Target("verify", "*", 100_000, True, "events/s", lambda r: get(r, "verify", "events_per_s")),
    Target("typed append, cold", "*", 300, False, "ms", lambda r: r.get("append_one_ms")),
)


def target_table(result: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    """Each target against the largest ledger measured on each backend it applies to."""
    head = ["target", "backend", "at", "goal", "measured", "met"]
    rows = []
    for backend in sorted({r["backend"] for r in result["runs"]}):
        largest = max((r for r in result["runs"] if r["backend"] == backend), key=lambda r: r["size"])
        for t in TARGETS:
            if t.backend not in ("*", backend):
                continue
            value = t.value(largest)
            goal = f"{'≥' if t.higher_is_better else '≤'} {_n(t.goal, 1 if t.goal < 10 else 0)} {t.unit}"
            if value is None:
                verdict = "—"
            elif (value >= t.goal) if t.higher_is_better else (value <= t.goal):
                verdict = "yes"
            else:
                factor = t.goal / value if t.higher_is_better else value / t.goal
                verdict = f"no ({factor:.1f}× off)"
            shown = _x(value) if t.unit == "×" else f"{_ms(value) if t.unit == 'ms' else _n(value)} {t.unit}"
            rows.append([t.what, backend, _size(largest["size"]), goal, shown, verdict])
    return head, rows


def baseline_lines(result: dict[str, Any]) -> list[str]:
    b, m = result["baseline"], result["machine"]
    lines = [
        f"machine: {m['cpus']} CPUs ({m.get('workers', 0)} worker processes), Python {m['python']}, "
        f"{m['platform']}, commit {m['commit']}, "
        f"load {', '.join(f'{x:.2f}' for x in m['load_avg'])}; mode {result['mode']}, seed {result['seed']}, "
        f"{result['seconds']:.0f} s",
        f"start-up: python -c pass {_ms(b['python_pass_ms'])} ms; + sqlite3/json/argparse "
        f"{_ms(b['python_sqlite_ms'])} ms; ledger --help {_ms(b['ledger_help_ms'])} ms",
        f"raw SQLite insert (one transaction, executemany, ~300-byte rows): {_n(b['sqlite_insert_rows_per_s'])} rows/s",
    ]
    if "postgres_insert_rows_per_s" in b:
        lines.append(f"raw PostgreSQL insert (psycopg executemany, one transaction): "
                     f"{_n(b['postgres_insert_rows_per_s'])} rows/s")
    for s in result.get("skipped", []):
        lines.append(f"skipped: {s['backend']} {_size(s['size']) if s['size'] else ''} — {s['reason']}")
    for r in result["runs"]:
        for step, error in r.get("errors", {}).items():
            lines.append(f"FAILED: {r['backend']} {_size(r['size'])} {step}: {error}")
    return lines


def _plain(head: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(head)]

    def fmt(cells: list[str]) -> str:
        pairs = enumerate(zip(cells, widths, strict=True))
        return "  ".join(c.rjust(w) if i > 1 else c.ljust(w) for i, (c, w) in pairs)

    return "\n".join([fmt(head), fmt(["-" * w for w in widths]), *(fmt(r) for r in rows)])


def _markdown(head: list[str], rows: list[list[str]]) -> str:
    align = ["---" if i < 2 else "---:" for i in range(len(head))]
    return "\n".join("| " + " | ".join(cells) + " |" for cells in [head, align, *rows])


SECTIONS = (("Write path", write_table), ("Read path (median ms)", read_table),
            ("Write floors: the database alone writing the same rows", floor_table),
            ("The whole ledger's answers: `state --as-of`, `history`, `timeline` unfiltered, once", whole_table),
            ("Growth: time on this ledger ÷ time on the smallest (same answers)", growth_table),
            ("Targets (issue 12), on the largest ledger of each backend", target_table))


def render(result: dict[str, Any], markdown: bool = False) -> str:
    parts = []
    if markdown:
        parts.append("\n".join(f"- {line}" for line in baseline_lines(result)))
    else:
        parts.append("\n".join(baseline_lines(result)))
    for title, table in SECTIONS:
        head, rows = table(result)
        if markdown:
            parts.append(f"#### {title}\n\n{_markdown(head, rows)}")
        else:
            parts.append(f"{title}\n{_plain(head, rows)}")
    return "\n\n".join(parts) + "\n"
