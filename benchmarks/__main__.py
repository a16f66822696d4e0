"""``python -m benchmarks``: build ledgers, measure them, print the table, save the JSON.

Examples::

    python -m benchmarks --quick                      # CI size: 1k and 20k events, SQLite and PostgreSQL
    python -m benchmarks --full --skip-pg-1m          # 1k / 100k / 1M; PostgreSQL stops at 100k
    python -m benchmarks --sizes 1000,100000 --backends sqlite
    python -m benchmarks --from-json benchmarks/results/<file>.json --markdown   # re-render, no measuring

Results go to ``benchmarks/results/<timestamp>-<mode>.json`` (git-ignored). Generated
ledgers are cached in ``--workdir`` (default ``$TMPDIR/ledger-bench``) by size,
seed and generator version.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from benchmarks.report import render
from benchmarks.run import PG_URL, Config, add_growth, run, save

QUICK: tuple[int, ...] = (1000, 20_000)
FULL: tuple[int, ...] = (1000, 100_000, 1_000_000)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="\n\n".join(__doc__.split("\n\n")[1:]))
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", help="1k and 20k events (the default)")
    mode.add_argument("--full", action="store_true", help="1k, 100k and 1M events")
    mode.add_argument("--sizes", help="comma-separated sizes, e.g. 1000,50000 (the smallest is the growth base)")
    mode.add_argument("--from-json", type=Path, help="render a saved result instead of measuring")
    parser.add_argument("--backends", default="sqlite,postgres", help="sqlite,postgres (default both)")
    parser.add_argument("--runs", type=int, default=None, help="cold runs per command (default 5 quick, 7 full)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--skip-pg-1m", action="store_true", help="do not build the 1M ledger on PostgreSQL")
    parser.add_argument("--pg-url", default=PG_URL, help="PostgreSQL server URL (a schema per ledger is made)")
    parser.add_argument("--workdir", type=Path, default=None, help="where generated ledgers are cached")
    parser.add_argument("--markdown", action="store_true", help="print Markdown tables (for docs/performance.md)")
    parser.add_argument("--no-save", action="store_true", help="do not write benchmarks/results/*.json")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.from_json:
        result = json.loads(args.from_json.read_text())
        add_growth(result["runs"])  # recomputed, so results saved by older runners gain newer columns
        print(render(result, markdown=args.markdown), end="")
        return 0
    if args.full:
        mode, sizes, runs = "full", FULL, 7
    elif args.sizes:
        mode, sizes, runs = "custom", tuple(int(s) for s in args.sizes.split(",")), 5
    else:
        mode, sizes, runs = "quick", QUICK, 5
    backends = tuple(b.strip() for b in args.backends.split(",") if b.strip())
    unknown = set(backends) - {"sqlite", "postgres"}
    if unknown:
        print(f"unknown backend(s): {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    config = Config(sizes=sizes, backends=backends, runs=args.runs or runs, seed=args.seed, mode=mode,
                    skip_pg_above=100_000 if args.skip_pg_1m else None, pg_url=args.pg_url)
    if args.workdir is not None:
        config.workdir = args.workdir
    result = run(config)
    if not args.no_save:
        path = save(result)
        print(f"saved {path}", file=sys.stderr)
    print(render(result, markdown=args.markdown), end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
