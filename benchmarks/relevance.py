"""Relevance harness: every judged set, every ranking step, per query.

    python -m benchmarks.relevance [--work DIR] [--write RELEVANCE.md] [--tydi-limit N]

Indexes (once, into ``--work``; reused when present) the news dev corpus
(``../shared/seeds`` + CLICK-ID) and the TyDi QA passages, then runs the
judged queries of ``news-clickid-dev`` and ``tydiqa-id`` under each ranking
step of :data:`STEPS` (each adds one idea to the one before). Prints, and
with ``--write`` writes to a Markdown file:

* per step and set: nDCG@10, MRR@10, R@100 and the change from the step before
  (a step that helps one set and hurts another shows in the same row); for
  news also the condensed nDCG'@10 (unjudged articles left out: the pool was
  judged from other engines' results, see :mod:`searcher.evaluation`);
* per news query: nDCG@10 under every step;
* per step on TyDi: how many questions gained or lost more than 0.1;
* related articles (news dev): for each article judged 2, the share of its
  5 related articles judged >= 1 for the same query (unjudged count as not),
  and the same share among the judged ones only.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace
from pathlib import Path

import searcher
from benchmarks.corpora import NEWS_EVAL, NEWS_SOURCES, TYDI_EVAL
from searcher import evaluation
from searcher.ranking import DEFAULT, WORDS_ONLY, Ranking

# Each step adds one idea to the step before; the last is what ships.
_CONCEPTS_ONLY = replace(
    DEFAULT,
    thesaurus=WORDS_ONLY.thesaurus,
    coordination=0.0,
    long_coordination=0.0,
    pair_weight=0.0,
    variant_weight=0.0,
    related_pairs=0,
    related_days=0.0,
    match_all=False,
)
_COORDINATED = replace(
    _CONCEPTS_ONLY, coordination=DEFAULT.coordination, long_coordination=DEFAULT.long_coordination
)
_PAIRS = replace(_COORDINATED, pair_weight=DEFAULT.pair_weight)
_THESAURUS = replace(_PAIRS, thesaurus=DEFAULT.thesaurus)
_SPELLINGS = replace(_THESAURUS, variant_weight=DEFAULT.variant_weight)
_RELATED = replace(
    _SPELLINGS, related_pairs=DEFAULT.related_pairs, related_days=DEFAULT.related_days
)
STEPS: list[tuple[str, Ranking]] = [
    ("words only (before #11)", WORDS_ONLY),
    ("+ concepts: synonyms best-of, question words", _CONCEPTS_ONLY),
    ("+ coordination", _COORDINATED),
    ("+ pairs: proximity, concepts found together", _PAIRS),
    ("+ news thesaurus", _THESAURUS),
    ("+ rare words' spellings", _SPELLINGS),
    ("+ related by pairs and dates", _RELATED),
    ("+ every concept required, relaxed when too few (#21)", replace(DEFAULT, require_names=False)),
    ("+ names required in long queries, relaxed last (#23, shipped)", DEFAULT),
]
assert replace(_RELATED, match_all=True) == DEFAULT


def ensure_index(folder: Path, sources: list[Path]) -> Path:
    if not searcher.index_exists(folder):
        started = time.perf_counter()
        searcher.index_sources([str(s) for s in sources], str(folder))
        print(f"indexed {folder} in {time.perf_counter() - started:.0f} s", flush=True)
    return folder


def run_set(folder: Path, ranking: Ranking, queries: dict, qrels: dict, judged: dict):
    with searcher.open_index(str(folder), ranking=ranking) as index:

        def run(text: str) -> list[str]:
            return [hit.id for hit in index.search(text, per_page=100, snippets=False).hits]

        return evaluation.evaluate(run, queries, qrels, judged)


def related_share(folder: Path, ranking: Ranking, qrels_all: dict) -> tuple[float, float, int]:
    """(share of related judged >= 1, share among judged related, articles)."""
    relevant = total = judged = judged_relevant = articles = 0
    with searcher.open_index(str(folder), ranking=ranking) as index:
        for judgments in qrels_all.values():
            for doc_id, grade in judgments.items():
                if grade != 2:
                    continue
                articles += 1
                for hit in index.more_like_this(doc_id, 5):
                    total += 1
                    if hit.id in judgments:
                        judged += 1
                        if judgments[hit.id] >= 1:
                            relevant += 1
                            judged_relevant += 1
    return relevant / (total or 1), judged_relevant / (judged or 1), articles


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.relevance",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--work",
        type=Path,
        default=Path("/tmp/searcher-relevance"),
        help="where the two indexes are built (reused if present)",
    )
    parser.add_argument("--write", type=Path, help="write the report (Markdown) here")
    parser.add_argument(
        "--tydi-limit", type=int, default=0, help="only the first N TyDi questions (0: all 5,771)"
    )
    parser.add_argument("--steps", type=int, default=0, help="only the first N steps")
    args = parser.parse_args(argv)

    news = ensure_index(args.work / "news", NEWS_SOURCES)
    tydi = ensure_index(args.work / "tydi", [TYDI_EVAL / "corpus.jsonl"])
    news_queries = evaluation.read_queries(NEWS_EVAL / "queries.tsv")
    news_qrels = evaluation.read_qrels(NEWS_EVAL / "qrels.txt")
    news_judged = evaluation.read_judged(NEWS_EVAL / "qrels.txt")
    tydi_judged = evaluation.read_judged(TYDI_EVAL / "qrels.txt")
    tydi_queries = evaluation.read_queries(TYDI_EVAL / "queries.tsv")
    if args.tydi_limit:
        tydi_queries = dict(list(tydi_queries.items())[: args.tydi_limit])
    tydi_qrels = evaluation.read_qrels(TYDI_EVAL / "qrels.txt")

    steps = STEPS[: args.steps] if args.steps else STEPS
    rows = []
    for name, ranking in steps:
        started = time.perf_counter()
        news_report = run_set(news, ranking, news_queries, news_qrels, news_judged)
        tydi_report = run_set(tydi, ranking, tydi_queries, tydi_qrels, tydi_judged)
        related = related_share(news, ranking, news_judged)
        rows.append((name, news_report, tydi_report, related))
        print(
            f"{name}: news nDCG@10 {news_report.ndcg_at_10:.4f}, TyDi nDCG@10 "
            f"{tydi_report.ndcg_at_10:.4f}, related on topic {related[0]:.3f} "
            f"({time.perf_counter() - started:.0f} s)",
            flush=True,
        )

    report = format_report(rows, len(tydi_queries))
    print(report)
    if args.write:
        args.write.write_text(report, encoding="utf-8")
    return 0


def _delta(now: float, before: float | None) -> str:
    return "" if before is None else f" ({now - before:+.4f})"


def format_report(rows, tydi_count: int) -> str:
    lines = [
        "| step | news nDCG@10 | news nDCG'@10 | news MRR@10 | news R@100 | TyDi nDCG@10 "
        "| TyDi MRR@10 | TyDi R@100 | related on topic | of judged related |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    previous = None
    for name, news, tydi, related in rows:
        p_news, p_tydi, p_rel = previous or (None, None, None)
        news_change = _delta(news.ndcg_at_10, p_news and p_news.ndcg_at_10)
        tydi_change = _delta(tydi.ndcg_at_10, p_tydi and p_tydi.ndcg_at_10)
        lines.append(
            f"| {name} | {news.ndcg_at_10:.4f}{news_change}"
            f" | {news.condensed_ndcg_at_10:.4f}"
            f" | {news.mrr_at_10:.4f} | {news.recall_at_100:.4f}"
            f" | {tydi.ndcg_at_10:.4f}{tydi_change}"
            f" | {tydi.mrr_at_10:.4f} | {tydi.recall_at_100:.4f}"
            f" | {related[0]:.3f}{_delta(related[0], p_rel and p_rel[0])} | {related[1]:.3f} |"
        )
        previous = (news, tydi, related)
    lines += [
        "",
        f"TyDi: {tydi_count} questions. Questions that moved by more than 0.1 "
        "nDCG@10 against the step before:",
        "",
        "| step | gained | lost |",
        "|---|---|---|",
    ]
    for (_, _, before, _), (name, _, after, _) in zip(rows, rows[1:], strict=False):
        old = {s.qid: s.ndcg_at_10 for s in before.per_query}
        gained = sum(s.ndcg_at_10 - old[s.qid] > 0.1 for s in after.per_query)
        lost = sum(old[s.qid] - s.ndcg_at_10 > 0.1 for s in after.per_query)
        lines.append(f"| {name} | {gained} | {lost} |")
    lines += [
        "",
        "News dev, nDCG@10 per query (columns: the steps above, in order; in "
        "brackets, how many of the top 10 no one judged, when any):",
        "",
        "| qid | query | " + " | ".join(str(i + 1) for i in range(len(rows))) + " |",
        "|---|---|" + "---|" * len(rows),
    ]
    per_step = [{s.qid: s for s in news.per_query} for _, news, _, _ in rows]

    def cell(score) -> str:
        unjudged = f" ({score.unjudged_at_10})" if score.unjudged_at_10 else ""
        return f"{score.ndcg_at_10:.3f}{unjudged}"

    for score in rows[0][1].per_query:
        cells = " | ".join(cell(step[score.qid]) for step in per_step)
        lines.append(f"| {score.qid} | {score.query} | {cells} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    raise SystemExit(main())
