"""Scoring a query over arrays: BM25, boolean combination, top hits, counts.

A term's or phrase's matches are :class:`Postings` (document numbers and
scores); AND, OR and NOT combine them into :class:`Matches`, two dense arrays
over the index's documents: ``mask`` (does the document match) and ``score``
(0 where it does not). A query costs a few NumPy operations per node instead
of Python work per posting. Whoosh's
matchers walk postings one at a time, which on a news index (query words
matching thousands of articles) was most of a query's time (BENCHMARKS.md).

The formulas are Whoosh's own (``whoosh.scoring.bm25`` and its matchers'
sums), so scores equal Whoosh's; ``tests/test_scoring.py`` checks both.
This module knows nothing of Whoosh: :mod:`searcher.whoosh.evaluator` reads the
postings and walks the query.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Postings:
    """The matches of one term or phrase: document numbers (ascending) and scores."""

    ids: np.ndarray
    scores: np.ndarray

    def dense(self, size: int) -> Matches:
        mask = np.zeros(size, dtype=bool)
        mask[self.ids] = True
        score = np.zeros(size)
        score[self.ids] = self.scores
        return Matches(mask, score)


@dataclass(frozen=True)
class Matches:
    """Which documents match, and their scores (arrays over all documents)."""

    mask: np.ndarray  # bool, one per document
    score: np.ndarray  # float64, 0 where mask is False

    @classmethod
    def none(cls, size: int) -> Matches:
        return cls(np.zeros(size, dtype=bool), np.zeros(size))

    @classmethod
    def constant(cls, mask: np.ndarray, score: float) -> Matches:
        return cls(mask, np.where(mask, score, 0.0))


Part = Postings | Matches


def dense(part: Part, size: int) -> Matches:
    return part if isinstance(part, Matches) else part.dense(size)


def bm25(
    idf: float, tf: np.ndarray, lengths: np.ndarray, avgfl: float, B: float, K1: float
) -> np.ndarray:
    """Whoosh's ``bm25()`` for every posting at once (float64, same operation order)."""
    tf = tf.astype(np.float64)
    return idf * ((tf * (K1 + 1)) / (tf + K1 * ((1 - B) + B * lengths / avgfl)))


def any_of(size: int, parts: Iterable[Part], boost: float = 1.0) -> Matches:
    """OR: matches any part; scores add up (Whoosh's union matchers).

    ``parts`` may be a generator: each part is added in and dropped, so an OR
    of many terms holds two arrays, not two per term.
    """
    mask, score = np.zeros(size, dtype=bool), np.zeros(size)
    for part in parts:
        if isinstance(part, Postings):
            mask[part.ids] = True
            score[part.ids] += part.scores
        else:
            mask |= part.mask
            score += part.score
    if boost != 1.0:
        score *= boost
    return Matches(mask, score)


def all_of(size: int, parts: Iterable[Part], boost: float = 1.0) -> Matches:
    """AND: matches every part; scores add up where all match."""
    mask, score = np.ones(size, dtype=bool), np.zeros(size)
    for part in parts:
        if isinstance(part, Postings):
            hit = np.zeros(size, dtype=bool)
            hit[part.ids] = True
            mask &= hit
            score[part.ids] += part.scores
        else:
            mask &= part.mask
            score += part.score
    score[~mask] = 0.0
    if boost != 1.0:
        score *= boost
    return Matches(mask, score)


def excluding(positive: Matches, negative: Matches) -> Matches:
    """AND NOT: the positive part's matches and scores, minus the negative's documents."""
    mask = positive.mask & ~negative.mask
    return Matches(mask, np.where(mask, positive.score, 0.0))


def maybe(required: Matches, optional: Matches) -> Matches:
    """AND MAYBE: the required part's matches; the optional part adds its score."""
    return Matches(required.mask, np.where(required.mask, required.score + optional.score, 0.0))


def requiring(scored: Matches, required: Matches) -> Matches:
    """REQUIRE: both must match; only the first part's score counts."""
    mask = scored.mask & required.mask
    return Matches(mask, np.where(mask, scored.score, 0.0))


def ranked(docnums: np.ndarray, scores: np.ndarray, limit: int) -> np.ndarray:
    """Positions of the ``limit`` best: highest score first, ties by document number.

    The same order as Whoosh's collector. Only the top candidates are sorted.
    """
    if limit <= 0 or not len(scores):
        return np.zeros(0, dtype=np.int64)
    if limit < len(scores):
        # Everything scoring at least the limit-th best score (ties included).
        threshold = np.partition(scores, len(scores) - limit)[len(scores) - limit]
        candidates = np.flatnonzero(scores >= threshold)
    else:
        candidates = np.arange(len(scores))
    order = np.lexsort((docnums[candidates], -scores[candidates]))
    return candidates[order][:limit]


def sorted_by_date(
    docnums: np.ndarray, moments: np.ndarray, dated: np.ndarray, limit: int, *, newest: bool
) -> np.ndarray:
    """Positions of the first ``limit`` by date, undated documents last either way.

    Ties as Whoosh's sorting collector breaks them: by document number, in the
    direction of the sort.
    """
    if limit <= 0 or not len(docnums):
        return np.zeros(0, dtype=np.int64)
    if newest:  # np.lexsort sorts by its last key first
        order = np.lexsort((-docnums, -moments, ~dated))
    else:
        order = np.lexsort((docnums, moments, ~dated))
    return order[:limit]


def recency_blend(
    scores: np.ndarray,
    moments: np.ndarray,
    dated: np.ndarray,
    origin: int,
    day: int,
    half_life: float,
    weight: float,
) -> np.ndarray:
    """Scores times a date decay: ``1 - weight + weight * 0.5 ** (age / half_life)``,
    the age in days (``day``: one day in the moments' unit) before ``origin``;
    undated documents get the floor ``1 - weight`` (Elasticsearch's ``exp`` decay
    of ``function_score``, multiplied in)."""
    age = np.maximum(origin - moments.astype(np.float64), 0.0) / day
    decay = np.where(dated, 0.5 ** (age / half_life), 0.0) if half_life > 0 else 0.0
    return scores * (1.0 - weight + weight * decay)


def group_counts(codes: np.ndarray, names: Sequence) -> dict:
    """``{name: documents}`` for documents labelled by ``codes`` (indexes into ``names``)."""
    counts = np.bincount(codes, minlength=len(names))
    return {names[code]: int(count) for code, count in enumerate(counts) if count}
