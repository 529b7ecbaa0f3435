"""Our codec against Whoosh's (issue 22): per-term reads, and the same results.

    python -m benchmarks.codec build SOURCE DIR [--limit N] [--procs P] [--whoosh-codec]
    python -m benchmarks.codec terms DIR [DIR ...]
    python -m benchmarks.codec same DIR_A DIR_B [--stream N] [--tydi N]

``build`` indexes the first ``--limit`` articles of SOURCE (no grouping) with our
codec, or with Whoosh's (``--whoosh-codec``, as indexes were written before
issue 22). ``terms`` times ``internals.read_postings`` and ``doc_frequency`` for
1,000 ``body`` terms of each index's first segment (best of 5 passes). ``same``
runs the news dev queries and ``--stream`` distinct queries (or the first
``--tydi`` TyDi questions) on two indexes of the same articles and counts the
queries whose totals, top-20 scores and top-20 lists are the same.
"""

from __future__ import annotations

import argparse
import itertools
import time
import timeit

import searcher
from benchmarks.corpora import NEWS_EVAL, TYDI_EVAL, distinct_queries
from searcher import evaluation
from searcher.whoosh import codec, internals
from searcher.whoosh.storage import INDEX_NAME


def build(source: str, folder: str, limit: int, procs: int, whoosh_codec: bool) -> None:
    if whoosh_codec:
        codec.index_codec = lambda: internals.InliningCodec()  # this process only
    started = time.monotonic()
    articles = itertools.islice(searcher.read_articles(source), limit or None)
    report = searcher.build_index(articles, folder, procs=procs, rebuild=True, group=False)
    print(f"{folder}: {report.added} articles in {time.monotonic() - started:.1f} s")


def terms(folders: list[str]) -> None:
    from whoosh import index as whoosh_index

    for folder in folders:
        ix = whoosh_index.open_dir(folder, indexname=INDEX_NAME)
        with ix.reader() as reader:
            segment = reader.leaf_readers()[0][0]
            words = list(segment.field_terms("body"))[:20_000:20]

            def read(words=words, segment=segment):
                for word in words:
                    internals.read_postings(segment, "body", word)

            def frequency(words=words, segment=segment):
                for word in words:
                    segment.doc_frequency("body", word)

            per = [
                min(timeit.repeat(f, number=1, repeat=5)) / len(words) * 1e6
                for f in (read, frequency)
            ]
        ix.close()
        print(
            f"{folder}: read_postings {per[0]:.1f} us, doc_frequency {per[1]:.1f} us "
            f"({len(words)} body terms)"
        )


def same(first: str, second: str, stream: int, tydi: int) -> None:
    if tydi:
        queries = list(evaluation.read_queries(TYDI_EVAL / "queries.tsv").values())[:tydi]
    else:
        queries = list(evaluation.read_queries(NEWS_EVAL / "queries.tsv").values())
        queries += distinct_queries(stream)

    def run(folder):
        found = []
        with searcher.open_index(folder, result_cache=0) as index:
            for text in queries:
                try:
                    result = index.search(text, per_page=20)
                except searcher.QueryError as error:
                    found.append((str(error), []))
                    continue
                found.append((result.total, [(h.id, round(h.score, 6)) for h in result.hits]))
        return found

    a, b = run(first), run(second)
    totals = sum(x[0] == y[0] for x, y in zip(a, b, strict=True))
    scores = sum(
        sorted(s for _, s in x[1]) == sorted(s for _, s in y[1])
        and all(dict(x[1])[k] == dict(y[1])[k] for k in set(dict(x[1])) & set(dict(y[1])))
        for x, y in zip(a, b, strict=True)
    )
    lists = sum(x == y for x, y in zip(a, b, strict=True))
    print(
        f"{len(queries)} queries: same totals {totals}, same top-20 scores {scores}, "
        f"identical top-20 lists {lists}"
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.codec",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)
    b = commands.add_parser("build", help="index articles with our codec or Whoosh's")
    b.add_argument("source")
    b.add_argument("folder")
    b.add_argument("--limit", type=int, default=0, help="first N articles (0: all)")
    b.add_argument("--procs", type=int, default=1)
    b.add_argument("--whoosh-codec", action="store_true", help="Whoosh's codec, as before #22")
    t = commands.add_parser("terms", help="time reading 1,000 body terms' postings")
    t.add_argument("folders", nargs="+")
    s = commands.add_parser("same", help="the same queries on two indexes: same results?")
    s.add_argument("first")
    s.add_argument("second")
    s.add_argument("--stream", type=int, default=300, help="distinct queries after the news ones")
    s.add_argument("--tydi", type=int, default=0, help="the first N TyDi questions instead")
    args = parser.parse_args(argv)
    if args.command == "build":
        build(args.source, args.folder, args.limit, args.procs, args.whoosh_codec)
    elif args.command == "terms":
        terms(args.folders)
    else:
        same(args.first, args.second, args.stream, args.tydi)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
