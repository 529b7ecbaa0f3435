"""Query speed as traffic arrives: a stream of distinct queries, each sent once.

    python -m benchmarks.stream --index DIR [--ranking words|default] [--queries N] [--collapse]

The stream mixes the kinds of query a news search box gets, shuffled with a
fixed seed: the news dev queries and ``benchmarks/queries.txt``, TyDi QA
questions, and CLICK-ID titles (whole and their first four words). Every
query is different, so no result cache helps; the posting cache is as a
long-running server has it, warmed by the first ``--warm`` queries of the
stream (not timed). Each timed query is a full search with 10 snippets.
Prints p50, p95, p99 and the mean in milliseconds.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import searcher
from benchmarks.corpora import distinct_queries
from searcher.ranking import DEFAULT, WORDS_ONLY

RANKINGS = {"default": DEFAULT, "words": WORDS_ONLY}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.stream",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--index", required=True, help="a Whoosh index folder")
    parser.add_argument("--ranking", choices=sorted(RANKINGS), default="default")
    parser.add_argument("--queries", type=int, default=2000, help="timed queries")
    parser.add_argument("--warm", type=int, default=200, help="untimed queries first")
    parser.add_argument(
        "--collapse",
        action="store_true",
        help="one hit per duplicate group, as the CLI and web app search",
    )
    parser.add_argument(
        "--dump",
        type=Path,
        help="write the stream here (one query a line) "
        "and stop, to time another build on the very same queries",
    )
    parser.add_argument(
        "--no-vocabulary",
        action="store_true",
        help="do not trust the stem table as the index's vocabulary: rare "
        "words' spellings and 'did you mean' walk the term dictionary, "
        "as for an index older than its stem table",
    )
    args = parser.parse_args(argv)
    if args.no_vocabulary:
        from searcher import stemtable

        stemtable.is_complete = lambda folder, vocabulary=None: False  # a benchmark switch
    stream = distinct_queries(args.warm + args.queries)
    if args.dump:
        args.dump.write_text("".join(f"{' '.join(q.split())}\n" for q in stream), encoding="utf-8")
        return 0
    timings = []
    with searcher.open_index(args.index, ranking=RANKINGS[args.ranking]) as index:
        for number, text in enumerate(stream):
            started = time.perf_counter()
            try:
                index.search(text, per_page=10, collapse=args.collapse)
            except searcher.QueryError:
                continue
            if number >= args.warm:
                timings.append((time.perf_counter() - started) * 1000)
    timings.sort()

    def at(fraction: float) -> float:
        return timings[min(len(timings) - 1, int(fraction * len(timings)))]

    mode = f"{args.ranking}{', collapsed' if args.collapse else ''}"
    print(
        f"{mode}: {len(timings)} distinct queries (after {args.warm} warm-up), "
        f"10 snippets each: p50 {at(0.5):.2f} ms, p95 {at(0.95):.2f} ms, "
        f"p99 {at(0.99):.2f} ms, mean {statistics.fmean(timings):.2f} ms"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
