"""The benchmark runner: build ledgers of each size on each backend and measure what analysts wait for.

For every (backend, size) it builds a fresh ledger from a generated file and measures, in this order:

1. ``ledger append --file`` as a subprocess: events/s and the child's peak RSS (``os.wait4``);
2. cold CLI latency, median of ``runs`` fresh processes: ``state``, ``state --format json``, ``rate``,
   ``diff``, ``history --measure``;
3. in-process query time through :class:`ledger.service.Ledger` (median of many calls, wall and CPU), the
   same as-of lookup done by hand with ``sqlite3``/psycopg (the query ceiling), and, for every ledger but
   the smallest, the growth ratio against the smallest timed side by side (alternating rounds); the write
   floors: the database alone copying this ledger's rows into fresh ledgers (what a rebuild writes, what an
   import writes);
4. one typed ``ledger append talks.statement`` cold (median of 3);
5. ``ledger rebuild`` and ``ledger verify`` as subprocesses: events/s and peak RSS.

Sizes above the small ledger are "big" ledgers (the small one with unrelated events mixed in, see
:mod:`benchmarks.generate`), so every size must give the same ``state``/``rate`` answers; the runner
checks that (``same answers``) and keeps the smallest ledger open to time the growth against it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from benchmarks import ceiling
from benchmarks.generate import write_file
from benchmarks.proc import Child, ledger, ledger_argv, run_child
from benchmarks.report import ratio
from ledger.storage import sqlite_path
from ledger.workers import worker_count

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
AS_OF, IMPOSER, PARTNER, PRODUCT = "2025-06-01", "US", "JP", "870323"
DIFF_FROM, DIFF_TO, MEASURE = "2025-04-01", "2025-07-31", "us-reciprocal-jp"
APPENDS = 3  # typed appends timed per ledger (each adds an event, so keep it few)
PG_URL = os.environ.get("LEDGER_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")

# The cold commands, by name: the same questions on every size.
COLD = {
    "state": ("state", "--as-of", AS_OF, "--imposer", IMPOSER, "--partner", PARTNER),
    "state_json": ("state", "--as-of", AS_OF, "--imposer", IMPOSER, "--partner", PARTNER, "--format", "json"),
    "rate": ("rate", PARTNER, PRODUCT, "--as-of", AS_OF, "--imposer", IMPOSER),
    "diff": ("diff", "--from", DIFF_FROM, "--to", DIFF_TO, "--imposer", IMPOSER, "--partner", PARTNER),
    "history": ("history", "--measure", MEASURE),
}


@dataclass
class Config:
    sizes: tuple[int, ...]
    backends: tuple[str, ...]
    runs: int = 5
    seed: int = 0
    small_size: int = 1000
    skip_pg_above: int | None = None
    workdir: Path = field(default_factory=lambda: Path(tempfile.gettempdir()) / "ledger-bench")
    pg_url: str = PG_URL
    mode: str = "custom"
    log: Callable[[str], None] = lambda line: print(line, file=sys.stderr, flush=True)


def source_digest() -> str:
    """Changes when the generator does, so cached data files are never stale."""
    h = hashlib.sha256()
    for name in ("generate.py", "world.py", "vocabulary.py"):
        h.update((HERE / name).read_bytes())
    h.update((HERE.parent / "examples" / "us-japan-2025.jsonl").read_bytes())
    return h.hexdigest()[:10]


def data_file(config: Config, size: int) -> tuple[Path, float]:
    """The generated ledger for ``size`` (cached by size, seed and generator version); generation seconds."""
    kind = "small" if size <= config.small_size else "big"
    config.workdir.mkdir(parents=True, exist_ok=True)
    path = config.workdir / f"{kind}-{size}-seed{config.seed}-{source_digest()}.jsonl"
    if path.exists():
        return path, 0.0
    start = time.perf_counter()
    write_file(path, kind, size, config.seed, config.small_size)
    return path, time.perf_counter() - start


def _libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def driver_place(url: str) -> str:
    """What the drivers take: a SQLite ledger's file path, or a PostgreSQL ledger's libpq URL."""
    path = sqlite_path(url)
    return str(path) if path is not None else _libpq(url)


def pg_problem(url: str) -> str | None:
    try:
        import psycopg

        with psycopg.connect(_libpq(url), connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except Exception as exc:  # any reason not to run the PostgreSQL benchmarks
        return f"{exc.__class__.__name__}: {str(exc).strip().splitlines()[0] if str(exc) else ''}"
    return None


@contextmanager
def database(config: Config, backend: str, size: int) -> Iterator[str]:
    """A URL for an empty database: a fresh SQLite file, or a fresh PostgreSQL schema dropped afterwards."""
    if backend == "sqlite":
        config.workdir.mkdir(parents=True, exist_ok=True)  # the first ledger may come before any data file
        with tempfile.TemporaryDirectory(dir=config.workdir) as tmp:
            yield f"sqlite:///{Path(tmp) / f'bench-{size}.db'}"
        return
    import psycopg

    schema = f"bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(_libpq(config.pg_url), autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    sep = "&" if "?" in config.pg_url else "?"
    try:
        yield f"{config.pg_url}{sep}options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(_libpq(config.pg_url), autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


def cold(url: str, args: tuple[str, ...], runs: int) -> tuple[float, float, bytes]:
    """Median wall ms and median CPU ms of ``runs`` fresh ``ledger`` processes, and the first one's stdout.

    No untimed warm-up: the import has just written the database, so it is in the page cache;
    "cold" means a fresh interpreter, not a cold disk.
    """
    done = [ledger(url, *args) for _ in range(runs)]
    return (statistics.median(d.seconds for d in done) * 1000, statistics.median(d.cpu_seconds for d in done) * 1000,
            done[0].stdout)


def query_calls(led: Any) -> dict[str, Callable[[], Any]]:
    """The in-process questions, asked through the service API as the CLI asks them."""
    day, start, end = (dt.date.fromisoformat(d) for d in (AS_OF, DIFF_FROM, DIFF_TO))
    return {
        "state": lambda: led.state(day, None, IMPOSER, PARTNER),
        "rate": lambda: led.rate(PARTNER, PRODUCT, day, IMPOSER, None),
        "diff": lambda: led.diff(start, end, None, IMPOSER, PARTNER),
        "history": lambda: led.history("measure", MEASURE, None, None),
    }


def in_process(url: str) -> tuple[dict[str, float], dict[str, float], dict[str, Any]]:
    """Median wall ms and CPU ms of each query through the service API (warm engine), and the answers."""
    from ledger.service import Ledger

    led = Ledger(url)
    calls = query_calls(led)
    try:
        # The JSON answers, as a user gets them: the typed results also carry log positions, which
        # differ between ledgers that hold the same facts in another record order.
        answers = {"state": calls["state"]().to_json(), "rate": calls["rate"]().to_json()}
        times = {name: ceiling.median_times(call, repeats=100, budget_s=0.5) for name, call in calls.items()}
    finally:
        led.close()
    return {k: v[0] for k, v in times.items()}, {k: v[1] for k, v in times.items()}, answers


def paired_growth(base_url: str, url: str, rounds: int = 8, per_round: int = 8) -> dict[str, float]:
    """Time on ``url`` ÷ time on ``base_url`` for each query, measured alternately in the same minute.

    Timing the big ledger now and the small one minutes earlier lets a busy machine fake a growth
    (or hide one); alternating rounds (ABBA…) exposes both ledgers to the same load.
    """
    import time

    from ledger.service import Ledger

    leds = {"base": Ledger(base_url), "big": Ledger(url)}
    calls = {k: query_calls(v) for k, v in leds.items()}
    out: dict[str, float] = {}
    try:
        for name in calls["base"]:
            samples: dict[str, tuple[list[float], list[float]]] = {"base": ([], []), "big": ([], [])}
            for which in ("base", "big"):
                calls[which][name]()  # warm-up
            for r in range(rounds):
                for which in (("base", "big") if r % 2 == 0 else ("big", "base")):
                    call, (walls, cpus) = calls[which][name], samples[which]
                    for _ in range(per_round):
                        start, cpu = time.perf_counter(), time.process_time()
                        call()
                        walls.append(time.perf_counter() - start)
                        cpus.append(time.process_time() - cpu)
            out[f"inproc_{name}"] = statistics.median(samples["big"][0]) / statistics.median(samples["base"][0])
            out[f"inproc_cpu_{name}"] = statistics.median(samples["big"][1]) / statistics.median(samples["base"][1])
    finally:
        for led in leds.values():
            led.close()
    return out


def paired_cold(base_url: str, url: str, runs: int) -> dict[str, float]:
    """Cold ``state`` and ``rate`` on ``url`` ÷ on ``base_url``, fresh processes alternating (wall and CPU)."""
    out: dict[str, float] = {}
    for name in ("state", "rate"):
        times: dict[str, list[Child]] = {"base": [], "big": []}
        for r in range(runs):
            for which in (("base", "big") if r % 2 == 0 else ("big", "base")):
                times[which].append(ledger(base_url if which == "base" else url, *COLD[name]))
        big, base = times["big"], times["base"]
        out[f"cold_{name}"] = statistics.median(c.seconds for c in big) / statistics.median(c.seconds for c in base)
        out[f"cold_cpu_{name}"] = (statistics.median(c.cpu_seconds for c in big)
                                   / statistics.median(c.cpu_seconds for c in base))
    return out


def _timed(child: Child, events: int) -> dict[str, float]:
    return {"seconds": child.seconds, "events_per_s": events / child.seconds, "peak_rss_mb": child.peak_rss_mb,
            "cpu_seconds": child.cpu_seconds, "events_per_cpu_s": events / max(child.cpu_seconds, 1e-9)}


def measure_one(config: Config, backend: str, size: int, url: str, base_url: str | None = None) -> dict[str, Any]:
    """Every figure for one ledger. A step that fails is recorded in ``errors`` and the others still run,
    so a half-finished optimisation still gets measured; only a failed import ends the ledger early."""
    log = config.log
    path, gen_seconds = data_file(config, size)
    row: dict[str, Any] = {"backend": backend, "size": size, "file_mb": round(path.stat().st_size / 2**20, 1),
                           "generate_s": round(gen_seconds, 2), "errors": {}, "cold_ms": {}, "cold_cpu_ms": {},
                           "inproc_ms": {}, "load_avg": os.getloadavg()[0]}

    def step(name: str, call: Callable[[], Any]) -> Any:
        try:
            return call()
        except Exception as exc:  # recorded, shown in the table as a dash, and logged
            row["errors"][name] = f"{exc.__class__.__name__}: {str(exc)[-500:]}"
            log(f"[{backend} {size:,}] {name} failed: {row['errors'][name]}")
            return None

    ledger(url, "init")
    log(f"[{backend} {size:,}] importing {path.name} …")
    imp = step("import", lambda: ledger(url, "append", "--file", str(path)))
    if imp is None:
        return row
    row["import"] = _timed(imp, size)
    log(f"[{backend} {size:,}] import {size / imp.seconds:,.0f} events/s, peak RSS {imp.peak_rss_mb:,.0f} MB")
    row["library"] = step("library ceiling", lambda: library_ceiling(config, backend, size, path))
    if row["library"]:
        log(f"[{backend} {size:,}] the library alone saves {row['library']['events_per_s']:,.0f} events/s")
    for name, args in COLD.items():
        done = step(f"cold {name}", partial(cold, url, args, config.runs))
        row["cold_ms"][name] = done[0] if done else None
        row["cold_cpu_ms"][name] = done[1] if done else None
        if name == "state_json" and done:
            row["state_json_digest"] = hashlib.sha256(done[2]).hexdigest()
    done = step("in-process", lambda: in_process(url))
    if done:
        row["inproc_ms"], row["inproc_cpu_ms"], answers = done
        row["answers_digest"] = hashlib.sha256(repr(sorted(answers.items())).encode()).hexdigest()
    if base_url is not None:
        row["paired_growth"] = step("paired growth", lambda: paired_growth(base_url, url))
        row["paired_cold"] = step("paired cold", lambda: paired_cold(base_url, url, config.runs))
    if backend == "sqlite":
        file = Path(driver_place(url))
        row["raw_query_ms"] = step("raw query", lambda: ceiling.sqlite_query_ms(file, IMPOSER, AS_OF))
        row["raw_read_decode_per_s"] = step("raw read", lambda: ceiling.sqlite_read_decode_rate(file))
        row["db_mb"] = round(sum(f.stat().st_size for f in file.parent.glob(file.name + "*")) / 2**20, 1)
    else:
        row["raw_query_ms"] = step("raw query", lambda: ceiling.postgres_query_ms(_libpq(url), IMPOSER, AS_OF))
        row["raw_read_decode_per_s"] = step("raw read", lambda: ceiling.postgres_read_decode_rate(_libpq(url)))
        row["db_mb"] = step("db size", lambda: ceiling.postgres_schema_mb(_libpq(url)))
    row["write_floor"] = step("write floor", lambda: write_floors(config, backend, size, url))
    row["whole_state"] = step("whole state", lambda: whole_state(url))
    cold_state, inproc = row["cold_ms"].get("state") or 0, row["inproc_ms"]
    log(f"[{backend} {size:,}] cold state {cold_state:.0f} ms, in-process state {inproc.get('state') or 0:.2f} ms, "
        f"rate {inproc.get('rate') or 0:.2f} ms")
    appends = step("append one", lambda: [
        ledger(url, "append", "talks.statement", "--date", "2025-10-30", "--track", "us-jp-tariffs",
               "--speaker", "Bench Mark", "--party", "JP", "--text", f"benchmark statement {n}",
               "--source", "benchmark") for n in range(APPENDS)])
    row["append_one_ms"] = statistics.median(a.seconds for a in appends) * 1000 if appends else None
    row["append_one_cpu_ms"] = statistics.median(a.cpu_seconds for a in appends) * 1000 if appends else None
    total = size + (APPENDS if appends else 0)
    for name in ("rebuild", "verify"):
        done = step(name, partial(ledger, url, name))
        row[name] = _timed(done, total) if done else None
    log(f"[{backend} {size:,}] rebuild {(row['rebuild'] or {}).get('events_per_s', 0):,.0f}/s, "
        f"verify {(row['verify'] or {}).get('events_per_s', 0):,.0f}/s")
    return row


def whole_state(url: str) -> dict[str, float]:
    """The whole ledger's answer, as a newsroom asks it first: ``state --as-of`` with no filter, as a
    table (the default) and as JSON, then the whole ``history`` and ``timeline`` as JSON; wall time, peak
    RSS and the size of the JSON. One run each (at 1M it
    takes seconds, so start-up is noise), after one unmeasured run: in a trial on the 1M ledger, the first
    table took 146 s and the same command right after 12 s (the file's pages read from disk, it seems)."""
    ledger(url, "state", "--as-of", AS_OF, "--format", "csv")
    table = ledger(url, "state", "--as-of", AS_OF)
    data = ledger(url, "state", "--as-of", AS_OF, "--format", "json")
    out = {"table_s": table.seconds, "table_rss_mb": table.peak_rss_mb, "json_s": data.seconds,
           "json_rss_mb": data.peak_rss_mb, "json_mb": len(data.stdout) / 2**20}
    # The answers as long as the ledger itself, which stream (docs/architecture.md): every event's
    # history entry, every development of the timeline, as JSON.
    for name in ("history", "timeline"):
        done = ledger(url, name, "--format", "json")
        out.update({f"{name}_s": done.seconds, f"{name}_rss_mb": done.peak_rss_mb,
                    f"{name}_mb": len(done.stdout) / 2**20})
    return out


def write_floors(config: Config, backend: str, size: int, url: str) -> dict[str, float]:
    """The database alone writing this ledger's rows (:func:`benchmarks.ceiling.write_floor`), into fresh
    ledgers of its own: what a rebuild writes, then what an import writes. Events per second of each."""
    out: dict[str, float] = {}
    for name, with_log in (("rebuild", False), ("import", True)):
        with database(config, backend, size) as target:
            ledger(target, "init")
            seconds = ceiling.write_floor(driver_place(url), driver_place(target), with_log)
        out[f"{name}_seconds"] = seconds
        out[f"{name}_per_s"] = size / seconds
    return out


def library_ceiling(config: Config, backend: str, size: int, path: Path) -> dict[str, float]:
    """The ``eventsourcing`` application alone saving the same lines in batches (``benchmarks.library``),
    into a database of its own: the figure the import must beat."""
    with database(config, backend, size) as url:
        child = run_child([sys.executable, "-m", "benchmarks.library", str(path), url])
        if child.returncode != 0:
            raise RuntimeError(f"library ceiling failed: {child.stderr.decode()[-2000:]}")
    import json

    found = json.loads(child.stdout)
    # The whole process, start-up included, as the import's figure is: like for like.
    return {"seconds": child.seconds, "save_seconds": found["seconds"], "events_per_s": found["events"] / child.seconds,
            "cpu_seconds": child.cpu_seconds, "events_per_cpu_s": found["events"] / max(child.cpu_seconds, 1e-9),
            "peak_rss_mb": child.peak_rss_mb}


def add_growth(rows: list[dict[str, Any]]) -> None:
    """Ratio of each query's time to its time on the smallest ledger of the same backend; answers must match."""
    for backend in {r["backend"] for r in rows}:
        mine = sorted((r for r in rows if r["backend"] == backend), key=lambda r: r["size"])
        base = mine[0]
        for r in mine:
            r["growth"] = {
                **{f"inproc_{k}": ratio(v, base["inproc_ms"].get(k)) for k, v in r["inproc_ms"].items()},
                **{f"cold_{k}": ratio(v, base["cold_ms"].get(k)) for k, v in r["cold_ms"].items()},
                **{f"inproc_cpu_{k}": ratio(v, base.get("inproc_cpu_ms", {}).get(k))
                   for k, v in r.get("inproc_cpu_ms", {}).items()},
                **{f"cold_cpu_{k}": ratio(v, base.get("cold_cpu_ms", {}).get(k))
                   for k, v in r.get("cold_cpu_ms", {}).items()},
            }
            r["growth"].update(r.get("paired_growth") or {})  # measured side by side: preferred when present
            r["growth"].update(r.get("paired_cold") or {})
            r["growth_method"] = "paired" if r.get("paired_growth") else "separate"
            r["growth_base_size"] = base["size"]
            digests = ("answers_digest", "state_json_digest")
            r["answers_match"] = all(r.get(d) is not None and r.get(d) == base.get(d) for d in digests)


def machine() -> dict[str, Any]:
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=HERE.parent)
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], capture_output=True, text=True,
                           cwd=HERE.parent)
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "commit": commit.stdout.strip() + ("+dirty" if dirty.stdout.strip() else ""),
        "load_avg": os.getloadavg(),
        # Worker processes the commands may start (import validation, rebuild/verify folds): their CPU is in
        # the children's rusage, so the "per CPU-s" columns count it.
        "workers": worker_count(),
    }


def baselines(config: Config) -> dict[str, Any]:
    config.log("measuring the ceilings …")
    out: dict[str, Any] = {
        "python_pass_ms": ceiling.startup_ms("pass"),
        "python_sqlite_ms": ceiling.startup_ms("import sqlite3, json, argparse"),
        "ledger_help_ms": statistics.median(
            [run_child([*ledger_argv(), "--help"]).seconds for _ in range(config.runs)]) * 1000,
        "sqlite_insert_rows_per_s": ceiling.sqlite_insert_rate(),
    }
    if "postgres" in config.backends:
        out["postgres_insert_rows_per_s"] = ceiling.postgres_insert_rate(_libpq(config.pg_url))
    return out


def compile_packages() -> None:
    """Compile the ledger's packages to bytecode first, as ``pip install`` does for an installed program.

    An editable install leaves them uncompiled, and with ``PYTHONDONTWRITEBYTECODE`` set (as on
    the machines these figures come from) every cold command then compiled ~40 modules from
    source, 25–50 ms that no installed copy pays.
    """
    subprocess.run([sys.executable, "-m", "compileall", "-q", "events", "projections", "ledger"], cwd=HERE.parent,
                   check=True, env={**os.environ, "PYTHONDONTWRITEBYTECODE": ""})


def run(config: Config) -> dict[str, Any]:
    started = dt.datetime.now(dt.UTC)
    compile_packages()
    skipped: list[dict[str, Any]] = []
    backends = list(config.backends)
    if "postgres" in backends:
        problem = pg_problem(config.pg_url)
        if problem is not None and os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            # As in the test suite: on CI PostgreSQL must run, so a missing server fails loudly.
            raise SystemExit(f"PostgreSQL must run on CI but is unreachable at {config.pg_url}: {problem}")
        if problem is not None:
            backends.remove("postgres")
            skipped.append({"backend": "postgres", "size": None, "reason": f"unreachable: {problem}"})
            config.log(f"skipping PostgreSQL: {problem}")
            config.backends = tuple(backends)
    result: dict[str, Any] = {"started": started.isoformat(timespec="seconds"), "mode": config.mode,
                              "seed": config.seed, "machine": machine(), "baseline": baselines(config)}
    rows = []
    for backend in backends:
        sizes = sorted(config.sizes)
        if backend == "postgres" and config.skip_pg_above is not None:
            for size in (s for s in sizes if s > config.skip_pg_above):
                skipped.append({"backend": backend, "size": size, "reason": "skipped (--skip-pg-1m)"})
            sizes = [s for s in sizes if s <= config.skip_pg_above]
        if not sizes:
            continue
        # The smallest ledger stays open while the bigger ones are measured: growth is timed side by side.
        with database(config, backend, sizes[0]) as base_url:
            rows.append(measure_one(config, backend, sizes[0], base_url))
            for size in sizes[1:]:
                with database(config, backend, size) as url:
                    rows.append(measure_one(config, backend, size, url, base_url))
    add_growth(rows)
    result["runs"] = rows
    result["skipped"] = skipped
    result["seconds"] = (dt.datetime.now(dt.UTC) - started).total_seconds()
    return result


def save(result: dict[str, Any], directory: Path = RESULTS) -> Path:
    import json

    directory.mkdir(parents=True, exist_ok=True)
    stamp = result["started"].replace(":", "").replace("-", "").replace("+0000", "Z")
    path = directory / f"{stamp}-{result['mode']}.json"
    path.write_text(json.dumps(result, indent=2) + "\n")
    return path
