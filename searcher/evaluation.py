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
class EvalReport:
    mrr_at_10: float
    ndcg_at_10: float
    recall_at_100: float
    queries: int
    failed: int = 0

    def to_json(self) -> dict:
        return {
            "MRR@10": round(self.mrr_at_10, 4),
            "nDCG@10": round(self.ndcg_at_10, 4),
            "R@100": round(self.recall_at_100, 4),
            "queries": self.queries,
            "failed": self.failed,
        }


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
    totals = [0.0, 0.0, 0.0]
    counted = failed = 0
    for qid, text in queries.items():
        judged = qrels.get(qid)
        if not judged:
            continue
        counted += 1
        try:
            ranked = run(text)
        except QueryError:
            failed += 1
            continue
        totals[0] += reciprocal_rank(ranked, judged)
        totals[1] += ndcg(ranked, judged)
        totals[2] += recall(ranked, judged)
    n = counted or 1
    return EvalReport(totals[0] / n, totals[1] / n, totals[2] / n, counted, failed)
