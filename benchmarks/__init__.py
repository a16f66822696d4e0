"""Benchmarks for issue 5: synthetic ledgers (:mod:`benchmarks.generate`), the runner (:mod:`benchmarks.run`)
and its tables (:mod:`benchmarks.report`). Run ``python -m benchmarks --quick`` from the repository root."""
