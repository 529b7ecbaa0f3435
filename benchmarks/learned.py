"""The levers of #23 (a vocabulary learned from the news itself), one ranking at a time,
per query, on indexes already built:

    python -m benchmarks.learned --news IDX --tydi IDX [--tydi-limit N] [--related]

Learns each index's neighbours first when it has none (what an index run does
after its commit, :func:`searcher.whoosh.learned.refresh`), then prints, for each
variant of :data:`VARIANTS`, news dev nDCG@10 / MRR@10 / R@100 (and nDCG@10 per
query), TyDi nDCG@10 / MRR@10 / R@100, and with ``--related`` the related
articles' on-topic share (measured as :func:`benchmarks.relevance.related_share`).
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace
from pathlib import Path

import searcher
from benchmarks.corpora import NEWS_EVAL, TYDI_EVAL
from searcher import evaluation
from searcher.ranking import DEFAULT
from searcher.whoosh import learned
from searcher.whoosh.storage import open_whoosh_index

_NEIGHBOURS = replace(DEFAULT, neighbour_weight=0.3)
VARIANTS = {
    "shipped": DEFAULT,
    "neighbours 0.3": _NEIGHBOURS,
    "neighbours 0.5": replace(_NEIGHBOURS, neighbour_weight=0.5),
    "neighbours 0.15": replace(_NEIGHBOURS, neighbour_weight=0.15),
    "neighbours 0.3, 1 each": replace(_NEIGHBOURS, neighbour_limit=1),
    "neighbours 0.3, similarity >= 0.7": replace(_NEIGHBOURS, neighbour_similarity=0.7),
    "names not required (before)": replace(DEFAULT, require_names=False),
    "related: same story x2": replace(DEFAULT, related_story_weight=1.0),
    "related: same story x1.5": replace(DEFAULT, related_story_weight=0.5),
    "related: same story x4": replace(DEFAULT, related_story_weight=3.0),
    "neighbours 0.3, no substitutes gate": replace(_NEIGHBOURS, neighbour_substitutes=False),
    "neighbours 0.3, scoring only": replace(_NEIGHBOURS, neighbours_match=False),
    "neighbours 0.15, scoring only": replace(
        _NEIGHBOURS, neighbour_weight=0.15, neighbours_match=False
    ),
    "neighbours 0.3, 1 each, scoring only": replace(
        _NEIGHBOURS, neighbour_limit=1, neighbours_match=False
    ),
}


def run_set(folder: Path, ranking, queries: dict, qrels: dict, judged: dict | None):
    """The judged queries' figures (as ``benchmarks.relevance`` runs them)."""
    with searcher.open_index(str(folder), ranking=ranking) as index:

        def run(text: str) -> list[str]:
            return [hit.id for hit in index.search(text, per_page=100, snippets=False).hits]

        return evaluation.evaluate(run, queries, qrels, judged)


def related_share(folder: Path, ranking, qrels: dict) -> tuple[float, float]:
    """For each article judged 2, the share of its 5 related articles judged >= 1 for
    the same query (unjudged count as not), and that share among the judged ones
    (the measure of ``benchmarks.relevance`` and RELEVANCE.md)."""
    relevant = total = judged = 0
    with searcher.open_index(str(folder), ranking=ranking) as index:
        for judgments in qrels.values():
            for doc_id, grade in judgments.items():
                if grade != 2:
                    continue
                for hit in index.more_like_this(doc_id, 5):
                    total += 1
                    if hit.id in judgments:
                        judged += 1
                        relevant += judgments[hit.id] >= 1
    return relevant / (total or 1), relevant / (judged or 1)


def learn(folder: Path) -> None:
    started = time.perf_counter()
    ix = open_whoosh_index(folder)
    try:
        model = learned.refresh(folder, ix)
    finally:
        ix.close()
    words = len(model.words) if model else 0
    print(f"neighbours of {folder}: {words} words, {time.perf_counter() - started:.0f} s")


def query_times(folder: Path, ranking, texts: list[str], repeats: int) -> tuple[float, float]:
    """p50 and p95 of one search (page 1, snippets) over ``texts``, each run
    ``repeats`` times after a first, untimed run (caches warm, results not cached)."""
    times = []
    with searcher.open_index(str(folder), ranking=ranking, result_cache=0) as index:
        for text in texts:
            index.search(text)
            for _ in range(repeats):
                started = time.perf_counter()
                index.search(text)
                times.append(time.perf_counter() - started)
    times.sort()
    return times[len(times) // 2], times[int(len(times) * 0.95)]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--news", type=Path, required=True)
    parser.add_argument("--tydi", type=Path)
    parser.add_argument("--tydi-limit", type=int, default=0)
    parser.add_argument("--related", action="store_true")
    parser.add_argument("--only", nargs="*", help="variant names to run")
    parser.add_argument(
        "--speed", type=int, default=0, help="also time each news query N times (warm), p50/p95"
    )
    options = parser.parse_args(argv)
    learn(options.news)
    if options.tydi:
        learn(options.tydi)
    news_queries = evaluation.read_queries(NEWS_EVAL / "queries.tsv")
    news_qrels = evaluation.read_qrels(NEWS_EVAL / "qrels.txt")
    judged = evaluation.read_judged(NEWS_EVAL / "qrels.txt")
    per_query: dict[str, dict[str, float]] = {}
    for name, ranking in VARIANTS.items():
        if options.only and name not in options.only:
            continue
        started = time.perf_counter()
        news = run_set(options.news, ranking, news_queries, news_qrels, judged)
        line = f"{name}: news nDCG@10 {news.ndcg_at_10:.4f} MRR@10 {news.mrr_at_10:.4f} "
        line += f"R@100 {news.recall_at_100:.4f}"
        per_query[name] = {s.qid: s.ndcg_at_10 for s in news.per_query}
        if options.tydi:
            queries = evaluation.read_queries(TYDI_EVAL / "queries.tsv")
            if options.tydi_limit:
                queries = dict(list(queries.items())[: options.tydi_limit])
            tydi = run_set(
                options.tydi, ranking, queries, evaluation.read_qrels(TYDI_EVAL / "qrels.txt"), None
            )
            line += f" | TyDi ({tydi.queries}) nDCG@10 {tydi.ndcg_at_10:.4f} "
            line += f"MRR@10 {tydi.mrr_at_10:.4f} R@100 {tydi.recall_at_100:.4f}"
        if options.related:
            share, of_judged = related_share(options.news, ranking, news_qrels)
            line += f" | related on topic {share:.3f} (of judged {of_judged:.3f})"
        if options.speed:
            p50, p95 = query_times(
                options.news, ranking, list(news_queries.values()), options.speed
            )
            line += f" | query p50 {p50 * 1000:.1f} ms p95 {p95 * 1000:.1f} ms"
        print(f"{line} [{time.perf_counter() - started:.0f} s]", flush=True)
    names = list(per_query)
    print("| qid | query | " + " | ".join(names) + " |")
    print("|---|---|" + "---|" * len(names))
    for qid, text in news_queries.items():
        if qid in per_query[names[0]]:
            cells = " | ".join(f"{per_query[n][qid]:.3f}" for n in names)
            print(f"| {qid} | {text} | {cells} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
