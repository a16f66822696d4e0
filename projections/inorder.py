"""Calls run by a pool of worker processes, their results handed on in the order they were put.

Every bulk job that uses workers (an import's validation, the folds of a refold, ``verify``'s
validation and replay) keeps its database work and its comparisons in the calling process and
gives the workers pure computations; this is the one place that sends them and takes the results
back in order, so what a job writes or reports does not depend on which worker finished first.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from concurrent.futures import Executor, Future
from typing import Any, Generic, TypeVar

K = TypeVar("K")
R = TypeVar("R")


class InOrder(Generic[K, R]):
    """Calls of picklable functions run by a worker pool, their results handed on in the order put.

    The caller keeps everything else (the database, the comparisons): ``done(key, result)`` runs
    in the calling process, for each call in turn. A call put while every worker already has
    :attr:`queued` calls waiting runs here instead, so this process computes too rather than
    sitting idle while the workers catch up. Memory: at most ``queued`` calls in the pool and
    :attr:`HELD` finished ones waiting for an earlier one.
    """

    HELD = 8

    def __init__(self, pool: Executor, done: Callable[[K, R], None], share: bool = True):
        self.pool = pool
        self.done = done
        # share=False: a call put while the workers are full waits for the oldest instead, for a caller with
        # better things to do meanwhile (an import's writer, whose inserts are the bottleneck).
        self.share = share
        # Two per worker keeps each busy between two puts; the executor's size is not public.
        self.queued = 2 * max(1, int(getattr(pool, "_max_workers", 1)))
        self.pending: deque[tuple[K, Future[R] | R]] = deque()
        self.running = 0

    def put(self, key: K, fn: Callable[..., R], *args: Any) -> None:
        self._settle(0, wait=False)
        while not self.share and self.running >= self.queued:
            self._settle(len(self.pending) - 1, wait=True)
        if self.running < self.queued:
            self.pending.append((key, self.pool.submit(fn, *args)))
            self.running += 1
        else:
            self.pending.append((key, fn(*args)))
        self._settle(self.queued + self.HELD, wait=True)

    def drain(self) -> None:
        """Wait for every call and hand its result on."""
        self._settle(0, wait=True)

    def _settle(self, keep: int, wait: bool) -> None:
        while len(self.pending) > keep:
            key, result = self.pending[0]
            if isinstance(result, Future):
                if not wait and not result.done():
                    return
                self.running -= 1
                result = result.result()
            self.pending.popleft()
            self.done(key, result)
