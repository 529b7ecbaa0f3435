"""Saved searches (issue #26): 1,000 saved searches against a round of 500 new articles.

Usage (from the repository root)::

    python -m benchmarks.watch [--corpus PATH] [--folder DIR] [--searches N] [--new N]
                               [--repeat N] [--json OUT]

The index holds the corpus (default CLICK-ID) but its last ``--new`` articles,
built once in ``--folder`` (default ``/tmp/searcher-bench-watch``) and reused.
``--searches`` distinct queries (:func:`benchmarks.corpora.distinct_queries`:
news queries, TyDi QA questions, whole titles and their first four words:
longer than what people save, so a heavy load), every fifth restricted to a
source and every seventh to a date range, are saved. Each repetition then
indexes a round of ``--new`` articles (the held-out ones, under new ids each
time) and times, in a fresh process state as ``fetch --every`` has after a
round (the index opened anew, no posting cache):

* ``run``: :func:`searcher.watch.run_watches`, everything a round does: every
  saved search evaluated over the whole index and restricted to the articles
  indexed after its mark (``Index.percolate``), the matches recorded in SQLite
  and written to the alert log;
* ``percolate``: the searches alone.

How matching stays cheap (:mod:`searcher.whoosh.percolation`): no ranking,
snippets, suggestions or result pages; each saved search is evaluated over the
segments that hold the new articles only (a round's articles are in the
newest, small segments), for which documents match, with the posting lists
read once per run and shared by the searches; then masked by the ``indexed``
column.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from benchmarks.corpora import DEFAULT_CORPUS, article_stream, distinct_queries


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.watch", description=__doc__)
    parser.add_argument("--corpus", default=str(DEFAULT_CORPUS))
    parser.add_argument("--folder", default="/tmp/searcher-bench-watch")
    parser.add_argument("--searches", type=int, default=1000)
    parser.add_argument("--new", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", metavar="OUT")
    args = parser.parse_args(argv)

    import searcher
    from searcher import watch

    articles = list(article_stream([args.corpus]))
    base, held = articles[: -args.new], articles[-args.new :]
    folder = Path(args.folder)
    index = folder / "index"
    if not searcher.index_exists(str(index)):
        started = time.perf_counter()
        searcher.build_index(base, str(index), procs=2)
        print(
            f"built the index of {len(base)} articles in {time.perf_counter() - started:.0f} s",
            flush=True,
        )
    store_path = folder / "watches.sqlite"
    for stale in folder.glob("watches.sqlite*"):
        stale.unlink()
    log = Path(tempfile.mkdtemp(prefix="watch-bench-")) / "alerts.jsonl"
    queries = distinct_queries(args.searches, titles_from=args.corpus)
    sources = sorted({a.source for a in base})
    with searcher.open_index(str(index)) as ix, watch.WatchStore(store_path) as store:
        for number, query in enumerate(queries):
            filters = {}
            if number % 5 == 0:
                filters["source"] = [sources[number % len(sources)]]
            if number % 7 == 0:
                filters["since"], filters["until"] = "2019-09-01", "2019-09-30"
            watch.add_watch(ix, store, f"s{number:04d}", query, filters)
    print(f"{len(queries)} saved searches; rounds of {args.new} new articles", flush=True)

    runs = []
    stamp = time.time_ns()  # new ids on every invocation: the round's articles are new
    for repetition in range(args.repeat):
        fresh = [replace(a, id=f"{a.id}~round{stamp}-{repetition}") for a in held]
        searcher.build_index(fresh, str(index), procs=1)
        with watch.WatchStore(store_path) as store:
            searches = [(w.query, w.search_filters(), w.mark) for w in store.watches()]
        with searcher.open_index(str(index)) as ix:
            started, cpu = time.perf_counter(), time.process_time()
            done = ix.percolate(searches)
            percolate_seconds = time.perf_counter() - started
            percolate_cpu = time.process_time() - cpu
        with searcher.open_index(str(index)) as ix, watch.WatchStore(store_path) as store:
            started, cpu = time.perf_counter(), time.process_time()
            report = watch.run_watches(ix, store, log=log)
            run_seconds = time.perf_counter() - started
            run_cpu = time.process_time() - cpu
        errors = sum(isinstance(m, str) for m in done.matches)
        load = os.getloadavg()[0]
        runs.append(
            {
                "run_seconds": round(run_seconds, 2),
                "run_cpu": round(run_cpu, 2),
                "percolate_seconds": round(percolate_seconds, 2),
                "percolate_cpu": round(percolate_cpu, 2),
                "load": round(load, 1),
                "matches": len(report.matches),
                "errors": len(report.errors),
                "percolate_errors": errors,
            }
        )
        print(
            f"round {repetition + 1}: run {run_seconds:.2f} s wall, {run_cpu:.2f} s CPU "
            f"({len(report.matches)} new matches, {len(report.errors)} searches failed); "
            f"percolate alone {percolate_seconds:.2f} s wall, {percolate_cpu:.2f} s CPU; "
            f"load average {load:.1f}",
            flush=True,
        )
    shutil.rmtree(log.parent, ignore_errors=True)
    best = min(r["run_seconds"] for r in runs)
    cpu = min(r["run_cpu"] for r in runs)
    print(
        f"best run {best:.2f} s wall, {cpu:.2f} s CPU; target < 10 s: "
        f"{'met' if best < 10 else 'wall NOT met'}"
    )
    if args.json:
        Path(args.json).write_text(
            json.dumps({"searches": len(queries), "new": args.new, "runs": runs}, indent=2)
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
