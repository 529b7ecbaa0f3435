"""Reading a Whoosh index: :class:`Index` answers searches, documents, related
articles and statistics as plain data (:mod:`searcher.models`).

The embedded backend's reader; :mod:`searcher.whoosh.writer` writes the index.
Configuration is by arguments (:func:`open_index`), never by module globals.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import struct
import threading
import time
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import numpy as np
from whoosh import query
from whoosh.util.times import datetime_to_long

from searcher import checks, scoring, stemmer, stemtable
from searcher.collect import Request, collect
from searcher.errors import IndexClosedError, IndexDamagedError, QueryError, SearcherError
from searcher.fetching import tombstones
from searcher.grouping import check_story_list, check_story_page, collapse_mode, seconds_of
from searcher.lru import LRU, deep_sizeof
from searcher.models import (
    DeleteReport,
    Document,
    Hit,
    IndexStats,
    Percolation,
    SearchResult,
    Snippet,
    Story,
    StoryList,
    StorySummary,
)
from searcher.query.highlight import match_terms
from searcher.query.parser import filter_query, parse
from searcher.query.text import clean_query
from searcher.ranking import BM25_PARAMETERS, Ranking
from searcher.ranking import DEFAULT as DEFAULT_RANKING
from searcher.request import QUERY_SECONDS, Deadline, Filters, check_request
from searcher.results import (
    facet_counts,
    highlighted,
    make_document,
    make_hit,
)
from searcher.snippets import SCAN_CHARS, MatchTerms
from searcher.spelling import did_you_mean
from searcher.stemmer import stem_word
from searcher.synonyms import expand_synonyms
from searcher.whoosh import grouping, learned, percolation, stories, verify
from searcher.whoosh.collecting import WhooshSteps
from searcher.whoosh.columns import DAY_MICROSECONDS, SegmentData, as_datetime
from searcher.whoosh.evaluator import DocSpace, Matched, View, matching, posting_cache
from searcher.whoosh.expansion import bound_expansions
from searcher.whoosh.internals import BM25FWeighting
from searcher.whoosh.storage import damaged, default_index_dir, open_whoosh_index
from searcher.whoosh.writer import delete_documents

RELATED_WORDS = 20  # key words of an article that find its related articles
RESULT_CACHE_SIZE = 256  # searches remembered per open index (news queries repeat a lot)
RESULT_CACHE_BYTES = 32 * 1024 * 1024  # ...and at most this many bytes of them (#24)
# Below this many matches "did you mean" also tries spellings two edits away. That
# scan costs tens of ms, and a rare word in a query that found plenty (a name,
# say: most TyDi QA questions) was paying it on every search.
# Posting lists kept in memory per open index (frequent words of recent queries).
POSTING_CACHE_BYTES = 64 * 1024 * 1024
REFRESH_SECONDS = 0.5  # how often a searcher checks for a newer index generation
# After a search failed reading the index: how long checking the posting lists may take
# (the quick check of the other files always runs whole).
DAMAGE_CHECK_SECONDS = 10.0
# What reading a damaged file raises (Whoosh's and our codec's reading code, zlib,
# struct, pickle, NumPy): such an error makes the search check the folder (#24).
READ_ERRORS = (
    EOFError,
    OSError,
    ValueError,
    IndexError,
    KeyError,
    struct.error,
    zlib.error,
    pickle.UnpicklingError,
)


def open_index(path: str | os.PathLike | None = None, **options) -> Index:
    """Open the index at ``path`` (default ``$SEARCHER_INDEX`` or ``index/``);
    ``options`` are :class:`Index`'s."""
    return Index(path or default_index_dir(), **options)


class Index:
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

    # -- searchers -----------------------------------------------------------
    def _new_searcher(self):
        weighting = BM25FWeighting(self._segment_data.lengths, **BM25_PARAMETERS)
        return self._ix.searcher(weighting=weighting)

    def _new_view(self, searcher) -> View:
        """A view of a generation, knowing its words when the index has a stem table
        (loaded again if a later indexing run extended it)."""
        vocabulary = self.vocabulary
        stemtable.load(self.path, vocabulary)
        known = vocabulary.known.__contains__ if vocabulary.complete else None
        # What a generation's searches read lazily is read now, while its files exist;
        # a damaged column file is named here, not met by a search (#24).
        try:
            self._segment_data.prepare(searcher.reader())
            self._groups.prepare(searcher.reader())
        except Exception as error:  # Whoosh raises many types for unreadable files
            raise damaged(self.path, error) from error
        return View(searcher, self._segment_data, known)

    @contextlib.contextmanager
    def pinned(self):
        """One call of the API (:func:`searcher.checks.while_open`): this thread's
        view may be refreshed at its first use in the outermost call, never later in
        it, so a call reads one generation and its searcher is not closed under it
        (a refresh in a nested ``parse`` closed the search's reader, #24)."""
        local = self._local
        depth = getattr(local, "depth", 0)
        local.depth = depth + 1
        if depth == 0:
            local.may_refresh = True
        try:
            yield
        except SearcherError:
            raise
        except READ_ERRORS as error:
            # A damaged file met by a search (a posting list, a term, stored fields):
            # named, with the way to recover, when checking the folder finds it; a 503
            # on the web, one line in the CLI (#24). Otherwise a bug: raised as it is.
            if depth == 0 and not self.closed:
                problem = self._damage(error)
                if problem is not None:
                    raise problem from error
            raise
        finally:
            local.depth = depth

    def _damage(self, error: Exception) -> SearcherError | None:
        """The error to raise for ``error`` if the index is damaged, else None. The
        check runs once per state of the folder (its latest table of contents)."""
        toc = verify.latest_toc(Path(self.path))
        try:
            stamp = (toc, toc.stat().st_mtime_ns) if toc is not None else None
        except OSError:
            stamp = None
        with self._lock:
            known = self._damage_checked
        if known is not None and known[0] == stamp:
            found, finished = known[1]
        else:
            try:
                found, finished = verify.damage_after_error(self.path, DAMAGE_CHECK_SECONDS)
            except Exception:  # the check met the damage in a way it did not expect
                found, finished = None, False
            with self._lock:
                self._damage_checked = (stamp, (found, finished))
        if found is not None:
            return IndexDamagedError(self.path, str(found))
        if not finished:
            return SearcherError(
                f"cannot read the index in {self.path} ({type(error).__name__}: "
                f"{' '.join(str(error).split())[:200]}); check it with: python -m searcher "
                f"check --index {self.path}, rebuild it with: python -m searcher index "
                f"SOURCE... --rebuild --index {self.path}"
            )
        return None

    def _view(self) -> View:
        """This thread's view of the latest generation (within a call: the one the
        call began with)."""
        local = self._local
        view = getattr(local, "view", None)
        may_refresh = getattr(local, "may_refresh", True) or not getattr(local, "depth", 0)
        if getattr(local, "depth", 0):
            local.may_refresh = False
        now = time.monotonic()
        if view is None:
            searcher = self._new_searcher()
            with self._lock:
                if self.closed:  # closed by another thread meanwhile
                    searcher.close()
                    raise IndexClosedError(self.path)
                self._all_searchers.append(searcher)
            view = local.view = self._new_view(searcher)
            local.checked = now
        elif may_refresh and now - local.checked > self.refresh_seconds:
            local.checked = now
            if not view.searcher.up_to_date():
                fresh = self._new_searcher()
                with self._lock:
                    self._all_searchers.remove(view.searcher)
                    self._all_searchers.append(fresh)
                view.searcher.close()  # only this thread ever used it
                local.view = view = self._new_view(fresh)
        return view

    def _searcher(self):
        return self._view().searcher

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

    # -- documents -------------------------------------------------------------
    @checks.while_open
    def get(self, doc_id: str) -> Document | None:
        """The stored article with this id, or None."""
        stored = self._searcher().document(id=checks.doc_id(doc_id))
        return make_document(stored) if stored is not None else None

    @checks.while_open
    def highlight_document(self, doc_id: str, text: str) -> tuple[Snippet, Snippet] | None:
        """Title and body of an article with the words of query ``text`` marked."""
        checks.text(text, "q")
        document = self.get(doc_id)
        terms = match_terms(self.parse(text)) if document and text.strip() else MatchTerms()
        return highlighted(document, terms)

    @checks.while_open
    def more_like_this(self, doc_id: str, limit: int = 5) -> list[Hit]:
        """Articles about the same thing as ``doc_id``.

        Its key words and key word pairs (Bo1 against the whole index: frequent
        in the article, rare elsewhere; from its first SCAN_CHARS characters)
        are searched for over arrays; pairs ("tusuk wiranto") keep related
        articles on the story, where single words drift to whatever else
        shares a name or a place.
        """
        checks.doc_id(doc_id)
        checks.limit(limit)
        view = self._view()
        searcher = view.searcher
        docnum = searcher.document_number(id=doc_id)
        if docnum is None:
            return []
        ranking = self.ranking
        stored = searcher.stored_fields(docnum)
        body = stored.get("body") or ""
        if not ranking.related_pairs:  # words of the body only, through Whoosh's own search
            results = searcher.more_like(
                docnum, "body", text=body[:SCAN_CHARS], top=limit, numterms=RELATED_WORDS
            )
            return [make_hit(hit.fields(), hit.score or 0.0, MatchTerms()) for hit in results]
        text = f"{stored.get('title') or ''}\n{body}"[:SCAN_CHARS]
        words = searcher.key_terms_from_text("body", text, numterms=RELATED_WORDS, normalize=True)
        pairs = searcher.key_terms_from_text(
            "body_pairs", text, numterms=ranking.related_pairs, normalize=True
        )
        like = query.Or(
            [query.Term("body", w, boost=weight) for w, weight in words]
            + [
                query.Term("body_pairs", p, boost=weight * ranking.related_pair_weight)
                for p, weight in pairs
            ]
        )
        matched = matching(view, like, None, self._postings)
        scores = matched.scores
        if ranking.related_days:
            # The same story is told within days: nearer articles weigh more.
            moments, dated = matched.column("published"), matched.column("dated")
            own = matched.space.joined("published")[docnum]
            if matched.space.joined("dated")[docnum]:
                days = np.abs(moments - own) / DAY_MICROSECONDS
                near = np.where(dated, np.exp(-days / ranking.related_days), 0.0)
                scores = scores * (0.5 + 0.5 * near)
        if ranking.related_story_weight:  # the article's own story first (#23)
            groups = self._groups.get(searcher.reader())
            if groups is not None and groups.story[docnum] >= 0:
                same = groups.story[matched.docnums] == groups.story[docnum]
                scores = scores * np.where(same, 1.0 + ranking.related_story_weight, 1.0)
        hits = []
        for position in scoring.ranked(matched.docnums, scores, limit + 1):
            number = int(matched.docnums[position])
            if number != docnum and len(hits) < limit:
                hits.append(
                    make_hit(searcher.stored_fields(number), float(scores[position]), MatchTerms())
                )
        return hits

    @checks.while_open
    def stats(self) -> IndexStats:
        view = self._view()
        searcher = view.searcher
        everything = matching(view, query.Every(), None, self._postings)
        moments = everything.column("published")[everything.column("dated")]
        size = sum(
            f.stat().st_size
            for f in Path(self.path).iterdir()
            if f.is_file() and not f.name.startswith(".")
        )
        return IndexStats(
            documents=searcher.doc_count(),
            sources=facet_counts(everything.groups("source")),
            categories=facet_counts(everything.groups("category")),
            earliest=as_datetime(int(moments.min())) if len(moments) else None,
            latest=as_datetime(int(moments.max())) if len(moments) else None,
            size_bytes=size,
            path=self.path,
        )

    # -- stories -------------------------------------------------------------------
    @checks.while_open
    def story(
        self,
        story_id: str,
        *,
        page: int = 1,
        per_page: int | None = None,
        sort: str = "oldest",
        since: datetime | str | None = None,
        until: datetime | str | None = None,
    ) -> Story | None:
        """A story's articles, oldest first (``sort="newest"``: newest first), all of
        them or a page of ``per_page``; ``since``/``until`` keep the articles of those
        days (a day of its timeline). None: no such story. A story whose first article
        was deleted is found under that id too; its ``id`` is then its current one."""
        checks.doc_id(story_id)
        sort, page, per_page = check_story_page(sort, page, per_page)
        window = Filters.build(since=since, until=until)
        view = self._view()
        searcher = view.searcher
        return stories.story_page(
            self._groups.get(searcher.reader()),
            story_id,
            sort,
            page,
            per_page,
            seconds_of(window.since) if window.since else None,
            seconds_of(window.until) if window.until else None,
            self._source_codes(view),
            searcher.stored_fields,
            self._groups.terms(),
        )

    @checks.while_open
    def stories(self, *, since: datetime | None = None, limit: int = 10) -> list[StorySummary]:
        """The largest stories with an article published at or after ``since``."""
        return self._story_list(
            Filters.build(since=since), "largest", 1, checks.limit(limit, top=10_000)
        ).stories

    @checks.while_open
    def story_list(
        self,
        *,
        since: datetime | str | None = None,
        until: datetime | str | None = None,
        source=None,
        category=None,
        sort: str = "largest",
        page: int = 1,
        per_page: int = 10,
    ) -> StoryList:
        """Stories with an article in the window (``since``/``until``) from those
        sources and categories: the largest (``sort="largest"``, by size), the most
        active (``"active"``: most articles in the window and filters) or the latest
        (``"latest"``: newest such article first), a page at a time. Each is named by
        its most representative headline."""
        sort, page, per_page = check_story_list(sort, page, per_page)
        filters = Filters.build(source=source, category=category, since=since, until=until)
        return self._story_list(filters, sort, page, per_page)

    def _story_list(self, filters: Filters, sort: str, page: int, per_page: int) -> StoryList:
        view = self._view()
        searcher = view.searcher
        groups = self._groups.get(searcher.reader())
        restrict = filter_query(filters)
        matched = matching(view, query.Every(), restrict, self._postings)
        return stories.story_list(
            groups,
            matched.docnums,
            self._source_codes(view),
            sort,
            page,
            per_page,
            searcher.stored_fields,
            self._groups.terms(),
        )

    def _source_codes(self, view) -> tuple:
        """Each document's source as a code, and the names (for counting sources)."""
        if view.searcher.doc_count_all() == 0:
            return np.zeros(0, dtype=np.int64), []
        return matching(view, query.Every(), None, self._postings).space.facet("source")

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
