"""Retrieval evaluation against TREC-style relevance judgments.

Reads queries (``qid<TAB>text``) and qrels (``qid 0 docid relevance``),
runs every query through the library API and reports the mean of:

* ``MRR@10``: 1/rank of the first relevant hit in the top 10 (0 if none);
* ``nDCG@10``: graded gain discounted by log2(rank + 1), normalised by the
  ideal ordering of the judged documents;
* ``R@100``: the share of relevant documents found in the top 100.

Queries without judgments are skipped; a query that fails to parse scores 0.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from dataclasses import dataclass

from searcher.errors import QueryError, SearcherError


@dataclass(frozen=True)
class QueryScore:
    """One judged query's figures (``failed``: the query could not be run)."""

    qid: str
    query: str
    mrr_at_10: float
    ndcg_at_10: float
    recall_at_100: float
    failed: bool = False

    def to_json(self) -> dict:
        return {"qid": self.qid, "query": self.query, "MRR@10": round(self.mrr_at_10, 4),
                "nDCG@10": round(self.ndcg_at_10, 4), "R@100": round(self.recall_at_100, 4),
                "failed": self.failed}


@dataclass(frozen=True)
class EvalReport:
    mrr_at_10: float
    ndcg_at_10: float
    recall_at_100: float
    queries: int
    failed: int = 0
    per_query: tuple[QueryScore, ...] = ()

    def to_json(self, *, per_query: bool = False) -> dict:
        figures = {
            "MRR@10": round(self.mrr_at_10, 4),
            "nDCG@10": round(self.ndcg_at_10, 4),
            "R@100": round(self.recall_at_100, 4),
            "queries": self.queries,
            "failed": self.failed,
        }
        if per_query:
            figures["per_query"] = [score.to_json() for score in self.per_query]
        return figures


def read_queries(path: str | os.PathLike) -> dict[str, str]:
    queries = {}
    with open(path, encoding="utf-8") as stream:
        for number, line in enumerate(stream, 1):
            if not line.strip():
                continue
            qid, tab, text = line.rstrip("\n").partition("\t")
            if not tab:
                raise SearcherError(f"{path}:{number}: expected qid<TAB>text")
            queries[qid] = text
    return queries


def read_qrels(path: str | os.PathLike) -> dict[str, dict[str, int]]:
    qrels: dict[str, dict[str, int]] = {}
    with open(path, encoding="utf-8") as stream:
        for number, line in enumerate(stream, 1):
            parts = line.split()
            if not parts:
                continue
            if len(parts) != 4 or not parts[3].lstrip("-").isdigit():
                raise SearcherError(f"{path}:{number}: expected 'qid 0 docid relevance'")
            qid, _, docid, grade = parts
            if int(grade) > 0:
                qrels.setdefault(qid, {})[docid] = int(grade)
    return qrels


def ndcg(ranked: list[str], judged: dict[str, int], k: int = 10) -> float:
    gain = sum((2 ** judged.get(d, 0) - 1) / math.log2(i + 2) for i, d in enumerate(ranked[:k]))
    ideal = sorted(judged.values(), reverse=True)[:k]
    best = sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
    return gain / best if best else 0.0


def reciprocal_rank(ranked: list[str], judged: dict[str, int], k: int = 10) -> float:
    return next((1 / (i + 1) for i, d in enumerate(ranked[:k]) if d in judged), 0.0)


def recall(ranked: list[str], judged: dict[str, int], k: int = 100) -> float:
    return len(set(ranked[:k]) & judged.keys()) / len(judged) if judged else 0.0


def evaluate(
    run: Callable[[str], list[str]],
    queries: dict[str, str],
    qrels: dict[str, dict[str, int]],
) -> EvalReport:
    """Score ``run`` (query text → ranked ids, at least 100) on the judged queries."""
    scores = []
    for qid, text in queries.items():
        judged = qrels.get(qid)
        if not judged:
            continue
        try:
            ranked = run(text)
        except QueryError:
            scores.append(QueryScore(qid, text, 0.0, 0.0, 0.0, failed=True))
            continue
        scores.append(QueryScore(qid, text, reciprocal_rank(ranked, judged),
                                 ndcg(ranked, judged), recall(ranked, judged)))
    n = len(scores) or 1
    return EvalReport(
        sum(s.mrr_at_10 for s in scores) / n, sum(s.ndcg_at_10 for s in scores) / n,
        sum(s.recall_at_100 for s in scores) / n, len(scores),
        sum(s.failed for s in scores), tuple(scores),
    )
