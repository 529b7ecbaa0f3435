"""Retrieval evaluation against TREC-style relevance judgments.

Reads queries (``qid<TAB>text``) and qrels (``qid 0 docid relevance``),
runs every query through the library API and reports the mean of:

* ``MRR@10``: 1/rank of the first relevant hit in the top 10 (0 if none);
* ``nDCG@10``: graded gain discounted by log2(rank + 1), normalised by the
  ideal ordering of the judged documents;
* ``R@100``: the share of relevant documents found in the top 100.

Queries without judgments are skipped; a query that fails to parse scores 0.

Judgments made by pooling (the top of a few engines) leave articles that
none of them found unjudged, and nDCG counts an unjudged article as not
relevant, so a ranking that finds new relevant articles looks worse. Given
every judged document (:func:`read_judged`), each query also reports how
many of its top 10 are unjudged and the *condensed* nDCG@10 (Sakai 2007):
nDCG@10 of the ranking with the unjudged documents left out.
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
    condensed_ndcg_at_10: float | None = None  # with every judged document known
    unjudged_at_10: int | None = None

    def to_json(self) -> dict:
        figures = {
            "qid": self.qid,
            "query": self.query,
            "MRR@10": round(self.mrr_at_10, 4),
            "nDCG@10": round(self.ndcg_at_10, 4),
            "R@100": round(self.recall_at_100, 4),
            "failed": self.failed,
        }
        if self.condensed_ndcg_at_10 is not None:
            figures["nDCG'@10"] = round(self.condensed_ndcg_at_10, 4)
            figures["unjudged@10"] = self.unjudged_at_10
        return figures


@dataclass(frozen=True)
class EvalReport:
    mrr_at_10: float
    ndcg_at_10: float
    recall_at_100: float
    queries: int
    failed: int = 0
    per_query: tuple[QueryScore, ...] = ()

    @property
    def condensed_ndcg_at_10(self) -> float | None:
        """Mean condensed nDCG@10 (None unless every judged document was given)."""
        values = [s.condensed_ndcg_at_10 for s in self.per_query]
        if not values or None in values:
            return None
        return sum(values) / len(values)

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


def read_judged(path: str | os.PathLike) -> dict[str, dict[str, int]]:
    """Every judgment of a qrels file (``qid 0 docid grade``), grade 0 included."""
    judged: dict[str, dict[str, int]] = {}
    with open(path, encoding="utf-8") as stream:
        for number, line in enumerate(stream, 1):
            parts = line.split()
            if not parts:
                continue
            if len(parts) != 4 or not parts[3].lstrip("-").isdigit():
                raise SearcherError(f"{path}:{number}: expected 'qid 0 docid relevance'")
            qid, _, docid, grade = parts
            judged.setdefault(qid, {})[docid] = int(grade)
    return judged


def read_qrels(path: str | os.PathLike) -> dict[str, dict[str, int]]:
    """The relevant documents (grade > 0) per query."""
    qrels = {
        qid: {d: g for d, g in grades.items() if g > 0} for qid, grades in read_judged(path).items()
    }
    return {qid: grades for qid, grades in qrels.items() if grades}


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
    judged: dict[str, dict[str, int]] | None = None,
) -> EvalReport:
    """Score ``run`` (query text → ranked ids, at least 100) on the judged queries.

    With ``judged`` (:func:`read_judged`), each query also gets its condensed
    nDCG@10 and the number of unjudged documents in its top 10.
    """
    scores = []
    for qid, text in queries.items():
        relevant = qrels.get(qid)
        if not relevant:
            continue
        try:
            ranked = run(text)
        except QueryError:
            scores.append(QueryScore(qid, text, 0.0, 0.0, 0.0, failed=True))
            continue
        condensed = unjudged = None
        if judged is not None:
            known = judged.get(qid, {})
            unjudged = sum(d not in known for d in ranked[:10])
            condensed = ndcg([d for d in ranked if d in known], relevant)
        scores.append(
            QueryScore(
                qid,
                text,
                reciprocal_rank(ranked, relevant),
                ndcg(ranked, relevant),
                recall(ranked, relevant),
                condensed_ndcg_at_10=condensed,
                unjudged_at_10=unjudged,
            )
        )
    n = len(scores) or 1
    return EvalReport(
        sum(s.mrr_at_10 for s in scores) / n,
        sum(s.ndcg_at_10 for s in scores) / n,
        sum(s.recall_at_100 for s in scores) / n,
        len(scores),
        sum(s.failed for s in scores),
        tuple(scores),
    )
