"""Worker processes for bulk work: an import's validation, the folds of an import, a rebuild, a restore, ``verify``.

Python runs one thread of pure-Python work at a time, and a bulk job is mostly that (pydantic
validation, folding timelines), so the second core is reached with processes. They only
compute: the calling process keeps the one database connection and the one transaction, so a
job is still all or nothing, and its answers do not depend on how many workers ran it.

``LEDGER_WORKERS`` sets how many (``0``: everything in the calling process). The default is one
fewer than the CPUs, at most :data:`MAX_DEFAULT`.

    >>> worker_count({"LEDGER_WORKERS": "0"})
    0
    >>> worker_count({"LEDGER_WORKERS": "many"})
    Traceback (most recent call last):
    ...
    events.errors.BadInput: LEDGER_WORKERS: expected a whole number of worker processes (0 for none), got 'many'
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING

from events.errors import BadInput, InputError

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

ENV = "LEDGER_WORKERS"
MAX_DEFAULT = 4
#: Below this many events a rebuild, restore or verify runs in one process: starting workers would cost more than
#: they save. (An import starts them from its second chunk of lines: ``ledger.intake``.)
PARALLEL_EVENTS = 5000


def worker_count(environ: Mapping[str, str] | None = None) -> int:
    """How many worker processes a bulk job may start (``LEDGER_WORKERS``, else CPUs − 1, at most 4)."""
    value = (os.environ if environ is None else environ).get(ENV, "").strip()
    if value:
        if not value.isdigit():
            raise BadInput([InputError(None, ENV, f"expected a whole number of worker processes (0 for none), "
                                                  f"got {value!r}")])
        return int(value)
    return max(0, min((os.cpu_count() or 1) - 1, MAX_DEFAULT))


def workers_for(events: int) -> int:
    """How many workers a job over ``events`` events starts: none for a small one, else :func:`worker_count`."""
    return worker_count() if events > PARALLEL_EVENTS else 0


@contextmanager
def process_pool(workers: int) -> Iterator[ProcessPoolExecutor | None]:
    """A pool of ``workers`` processes, or None for none; shut down (and waited for) on leaving.

    On Linux the workers are forked, so they start in milliseconds with the modules already
    imported; they never touch the caller's database connection (a forked child only computes
    and leaves through ``os._exit``). Elsewhere the platform's default start method is used.
    """
    if workers <= 0:
        yield None
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    linux = sys.platform.startswith("linux")
    context = multiprocessing.get_context("fork" if linux else None)
    from functools import partial

    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context,
                               initializer=partial(_die_with_parent, os.getpid()) if linux else None)
    try:
        pool.submit(int).result()  # fork now, before the caller opens its transaction, not at its first call
        yield pool
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _die_with_parent(parent: int) -> None:
    """Linux: a worker is killed when the process that forked it dies, even by SIGKILL.

    A forked worker holds copies of its parent's file descriptors, database connections
    included: an orphan would keep a killed import's PostgreSQL transaction, and the ledger's
    write lock with it, open for as long as it lived (``tests/integration/test_crash.py``).
    """
    import ctypes
    import signal

    pr_set_pdeathsig = 1
    ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before the line above: nobody would send the signal
        os._exit(1)
