"""Python's cyclic collector paused while the server computes an answer, and running as usual between them.

A server lives long, so it keeps Python's collection schedule (``ledger serve``): cycles, such as
those an exception's traceback makes with a request's frames, are found between requests. But an
answer as long as the ledger builds millions of small objects that reference counting frees, and
Python's schedule walks them again and again while they are alive: 9.6 s of the 17.7 s an
unfiltered ``state`` of a 1M-event ledger took in the server's process (docs/performance.md).
While any answer is being computed, in any thread, the collector is off; when the last one is
done, it is back on, and collects whatever cycles were made meanwhile at its next turn.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class Pause:
    """A count of the answers being computed; the collector is off while it is above zero.

    It only switches the collector back on if it was on when the first answer began, so a process
    that runs without it (a test, an embedding program) stays without it.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.busy = 0
        self.was_enabled = False

    @contextmanager
    def __call__(self) -> Iterator[None]:
        with self.lock:
            if self.busy == 0:
                self.was_enabled = gc.isenabled()
                gc.disable()
            self.busy += 1
        try:
            yield
        finally:
            with self.lock:
                self.busy -= 1
                if self.busy == 0 and self.was_enabled:
                    gc.enable()


#: The process's one pause: the collector is one per process.
paused = Pause()
