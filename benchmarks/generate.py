"""Seeded synthetic ledgers in the vocabulary of docs/spec.md §3, streamed as JSON Lines with bounded memory.

The benchmarks need ledgers of 1k to 1M events that look like what analysts
load (many imposers and partners, HS prefixes of 2–10 digits, measures that are
amended, suspended, resumed, rescheduled and revoked, MFN duties with
``not_with``/``inclusive_of`` stacking, talks with rounds, proposals, answers,
statements and agreements, summits, a few corrections and retractions), that
``ledger append`` accepts line by line, and that are the same for a seed::

    python -m benchmarks.generate --kind big --size 100000 --seed 7 -o /tmp/big.jsonl

Kinds:

``plain``  ``size`` events from one synthetic world (1995 – October 2025).
``small``  ``examples/us-japan-2025.jsonl`` plus generated 2025 filler, ``size`` events in date order.
``big``    the small ledger (``--small-size``) with unrelated events mixed in by date: other imposers,
           talks not between the US and Japan, summits about those talks.

Why ``big`` = ``small`` + unrelated: the growth benchmark asks the same
questions of both (``state --as-of 2025-06-01 --imposer US --partner JP``,
``rate JP 870323 --imposer US``) and needs identical answers, so that only the
history grows. The filler may hold US measures, but never on Japan or on all
partners, and no generated talks have both the US and Japan as parties.

Memory stays bounded: only subjects still "active" (a capped pool) and a
capped window of correctable event ids are kept; retired subjects are dropped
(:class:`benchmarks.world.World`).
"""

from __future__ import annotations

import argparse
import datetime as dt
import heapq
import sys
from collections.abc import Iterable, Iterator
from operator import itemgetter
from pathlib import Path
from typing import BinaryIO

import orjson

from benchmarks.world import Event, World

SAMPLE = Path(__file__).resolve().parent.parent / "examples" / "us-japan-2025.jsonl"
SMALL_START, SMALL_END = dt.date(2025, 1, 1), dt.date(2025, 10, 31)
WORLD_START = dt.date(1995, 1, 1)


# -- the ledgers the benchmarks use ---------------------------------------------------------


def sample_events() -> list[Event]:
    """The sourced US–Japan sample, as decoded JSON objects."""
    return [orjson.loads(line) for line in SAMPLE.read_bytes().splitlines() if line.strip()]


def plain(size: int, seed: int = 0) -> Iterator[Event]:
    return iter(World(seed, size, WORLD_START, SMALL_END, tag="g"))


def small(size: int = 1000, seed: int = 0) -> Iterator[Event]:
    """The sample plus 2025 filler (US measures never on Japan), ``size`` events in date order."""
    sample = sample_events()
    if size < len(sample):
        raise ValueError(f"a small ledger holds the {len(sample)} sample events at least")
    filler = World(seed, size - len(sample), SMALL_START, SMALL_END, tag="s", allow_us=True)
    return heapq.merge(sample, filler, key=itemgetter("date"))


def big(size: int, seed: int = 0, small_size: int = 1000) -> Iterator[Event]:
    """The small ledger with ``size - small_size`` unrelated events (no US measures, no US–JP talks) mixed in."""
    if size < small_size:
        raise ValueError(f"a big ledger holds the {small_size}-event small ledger at least")
    unrelated = World(seed, size - small_size, WORLD_START, SMALL_END, tag="u")
    return heapq.merge(unrelated, small(small_size, seed), key=itemgetter("date"))


def ledger(kind: str, size: int, seed: int = 0, small_size: int = 1000) -> Iterator[Event]:
    if kind == "plain":
        return plain(size, seed)
    if kind == "small":
        return small(size, seed)
    if kind == "big":
        return big(size, seed, small_size)
    raise ValueError(f"unknown kind {kind!r}")


def write_jsonl(events: Iterable[Event], out: BinaryIO) -> int:
    """Write events one per line; return how many."""
    count = 0
    dumps, write = orjson.dumps, out.write
    for event in events:
        write(dumps(event) + b"\n")
        count += 1
    return count


def write_file(path: Path, kind: str, size: int, seed: int = 0, small_size: int = 1000) -> int:
    tmp = path.with_suffix(path.suffix + ".part")
    with open(tmp, "wb", buffering=1 << 20) as out:
        count = write_jsonl(ledger(kind, size, seed, small_size), out)
    tmp.replace(path)
    return count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.generate", description=__doc__.split("\n\n")[0])
    parser.add_argument("--kind", choices=("plain", "small", "big"), default="big")
    parser.add_argument("--size", type=int, default=1000, help="number of events")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--small-size", type=int, default=1000, help="size of the small ledger inside a big one")
    parser.add_argument("-o", "--output", default="-", help="file to write; - for standard output")
    args = parser.parse_args(argv)
    if args.output == "-":
        count = write_jsonl(ledger(args.kind, args.size, args.seed, args.small_size), sys.stdout.buffer)
    else:
        count = write_file(Path(args.output), args.kind, args.size, args.seed, args.small_size)
    print(f"wrote {count} events", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
