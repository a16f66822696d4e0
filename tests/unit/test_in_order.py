"""``InOrder`` hands results on in the order the calls were put, however the workers finish them.

The rebuild inserts rows, and ``verify`` compares them and reports its first failure, in
that order, so a result finished early must wait for the ones before it. Hypothesis
drives a pool whose calls finish in any order it likes (some at once, some only when
waited for), with any number of workers, and checks the order, the results, and that
no more calls are held than the bound says.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor, Future
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from projections.inorder import InOrder


class _Lazy(Future[Any]):
    """A future that computes its call when first waited for, unless the pool finished it earlier."""

    def __init__(self, fn: Callable[..., Any], args: tuple[Any, ...]):
        super().__init__()
        self.call = (fn, args)

    def finish(self) -> None:
        if not self.done():
            fn, args = self.call
            self.set_result(fn(*args))

    def result(self, timeout: float | None = None) -> Any:
        self.finish()
        return super().result(timeout)


class _Pool(Executor):
    def __init__(self, workers: int, finish_order: list[int]):
        self._max_workers = workers
        self.futures: list[_Lazy] = []
        self.finish_order = finish_order

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future = _Lazy(fn, args)
        self.futures.append(future)
        # The "workers" finish earlier calls in an order of hypothesis' choosing, each time one is sent.
        for i in self.finish_order[: len(self.futures)]:
            if i < len(self.futures):
                self.futures[i].finish()
        return future


@given(workers=st.integers(1, 4), calls=st.integers(0, 60),
       finish_order=st.lists(st.integers(0, 60), max_size=60))
def test_results_come_out_in_the_order_put_and_held_calls_stay_bounded(workers: int, calls: int,
                                                                       finish_order: list[int]) -> None:
    pool = _Pool(workers, finish_order)
    seen: list[tuple[int, int]] = []
    in_order: InOrder[int, int] = InOrder(pool, lambda key, result: seen.append((key, result)))
    most = 0
    for key in range(calls):
        in_order.put(key, lambda n: n * n, key)
        most = max(most, len(in_order.pending))
    in_order.drain()
    assert seen == [(k, k * k) for k in range(calls)]
    assert most <= in_order.queued + in_order.HELD
    assert not in_order.pending and in_order.running == 0
    # Calls run here only while the pool had its fill: never more sent than it may queue at once.
    assert len(pool.futures) >= min(calls, in_order.queued)
