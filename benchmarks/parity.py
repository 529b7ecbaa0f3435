"""Relevance parity: the same judged queries on both backends, side by side.

    python -m benchmarks.parity [--limit N] [--json FILE]

Indexes the TyDi QA passages (``../shared/data/eval/tydiqa-id``) into a
fresh Whoosh folder and into a throwaway two-node Sphinx cluster
(:mod:`tests.cluster`, needs ``searchd``), then runs ``eval`` on both:
MRR@10, nDCG@10, R@100, and the time to index and to answer. Prints a table.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

import searcher
from searcher import evaluation
from tests.cluster import Cluster, searchd_available

TYDI = Path(__file__).resolve().parents[2] / "shared" / "data" / "eval" / "tydiqa-id"


def measure(location: str, corpus: Path, queries: dict, qrels: dict) -> dict:
    started = time.perf_counter()
    report = searcher.build_index(
        searcher.read_articles([str(corpus)]), location, rebuild=True, procs=1
    )
    index_seconds = time.perf_counter() - started
    timings = []
    with searcher.open_index(location) as index:

        def run(text: str) -> list[str]:
            began = time.perf_counter()
            hits = index.search(text, per_page=100, snippets=False).hits
            timings.append((time.perf_counter() - began) * 1000)
            return [hit.id for hit in hits]

        quality = evaluation.evaluate(run, queries, qrels)
    timings.sort()
    return {
        "articles": report.added + report.updated + report.unchanged,
        "index_seconds": round(index_seconds, 1),
        **quality.to_json(),
        "query_ms_p50": round(statistics.median(timings), 1),
        "query_ms_p95": round(timings[int(0.95 * (len(timings) - 1))], 1),
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.parity", description=__doc__)
    parser.add_argument(
        "--data",
        type=Path,
        default=TYDI,
        help="folder with corpus.jsonl, queries.tsv, qrels.txt (default: the shared TyDi QA set)",
    )
    parser.add_argument("--limit", type=int, default=0, help="only the first N queries")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    if not searchd_available():
        parser.error("searchd is missing: apt-get install sphinxsearch")
    queries = evaluation.read_queries(args.data / "queries.tsv")
    if args.limit:
        queries = dict(list(queries.items())[: args.limit])
    qrels = evaluation.read_qrels(args.data / "qrels.txt")
    corpus = args.data / "corpus.jsonl"
    with tempfile.TemporaryDirectory(prefix="parity-") as scratch:
        cluster = Cluster(Path(scratch) / "cluster").start()
        try:
            figures = {
                "whoosh": measure(str(Path(scratch) / "index"), corpus, queries, qrels),
                "sphinx (2 shards)": measure(cluster.location, corpus, queries, qrels),
            }
        finally:
            cluster.stop()
    names = list(figures)
    rows = list(figures[names[0]])
    print(f"{'':16}" + "".join(f"{name:>20}" for name in names))
    for row in rows:
        print(f"{row:16}" + "".join(f"{figures[name][row]:>20}" for name in names))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
