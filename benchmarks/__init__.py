"""Benchmarks for searcher (issue 4): our engine side by side with a plain reference.

* :mod:`benchmarks.reference`: the straightforward Whoosh + Sastrawi engine most
  projects would write (default settings, one process, no stem cache).
* :mod:`benchmarks.run`: the harness (``python -m benchmarks.run --help``): indexing
  throughput, index size, peak RSS and query latency (cold and warm, with snippets),
  for both engines in one run, at 1x and optionally Nx the corpus.
* :mod:`benchmarks.profiling`: cProfile of our indexing and of warm queries
  (``python -m benchmarks.profiling --help``).

Results and the machine they were measured on are kept in ``BENCHMARKS.md``.
"""
