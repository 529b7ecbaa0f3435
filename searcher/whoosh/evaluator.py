"""Evaluating a query over arrays (:mod:`searcher.scoring`) on an open Whoosh index.

Whoosh parses; its matchers no longer run for the queries we build (they
were 85% of query time). A term's posting list is read whole, scored with
BM25 over the index's statistics and cached; AND, OR, NOT and our concept
nodes (:mod:`searcher.query.nodes`) combine arrays. Anything else (phrases,
date ranges on other fields) goes through Whoosh's own matchers, once.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from whoosh import query
from whoosh.scoring import WeightingModel

from searcher import scoring
from searcher.lru import LRU
from searcher.query.concepts import holds_phrase
from searcher.query.nodes import (
    PAIR_FIELDS,
    AllWords,
    Concepts,
    LearnedWord,
    LiteralPhrase,
    PairPhrase,
)
from searcher.query.parser import FIELD_BOOSTS
from searcher.ranking import LONG_QUERY
from searcher.whoosh import internals
from searcher.whoosh.columns import SegmentData

TERM_FIELDS = frozenset(FIELD_BOOSTS) | frozenset(PAIR_FIELDS)  # scored over arrays


def posting_cache(limit_bytes: int) -> LRU:
    """A cache of scored posting lists (tuples of arrays) and document frequencies
    (ints), about ``limit_bytes`` in all.

    Reading a posting list means unpickling and decompressing Whoosh's blocks
    (a few milliseconds for a frequent word); news queries repeat their words,
    so a server keeps the recent ones, scored (BM25 uses whole-index
    statistics, so keys name the index generation), with phrase matches and
    document frequencies ("did you mean").
    """
    return LRU(limit_bytes, sizeof=_nbytes)


def _nbytes(value) -> int:
    """A value's bytes (the LRU adds its key's and the entry's, #24)."""
    if isinstance(value, np.ndarray):
        return value.nbytes + 112
    if isinstance(value, tuple):
        return sum(getattr(part, "nbytes", 0) + 112 for part in value) + sys.getsizeof(value)
    return sys.getsizeof(value)


class View:
    """One Whoosh searcher (one index generation, as one thread sees it) and what
    we keep about it: columns joined over its segments, average field lengths,
    and the words the index holds (``known``, from its stem table)."""

    def __init__(
        self, searcher, segment_data: SegmentData, known: Callable[[str], bool] | None = None
    ):
        self.searcher = searcher
        self.segment_data = segment_data
        self.known = known  # whether the index may hold a word (its stem table), or None
        self.joined: dict = {}
        self.average_lengths: dict = {}

    def average_length(self, fieldname: str) -> float:
        if fieldname not in self.average_lengths:
            self.average_lengths[fieldname] = self.searcher.avg_field_length(fieldname) or 1
        return self.average_lengths[fieldname]


@dataclass
class Matched:
    """Every match of a query: document numbers (whole index), scores, and the
    index's per-document columns for sorting and facets. ``dropped``: the
    concepts a plain query was relaxed without (:func:`match_set`)."""

    docnums: np.ndarray
    scores: np.ndarray
    space: DocSpace
    dropped: tuple[str, ...] = ()

    def column(self, name: str) -> np.ndarray:
        return self.space.joined(name)[self.docnums]

    def groups(self, name: str) -> dict:
        """``{value: matches}`` for a facet (source, category, day)."""
        codes, names = self.space.facet(name)
        return scoring.group_counts(codes[self.docnums], names)

    def distinct_groups(self, name: str, group_of: np.ndarray, *, pairs: bool = False):
        """``{value: groups}``: for each facet value, how many distinct groups
        (``group_of``: each document's group code) have a match with that value,
        which is the total a filter on the value leaves once the matches are
        collapsed; with ``pairs``, the ``(value, group)`` pairs themselves."""
        codes, names = self.space.facet(name)
        found = np.unique(np.stack([codes[self.docnums], group_of[self.docnums]]), axis=1)
        if pairs:
            return [(names[value], int(group)) for value, group in found.T]
        return scoring.group_counts(found[0], names)


class DocSpace:
    """The documents of one open index generation, as the array scorer sees them:
    numbered 0..size-1 across segments (Whoosh's global document numbers).

    Scored posting lists and phrase matches are kept in the shared cache under
    the index generation (their scores use whole-index statistics); segment
    columns are read once per segment, joined once per generation.
    """

    def __init__(self, view: View, cache: LRU, check=lambda: None):
        searcher = view.searcher
        self.view = view
        self.searcher = searcher
        self.cache = cache
        self.check = check  # raises when the search has used up its time
        self.generation = searcher.reader().generation()
        self.segments = searcher.leaf_searchers()  # (searcher, offset of its first document)
        self.size = searcher.doc_count_all()
        self.context = searcher.context(needs_current=False)
        self._joined = view.joined
        self._seen: dict = {}  # this query's posting lists and phrases
        self.dropped: list[str] = []  # concepts a plain query was relaxed without

    def everything(self) -> np.ndarray:
        return self.joined("live").copy()

    # -- posting lists -------------------------------------------------------
    def term(self, node) -> scoring.Part:
        weighting = self.searcher.weighting
        if not isinstance(weighting, internals.BM25FWeighting):
            return self.generic(node)
        fieldname, text = node.fieldname, node.text
        B = weighting.B
        key = (self.generation, fieldname, text, B, weighting.K1)
        ids, scores = self._cached(
            key, lambda: self._scored_postings(fieldname, text, B, weighting.K1)
        )
        if node.boost != 1.0:
            scores = scores * node.boost
        return scoring.Postings(ids, scores)

    def _scored_postings(self, fieldname, text, B, K1):
        """BM25 of every live posting of a term, as Whoosh's BM25FScorer computes it."""
        found = []  # (document numbers, frequencies, lengths) per segment
        df = 0  # the term's document frequency: its postings, deleted ones included
        live = self.joined("live")
        for subsearcher, offset in self.segments:
            reader = subsearcher.reader()
            local, tf = internals.read_postings(reader, fieldname, text)
            df += len(local)
            if reader.has_deletions() and len(local):
                keep = live[local + offset]
                local, tf = local[keep], tf[keep]
            if not len(local):
                continue
            lengths = self.view.segment_data.length_array(reader, fieldname)
            found.append((local + offset, tf, lengths[local]))
        if not found:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        # Statistics of the whole index. The document frequency is the postings just
        # read (what Whoosh's doc_frequency counts), not a second term lookup per segment.
        idf = self._idf(fieldname, text, df)
        avgfl = self.view.average_length(fieldname)
        ids = [docnums for docnums, _, _ in found]
        scores = [scoring.bm25(idf, tf, lengths, avgfl, B, K1) for _, tf, lengths in found]
        return np.concatenate(ids), np.concatenate(scores)

    def _idf(self, fieldname: str, text: str, df: int) -> float:
        """Whoosh's idf of a term found in ``df`` documents (its WeightingModel.idf:
        ``log(documents / (df + 1)) + 1``, all documents counted, deleted ones too)."""
        if type(self.searcher.weighting).idf is not WeightingModel.idf:
            return self.searcher.idf(fieldname, text)  # a weighting with its own idf
        return math.log(self.size / (df + 1)) + 1

    def generic(self, node) -> scoring.Postings:
        """Any other query (phrases, date ranges): Whoosh's own matchers, walked once."""

        def walk():
            ids, scores = [], []
            for subsearcher, offset in self.segments:
                # Whoosh's matchers skip deleted documents themselves.
                matcher = node.matcher(subsearcher, self.context)
                while matcher.is_active():
                    ids.append(matcher.id() + offset)
                    scores.append(matcher.score())
                    matcher.next()
                    if len(ids) % 4096 == 0:
                        self.check()
            return np.array(ids, dtype=np.int64), np.array(scores, dtype=np.float64)

        return scoring.Postings(*self._cached((self.generation, repr(node)), walk))

    def literal(self, node: LiteralPhrase) -> scoring.Postings:
        """A quoted phrase as written: the stemmed phrase's matches whose stored
        text holds the written words side by side (:class:`LiteralPhrase`)."""
        candidates = _evaluate(node.child, self)
        if isinstance(candidates, scoring.Matches):
            ids = np.flatnonzero(candidates.mask)
            candidates = scoring.Postings(ids, candidates.score[ids])

        def verify():
            kept = []
            for n, docnum in enumerate(candidates.ids.tolist()):
                if n % 256 == 0:
                    self.check()
                text = self.stored_text(docnum, node.stored)
                if holds_phrase(text, node.words, stop_words=node.every_word):
                    kept.append(docnum)
            return np.array(kept, dtype=np.int64)

        kept = self._cached(
            (
                self.generation,
                "literal",
                node.stored,
                node.words,
                node.every_word,
                repr(node.child),
            ),
            verify,
        )
        keep = np.isin(candidates.ids, kept)
        return scoring.Postings(candidates.ids[keep], candidates.scores[keep])

    def stored_text(self, docnum: int, fieldname: str) -> str:
        """A stored field of the document numbered ``docnum`` in this space."""
        return self.searcher.stored_fields(docnum).get(fieldname) or ""

    def _cached(self, key, compute):
        """``compute()``, remembered for this query (its OR and AND parts share
        words and phrases) and in the shared cache."""
        if key in self._seen:
            return self._seen[key]
        value = self.cache.get(key)
        if value is None:
            value = compute()
            self.cache.put(key, value)
        self._seen[key] = value
        return value

    # -- per-document columns ------------------------------------------------
    def joined(self, name: str):
        """A per-document column over the whole index ("live", "published", "dated")."""
        if name not in self._joined:
            parts = []
            for subsearcher, _ in self.segments:
                reader = subsearcher.reader()
                if name == "live":
                    live = np.ones(reader.doc_count_all(), dtype=bool)
                    live[internals.deleted_documents(reader)] = False
                    parts.append(live)
                else:
                    parts.append(self.view.segment_data.columns(reader)[name])
            self._joined[name] = np.concatenate(parts) if parts else np.zeros(0)
        return self._joined[name]

    def published_between(self, node) -> np.ndarray:
        """The live, dated documents inside a DateRange (Whoosh's long dates, ends as given)."""
        moments = self.joined("published")
        mask = self.joined("dated") & self.joined("live")
        if node.start is not None:
            mask &= moments > node.start if node.startexcl else moments >= node.start
        if node.end is not None:
            mask &= moments < node.end if node.endexcl else moments <= node.end
        return mask

    def facet(self, name: str) -> tuple[np.ndarray, list]:
        """Each document's facet value as a code, and the values the codes index."""
        key = f"facet:{name}"
        if key not in self._joined:
            names: dict = {}
            parts = []
            for subsearcher, _ in self.segments:
                codes, values = self.view.segment_data.columns(subsearcher.reader())[key]
                remap = np.array([names.setdefault(v, len(names)) for v in values], dtype=np.int64)
                parts.append(remap[codes] if len(codes) else codes)
            self._joined[key] = (
                np.concatenate(parts) if parts else np.zeros(0, np.int64),
                list(names),
            )
        return self._joined[key]


def matching(view: View, parsed, filter_query, cache: LRU, check=lambda: None) -> Matched:
    """Every document matching ``parsed`` (and ``filter_query``), with its score."""
    space = DocSpace(view, cache, check)
    matches = _evaluate(parsed, space)
    dropped = tuple(space.dropped)
    if isinstance(matches, scoring.Postings) and filter_query is None:
        return Matched(matches.ids, matches.scores, space, dropped)  # one word: no array needed
    matches = scoring.dense(matches, space.size)
    mask = matches.mask
    if filter_query is not None:
        mask = mask & _dense(filter_query, space).mask
    docnums = np.flatnonzero(mask)
    return Matched(docnums, matches.score[docnums], space, dropped)


def _dense(node, space: DocSpace) -> scoring.Matches:
    return scoring.dense(_evaluate(node, space), space.size)


def _evaluate(node, space: DocSpace) -> scoring.Part:
    """A query's matches; Whoosh's semantics, whole arrays at a time."""
    space.check()
    if node is query.NullQuery:
        return scoring.Matches.none(space.size)
    kind = type(node)
    if kind is query.Term and node.fieldname in TERM_FIELDS:
        return space.term(node)
    if kind is Concepts:
        return _evaluate_concepts(node, space)
    if kind is LiteralPhrase:
        return space.literal(node)
    if kind is PairPhrase:
        return scoring.any_of(
            space.size, (_evaluate(q, space) for q in node.subqueries), node.boost
        )
    if kind is AllWords:
        return scoring.all_of(
            space.size, (_evaluate(q, space) for q in node.subqueries), node.boost
        )
    # Exactly these classes: subclasses (Ordered, ...) mean something else.
    if kind is query.And or (kind is query.Or and not node.scale) or kind is LearnedWord:
        subqueries = node.subqueries
        if not subqueries:
            return scoring.Matches.none(space.size)
        if len(subqueries) == 1:  # Whoosh ignores a one-clause group's boost
            return _evaluate(subqueries[0], space)
        combine = scoring.all_of if kind is query.And else scoring.any_of
        return combine(space.size, (_evaluate(q, space) for q in subqueries), node.boost)
    if kind is query.AndNot:
        return scoring.excluding(_dense(node.a, space), _dense(node.b, space))
    if kind is query.AndMaybe:
        return scoring.maybe(_dense(node.a, space), _dense(node.b, space))
    if kind is query.Require:
        return scoring.requiring(_dense(node.a, space), _dense(node.b, space))
    if kind is query.Not:  # alone or in an AND: every other live document, score 1
        inverse = space.everything() & ~_dense(node.query, space).mask
        return scoring.Matches.constant(inverse, 1.0)
    if kind is query.Every and node.fieldname in (None, "", "*"):
        return scoring.Matches.constant(space.everything(), node.boost)
    if kind is query.DateRange and node.fieldname == "published" and node.boost == 1.0:
        return scoring.Matches.constant(space.published_between(node), 1.0)
    return space.generic(node)


def _evaluate_concepts(node: Concepts, space: DocSpace) -> scoring.Matches:
    """A plain query's matches and scores (see :class:`Concepts`)."""
    words = [_dense(clause, space) for clause in node.words]
    pairs = {i: _evaluate(clause, space) for i, clause in node.pairs}
    covered = [part.mask.astype(np.float64) for part in words]  # how much each word is found
    units: list[tuple[int, int, np.ndarray]] = []  # (start, end, found): the query's concepts
    score = np.zeros(space.size)
    mask = np.logical_or.reduce([part.mask for part in words])
    alone = set(range(len(words)))
    ranking = node.ranking
    for start, end, clauses, weights in node.concepts:
        # A concept scores the best of its expressions (never their sum): its
        # words found together, or another expression (synonym, acronym, a
        # rare word's better-known spelling), weighed as in _concept(). Words
        # of a multiword concept found apart still count, at ``scattered_weight``.
        own = scoring.any_of(
            space.size,
            [*words[start:end], *(pairs.pop(i) for i in range(start, end - 1) if i in pairs)],
        )
        expressions = [_dense(clause, space) for clause in clauses]
        if end - start == 1:
            best = np.maximum.reduce(
                [own.score, *(e.score * w for e, w in zip(expressions, weights, strict=True))]
            )
            anywhere = np.logical_or.reduce(
                [np.zeros(space.size, dtype=bool)]
                + [
                    e.mask
                    for e, c in zip(expressions, clauses, strict=True)
                    if ranking.neighbours_match or type(c) is not LearnedWord
                ]
            )
            covered[start] = np.maximum(covered[start], anywhere)
        else:
            together = np.maximum.reduce(
                [e.score * w for e, w in zip(expressions, weights, strict=True)]
            )
            best = together + ranking.scattered_weight * own.score
            anywhere = np.logical_or.reduce([e.mask for e in expressions])
            for i in range(start, end):
                covered[i] = np.where(anywhere, 1.0, ranking.scattered_weight * words[i].mask)
        score += best
        mask |= anywhere
        units.append(
            (
                start,
                end,
                anywhere | np.logical_and.reduce([words[i].mask for i in range(start, end)]),
            )
        )
        alone.difference_update(range(start, end))
    for i in alone:
        score += words[i].score
        units.append((i, i + 1, words[i].mask))
    for part in pairs.values():
        if isinstance(part, scoring.Postings):
            score[part.ids] += part.scores
        else:
            score += part.score
    # A question or a long query (a pasted headline) paraphrases what it looks
    # for, so a missing word is ordinary there; a short news query means each word.
    exponent = (
        ranking.long_coordination
        if len(words) > LONG_QUERY or node.plain.question
        else ranking.coordination
    )
    if exponent and len(words) > 1:
        live = max(int(space.joined("live").sum()), 1)
        rarity = np.array(
            [
                word.weight * idf(int(part.mask.sum()), live)
                for part, word in zip(words, node.plain.words, strict=True)
            ]
        )
        if rarity.sum() > 0:
            share = sum(r * m for r, m in zip(rarity, covered, strict=True)) / rarity.sum()
            score *= share**exponent
    if ranking.match_all:
        required, dropped = match_set(units, node.plain, ranking, space.size, node.names)
        if required is not None:
            mask &= required
        space.dropped.extend(dropped)
    score[~mask] = 0.0
    return scoring.Matches(mask, score)


def match_set(
    units: list[tuple[int, int, np.ndarray]],
    plain,
    ranking,
    size: int,
    names: frozenset[int] = frozenset(),
) -> tuple[np.ndarray | None, list[str]]:
    """The articles holding every concept of a plain query, and the concepts left out.

    ``units`` are the query's concepts as ``(start, end, found)``: a word with
    its inflections (and a rare word's better-known spellings), or a thesaurus
    span with any of its expressions. Template words (weight below 1:
    "pengertian", "letak" in a question) say what kind of answer is wanted,
    not what it is about, and are never required; nor is anything in a
    question or a long query unless ``ranking.long_match_all`` (they
    paraphrase: their answer rarely repeats every word; RELEVANCE.md).

    When fewer than ``ranking.relax_below`` articles hold every concept, a
    concept is left out, then another, while more than one is left (as
    Meilisearch's matching strategy and Typesense's ``drop_tokens_threshold``
    do): one found nowhere first; else the least informative (lowest IDF)
    whose leaving lets enough articles match; else the least informative.
    ``(None, [])`` when nothing is required. A left-out concept is reported
    only when some article of the set lacks it.

    With ``ranking.require_names``, the query's words the corpus writes as
    names (``names``: their positions, #23) are required in long queries too
    (not in questions), and are left out last.
    """
    required = [
        (start, end, found)
        for start, end, found in units
        if min(w.weight for w in plain.words[start:end]) >= 1.0
    ]
    long = len(plain.words) > LONG_QUERY or plain.question
    if long and not ranking.long_match_all:
        # Names only, and not in a question: requiring a question's names cost
        # TyDi QA 0.009 nDCG@10 (names are spelt several ways; RELEVANCE.md).
        required = [u for u in required if not plain.question and _is_name(u, names, ranking)]
    if not required:
        return None, []
    live = max(size, 1)
    counts = [int(found.sum()) for _, _, found in required]
    order = sorted(
        range(len(required)),  # found nowhere, then names last, then the most frequent, first
        key=lambda k: (
            counts[k] > 0,
            _is_name(required[k], names, ranking),
            idf(counts[k], live),
            -required[k][0],
        ),
    )
    kept = list(order)

    def holding(concepts) -> np.ndarray:
        return np.logical_and.reduce([required[k][2] for k in concepts])

    dropped = []
    mask = holding(kept)
    while int(mask.sum()) < ranking.relax_below and len(kept) > 1:
        leaving = (
            kept[0]
            if counts[kept[0]] == 0
            else next(
                (
                    k
                    for k in kept
                    if int(holding([j for j in kept if j != k]).sum()) >= ranking.relax_below
                ),
                kept[0],
            )
        )
        kept.remove(leaving)
        dropped.append(leaving)
        mask = holding(kept)
    # Only what some result lacks is said to be left out ("ninoy karundeng
    # dianiaya": the three articles with "ninoy" hold the other words too).
    return mask, [
        " ".join(w.exact for w in plain.words[required[k][0] : required[k][1]])
        for k in dropped
        if (mask & ~required[k][2]).any()
    ]


def _is_name(unit, names: frozenset[int], ranking) -> bool:
    start, end, _ = unit
    return ranking.require_names and any(i in names for i in range(start, end))


def idf(df: int, documents: int) -> float:
    """BM25's inverse document frequency (never negative)."""
    return math.log(1 + (documents - df + 0.5) / (df + 0.5))
