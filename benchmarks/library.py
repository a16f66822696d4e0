"""The ``eventsourcing`` library's own ceiling: its application saving the same events, in batches.

The import writes through the library's recorder with events it has already encoded
(``ledger.store.BatchRecorder``), and does the ledger's own work besides: validation,
the checks, the chain and every read model. This measures what the library does on
its own with the same lines — no validation, no read models — so the import's figure
can be read against it: each line becomes one library ``DomainEvent`` holding the
line's JSON, in one stream, saved by ``Application.save`` in batches of 2,000 with
the library's default mapper and JSON transcoder and its stock SQLAlchemy recorder::

    python -m benchmarks.library big.jsonl sqlite:////tmp/lib.db   ->  {"events": 100000, "seconds": …}

It runs as a child process of the runner, so its CPU time and peak RSS are its own.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from typing import Any
from uuid import NAMESPACE_URL, uuid5

import orjson
from eventsourcing.application import Application
from eventsourcing.domain import DomainEvent

BATCH = 2000
STREAM = uuid5(NAMESPACE_URL, "ledger-benchmark-library-ceiling")


@dataclass(frozen=True)
class Line(DomainEvent):
    """One ledger line as the library stores an event: its JSON as a plain dict."""

    line: dict[str, Any]


def save_all(path: str, url: str) -> dict[str, float]:
    app: Application[Any] = Application(env={"PERSISTENCE_MODULE": "eventsourcing_sqlalchemy",
                                             "SQLALCHEMY_URL": url, "CREATE_TABLE": "y"})
    start = time.perf_counter()
    version = 0
    batch: list[Line] = []
    with open(path, "rb") as lines:
        for raw in lines:
            if not raw.strip():
                continue
            version += 1
            batch.append(Line(originator_id=STREAM, originator_version=version,
                              timestamp=Line.create_timestamp(), line=orjson.loads(raw)))
            if len(batch) >= BATCH:
                app.save(*batch)
                batch = []
    if batch:
        app.save(*batch)
    seconds = time.perf_counter() - start
    app.close()
    return {"events": version, "seconds": seconds}


if __name__ == "__main__":
    sys.stdout.write(orjson.dumps(save_all(sys.argv[1], sys.argv[2])).decode() + "\n")
