"""Where the time goes: cProfile of our indexing and of warm queries.

Usage (from the repository root)::

    python -m benchmarks.profiling [--corpus PATH ...] [--index-limit 3000]
                                   [--index DIR] [--queries FILE] [--query-count 200]

1. Indexing: ``searcher.build_index`` of the first ``--index-limit`` articles
   (procs=1, a fresh temporary index), whole pipeline including reading.
2. Querying: opening the index and the first query (cold with ``--skip-indexing``),
   then one unprofiled warm-up pass over the queries, then ``--query-count``
   searches (cycling through the queries) with snippets for the top 10, on the index
   ``--index`` (default: one built first from the whole corpus, not profiled).

For each it prints the functions with the most self time (% of the profiled total),
self time by package (whoosh, Sastrawi, searcher, ...) and our own functions by
cumulative time. cProfile slows pure-Python code unevenly, so read the shares as
pointers to the biggest costs, not as exact figures; ``py-spy`` (a sampling
profiler) gives less distorted shares when it is available.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import itertools
import pstats
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

from benchmarks.corpora import (
    DEFAULT_CORPUS,
    DEFAULT_QUERIES,
    article_stream,
    distinct_queries,
    read_queries,
)


def _area(filename: str) -> str:
    """A package-level name for a profiled function's file."""
    path = filename.replace("\\", "/")
    for marker, name in (
        ("/whoosh/", "whoosh"),
        ("/Sastrawi/", "Sastrawi"),
        ("/searcher/", "searcher"),
        ("/benchmarks/", "benchmarks"),
    ):
        if marker in path:
            return name
    if "/site-packages/" in path:
        return path.split("/site-packages/", 1)[1].split("/", 1)[0]
    if filename.startswith("<") or filename == "~":
        return "builtins (C)"
    module = Path(path)
    name = module.parent.name if module.stem == "__init__" else module.stem
    return f"stdlib: {name}"


def summarize(profile: cProfile.Profile, title: str, top: int = 10) -> str:
    """Top self-time functions, self time per package, and our cumulative costs."""
    stats = pstats.Stats(profile)
    entries = stats.stats  # (file, line, name) -> (cc, nc, tottime, cumtime, callers)
    total = sum(tottime for _, _, tottime, _, _ in entries.values()) or 1.0
    lines = [
        f"\n## {title}: {total:.2f} s profiled\n",
        "### top functions by self time\n",
        "| % self | self s | cum s | calls | function |",
        "|---|---|---|---|---|",
    ]
    ordered = sorted(entries.items(), key=lambda item: -item[1][2])
    for (filename, line, name), (_, calls, tottime, cumtime, _) in ordered[:top]:
        where = f"{_area(filename)}:{Path(filename).name}:{line}" if line else _area(filename)
        lines.append(
            f"| {100 * tottime / total:.1f} | {tottime:.2f} | {cumtime:.2f} | "
            f"{calls:,} | `{name}` ({where}) |"
        )
    by_area: dict[str, float] = defaultdict(float)
    for (filename, _, _), (_, _, tottime, _, _) in entries.items():
        by_area[_area(filename)] += tottime
    lines += ["\n### self time by package\n", "| % | package |", "|---|---|"]
    for area, seconds in sorted(by_area.items(), key=lambda item: -item[1])[:8]:
        lines.append(f"| {100 * seconds / total:.1f} | {area} |")
    ours = [(key, value) for key, value in entries.items() if "/searcher/" in key[0]]
    lines += ["\n### our functions by cumulative time\n", "| % cum | function |", "|---|---|"]
    for (filename, line, name), value in sorted(ours, key=lambda i: -i[1][3])[:top]:
        where = f"searcher/{Path(filename).name}:{line}"
        lines.append(f"| {100 * value[3] / total:.1f} | `{name}` ({where}) |")
    return "\n".join(lines)


def profile_indexing(corpus: Sequence[Path], limit: int, workdir: Path) -> str:
    import searcher

    profile = cProfile.Profile()
    started = time.perf_counter()
    profile.enable()
    report = searcher.build_index(article_stream(corpus, 1, limit), workdir / "profile-index")
    profile.disable()
    seconds = time.perf_counter() - started
    return summarize(profile, f"indexing {report.added:,} articles (procs=1), {seconds:.1f} s wall")


def profile_queries(index_dir: Path, queries: list[str], count: int, stream: int = 0) -> str:
    """Profile opening the index and the first query, then ``count`` warm queries.

    With ``stream`` the profiled queries are instead ``stream`` distinct queries,
    each sent once, after the ``queries`` (here the stream's own first ones) unprofiled.

    The first query is cold only if nothing was searched or indexed before in this
    process (run with ``--skip-indexing``).
    """
    import searcher

    first = cProfile.Profile()
    started = time.perf_counter()
    first.enable()
    index = searcher.open_index(index_dir, result_cache=0)  # searches, not cache hits
    index.search(queries[0], per_page=10)
    first.disable()
    first_seconds = time.perf_counter() - started
    try:
        warm, timed = (
            (queries[:-stream], queries[-stream:])
            if stream
            else (queries, list(itertools.islice(itertools.cycle(queries), count)))
        )
        for q in warm:  # warm-up, not profiled
            _search(index, q)
        profile = cProfile.Profile()
        started = time.perf_counter()
        profile.enable()
        for q in timed:
            _search(index, q)
        profile.disable()
        seconds = time.perf_counter() - started
    finally:
        index.close()
    return "\n".join(
        [
            summarize(first, f"open + first query {queries[0]!r}, {first_seconds:.2f} s wall"),
            summarize(
                profile,
                f"{len(timed)} {'distinct' if stream else 'warm repeated'} "
                f"queries with snippets, {seconds:.1f} s wall",
            ),
        ]
    )


def _search(index, query: str) -> None:
    import searcher

    # A stream query the engine refuses (too long, only stop words) is no search.
    with contextlib.suppress(searcher.QueryError):
        index.search(query, per_page=10)


def main(argv: Sequence[str] | None = None) -> int:
    """Profile our indexing and querying; prints Markdown tables."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.profiling", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--corpus", action="append", type=Path)
    parser.add_argument(
        "--index-limit",
        type=int,
        default=3000,
        help="articles to index under the profiler (default 3000)",
    )
    parser.add_argument(
        "--index", type=Path, help="existing index for the query profile (default: build one)"
    )
    parser.add_argument("--queries", type=Path, default=DEFAULT_QUERIES)
    parser.add_argument("--query-count", type=int, default=200)
    parser.add_argument(
        "--stream",
        type=int,
        default=0,
        help="profile N distinct queries, each sent once, after 200 "
        "unprofiled ones (benchmarks.corpora.distinct_queries)",
    )
    parser.add_argument("--skip-indexing", action="store_true")
    parser.add_argument("--skip-queries", action="store_true")
    args = parser.parse_args(argv)
    corpus = args.corpus or [DEFAULT_CORPUS]
    workdir = Path(tempfile.mkdtemp(prefix="searcher-profile-"))
    try:
        if not args.skip_indexing:
            print(profile_indexing(corpus, args.index_limit, workdir), flush=True)
        if not args.skip_queries:
            index_dir = args.index
            if index_dir is None:
                import searcher

                index_dir = workdir / "query-index"
                print(
                    f"(building an index of {corpus} for the query profile ...)",
                    file=sys.stderr,
                    flush=True,
                )
                searcher.build_index(article_stream(corpus), index_dir)
            queries = (
                distinct_queries(200 + args.stream) if args.stream else read_queries(args.queries)
            )
            print(profile_queries(index_dir, queries, args.query_count, args.stream))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
