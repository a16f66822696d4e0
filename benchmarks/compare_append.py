"""A cold typed append of two versions of the code, side by side on the same ledgers.

A shared machine's speed drifts by tens of percent within minutes, so a change to start-up is
measured in alternation: one fresh process of the old code, one of the new, round after round,
on the same database, and the medians compared. The old code is a git revision checked out into a
temporary worktree and run with this checkout's interpreter and packages (``PYTHONPATH`` puts its
sources first)::

    python -m benchmarks.compare_append --before d38a355 --db /tmp/big.db \\
        --db 'postgresql+psycopg://postgres@127.0.0.1:5432/test?options=-csearch_path%3Dbig' --rounds 15

Each ledger must hold the track ``us-jp-tariffs`` (every generated ledger does: the sample is inside
it). Each round appends one ``talks.statement`` per version to each ledger.
"""

from __future__ import annotations

import argparse
import compileall
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUN = "import sys; sys.argv[0] = 'ledger'; from ledger.cli import main; main()"
PACKAGES = ("events", "projections", "ledger")


def one(root: Path, url: str, text: str) -> tuple[float, float]:
    """Wall and CPU milliseconds of one fresh ``ledger append talks.statement`` from the sources in ``root``."""
    env = {**os.environ, "LEDGER_DB": url, "PYTHONPATH": str(root)}
    args = [sys.executable, "-c", RUN, "append", "talks.statement", "--date", "2025-10-30", "--track",
            "us-jp-tariffs", "--speaker", "Bench Mark", "--party", "JP", "--text", text, "--source", "benchmark"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    # Run from the version's own directory: `-c` puts the working directory first on sys.path.
    subprocess.run(args, env=env, check=True, capture_output=True, cwd=root)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return wall * 1000, cpu * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", required=True, help="git revision of the old code")
    parser.add_argument("--db", action="append", required=True, help="a ledger URL or SQLite path (repeatable)")
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        old = Path(tmp) / "before"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(old), args.before], check=True,
                       capture_output=True)
        try:
            versions = {f"before ({args.before})": old, "after": ROOT}
            for root in versions.values():  # an installed copy has its bytecode: so must both sides
                for package in PACKAGES:
                    compileall.compile_dir(str(root / package), quiet=1)
            for url in args.db:
                results: dict[str, list[tuple[float, float]]] = {name: [] for name in versions}
                for n in range(args.rounds):
                    for name, root in versions.items():
                        results[name].append(one(root, url, f"compare {name} {n}"))
                base = statistics.median(w for w, _ in results[next(iter(versions))])
                for name, runs in results.items():
                    wall = statistics.median(w for w, _ in runs)
                    fastest = min(w for w, _ in runs)
                    cpu = statistics.median(c for _, c in runs)
                    print(f"{url.split('?')[0]:50} {name:24} wall median {wall:5.0f} ms (min {fastest:.0f})"
                          f"  CPU median {cpu:5.0f} ms  {wall / base:.2f}×")
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(old)], check=False,
                           capture_output=True)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", RUN, "--help"], capture_output=True, check=True)
    print(f"yardstick: ledger --help {1000 * (time.perf_counter() - start):.0f} ms")


if __name__ == "__main__":
    main()
