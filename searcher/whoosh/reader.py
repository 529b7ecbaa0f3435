"""Reading a Whoosh index: :class:`Index` answers searches, documents, related
articles and statistics as plain data (:mod:`searcher.models`).

The embedded backend's reader; :mod:`searcher.whoosh.writer` writes the index.
Its parts: each thread's view of a generation (:mod:`searcher.whoosh.views`), documents
and statistics (:mod:`searcher.whoosh.documents`), stories (:mod:`searcher.whoosh.stories`);
searching, suggesting and percolating are here.
Configuration is by arguments (:func:`open_index`), never by module globals.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime

import numpy as np
from whoosh import query
from whoosh.util.times import datetime_to_long

from searcher import checks, scoring, stemmer
from searcher.collect import Request, collect
from searcher.errors import QueryError
from searcher.fetching import tombstones
from searcher.grouping import collapse_mode
from searcher.lru import LRU, deep_sizeof
from searcher.models import (
    DeleteReport,
    Hit,
    Percolation,
    SearchResult,
)
from searcher.query.parser import filter_query, parse
from searcher.query.text import clean_query
from searcher.ranking import DEFAULT as DEFAULT_RANKING
from searcher.ranking import Ranking
from searcher.request import QUERY_SECONDS, Deadline, Filters, check_request
from searcher.results import (
    make_hit,
)
from searcher.spelling import did_you_mean
from searcher.stemmer import stem_word
from searcher.synonyms import expand_synonyms
from searcher.whoosh import grouping, learned, percolation
from searcher.whoosh.collecting import WhooshSteps
from searcher.whoosh.columns import DAY_MICROSECONDS, SegmentData, as_datetime
from searcher.whoosh.documents import DocumentsMixin
from searcher.whoosh.evaluator import DocSpace, Matched, posting_cache
from searcher.whoosh.expansion import bound_expansions
from searcher.whoosh.storage import default_index_dir, open_whoosh_index
from searcher.whoosh.stories import StoriesMixin
from searcher.whoosh.views import ViewsMixin
from searcher.whoosh.writer import delete_documents

RESULT_CACHE_SIZE = 256  # searches remembered per open index (news queries repeat a lot)
RESULT_CACHE_BYTES = 32 * 1024 * 1024  # ...and at most this many bytes of them (#24)
# Below this many matches "did you mean" also tries spellings two edits away. That
# scan costs tens of ms, and a rare word in a query that found plenty (a name,
# say: most TyDi QA questions) was paying it on every search.
# Posting lists kept in memory per open index (frequent words of recent queries).
POSTING_CACHE_BYTES = 64 * 1024 * 1024
REFRESH_SECONDS = 0.5  # how often a searcher checks for a newer index generation


def open_index(path: str | os.PathLike | None = None, **options) -> Index:
    """Open the index at ``path`` (default ``$SEARCHER_INDEX`` or ``index/``);
    ``options`` are :class:`Index`'s."""
    return Index(path or default_index_dir(), **options)


class Index(ViewsMixin, DocumentsMixin, StoriesMixin):
    """A searchable index; safe to share between threads.

    Each thread gets its own Whoosh searcher, refreshed when an indexer
    commits a newer generation, so a running server sees re-indexed articles
    without a restart.

    Options: ``ranking`` (default :data:`searcher.ranking.DEFAULT`) weighs the
    results; ``result_cache`` searches are remembered (0: none), at most
    ``result_cache_bytes`` of them;
    ``posting_cache_bytes`` of posting lists are kept in memory;
    ``refresh_seconds``: how often a thread looks for a newer generation;
    ``query_seconds``: a search's time budget, past which it stops with a
    :class:`QueryError` instead of holding a server thread.
    """

    def __init__(
        self,
        path: str | os.PathLike,
        *,
        ranking: Ranking | None = None,
        result_cache: int = RESULT_CACHE_SIZE,
        result_cache_bytes: int = RESULT_CACHE_BYTES,
        posting_cache_bytes: int = POSTING_CACHE_BYTES,
        refresh_seconds: float = REFRESH_SECONDS,
        query_seconds: float = QUERY_SECONDS,
    ):
        self.path = str(path)
        self.ranking = checks.ranking(ranking) or DEFAULT_RANKING
        self.refresh_seconds = checks.seconds(refresh_seconds, "refresh_seconds")
        self.deadline = Deadline(checks.seconds(query_seconds, "query_seconds"))
        self.closed = False
        # Its words and their stems (its stem table), current while its methods run.
        self.vocabulary = stemmer.Vocabulary()
        with stemmer.using(self.vocabulary):
            self._ix = open_whoosh_index(path)
            # Load Sastrawi's dictionary and the word lists now, not in the first query.
            stem_word("pemanasan")
        expand_synonyms("tppo")
        self._local = threading.local()
        self._all_searchers: list = []
        self._lock = threading.Lock()
        entries = checks.count(result_cache, "result_cache")
        limit = checks.count(result_cache_bytes, "result_cache_bytes") if entries else 0
        self._results = LRU(limit, sizeof=deep_sizeof, max_entries=entries)  # per generation
        self._postings = posting_cache(checks.count(posting_cache_bytes, "posting_cache_bytes"))
        self._segment_data = SegmentData()
        self._damage_checked: tuple | None = None  # (folder state, what the check found)
        self._groups = grouping.GroupCache(path)  # duplicate groups and stories
        self._neighbours = learned.NeighbourCache(path)  # learned neighbours (#23)

    def close(self) -> None:
        """Release the index's files; any later use raises :class:`IndexClosedError`."""
        with self._lock:
            if self.closed:
                return
            self.closed = True
            for searcher in self._all_searchers:
                searcher.close()
            self._all_searchers.clear()
        self._local = threading.local()
        self._ix.close()

    def __enter__(self) -> Index:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- queries -------------------------------------------------------------
    @checks.while_open
    def parse(self, text: str, *, as_typed: bool = False):
        """The Whoosh query for a user string (raises QueryError); ``as_typed``:
        rare words do not also find their better-known spellings."""
        reader = self._searcher().reader()
        return bound_expansions(
            parse(checks.text(text, "q"), self.ranking),
            reader,
            self._frequencies(reader),
            self.deadline.check,
            self._view().known,
            spellings=not as_typed,
            neighbours=self._neighbours.get(),
        )

    @checks.while_open
    def search(
        self,
        text: str,
        *,
        page: int = 1,
        per_page: int = 10,
        filters: Filters | dict | None = None,
        sort: str = "relevance",
        snippets: bool = True,
        facets: bool = False,
        collapse: bool | str = False,
        as_typed: bool = False,
    ) -> SearchResult:
        """Ranked results for ``text``.

        A plain query finds the articles holding every concept of it; when too
        few do, the least informative concepts are left out
        (``SearchResult.dropped``; :func:`searcher.whoosh.evaluator.match_set`).
        A word the index (almost) lacks is searched as its far more frequent
        spelling (``SearchResult.corrected_query``) unless ``as_typed``; then
        the spelling is only suggested (``SearchResult.suggestion``).

        ``filters`` is a :class:`Filters` or a dict of its :meth:`Filters.build`
        arguments; ``sort`` is relevance, newest, oldest or blend (relevance
        times a date decay: ``Ranking.recency_days``). Every sort orders the
        same matches. ``facets`` adds
        source/category counts and a date histogram over all matches.
        ``collapse``: ``True`` or ``"duplicates"`` shows one article per duplicate
        group (the best-ranked match; the others counted in ``Hit.versions``);
        ``"story"`` one per story (its best-ranked match, with the story's size,
        sources, matches and a few other headlines: ``Hit.story_size``,
        ``story_sources``, ``story_matches``, ``headlines``). Totals, pages,
        facets and the histogram then count groups or stories (a facet value
        counts what a filter on it would show). The CLI and the
        web app collapse by story by default; the library only when asked
        (evaluations and callers see every article).

        Recent results are kept per index generation (a re-index makes them
        stale automatically); the returned objects are shared, do not mutate.
        """
        started = time.perf_counter()
        checks.text(text, "q")
        page, per_page, sort, filters = check_request(page, per_page, sort, filters)
        collapse = collapse_mode(collapse)
        view = self._view()
        as_typed = checks.flag(as_typed, "as_typed")
        key = (
            view.searcher.reader().generation(),
            text,
            page,
            per_page,
            filters,
            sort,
            snippets,
            facets,
            collapse,
            as_typed,
        )
        cached = self._results.get(key)
        if cached is not None:
            return replace(cached, took_ms=(time.perf_counter() - started) * 1000)
        result = self._search(
            view, text, page, per_page, filters, sort, snippets, facets, collapse, as_typed
        )
        result = replace(result, took_ms=(time.perf_counter() - started) * 1000)
        self._results.put(key, result)
        return result

    def _search(
        self, view, text, page, per_page, filters, sort, snippets, facets, collapse, as_typed=False
    ):
        self.deadline.start()
        try:
            return self._search_within_budget(
                view, text, page, per_page, filters, sort, snippets, facets, collapse, as_typed
            )
        finally:
            self.deadline.stop()

    def _search_within_budget(
        self, view, text, page, per_page, filters, sort, snippets, facets, collapse, as_typed=False
    ):
        """The search's steps (:mod:`searcher.collect`), on this index's arrays."""
        request = Request(text, page, per_page, filters, sort, snippets, facets, collapse, as_typed)
        return collect(WhooshSteps(self, view), request)

    def _blended(self, matched: Matched) -> np.ndarray:
        """Scores times a date decay from the index's newest article (``blend``)."""
        space = matched.space
        dated = space.joined("dated") & space.joined("live")
        moments = space.joined("published")
        origin = int(moments[dated].max()) if dated.any() else 0
        ranking = self.ranking
        return scoring.recency_blend(
            matched.scores,
            matched.column("published"),
            matched.column("dated"),
            origin,
            DAY_MICROSECONDS,
            ranking.recency_days,
            ranking.recency_weight,
        )

    @checks.while_open
    def suggest(self, text: str, *, two_edits: bool = True) -> str | None:
        """A "did you mean" query: rare words replaced by frequent near spellings.

        ``two_edits`` also looks two edits away, a scan of the term dictionary
        (tens of milliseconds); searches do so only when they found little.
        """
        checks.text(text, "q")
        reader = self._searcher().reader()
        frequency = self._frequencies(reader)

        def counts(fieldname):
            return lambda words: {w: frequency(fieldname, w) for w in words}

        def far(word):
            return reader.terms_within("body_exact", word, 2, prefix=1)

        return did_you_mean(
            clean_query(text),
            counts("body_exact"),
            counts("body"),
            far=far if two_edits else None,
            known=self._view().known,
        )

    def _frequencies(self, reader):
        """``frequency(fieldname, word)``: documents holding a word, remembered
        per index generation ("did you mean" and rare words' spellings ask for
        the same near spellings)."""
        generation, cache = reader.generation(), self._postings

        def frequency(fieldname, word):
            key = (generation, "df", fieldname, word)
            found = cache.get(key)
            if found is None:
                found = reader.doc_frequency(fieldname, word)
                cache.put(key, found)
            return found

        return frequency

    @checks.while_open
    def percolate(
        self, searches: Sequence[tuple[str, Filters | None, datetime | None]]
    ) -> Percolation:
        """Each ``(text, filters, after)``'s matches among the articles indexed after
        ``after`` (None: all), on one generation of the index (see :class:`Percolation`).

        Saved searches (:mod:`searcher.watch`): each is evaluated as a search is,
        except that a plain query needs all its words
        (:mod:`searcher.whoosh.percolation`), then restricted to the new articles
        by their ``indexed`` column: no ranking, snippets or suggestions.
        """
        view = self._view()
        space = DocSpace(view, self._postings)
        indexed, live = space.joined("indexed"), space.joined("live")
        latest = int(indexed[live].max()) if live.any() else None
        spaces: dict = {}  # after -> (new documents' mask, the segments holding them)
        out: list[list[Hit] | str] = []
        for text, filters, after in searches:
            if after not in spaces:
                new = live & (indexed > datetime_to_long(after)) if after is not None else live
                spaces[after] = (
                    new,
                    percolation.NewDocuments(
                        view, percolation.segments_holding(view, new), self.deadline.check
                    ),
                )
            new, documents = spaces[after]
            self.deadline.start()
            try:
                checks.text(text, "q")
                _, _, _, filters = check_request(1, 1, "relevance", filters)
                docnums = percolation.new_matches(
                    documents, self.parse(text), filter_query(filters) if filters else None
                )
            except query.QueryError:  # Whoosh's: a field that cannot take that kind of query
                out.append("q: cannot run the query on this index")
                continue
            except QueryError as error:
                out.append(str(error))
                continue
            finally:
                self.deadline.stop()
            docnums = docnums[new[docnums]]
            docnums = docnums[np.lexsort((docnums, indexed[docnums]))]
            out.append([make_hit(view.searcher.stored_fields(int(n)), 0.0, None) for n in docnums])
        return Percolation(as_datetime(latest) if latest is not None else None, out)

    # -- writing ---------------------------------------------------------------------
    def delete(self, ids: Iterable[str]) -> DeleteReport:
        """Remove these articles (:func:`searcher.whoosh.writer.delete_documents`, which holds the
        indexer lock); this thread's next search already sees it, others within
        ``refresh_seconds``."""
        ids = tombstones.before_delete(self.path, ids)
        with stemmer.using(self.vocabulary):  # the writer opens this index: its table
            report = delete_documents(ids, self.path)
        self._local.checked = float("-inf")  # look for the new generation next time
        return report
