"""Searching the index: query parsing, filters, ranking, facets and hits.

This module and :mod:`searcher.index` are the only ones that talk to Whoosh;
everything they return is plain data from :mod:`searcher.models`.

Query language (Whoosh's parser with our analysis):

* plain words: every word is optional, but documents holding more of them
  rank first (an OR query with a coordination bonus);
* ``"exact phrase"``, ``OR``, ``AND``, ``NOT word`` / ``-word``, ``+word``;
* ``field:value`` for ``title``/``judul``, ``source``/``sumber``,
  ``category``/``kategori``, and ``published:[2019-09-01 TO 2019-09-30]``;
* acronyms and synonyms expand (:mod:`searcher.synonyms`);
* wildcards (``korup*``) and fuzzy terms (``korupsi~``) expand to a bounded
  number of words, so no query can make unbounded work.

Any string returns results or raises :class:`~searcher.errors.QueryError`.
"""

from __future__ import annotations

import functools
import itertools
import math
import os
import re
import threading
import time
from collections import Counter, OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import NamedTuple

import numpy as np
from whoosh import qparser, query
from whoosh.codec.whoosh3 import LENGTHS_COLUMN as _LENGTHS_COLUMN
from whoosh.reading import TermNotFound
from whoosh.scoring import BM25F, BM25FScorer
from whoosh.util.numeric import byte_to_length
from whoosh.util.times import long_to_datetime

from searcher import checks, concepts, grouping, plan, scoring
from searcher.analysis import analyze, pair_term
from searcher.categories import normalize_label
from searcher.dates import DateError, parse_user_date
from searcher.errors import IndexClosedError, QueryError
from searcher.index import default_index_dir, delete_documents, make_schema, open_whoosh_index
from searcher.models import (
    DeleteReport,
    Document,
    FacetCount,
    Hit,
    IndexStats,
    SearchResult,
    Snippet,
    Story,
    StorySummary,
    web_url,
)
from searcher.plan import QueryPlan
from searcher.ranking import DEFAULT as DEFAULT_RANKING
from searcher.ranking import LONG_QUERY, Ranking
from searcher.snippets import SCAN_CHARS, MatchTerms, highlight, make_snippet
from searcher.spelling import did_you_mean
from searcher.stemmer import stem_word
from searcher.synonyms import expand_synonyms, query_pieces

SORTS = ("relevance", "newest", "oldest")
MAX_QUERY_CHARS = 1000
MAX_PER_PAGE = 100
MAX_EXPANSIONS = 64  # words a wildcard or fuzzy term may expand to
MAX_FUZZY_DISTANCE = 2
FUZZY_PREFIX = 2
# Wildcard and fuzzy words per query: each walks the term dictionary and adds
# up to MAX_EXPANSIONS words (about 100 "word~2" took 3.8 s on CLICK-ID, #12).
MAX_EXPANDING_TERMS = 5
# Letters a wildcard word needs before its first * or ?: "*an*" or "?perdagangan"
# scanned every field's whole dictionary (0.5 s per field for a rare pattern on
# CLICK-ID, 17.8 s for one soak query under load), out of reach of the time budget.
WILDCARD_PREFIX = 2
# A fuzzy word longer than this is looked up as it is: nothing real is two
# edits away from a 1,000-letter word, and its automaton is huge (#12).
MAX_FUZZY_LETTERS = 30
MAX_NESTING = 20  # brackets inside brackets (497 levels overflowed Python's stack, #12)
# A search's budget: past it the search stops with a QueryError instead of
# holding a server thread (#12). Every query of the hardening list answers in
# well under 1 s on CLICK-ID (BENCHMARKS.md); this only stops what was missed.
QUERY_SECONDS = 5.0
NO_WORDS = ("q: the query has no words to search for (only punctuation or very common "
            "words); type a word, or * for every article")
# Weights of the fields a plain word is looked up in (BM25 per field, summed):
# titles say what an article is about; exact word forms outrank stemmed ones.
BM25F_ARGS = {"B": 0.75, "K1": 1.2}
FIELD_BOOSTS = dict(DEFAULT_RANKING.field_boosts)
PAIR_FIELDS = ("title_pairs", "body_pairs")  # neighbouring stems as one term
TERM_FIELDS = frozenset(FIELD_BOOSTS) | frozenset(PAIR_FIELDS)  # scored over arrays
OR_GROUP = qparser.OrGroup
ALL_WORDS_BOOST = 1.0  # weight of the all-words (AND) version of a plain query
# Only for queries of two to four words: one word has nothing to add, and a
# long question ("siapakah arsitek balai kota seoul yang pertama") rarely has
# every word in one document; there the bonus costs time and precision
# (TyDi QA, BENCHMARKS.md).
ALL_WORDS_MAX = 4
# The all-words bonus only needs to find the documents; two fields are enough.
ALL_WORDS_FIELDS = {"title": 2.0, "body": 1.0}
RELATED_WORDS = 20  # key words of an article that find its related articles
RESULT_CACHE_SIZE = 256  # searches remembered per process (news queries repeat a lot)
# Below this many matches "did you mean" also tries spellings two edits away. That
# scan costs tens of ms, and a rare word in a query that found plenty (a name,
# say: most TyDi QA questions) was paying it on every search.
FEW_RESULTS = 5
# Posting lists kept in memory per open index (frequent words of recent queries).
POSTING_CACHE_BYTES = 64 * 1024 * 1024
FILTER_FIELDS = ("source", "category")
FIELD_ALIASES = {"title": ["judul"], "source": ["sumber"], "category": ["kategori"]}
REFRESH_SECONDS = 0.5  # how often a searcher checks for a newer index generation
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_FIELD_PREFIX = re.compile(r"(?<![\w\"'])([^\W\d_]+):")
QUERY_FIELDS = {"title", "judul", "body", "source", "sumber", "category", "kategori",
                "published", "tanggal", "date"}


def _field_prefix(match) -> str:
    """Known field names in any case (TITLE:, Sumber:); any other "word:" is plain text."""
    name = match.group(1).lower()
    return f"{name}:" if name in QUERY_FIELDS else f"{match.group(1)} "


_QUESTION_MARK = re.compile(r"\?+(?=[\s)\"]|$)")


@dataclass(frozen=True)
class Filters:
    """Restrictions on what a search returns (all optional, combined with AND)."""

    sources: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    since: datetime | None = None
    until: datetime | None = None

    @classmethod
    def build(cls, *, source: str | Sequence[str] | None = None,
              category: str | Sequence[str] | None = None,
              since: str | datetime | None = None, until: str | datetime | None = None) -> Filters:
        """Filters from user values (dates as ISO/Indonesian strings or datetimes)."""

        def moment(value, name, end):
            if value is None or isinstance(value, datetime):
                return value
            if not str(value).strip():
                return None
            try:
                return parse_user_date(str(value), end=end)
            except DateError as error:
                raise QueryError(f"{name}: {error}") from None

        filters = cls(checks.filter_values(source, "source"),
                      checks.filter_values(category, "category"), moment(since, "since", False),
                      moment(until, "until", True))
        if filters.since and filters.until and filters.since > filters.until:
            raise QueryError("since: the start date is after the end date (until)")
        return filters


def open_index(path: str | os.PathLike | None = None, *,
               ranking: Ranking | None = None) -> Index:
    """Open the index at ``path`` (default ``$SEARCHER_INDEX`` or ``index/``).

    ``ranking`` (default: :data:`searcher.ranking.DEFAULT`) weighs the results.
    """
    return Index(path or default_index_dir(), ranking=ranking)


class Index:
    """A searchable index; safe to share between threads.

    Each thread gets its own Whoosh searcher, refreshed when an indexer
    commits a newer generation, so a running server sees re-indexed articles
    without a restart.
    """

    def __init__(self, path: str | os.PathLike, *, ranking: Ranking | None = None):
        self.path = str(path)
        self.ranking = ranking or DEFAULT_RANKING
        self.closed = False
        self._ix = open_whoosh_index(path)
        # Load Sastrawi's dictionary and the word lists now, not in the first query.
        stem_word("pemanasan")
        expand_synonyms("tppo")
        self._local = threading.local()
        self._all_searchers: list = []
        self._lock = threading.Lock()
        self._results: OrderedDict = OrderedDict()  # recent results, per index generation
        self._postings = _PostingCache(POSTING_CACHE_BYTES)
        self._groups = grouping.GroupCache(path)  # duplicate groups and stories

    # -- searchers -----------------------------------------------------------
    def _searcher(self):
        local = self._local
        searcher = getattr(local, "searcher", None)
        now = time.monotonic()
        if searcher is None:
            searcher = self._ix.searcher(weighting=_BM25F(**BM25F_ARGS))
            with self._lock:
                if self.closed:  # closed by another thread meanwhile
                    searcher.close()
                    raise IndexClosedError(self.path)
                self._all_searchers.append(searcher)
            local.searcher, local.checked = searcher, now
        elif now - local.checked > REFRESH_SECONDS:
            local.checked = now
            if not searcher.up_to_date():
                fresh = self._ix.searcher(weighting=_BM25F(**BM25F_ARGS))
                with self._lock:
                    self._all_searchers.remove(searcher)
                    self._all_searchers.append(fresh)
                searcher.close()  # only this thread ever used it
                local.searcher = searcher = fresh
        return searcher

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
    def parse(self, text: str):
        """The Whoosh query for a user string (raises QueryError)."""
        reader = self._searcher().reader()
        return _bound_expansions(_parse(checks.text(text, "q"), self.ranking), reader,
                                 self._frequencies(reader))

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
        collapse: bool = False,
    ) -> SearchResult:
        """Ranked results for ``text``.

        ``filters`` is a :class:`Filters` or a dict of its :meth:`Filters.build`
        arguments; ``sort`` is relevance, newest or oldest. ``facets`` adds
        source/category counts and a date histogram over all matches.
        ``collapse`` shows one article per duplicate group (the best-ranked
        match; the others counted in ``Hit.versions``): totals, pages and
        facets then count groups. The CLI and the web app collapse by default;
        the library only when asked (evaluations and callers see every article).

        Recent results are kept per index generation (a re-index makes them
        stale automatically); the returned objects are shared, do not mutate.
        """
        started = time.perf_counter()
        checks.text(text, "q")
        page, per_page, sort, filters = check_request(page, per_page, sort, filters)
        searcher = self._searcher()
        key = (searcher.reader().generation(), text, page, per_page, filters, sort, snippets,
               facets, collapse)
        with self._lock:
            cached = self._results.get(key)
            if cached is not None:
                self._results.move_to_end(key)
        if cached is not None:
            return replace(cached, took_ms=(time.perf_counter() - started) * 1000)
        result = self._search(searcher, text, page, per_page, filters, sort, snippets, facets,
                              collapse)
        result = replace(result, took_ms=(time.perf_counter() - started) * 1000)
        with self._lock:
            self._results[key] = result
            while len(self._results) > RESULT_CACHE_SIZE:
                self._results.popitem(last=False)
        return result

    def _search(self, searcher, text, page, per_page, filters, sort, snippets, facets,
                collapse=False):
        _DEADLINE.at = time.monotonic() + QUERY_SECONDS
        try:
            return self._search_within_budget(searcher, text, page, per_page, filters, sort,
                                              snippets, facets, collapse)
        finally:
            _DEADLINE.at = None

    def _search_within_budget(self, searcher, text, page, per_page, filters, sort, snippets,
                              facets, collapse=False):
        parsed = self.parse(text)
        try:
            matched = _matching(searcher, parsed, _filter_query(filters) if filters else None,
                                self._postings)
        except QueryError:
            raise
        except Exception:  # e.g. a field that cannot take that kind of query
            raise QueryError("q: cannot run the query on this index") from None
        groups, every, versions = self._groups.get(searcher.reader()), None, None
        if collapse and groups is not None:  # one match per duplicate group
            every = matched.docnums
            keep, versions = groups.collapse(every, grouping.rank(sort, matched))
            matched = _Matched(every[keep], matched.scores[keep], matched.space)
        limit = page * per_page
        if sort == "relevance":
            top = scoring.ranked(matched.docnums, matched.scores, limit)
        else:  # undated articles last, whichever the direction
            top = scoring.sorted_by_date(matched.docnums, matched.column("published"),
                                         matched.column("dated"), limit,
                                         newest=sort == "newest")
        terms = _match_terms(parsed)
        hits = []
        for position in top[(page - 1) * per_page:]:
            stored = searcher.stored_fields(int(matched.docnums[position]))
            hit = make_hit(stored, float(matched.scores[position]), terms if snippets else None)
            if groups is not None:
                hit = grouping.annotate(hit, groups, int(matched.docnums[position]),
                                        searcher.stored_fields, every,
                                        versions[position] if versions is not None else 0)
            hits.append(hit)
        counts, histogram = {}, []
        if facets:
            counts = {name: facet_counts(matched.groups(name)) for name in ("source", "category")}
            histogram = date_histogram(matched.groups("day"))
        suggestion = self.suggest(text, two_edits=len(matched.docnums) < FEW_RESULTS)
        return SearchResult(
            query=text, total=len(matched.docnums), page=page, per_page=per_page, hits=hits,
            suggestion=suggestion, sort=sort, facets=counts, histogram=histogram,
            message=NO_WORDS if _parse(text, self.ranking) is query.NullQuery else None,
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

        return did_you_mean(_clean_query(text), counts("body_exact"), counts("body"),
                            far=far if two_edits else None)

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
                cache.put(key, found, size=len(word))
            return found

        return frequency

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
        if document is None:
            return None
        terms = _match_terms(self.parse(text)) if text.strip() else MatchTerms()
        return highlight(document.title, terms), highlight(document.body, terms)

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
        searcher = self._searcher()
        docnum = searcher.document_number(id=doc_id)
        if docnum is None:
            return []
        ranking = self.ranking
        stored = searcher.stored_fields(docnum)
        body = stored.get("body") or ""
        if not ranking.related_pairs:  # words of the body only, through Whoosh's own search
            results = searcher.more_like(docnum, "body", text=body[:SCAN_CHARS], top=limit,
                                         numterms=RELATED_WORDS)
            return [make_hit(hit.fields(), hit.score or 0.0, MatchTerms()) for hit in results]
        text = f"{stored.get('title') or ''}\n{body}"[:SCAN_CHARS]
        words = searcher.key_terms_from_text("body", text, numterms=RELATED_WORDS,
                                             normalize=True)
        pairs = searcher.key_terms_from_text("body_pairs", text,
                                             numterms=ranking.related_pairs, normalize=True)
        like = query.Or([query.Term("body", w, boost=weight) for w, weight in words]
                        + [query.Term("body_pairs", p, boost=weight * ranking.related_pair_weight)
                           for p, weight in pairs])
        matched = _matching(searcher, like, None, self._postings)
        scores = matched.scores
        if ranking.related_days:
            # The same story is told within days: nearer articles weigh more.
            moments, dated = matched.column("published"), matched.column("dated")
            own = matched.space.joined("published")[docnum]
            if matched.space.joined("dated")[docnum]:
                days = np.abs(moments - own) / _DAY_MICROSECONDS
                near = np.where(dated, np.exp(-days / ranking.related_days), 0.0)
                scores = scores * (0.5 + 0.5 * near)
        hits = []
        for position in scoring.ranked(matched.docnums, scores, limit + 1):
            number = int(matched.docnums[position])
            if number != docnum and len(hits) < limit:
                hits.append(make_hit(searcher.stored_fields(number),
                                     float(scores[position]), MatchTerms()))
        return hits

    @checks.while_open
    def stats(self) -> IndexStats:
        searcher = self._searcher()
        everything = _matching(searcher, query.Every(), None, self._postings)
        moments = everything.column("published")[everything.column("dated")]
        size = sum(f.stat().st_size for f in Path(self.path).iterdir()
                   if f.is_file() and not f.name.startswith("."))
        return IndexStats(
            documents=searcher.doc_count(),
            sources=facet_counts(everything.groups("source")),
            categories=facet_counts(everything.groups("category")),
            earliest=_as_datetime(int(moments.min())) if len(moments) else None,
            latest=_as_datetime(int(moments.max())) if len(moments) else None,
            size_bytes=size, path=self.path,
        )

    # -- stories -------------------------------------------------------------------
    @checks.while_open
    def story(self, story_id: str) -> Story | None:
        """The articles of a story, oldest first (None: no such story)."""
        searcher = self._searcher()
        groups = self._groups.get(searcher.reader())
        members = groups.members(checks.doc_id(story_id)) if groups is not None else None
        if members is None or not len(members):
            return None
        hits = [make_hit(searcher.stored_fields(int(n)), 0.0, None) for n in members]
        days = Counter(hit.published.date().isoformat() for hit in hits if hit.published)
        return Story(story_id, hits, date_histogram(days))

    @checks.while_open
    def stories(self, *, since: datetime | None = None, limit: int = 10) -> list[StorySummary]:
        """The largest stories with an article published at or after ``since``."""
        searcher = self._searcher()
        return grouping.largest_stories(self._groups.get(searcher.reader()), since,
                                        checks.limit(limit, top=10_000), searcher.stored_fields)

    # -- writing ---------------------------------------------------------------------
    def delete(self, ids: Iterable[str]) -> DeleteReport:
        """Remove these articles (:func:`searcher.index.delete_documents`, which holds the
        indexer lock); this thread's next search already sees it, others within
        ``REFRESH_SECONDS``."""
        report = delete_documents(ids, self.path)
        self._local.checked = float("-inf")  # look for the new generation next time
        return report


_DEADLINE = threading.local()  # .at: when this thread's search must stop (monotonic)


def _check_deadline() -> None:
    """Raise QueryError once this thread's search has used up QUERY_SECONDS."""
    deadline = getattr(_DEADLINE, "at", None)
    if deadline is not None and time.monotonic() > deadline:
        raise QueryError(f"q: the query needs more than {QUERY_SECONDS:g} s; make it "
                         "simpler (fewer words, wildcards or fuzzy words)")


_PARSERS: dict = {}  # parsers hold no per-parse state: built once per process
_SCHEMA = make_schema()  # an open index's schema equals it (checked when opened)


def _parser(group, boosts):
    key = (group, tuple(boosts.items()))
    parser = _PARSERS.get(key)
    if parser is None:
        parser = qparser.MultifieldParser(list(boosts), _SCHEMA, fieldboosts=boosts, group=group)
        # Ranges only on dates (taken out of the text by _extract_dates): a range
        # of words ("[a TO zzzz]") walked the whole dictionary for 8-20 s (#12).
        parser.remove_plugin_class(qparser.RangePlugin)
        # +/- only at the start of a word: "e-KTP" and "COVID-19" are words, not negations.
        parser.add_plugin(qparser.PlusMinusPlugin(plusexpr=r"(?<![^\s(])\+",
                                                  minusexpr=r"(?<![^\s(])-"))
        parser.add_plugin(_FuzzyTermPlugin())
        parser.add_plugin(qparser.FieldAliasPlugin(FIELD_ALIASES))
        _PARSERS[key] = parser
    return parser


def _parse_parts(text: str, *, all_words: bool = True, ranking: Ranking = DEFAULT_RANKING):
    """``(words, restrictions, date_range)`` for a user string (raises QueryError).

    ``words`` is what ranks (None when the query is only restrictions),
    ``restrictions`` the source/category clauses every result must pass and
    ``date_range`` a required DateRange or None. Wildcards are not expanded yet.
    """
    text, date_filter = _extract_dates(_clean_query(text))
    if ranking.concepts:
        read = _read_concepts(text, ranking)
        if read is not None:
            return read[0], read[1], date_filter
    excluded = _only_negations(text)
    if excluded:
        # "-banjir" alone: everything except (Whoosh would drop the clause).
        text = f"NOT ({excluded})"
    expanded = expand_synonyms(text, ranking.thesaurus)
    try:
        loose = _parser(OR_GROUP, FIELD_BOOSTS).parse(expanded)
        strict = _parser(qparser.AndGroup, ALL_WORDS_FIELDS).parse(expanded)
    except Exception:  # the parser's failures (IndexError, RecursionError...) are the input's
        raise QueryError("q: cannot understand the query; check its brackets, quotes and "
                         "operators (AND, OR, NOT)") from None
    _check_expanding_terms(loose)
    # The AND parse keeps the user's structure ("sumber:a OR sumber:b" stays
    # one clause), so restrictions are read from it.
    strict, filters = _split_filters(strict)
    loose = _without_exact_phrases(_without_filters(loose))
    if strict is None or strict is query.NullQuery:
        # Only restrictions: everything that passes them. No restriction and no
        # word ("!!!!", '""'): nothing (#12; a bare "*" is Every, not NullQuery).
        loose = None if filters or date_filter is not None else query.NullQuery
    elif (all_words and ALL_WORDS_BOOST and strict != loose
          and 2 <= len(analyze(text)) <= ALL_WORDS_MAX):
        # Every word is optional, but documents with all of them come first.
        loose = query.Or([loose, strict.with_boost(ALL_WORDS_BOOST)])
    if loose is not None:
        loose = _lift_negations(loose)
    return loose, filters, date_filter


@functools.lru_cache(maxsize=1024)  # news queries repeat; the parse takes milliseconds
def _parse(text: str, ranking: Ranking = DEFAULT_RANKING):
    """The whole Whoosh query for a user string, wildcards not yet expanded."""
    loose, filters, date_filter = _parse_parts(text, ranking=ranking)
    if loose is None:
        loose = query.Every()
    if date_filter is not None:
        filters.append(date_filter)
    return query.And([loose, *filters]) if filters else loose


_PLAN_RANKING = Ranking(concepts=False)  # the words, with every thesaurus file


def plan_query(text: str) -> QueryPlan:
    """The query as plain data (:mod:`searcher.plan`) for another backend.

    The same parsing, synonyms, negation and date handling as Whoosh searches
    use; the all-words bonus is left to the backend's ranker and wildcards to
    its own expansion.
    """
    # The other backend has no pair fields: its queries are the words with
    # their synonyms, ranked by its own ranker (README, "Scaling out").
    words, filters, date_filter = _parse_parts(text, all_words=False, ranking=_PLAN_RANKING)
    restrictions = tuple(_restriction(node) for node in filters)
    since = until = None
    if date_filter is not None:
        since, until = date_filter.startdate, date_filter.enddate
    match = _plan_node(words) if words is not None else plan.Everything()
    highlight_terms = _match_terms(words) if words is not None else MatchTerms()
    return QueryPlan(match, restrictions, since, until, highlight_terms)


_RESTRICTION_PIECE = re.compile(r"^(?:source|sumber|category|kategori):\S", re.IGNORECASE)


def _read_concepts(text: str, ranking: Ranking):
    """``(Concepts query, restrictions)`` for a query of plain words (and
    source/category restrictions), or None for any other query (parsed by Whoosh)."""
    pieces = query_pieces(text)
    words = [p for p in pieces if not _RESTRICTION_PIECE.match(p)]
    plain = concepts.read_plain_query(words, ranking.thesaurus)
    if plain is None:
        return None
    restrictions = [p for p in pieces if _RESTRICTION_PIECE.match(p)]
    filters = []
    if restrictions:
        try:
            parsed = _parser(qparser.AndGroup, ALL_WORDS_FIELDS).parse(" ".join(restrictions))
        except Exception:  # the parser's failures are the input's
            raise QueryError("q: cannot understand the query's sumber:/kategori: "
                             "restrictions") from None
        rest, filters = _split_filters(parsed)
        if rest is not None and rest is not query.NullQuery:
            return None  # not only restrictions after all: the general path
    return Concepts.build(plain, ranking), filters


class PairPhrase(query.Or):
    """Neighbouring-word pairs that together stand for a phrase (``words``, stems):
    all its pairs in the title, or all in the body.

    A concept's multiword expressions are looked up as pair terms: the cost
    of a few word lookups instead of reading positions.
    """

    def __init__(self, subqueries, boost=1.0, words: tuple[str, ...] = ()):
        super().__init__(subqueries, boost=boost)
        self.words = tuple(words)

    @property
    def units(self) -> int:
        """How many terms' scores add up in a field (the phrase's words - 1)."""
        return max(len(self.words) - 1, 1)

    def apply(self, fn):
        return self  # pair terms: nothing to expand or rewrite


class AllWords(query.And):
    """Every word of an expression, anywhere in the article (``units``: how many)."""

    @property
    def units(self) -> int:
        return len(self.subqueries)

    def apply(self, fn):
        return self


class Concepts(query.Or):
    """A plain query read as words, concepts and pairs (:mod:`searcher.concepts`).

    It matches what any of its words or concepts match (every word optional,
    as before). The score adds up, per word, its BM25F over the fields; per
    concept, the best of its words or of its other expressions (never their
    sum); per neighbouring pair found together, a proximity bonus. Then the
    score is multiplied by the share of the query the article covers (words
    weighted by rarity) to the power ``ranking.coordination`` (for questions and
    long queries ``ranking.long_coordination``).
    Evaluated by :func:`_evaluate_concepts`; for Whoosh it is an OR of its parts.
    """

    def __init__(self, subqueries, boost=1.0):
        super().__init__(subqueries, boost=boost)
        self.words: list = []  # one clause per query word of ``plain``
        self.pairs: list = []  # (index of the first word, clause)
        self.concepts: list[_ConceptClauses] = []
        self.plain: concepts.PlainQuery | None = None
        self.ranking: Ranking = DEFAULT_RANKING

    def apply(self, fn):
        return self  # built from analysed words: nothing to expand or rewrite

    @classmethod
    def build(cls, plain: concepts.PlainQuery, ranking: Ranking) -> Concepts:
        boosts = ranking.boosts
        words = [_word_clause(w, boosts) for w in plain.words]
        pairs = []
        if ranking.pair_weight:
            for i, first, second in plain.pairs():
                weight = ranking.pair_weight * min(first.weight, second.weight)
                pairs.append((i, _pair_clause((first.stem, second.stem), weight,
                                              ranking.title_pair_boost)))
        known = []
        for concept in plain.concepts if ranking.alternative_weight else ():
            clauses, weights = [], []
            span = plain.words[concept.start:concept.end]
            if len(span) > 1:  # the query's own expression, found together
                clauses.append(_pair_clause(tuple(w.stem for w in span), 1.0,
                                            ranking.title_pair_boost))
                weights.append(1.0)
            for expression in concept.alternatives:
                found, weighed = _expressions(expression, ranking.alternative_weight, ranking)
                clauses += found
                weights += weighed
            known.append(_concept(concept.start, concept.end, clauses, weights, ranking))
        parts = words + [c for _, c in pairs] + [c for k in known for c in k.clauses]
        node = cls(parts)
        node.words, node.plain, node.pairs = words, plain, pairs
        node.concepts, node.ranking = known, ranking
        return node

    def with_variants(self, variants) -> Concepts:
        """A copy where rare words (``variants(word)``: other spellings the index
        knows better) also find those spellings, at ``ranking.variant_weight``."""
        ranking = self.ranking
        if not ranking.variant_weight or len(self.plain.words) > LONG_QUERY:
            return self  # a long query (a pasted headline) has words enough
        inside = {i for known in self.concepts for i in range(known.start, known.end)}
        added = []
        for i, word in enumerate(self.plain.words):
            found = [] if i in inside else variants(word)
            if found:
                clauses = [_word_clause(w, ranking.boosts) for w in found]
                added.append(_concept(i, i + 1, clauses, [ranking.variant_weight] * len(found),
                                      ranking))
        if not added:
            return self
        node = Concepts(list(self.subqueries) + [c for k in added for c in k.clauses])
        node.words, node.plain, node.pairs = self.words, self.plain, self.pairs
        node.ranking = ranking
        node.concepts = sorted(self.concepts + added, key=lambda known: known.start)
        return node


def _expressions(expression: tuple[concepts.Word, ...], weight: float, ranking: Ranking):
    """``(clauses, weights)`` for another expression of a concept: one word, or
    several found together (title or lead pairs) or, at ``scattered_weight``, in
    their written forms anywhere (the pair fields hold a body's lead only)."""
    if len(expression) == 1:
        return [_word_clause(expression[0], ranking.boosts)], [weight]
    together = _pair_clause(tuple(w.stem for w in expression), 1.0, ranking.title_pair_boost)
    # Apart, only the expression's own word forms count: "perdagangan" and
    # "manusia" in one article, not any derivation of "dagang" beside "manusia".
    exact = {f: b for f, b in ranking.boosts.items() if f.endswith("_exact")}
    anywhere = AllWords([_word_clause(w, exact) for w in expression])
    return [together, anywhere], [weight, weight * ranking.scattered_weight]


class _ConceptClauses(NamedTuple):
    """A concept of a plain query as Whoosh queries: words ``start``..``end`` of the
    query, a clause per expression and the weight of each clause's score."""

    start: int
    end: int
    clauses: list
    weights: list[float]


def _concept(start: int, end: int, clauses: list, weights: list[float],
             ranking: Ranking) -> _ConceptClauses:
    """Each clause's weight as a stand-in for the ``end - start`` words of the span
    (its score per looked-up term counts once per word, plus the pair bonus)."""
    span = end - start
    stand_in = span * (1 + ranking.pair_weight * (span > 1))
    return _ConceptClauses(start, end, clauses, [
        weight * stand_in / getattr(clause, "units", 1)
        for clause, weight in zip(clauses, weights, strict=True)])


def _word_clause(word: concepts.Word, boosts: dict[str, float]):
    """One word over the four fields, as the multifield parser builds it."""
    return query.Or([
        query.Term(f, word.exact if f.endswith("_exact") else word.stem,
                   boost=b * word.weight)
        for f, b in boosts.items()
    ])


def _pair_clause(stems: tuple[str, ...], weight: float, title_boost: float):
    """Stems that stand together: every neighbouring pair, in titles or bodies."""
    terms = [pair_term(a, b) for a, b in zip(stems, stems[1:], strict=False)]

    def in_field(fieldname, boost):
        pairs = [query.Term(fieldname, t, boost=boost) for t in terms]
        return pairs[0] if len(pairs) == 1 else query.And(pairs)

    return PairPhrase([in_field("title_pairs", weight * title_boost),
                       in_field("body_pairs", weight)], words=stems)


def _restriction(node) -> plan.Restriction:
    negated = isinstance(node, query.Not)
    if negated:
        node = node.query
    leaves = [node] if node.is_leaf() else list(node.leaves())
    fields = {leaf.fieldname for leaf in leaves}
    simple = isinstance(node, query.Term) or (
        isinstance(node, query.Or) and all(isinstance(q, query.Term) for q in node.subqueries))
    if len(fields) != 1 or not simple:
        raise QueryError("source/category: combine restrictions only as "
                         "sumber:a OR sumber:b, or NOT sumber:a, on this backend")
    return plan.Restriction(fields.pop(), tuple(leaf.text for leaf in leaves), negated)


def _plan_node(node) -> plan.Node:
    """A Whoosh query tree as :mod:`searcher.plan` nodes."""
    if isinstance(node, query.Every):
        return plan.Everything()
    if node is query.NullQuery or isinstance(node, type(query.NullQuery)):
        return plan.Nothing()
    fieldname = getattr(node, "fieldname", None)
    if fieldname is not None and fieldname not in FIELD_BOOSTS:
        raise QueryError(f"{fieldname}: on this backend a {fieldname} clause can only "
                         "restrict the whole query (e.g. sumber:kompas banjir)")
    if isinstance(node, query.FuzzyTerm) and not (
            FUZZY_PREFIX <= len(node.text) <= MAX_FUZZY_LETTERS):
        return plan.Term(fieldname, node.text)  # as typed, like _bound_expansions
    if isinstance(node, query.FuzzyTerm):
        return plan.Fuzzy(fieldname, node.text, min(node.maxdist, MAX_FUZZY_DISTANCE))
    if isinstance(node, query.Prefix):
        return plan.Pattern(fieldname, node.text + "*")
    if isinstance(node, query.Wildcard):
        return plan.Pattern(fieldname, node.text)
    if isinstance(node, query.Term):
        return plan.Term(fieldname, node.text)
    if isinstance(node, query.Phrase):
        return plan.Phrase(fieldname, tuple(node.words))
    if isinstance(node, query.AndNot):
        return plan.Excluding(_plan_node(node.a), _plan_node(node.b))
    if isinstance(node, query.AndMaybe):
        return plan.Preferring(_plan_node(node.a), _plan_node(node.b))
    if isinstance(node, query.Not):
        return plan.Excluding(plan.Everything(), _plan_node(node.query))
    if isinstance(node, (query.And, query.Require)):
        children = list(node.children())
        negated = [q.query for q in children if isinstance(q, query.Not)]
        kept = tuple(_plan_node(q) for q in children if not isinstance(q, query.Not))
        positive = (kept[0] if len(kept) == 1 else plan.AllOf(kept)) if kept else plan.Everything()
        if not negated:
            return positive
        negative = [_plan_node(q) for q in negated]
        return plan.Excluding(positive, negative[0] if len(negative) == 1
                              else plan.AnyOf(tuple(negative)))
    if isinstance(node, query.Or):
        children = tuple(_plan_node(q) for q in node.subqueries)
        return children[0] if len(children) == 1 else plan.AnyOf(children)
    raise QueryError(f"this backend cannot run a {type(node).__name__} query")


# Dashes: "-" and "+" are operators only attached to what follows ("-kpk",
# "+kpk", -"frasa", -(a OR b)), as in web search engines; a dash between spaces
# is punctuation ("JAKARTA - Presiden", "15 - 16 Desember"), and so are the
# typographic dashes (#12).
_TYPOGRAPHIC_DASH = re.compile(r"[\u2012-\u2015\u2212\ufe58\ufe63\uff0d]")  # not hyphens (e‐KTP)
_LONE_SIGNS = re.compile(r"(?<!\S)[-+]+(?![\w\"(])")
_SIGN_RUN = re.compile(r"(?<!\S)[-+]+(?=[-+][\w\"(])")
_DOUBLE_NOT = re.compile(r"(?<!\S)(?:NOT\s+NOT(?:\s+|$))+")


def _clean_query(text: str) -> str:
    if not isinstance(text, str):
        raise QueryError("q: the query must be text")
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(f"q: the query is too long ({len(text)} characters, at most "
                         f"{MAX_QUERY_CHARS})")
    text = _CONTROL.sub(" ", text)
    text = _TYPOGRAPHIC_DASH.sub(" ", text)
    text = _SIGN_RUN.sub("", _LONE_SIGNS.sub(" ", text))
    text = _DOUBLE_NOT.sub("", text)  # NOT NOT a is a (249 NOTs broke Whoosh's parser)
    _check_nesting(text)
    text = _FIELD_PREFIX.sub(_field_prefix, text)
    # A question mark ending a word is punctuation ("siapa presiden RI?"), not
    # the one-character wildcard; inside a word ("ko?upsi") it stays a wildcard.
    text = _QUESTION_MARK.sub("", text)
    return " ".join(text.split())


def _check_nesting(text: str) -> None:
    depth = deepest = 0
    for char in text:
        if char == "(":
            depth += 1
            deepest = max(deepest, depth)
        elif char == ")":
            depth = max(0, depth - 1)
    if deepest > MAX_NESTING:
        raise QueryError(f"q: too many brackets inside brackets ({deepest} levels, at most "
                         f"{MAX_NESTING})")


def _check_expanding_terms(parsed) -> None:
    """At most MAX_EXPANDING_TERMS wildcard/fuzzy words as typed (the parser makes one
    copy per field of each, stemmed or not: counted per field)."""
    kinds = (query.FuzzyTerm, query.Wildcard, query.Prefix, query.Regex)
    by_field: dict = {}  # field -> {(kind, text)}
    stack = [parsed]
    while stack:
        node = stack.pop()
        if isinstance(node, kinds):
            by_field.setdefault(node.fieldname, set()).add((type(node), node.text))
        elif isinstance(node, query.Query):
            stack.extend(node.children())
    typed = max(map(len, by_field.values()), default=0)
    if typed > MAX_EXPANDING_TERMS:
        raise QueryError(f"q: too many wildcard or fuzzy words (word*, word~): {typed}, "
                         f"at most {MAX_EXPANDING_TERMS} per query")
    for words in by_field.values():
        for kind, text in words:
            if kind in (query.Wildcard, query.Prefix) and len(
                    re.split(r"[*?]", text, maxsplit=1)[0]) < WILDCARD_PREFIX:
                shown = f"{text}*" if kind is query.Prefix else text
                raise QueryError(f"q: a wildcard needs at least {WILDCARD_PREFIX} letters "
                                 f"before its first * or ? ({shown!r})")


def check_request(page, per_page, sort, filters) -> tuple[int, int, str, Filters | None]:
    """A search's options checked (QueryError naming the bad one), filters built."""
    page, per_page = check_paging(page, per_page)
    if sort not in SORTS:
        raise QueryError(f"sort: expected one of {', '.join(SORTS)}, got {sort!r}")
    if isinstance(filters, dict):
        try:
            filters = Filters.build(**filters)
        except TypeError:
            raise QueryError(f"filters: expected the keys source, category, since and until, "
                             f"got {', '.join(map(str, filters))}") from None
    elif filters is not None and not isinstance(filters, Filters):
        raise QueryError(f"filters: expected Filters or a dict, got {type(filters).__name__}")
    return page, per_page, sort, filters


def check_paging(page, per_page) -> tuple[int, int]:
    for name, value, top in (("page", page, 10_000), ("per_page", per_page, MAX_PER_PAGE)):
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= top:
            raise QueryError(f"{name}: expected a whole number from 1 to {top}, got {value!r}")
    return page, per_page


def _filter_query(filters: Filters):
    clauses = []
    for fieldname, values in (("source", filters.sources), ("category", filters.categories)):
        if values:
            clauses.append(query.Or([query.Term(fieldname, _filter_value(fieldname, v))
                                     for v in values]))
    if filters.since or filters.until:
        clauses.append(query.DateRange("published", filters.since, filters.until))
    return query.And(clauses) if clauses else None


def _filter_value(fieldname: str, value: str) -> str:
    """A filter's term: a category label normalised as the indexed ones were."""
    return normalize_label(value) if fieldname == "category" else value.lower()


class _FuzzyTermPlugin(qparser.FuzzyTermPlugin):
    """``word~`` / ``word~2`` only at the end of a word: "L'Arc~en~Ciel" is a name."""

    expr = re.compile(r"(?<=\S)~(?P<maxdist>[0-9])?(/(?P<prefix>[1-9][0-9]*))?(?=[\s)]|$)")


_LENGTHS = [byte_to_length(code) for code in range(256)]  # Whoosh's one-byte field lengths


class _BM25F(BM25F):
    """Whoosh's BM25F, reading a segment's field lengths once instead of per hit.

    Whoosh looks each scored document's field length up in the segment's
    length column (a file read per posting: a fifth of a query's time on
    CLICK-ID). Here the column is read into a list the first time a segment's
    field is scored; the scores are the same.
    """

    def scorer(self, searcher, fieldname, text, qf=1):
        scorer = super().scorer(searcher, fieldname, text, qf)
        if isinstance(scorer, BM25FScorer):
            lengths = _field_lengths(searcher.reader(), fieldname)
            if lengths is not None:
                scorer.dfl = lengths.__getitem__
        return scorer


_SEGMENT_DATA: OrderedDict = OrderedDict()  # (segment id, what) -> arrays read from it
_SEGMENT_DATA_LOCK = threading.RLock()  # re-entrant: length arrays are made from length lists
SEGMENT_DATA_ENTRIES = 1024  # a few per segment: field lengths, dates, facet values


def _per_segment(reader, what: str, compute):
    """``compute()`` for one segment, done once for every reader of it.

    Each server thread has its own readers, and a new index generation new
    ones, but a segment never changes once written (deletions are kept apart):
    its field lengths and columns are read once per process, not once per
    thread (eight threads were doing that all at once at start-up).
    """
    segment = reader.segment() if hasattr(reader, "segment") else None
    if segment is None:  # not a plain segment: remember it on the reader
        cache = reader.__dict__.setdefault("_searcher_segment_data", {})
        if what not in cache:
            cache[what] = compute()
        return cache[what]
    key = (segment.segment_id(), what)
    with _SEGMENT_DATA_LOCK:  # held while computing: other threads wait, not repeat it
        if key in _SEGMENT_DATA:
            _SEGMENT_DATA.move_to_end(key)
            return _SEGMENT_DATA[key]
        value = _SEGMENT_DATA[key] = compute()
        while len(_SEGMENT_DATA) > SEGMENT_DATA_ENTRIES:
            _SEGMENT_DATA.popitem(last=False)
        return value


def _field_lengths(reader, fieldname: str) -> list | None:
    """Every document's length of ``fieldname`` in one segment (None: not available)."""

    def read():
        try:
            # Whoosh internals (pinned below 2.8): the segment's one-byte length column.
            column = reader._perdoc._cached_reader(f"_{fieldname}_len", _LENGTHS_COLUMN)
            if column is not None and column._fixedlen == 1:
                raw = column._dbfile.get(column._basepos, column._count)
                lengths = [_LENGTHS[code] or 1 for code in raw]
                return lengths + [1] * (reader.doc_count_all() - len(lengths))
        except Exception:  # another reader type or layout: Whoosh's own lookup stays
            pass
        return None

    return _per_segment(reader, f"lengths:{fieldname}", read)


class _PostingCache:
    """Posting lists read from disk, kept as arrays (least recently used out first).

    Reading a posting list means unpickling and decompressing Whoosh's blocks
    (a few milliseconds for a frequent word); news queries repeat their words,
    so a server keeps the recent ones, scored (BM25 uses whole-index
    statistics, so keys name the index generation), with phrase matches and
    document frequencies ("did you mean"). Thread-safe; about ``limit`` bytes.
    """

    def __init__(self, limit: int):
        self.limit = limit
        self.size = 0
        self._entries: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            self._entries.move_to_end(key)
            return entry[0]

    def put(self, key, value, size: int | None = None) -> None:
        """Keep ``value`` (a tuple of arrays, or anything of the given ``size``)."""
        size = (sum(a.nbytes for a in value) if size is None else size) + 200
        if size > self.limit:
            return
        with self._lock:
            if key in self._entries:
                return
            self._entries[key] = (value, size)
            self.size += size
            while self.size > self.limit:
                _, (_, old_size) = self._entries.popitem(last=False)
                self.size -= old_size


@dataclass
class _Matched:
    """Every match of a query: document numbers (whole index), scores, and the
    index's per-document columns for sorting and facets."""

    docnums: np.ndarray
    scores: np.ndarray
    space: _DocSpace

    def column(self, name: str) -> np.ndarray:
        return self.space.joined(name)[self.docnums]

    def groups(self, name: str) -> dict:
        """``{value: matches}`` for a facet (source, category, day)."""
        codes, names = self.space.facet(name)
        return scoring.group_counts(codes[self.docnums], names)


class _DocSpace:
    """The documents of one open index generation, as the array scorer sees them:
    numbered 0..size-1 across segments (Whoosh's global document numbers).

    Scored posting lists and phrase matches are kept in the shared cache under
    the index generation (their scores use whole-index statistics); segment
    columns are read once per segment, joined once per generation.
    """

    def __init__(self, searcher, cache: _PostingCache):
        self.searcher = searcher
        self.cache = cache
        self.generation = searcher.reader().generation()
        self.segments = searcher.leaf_searchers()  # (searcher, offset of its first document)
        self.size = searcher.doc_count_all()
        self.context = searcher.context(needs_current=False)
        self._joined = searcher.__dict__.setdefault("_searcher_joined_columns", {})
        self._seen: dict = {}  # this query's posting lists and phrases

    def everything(self) -> np.ndarray:
        return self.joined("live").copy()

    # -- posting lists -------------------------------------------------------
    def term(self, node) -> scoring.Part:
        weighting = self.searcher.weighting
        if type(weighting) is not _BM25F:
            return self.generic(node)
        fieldname, text = node.fieldname, node.text
        B = weighting._field_B.get(fieldname, weighting.B)
        key = (self.generation, fieldname, text, B, weighting.K1)
        scored = self._cached(key, lambda: self._scored_postings(fieldname, text, B,
                                                                weighting.K1))
        if scored is None:  # no field lengths to read: Whoosh's own matcher
            return self.generic(node)
        ids, scores = scored
        if node.boost != 1.0:
            scores = scores * node.boost
        return scoring.Postings(ids, scores)

    def _scored_postings(self, fieldname, text, B, K1):
        """BM25 of every live posting of a term, as Whoosh's BM25FScorer computes it."""
        ids, scores = [], []
        idf = avgfl = None
        live = self.joined("live")
        for subsearcher, offset in self.segments:
            reader = subsearcher.reader()
            lengths = _length_array(reader, fieldname)
            if lengths is None:
                return None
            local, tf = _read_postings(reader, fieldname, text)
            if reader.has_deletions() and len(local):
                keep = live[local + offset]
                local, tf = local[keep], tf[keep]
            if not len(local):
                continue
            if idf is None:  # statistics of the whole index
                idf = self.searcher.idf(fieldname, text)
                avgfl = _average_length(self.searcher, fieldname)
            ids.append(local + offset)
            scores.append(scoring.bm25(idf, tf, lengths[local], avgfl, B, K1))
        if not ids:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        return np.concatenate(ids), np.concatenate(scores)

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
                        _check_deadline()
            return np.array(ids, dtype=np.int64), np.array(scores, dtype=np.float64)

        return scoring.Postings(*self._cached((self.generation, repr(node)), walk))

    def _cached(self, key, compute):
        """``compute()``, remembered for this query (its OR and AND parts share
        words and phrases) and in the shared cache."""
        if key in self._seen:
            return self._seen[key]
        value = self.cache.get(key)
        if value is None:
            value = compute()
            if value is not None:
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
                    live[list(getattr(reader, "deleted_docs_set", ()))] = False
                    parts.append(live)
                else:
                    parts.append(_segment_columns(reader)[name])
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
                codes, values = _segment_columns(subsearcher.reader())[key]
                remap = np.array([names.setdefault(v, len(names)) for v in values],
                                 dtype=np.int64)
                parts.append(remap[codes] if len(codes) else codes)
            self._joined[key] = (np.concatenate(parts) if parts else np.zeros(0, np.int64),
                                 list(names))
        return self._joined[key]


def _matching(searcher, parsed, filter_query, cache: _PostingCache) -> _Matched:
    """Every document matching ``parsed`` (and ``filter_query``), with its score."""
    space = _DocSpace(searcher, cache)
    matches = _evaluate(parsed, space)
    if isinstance(matches, scoring.Postings) and filter_query is None:
        return _Matched(matches.ids, matches.scores, space)  # one word: no array needed
    matches = scoring.dense(matches, space.size)
    mask = matches.mask
    if filter_query is not None:
        mask = mask & _dense(filter_query, space).mask
    docnums = np.flatnonzero(mask)
    return _Matched(docnums, matches.score[docnums], space)


def _dense(node, space: _DocSpace) -> scoring.Matches:
    return scoring.dense(_evaluate(node, space), space.size)


def _evaluate(node, space: _DocSpace) -> scoring.Part:
    """A query's matches; Whoosh's semantics, whole arrays at a time."""
    _check_deadline()
    if node is query.NullQuery:
        return scoring.Matches.none(space.size)
    kind = type(node)
    if kind is query.Term and node.fieldname in TERM_FIELDS:
        return space.term(node)
    if kind is Concepts:
        return _evaluate_concepts(node, space)
    if kind is PairPhrase:
        return scoring.any_of(space.size, (_evaluate(q, space) for q in node.subqueries),
                              node.boost)
    if kind is AllWords:
        return scoring.all_of(space.size, (_evaluate(q, space) for q in node.subqueries),
                              node.boost)
    # Exactly these classes: subclasses (Ordered, ...) mean something else.
    if kind is query.And or (kind is query.Or and not node.scale):
        subqueries = node.subqueries
        if not subqueries:
            return scoring.Matches.none(space.size)
        if len(subqueries) == 1:  # Whoosh ignores a one-clause group's boost
            return _evaluate(subqueries[0], space)
        combine = scoring.any_of if kind is query.Or else scoring.all_of
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


def _evaluate_concepts(node: Concepts, space: _DocSpace) -> scoring.Matches:
    """A plain query's matches and scores (see :class:`Concepts`)."""
    words = [_dense(clause, space) for clause in node.words]
    pairs = {i: _evaluate(clause, space) for i, clause in node.pairs}
    covered = [part.mask.astype(np.float64) for part in words]  # how much each word is found
    score = np.zeros(space.size)
    mask = np.logical_or.reduce([part.mask for part in words])
    alone = set(range(len(words)))
    ranking = node.ranking
    for start, end, clauses, weights in node.concepts:
        # A concept scores the best of its expressions (never their sum): its
        # words found together, or another expression (synonym, acronym, a
        # rare word's better-known spelling), weighed as in _concept(). Words
        # of a multiword concept found apart still count, at ``scattered_weight``.
        own = scoring.any_of(space.size, [*words[start:end],
                                          *(pairs.pop(i) for i in range(start, end - 1)
                                            if i in pairs)])
        expressions = [_dense(clause, space) for clause in clauses]
        if end - start == 1:
            best = np.maximum.reduce([own.score, *(e.score * w for e, w in
                                                   zip(expressions, weights, strict=True))])
            anywhere = np.logical_or.reduce([e.mask for e in expressions])
            covered[start] = np.maximum(covered[start], anywhere)
        else:
            together = np.maximum.reduce([e.score * w for e, w in
                                          zip(expressions, weights, strict=True)])
            best = together + ranking.scattered_weight * own.score
            anywhere = np.logical_or.reduce([e.mask for e in expressions])
            for i in range(start, end):
                covered[i] = np.where(anywhere, 1.0, ranking.scattered_weight * words[i].mask)
        score += best
        mask |= anywhere
        alone.difference_update(range(start, end))
    for i in alone:
        score += words[i].score
    for part in pairs.values():
        if isinstance(part, scoring.Postings):
            score[part.ids] += part.scores
        else:
            score += part.score
    # A question or a long query (a pasted headline) paraphrases what it looks
    # for, so a missing word is ordinary there; a short news query means each word.
    exponent = (ranking.long_coordination if len(words) > LONG_QUERY or node.plain.question
                else ranking.coordination)
    if exponent and len(words) > 1:
        live = max(int(space.joined("live").sum()), 1)
        rarity = np.array([word.weight * _idf(int(part.mask.sum()), live)
                           for part, word in zip(words, node.plain.words, strict=True)])
        if rarity.sum() > 0:
            share = sum(r * m for r, m in zip(rarity, covered, strict=True)) / rarity.sum()
            score *= share ** exponent
    score[~mask] = 0.0
    return scoring.Matches(mask, score)


def _idf(df: int, documents: int) -> float:
    """BM25's inverse document frequency (never negative)."""
    return math.log(1 + (documents - df + 0.5) / (df + 0.5))


def _read_postings(reader, fieldname: str, text: str) -> tuple[np.ndarray, np.ndarray]:
    """A term's document numbers and frequencies in one segment (deleted ones included)."""
    try:
        matcher = reader.postings(fieldname, text)
    except TermNotFound:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    matcher = getattr(matcher, "child", matcher)  # past the deletions filter
    if type(matcher).__name__ == "W3LeafMatcher":
        try:
            return _read_blocks(matcher)
        except Exception:  # another layout than Whoosh 2.7's: walk the postings below
            matcher.reset()
    ids, weights = [], []
    while matcher.is_active():
        ids.append(matcher.id())
        weights.append(matcher.weight())
        matcher.next()
    return np.array(ids, dtype=np.int64), np.array(weights, dtype=np.float32)


def _read_blocks(matcher) -> tuple[np.ndarray, np.ndarray]:
    # Whoosh internals (pinned below 2.8): each block is a pickled tuple of
    # delta-coded document numbers, weights (None: all 1) and values; reading
    # whole blocks skips Whoosh's per-posting Python calls.
    ids, weights = [], []
    while matcher.is_active():
        matcher._read_data()
        deltas, block_weights = matcher._data[0], matcher._data[1]
        ids.append(np.cumsum(np.asarray(deltas, dtype=np.int64)))
        if block_weights is None or isinstance(block_weights, float):
            ids_count = len(ids[-1])
            weights.append(np.full(ids_count, 1.0 if block_weights is None else block_weights,
                                   dtype=np.float32))
        else:
            weights.append(np.asarray(block_weights, dtype=np.float32))
        matcher._next_block()
    if not ids:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    return np.concatenate(ids), np.concatenate(weights)


def _average_length(searcher, fieldname: str) -> float:
    cache = searcher.__dict__.setdefault("_searcher_average_lengths", {})
    if fieldname not in cache:
        cache[fieldname] = searcher.avg_field_length(fieldname) or 1
    return cache[fieldname]


def _length_array(reader, fieldname: str) -> np.ndarray | None:
    def read():
        lengths = _field_lengths(reader, fieldname)
        return None if lengths is None else np.array(lengths, dtype=np.float64)

    return _per_segment(reader, f"length array:{fieldname}", read)


_DAY_MICROSECONDS = 86_400_000_000  # Whoosh stores a date as microseconds since datetime.min


def _segment_columns(reader) -> dict:
    """Per-document dates and facet values of one segment, read once."""
    return _per_segment(reader, "columns", lambda: _read_columns(reader))


def _read_columns(reader) -> dict:
    raw = list(reader.column_reader("published", translate=False))
    is_date = {value: _as_datetime(value) is not None for value in set(raw)}
    dated = np.array([is_date[value] for value in raw], dtype=bool)
    moments = np.array([value if is_date[value] else 0 for value in raw], dtype=np.int64)
    # Days as numbers, named once each ("2019-09-01"), not one strftime per article.
    day_numbers = np.where(dated, moments // _DAY_MICROSECONDS, -1)
    numbers, codes = np.unique(day_numbers, return_inverse=True)
    names = [date.fromordinal(int(n) + 1).isoformat() if n >= 0 else None for n in numbers]
    columns = {"published": moments, "dated": dated, "facet:day": (codes.ravel(), names)}
    for name in FILTER_FIELDS:
        columns[f"facet:{name}"] = _codes(list(reader.column_reader(name)))
    return columns


def _codes(values: list) -> tuple[np.ndarray, list]:
    """Values as small integers and the list they index (for counting with bincount)."""
    names: dict = {}
    codes = np.array([names.setdefault(value, len(names)) for value in values], dtype=np.int64)
    return codes, list(names)


def _is_filter(node) -> bool:
    """True if every leaf of ``node`` is a source/category clause."""
    leaves = [node] if node.is_leaf() else list(node.leaves())
    return bool(leaves) and all(getattr(q, "fieldname", None) in FILTER_FIELDS for q in leaves)


def _split_filters(parsed):
    """``(rest, filters)``: top-level source/category clauses become required.

    In ``sumber:kompas banjir`` the field clause is a restriction, not one more
    optional word. ``rest`` is None when the query is only restrictions.
    """
    if _is_filter(parsed):
        return None, [parsed]
    if not isinstance(parsed, query.And):
        return parsed, []
    filters = [q for q in parsed.subqueries if _is_filter(q)]
    rest = [q for q in parsed.subqueries if not _is_filter(q)]
    if not filters:
        return parsed, []
    return (rest[0] if len(rest) == 1 else query.And(rest, boost=parsed.boost)), filters


def _without_exact_phrases(node):
    """Phrases only on the stemmed fields: the exact ones keep no positions.

    The multifield parser puts each phrase into an OR over the fields, so
    dropping the exact fields' copies leaves the stemmed ones in place.
    """
    if isinstance(node, query.Phrase) and node.fieldname.endswith("_exact"):
        return query.NullQuery
    if isinstance(node, query.CompoundQuery):
        node = node.apply(_without_exact_phrases)
        if type(node) is query.Or:
            kept = [q for q in node.subqueries if q is not query.NullQuery]
            if len(kept) != len(node.subqueries):
                return query.Or(kept, boost=node.boost) if kept else query.NullQuery
    return node


def _without_filters(parsed):
    """The OR parse without its restriction clauses (they are applied as filters)."""
    if _is_filter(parsed):
        return query.Every()
    if isinstance(parsed, query.Or):
        rest = [q for q in parsed.subqueries if not _is_filter(q)]
        return rest[0] if len(rest) == 1 else query.Or(rest, boost=parsed.boost)
    return parsed


def _only_negations(text: str) -> str | None:
    """For a query made only of exclusions ("-a NOT b"), the excluded words."""
    pieces = query_pieces(text)
    excluded, negate_next = [], False
    for piece in pieces:
        if piece == "NOT":
            negate_next = True
        elif negate_next:
            excluded.append(piece)
            negate_next = False
        elif piece.startswith("-") and len(piece) > 1:
            excluded.append(piece[1:])
        else:
            return None
    return " OR ".join(excluded) or None


def _lift_negations(node):
    """``a b NOT c`` in an OR group means "a or b, but not c".

    Whoosh puts ``NOT c`` into the OR as one more optional clause (which then
    matches nearly everything); here it becomes an exclusion of the group.
    """
    if isinstance(node, query.CompoundQuery):
        node = node.apply(_lift_negations)
    if isinstance(node, query.Or):
        negated = [q.query for q in node.subqueries if isinstance(q, query.Not)]
        if negated:
            kept = [q for q in node.subqueries if not isinstance(q, query.Not)]
            base = (kept[0] if len(kept) == 1 else query.Or(kept, boost=node.boost)) if kept \
                else query.Every()
            return query.AndNot(base, negated[0] if len(negated) == 1 else query.Or(negated))
    return node


_DATE_CLAUSE = re.compile(
    r"(?<![\w\"])(?:published|tanggal|date):(?:\[(?P<range>[^\]]*)\]?|(?P<single>\S+))",
    re.IGNORECASE)
_RANGE_SPLIT = re.compile(r"\s*\b(?:to|sampai|hingga|s/d)\b\s*", re.IGNORECASE)


def _extract_dates(text: str):
    """Take ``tanggal:[2019-09-01 TO 2019-09-30]`` / ``tanggal:2019-09`` out of the query.

    Returns the rest of the query and a required date-range clause (or None).
    Dates are read like the CLI's --since/--until (ISO, Indonesian, year or
    month alone); either end of a range may be left empty.
    """
    since = until = None
    found = False

    def take(match):
        nonlocal since, until, found
        found = True
        if match.group("range") is not None:
            parts = _RANGE_SPLIT.split(match.group("range").strip(), maxsplit=1)
            start, end = (parts + [""])[:2] if len(parts) > 1 else (parts[0], parts[0])
        else:
            start = end = match.group("single")
        try:
            if start.strip():
                since = max(filter(None, [since, parse_user_date(start.strip())]))
            if end.strip():
                until = min(filter(None, [until, parse_user_date(end.strip(), end=True)]))
        except DateError as error:
            raise QueryError(f"q: tanggal: {error}") from None
        return " "

    text = _DATE_CLAUSE.sub(take, text)
    if not found or (since is None and until is None):
        return text, None
    return text, query.DateRange("published", since, until)


def _bound_expansions(parsed, reader, frequency=None):
    """Replace wildcard/fuzzy terms by at most MAX_EXPANSIONS concrete words."""
    done: dict = {}  # a word repeated in the query is expanded once

    def bound(node):
        if isinstance(node, Concepts):
            return node.with_variants(lambda word: _variants(reader, word, frequency))
        if not isinstance(node, (query.Wildcard, query.Prefix, query.FuzzyTerm, query.Regex)):
            return expand(node)
        key = (type(node), node.fieldname, node.text, getattr(node, "maxdist", None))
        if key not in done:
            done[key] = expand(node.with_boost(1.0))
        expanded = done[key]
        if node.boost == 1.0 or expanded is query.NullQuery:
            return expanded
        if isinstance(expanded, query.Or):  # the same words, with this copy's weight
            return query.Or([q.with_boost(node.boost) for q in expanded.subqueries])
        return expanded.with_boost(node.boost)

    def expand(node):
        if isinstance(node, query.Every):
            return query.Every()  # "*": every document, not every word of a field
        if isinstance(node, query.FuzzyTerm) and not (
                FUZZY_PREFIX <= len(node.text) <= MAX_FUZZY_LETTERS):
            return query.Term(node.fieldname, node.text, boost=node.boost)  # as typed
        if isinstance(node, query.FuzzyTerm):
            # Edit distances above 2 build huge automata and match noise; the
            # first letters are rarely the misspelled ones (and bound the scan).
            node = query.FuzzyTerm(node.fieldname, node.text, boost=node.boost,
                                   maxdist=min(node.maxdist, MAX_FUZZY_DISTANCE),
                                   prefixlength=max(node.prefixlength, FUZZY_PREFIX))
        if isinstance(node, (query.Wildcard, query.Prefix, query.FuzzyTerm, query.Regex)):
            if isinstance(node, (query.Prefix, query.Wildcard)) and len(
                    node.text.replace("*", "").replace("?", "")) < 2:
                raise QueryError(f"q: a wildcard needs at least 2 letters ({node.text!r})")
            words = []
            field = reader.schema[node.fieldname]
            for word in node._btexts(reader):
                _check_deadline()
                text = word if isinstance(word, str) else field.from_bytes(word)
                words.append(query.Term(node.fieldname, text, boost=node.boost))
                if len(words) >= MAX_EXPANSIONS:
                    break
            return query.Or(words) if words else query.NullQuery
        return node.apply(bound)

    try:
        return bound(parsed)
    except QueryError:
        raise
    except Exception:
        raise QueryError("q: cannot expand the query's wildcard or fuzzy words") from None


RARE_DF = 2  # a word in at most this many articles may be a variant spelling
MAX_VARIANTS = 3
VARIANT_PREFIX = 3  # letters a one-edit variant shares with the word


def _variants(reader, word: concepts.Word, frequency=None) -> list[concepts.Word]:
    """Better-known spellings of a word the index barely knows (df 0-2):
    the word with a letter or two more ("antibiotik" -> antibiotika), one edit
    away, or spelt the Indonesian way ("semiconductor" -> semikonduktor), each
    found in more articles than the word itself; the most frequent first.

    Frequencies come from ``frequency`` (remembered, shared with "did you mean").
    """
    if frequency is None:
        def frequency(fieldname, term):
            return reader.doc_frequency(fieldname, term)

    known = frequency("body_exact", word.exact)
    if known > RARE_DF or len(word.exact) < 5 or not word.exact.isalpha():
        return []
    field = reader.schema["body_exact"]
    found: dict[str, int] = {}
    for spelling in concepts.loanword_spellings(word.exact):
        # One edit away within the words sharing the first three letters: a
        # short walk of the term dictionary (generating every edit and looking
        # each up costs more on a multi-segment index).
        candidates = [spelling, *itertools.islice(
            reader.terms_within("body_exact", spelling, 1, prefix=VARIANT_PREFIX), 64)]
        for term in itertools.islice(reader.expand_prefix("body_exact", spelling), 64):
            text = term if isinstance(term, str) else field.from_bytes(term)
            if len(text) - len(spelling) <= 2:
                candidates.append(text)
        for candidate in candidates:
            if candidate != word.exact and candidate not in found:
                count = frequency("body_exact", candidate)
                if count > known:
                    found[candidate] = count
    best = sorted(found, key=lambda term: (-found[term], term))[:MAX_VARIANTS]
    return [concepts.Word(term, stem_word(term), word.weight) for term in best]


def _match_terms(parsed) -> MatchTerms:
    """The words and phrases to highlight: every positive term of the query."""
    found: dict[str, set] = {"stems": set(), "exact": set(), "stem_phrases": set(),
                             "exact_phrases": set()}

    def walk(node):
        if isinstance(node, query.Not):
            return
        if isinstance(node, query.AndNot):
            walk(node.a)
            return
        if isinstance(node, PairPhrase):  # a concept's other expression, found together
            found["stem_phrases"].add(node.words)
            return
        fieldname = getattr(node, "fieldname", None)
        if fieldname in FIELD_BOOSTS:
            kind = "exact" if fieldname.endswith("_exact") else "stem"
            if isinstance(node, query.Term):
                found["stems" if kind == "stem" else "exact"].add(node.text)
            elif isinstance(node, query.Phrase):
                found[f"{kind}_phrases"].add(tuple(node.words))
        for child in node.children():
            walk(child)

    walk(parsed)
    return MatchTerms(**{key: frozenset(values) for key, values in found.items()})


def display_title(title: str, body: str, limit: int = 80) -> str:
    """The title, or for untitled records the start of the body."""
    if title:
        return title
    first = " ".join(body.split()[:20])
    return first if len(first) <= limit else first[:limit].rsplit(" ", 1)[0] + " …"


def make_document(stored: dict) -> Document:
    """A :class:`Document` from an article's stored fields (any backend)."""
    body = stored.get("body", "")
    return Document(
        id=stored["id"], title=display_title(stored.get("title", ""), body), body=body,
        url=web_url(stored.get("url", "")), source=stored.get("source", ""),
        category=stored.get("category", ""), published=stored.get("published"),
        category_raw=stored.get("category_raw", ""), author=stored.get("author", ""),
    )


def make_hit(stored: dict, score: float, terms: MatchTerms | None) -> Hit:
    """A :class:`Hit` from stored fields; snippets for ``terms`` (None: no snippets)."""
    body = stored.get("body", "")
    title = display_title(stored.get("title", ""), body)
    return Hit(
        id=stored["id"], title=title, url=web_url(stored.get("url", "")),
        source=stored.get("source", ""), category=stored.get("category", ""),
        published=stored.get("published"), score=float(score),
        snippet=make_snippet(body, terms) if terms is not None else Snippet(),
        title_highlighted=highlight(title, terms) if terms is not None else Snippet(),
    )


def facet_counts(groups: dict) -> list[FacetCount]:
    counts = [FacetCount(str(value), count) for value, count in groups.items() if value]
    return sorted(counts, key=lambda f: (-f.count, f.value))


def _as_datetime(value) -> datetime | None:
    """A published-column value as a datetime; None for undated articles.

    The column holds Whoosh's integer form of the datetime, and an undated
    article holds the column's "missing" sentinel (or 0), which is no date.
    """
    if value is None:
        return None
    try:
        moment = value if isinstance(value, datetime) else long_to_datetime(value)
    except (OverflowError, ValueError, OSError):
        return None
    # A segment without any dated article reads back as year 1: no date either.
    return moment if moment.year > 1 else None


def date_histogram(days: dict) -> list[FacetCount]:
    """Matches per day, or per month when they span more than about two months."""
    dated = {day: count for day, count in days.items() if day}
    if not dated:
        return []
    first, last = min(dated), max(dated)
    by_month = (datetime.fromisoformat(last) - datetime.fromisoformat(first)).days > 62
    buckets: dict[str, int] = {}
    for day, count in dated.items():
        key = day[:7] if by_month else day
        buckets[key] = buckets.get(key, 0) + count
    return [FacetCount(key, buckets[key]) for key in sorted(buckets)]

