"""What a saved search matches (:meth:`searcher.whoosh.reader.Index.percolate`, #26).

A search ranks: every word of a plain query is optional and articles with all
of them come first. An alert does not rank, it reports: an article new to a
saved search ``banjir bekasi`` is reported only if it has every word (or, for
a word the thesaurus knows, one of its other expressions: ``tppo`` covers
``perdagangan orang``), as news alerts do; with "any word" a saved headline
would report most of the day's news. Operators keep their meaning (``banjir
OR longsor``, ``-kpk``, fields, dates).

How it stays cheap with many saved searches: a search is evaluated over the
segments that hold new articles only (:class:`NewDocuments`), and only for
which articles match, then restricted to the new ones by their index time.
"""

from __future__ import annotations

import numpy as np
from whoosh import query

from searcher import scoring
from searcher.lru import LRU
from searcher.query.nodes import Concepts
from searcher.whoosh import internals
from searcher.whoosh.evaluator import DocSpace, View
from searcher.whoosh.evaluator import _evaluate as evaluate


def every_word(node):
    """``node`` with each plain query (:class:`Concepts`) requiring all its words."""
    if isinstance(node, Concepts):
        return _all_words(node)
    if node.is_leaf():
        return node
    return node.apply(every_word)


def _all_words(node: Concepts):
    covering = [[clause] for clause in node.words]
    for start, end, clauses, _weights in node.concepts:
        for i in range(start, end):
            covering[i].extend(clauses)
    parts = [
        alternatives[0] if len(alternatives) == 1 else query.Or(alternatives)
        for alternatives in covering
    ]
    if not parts:
        return query.NullQuery
    return parts[0] if len(parts) == 1 else query.And(parts)


# Posting lists and phrase matches kept for one percolation (its searches share words).
PERCOLATION_CACHE = 100_000


class NewDocuments(DocSpace):
    """The segments of an index generation that hold new documents, numbered from 0.

    After a round of fetching, new articles sit in the newest (small) segments, so
    a saved search reads the posting lists of those segments only, and only
    which documents match: no scores, hence no whole-index statistics. The
    searches of one percolation share its cache of posting lists and phrases.
    """

    def __init__(self, view: View, segments: list, check=lambda: None):
        self.view = view
        self.searcher = view.searcher
        self.check = check
        self.cache = LRU(PERCOLATION_CACHE)
        self.generation = "percolation"
        self.segments = []
        starts, offsets = [], []
        size = 0
        for subsearcher, offset in segments:
            self.segments.append((subsearcher, size))
            starts.append(size)
            offsets.append(offset)
            size += subsearcher.doc_count_all()
        self.size = size
        self._starts = np.array(starts, dtype=np.int64)
        self._shift = np.array(offsets, dtype=np.int64) - self._starts
        self.context = view.searcher.context(needs_current=False)
        self._joined: dict = {}
        self._seen: dict = {}

    def index_numbers(self, local: np.ndarray) -> np.ndarray:
        """Document numbers of this space as the whole index numbers them."""
        segment = np.searchsorted(self._starts, local, side="right") - 1
        return local + self._shift[segment]

    def stored_text(self, docnum: int, fieldname: str) -> str:
        number = int(self.index_numbers(np.array([docnum], dtype=np.int64))[0])
        return self.searcher.stored_fields(number).get(fieldname) or ""

    def term(self, node) -> scoring.Postings:
        ids = self._cached(
            ("term", node.fieldname, node.text), lambda: self._postings(node.fieldname, node.text)
        )
        return scoring.Postings(ids, np.ones(len(ids)))

    def _postings(self, fieldname: str, text: str) -> np.ndarray:
        live = self.joined("live")
        parts = []
        for subsearcher, start in self.segments:
            local, _ = internals.read_postings(subsearcher.reader(), fieldname, text)
            if len(local):
                ids = local + start
                parts.append(ids[live[ids]])
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)


def new_matches(space: NewDocuments, parsed, filter_query) -> np.ndarray:
    """Whole-index numbers of the documents of ``space`` matching ``parsed`` (all its
    words, :func:`every_word`) and ``filter_query``."""
    if not space.size:  # nothing new (the query was parsed: its errors are known)
        return np.zeros(0, dtype=np.int64)
    space._seen = {}  # this search's own parts (the cache is shared by the searches)
    mask = scoring.dense(evaluate(every_word(parsed), space), space.size).mask
    if filter_query is not None:
        mask = mask & scoring.dense(evaluate(filter_query, space), space.size).mask
    return space.index_numbers(np.flatnonzero(mask))


def segments_holding(view: View, new: np.ndarray) -> list:
    """The ``(searcher, offset)`` of each segment with a document flagged in ``new``."""
    out = []
    for subsearcher, offset in view.searcher.leaf_searchers():
        if new[offset : offset + subsearcher.doc_count_all()].any():
            out.append((subsearcher, offset))
    return out
