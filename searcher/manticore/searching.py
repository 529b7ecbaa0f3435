"""Searching a Manticore/Sphinx cluster: :class:`ManticoreIndex`, the
:class:`searcher.Index` interface over SphinxQL."""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime

from searcher import checks
from searcher.categories import normalize_category
from searcher.errors import SearcherError
from searcher.grouping import MAX_COPIES
from searcher.manticore.cluster import Cluster, NodeDown, Nodes, discover, reason
from searcher.manticore.compiler import Compiler
from searcher.manticore.grouping import code_of
from searcher.manticore.indexing import delete_documents
from searcher.manticore.schema import (
    document_id,
    encode_term,
    field_text,
    moment,
    seconds,
    value_keys,
)
from searcher.models import (
    Copy,
    DeleteReport,
    Document,
    Hit,
    IndexStats,
    SearchResult,
    Story,
    StorySummary,
)
from searcher.query import plan
from searcher.query.parser import FIELD_BOOSTS
from searcher.query.plan import plan_query
from searcher.query.text import clean_query
from searcher.ranking import BM25_PARAMETERS as BM25F_ARGS
from searcher.request import NO_WORDS, Filters, check_request
from searcher.results import date_histogram, facet_counts, highlighted, make_document, make_hit
from searcher.snippets import SCAN_CHARS, MatchTerms, Snippet
from searcher.spelling import did_you_mean
from searcher.stemmer import stem_word

MAX_FACET_VALUES = 1000
# Field weights as whole numbers (the engine's requirement), in the same
# proportions as the Whoosh backend's; each field's weight also tells the
# ranker which field it is looking at (title_exact 3, title 4: a title).
FIELD_WEIGHTS = {name: round(boost * 2) for name, boost in FIELD_BOOSTS.items()}
TITLE_WEIGHT = min(FIELD_WEIGHTS["title"], FIELD_WEIGHTS["title_exact"])
AVERAGES_SECONDS = 30.0  # how long average field lengths are reused
# BM25 per field, summed with the field weights, like Whoosh's BM25F. The
# engine's own bm25f() needs field lengths that Sphinx 2.2 does not keep for
# real-time indexes, so the formula is spelt out over its per-field factors:
# sum_idf (plain idf of the matched words), hit_count/word_count (their mean
# frequency) and our stored term counts for the length normalisation.
# Measured on TyDi QA (BENCHMARKS.md) against the engine's built-in rankers.
RANKER = (
    "expr('1000*sum(user_weight*sum_idf*(hit_count/word_count)*{k1plus}"
    "/(hit_count/word_count+{K1}*({one_minus_b}+{B}*if(user_weight>={title},"
    "title_terms/{{title_avg}},body_terms/{{body_avg}}))))'), "
    "field_weights=({weights}), idf='plain'"
).format(k1plus=BM25F_ARGS["K1"] + 1, one_minus_b=1 - BM25F_ARGS["B"], title=TITLE_WEIGHT,
         weights=",".join(f"{name}={weight}" for name, weight in FIELD_WEIGHTS.items()),
         **BM25F_ARGS)

def _select(columns: str, table: str, where: list[str], extra: str = "") -> str:
    clause = " WHERE " + " AND ".join(where) if where else ""
    return f"SELECT {columns} FROM {table}{clause}{extra}"


_HIT_COLUMNS = ("id, article_id, title_text, body_text, url, source, category, published, "
                "dated, category_raw, author, duplicate, story, WEIGHT()")
# The same with, when collapsing copies, how many matches each group holds.
_GROUP_COLUMNS = _HIT_COLUMNS.replace("WEIGHT()", "COUNT(*), WEIGHT()")
_ORDER = {"relevance": "WEIGHT() DESC, id ASC", "newest": "dated DESC, published DESC, id ASC",
          "oldest": "dated DESC, published ASC, id ASC"}
MAX_STORY_ARTICLES = 10_000


class ManticoreIndex:
    """The :class:`searcher.Index` interface over a Manticore/Sphinx cluster."""

    def __init__(self, location: str):
        self.cluster = Cluster.parse(location)
        self.path = str(self.cluster)
        self.closed = False
        self._nodes = Nodes(self.cluster)
        self.layout = discover(self._nodes)
        self._averages: tuple[float, float, float] | None = None
        # Load Sastrawi's dictionary and the word lists now, not in the first query.
        stem_word("pemanasan")

    def close(self) -> None:
        """Close the connections; any later use raises :class:`IndexClosedError`."""
        self.closed = True
        self._nodes.close()

    def delete(self, ids: Iterable[str]) -> DeleteReport:
        """Remove these articles from the cluster (see :func:`delete_documents`)."""
        return delete_documents(ids, self.path)

    def _ranker(self) -> str:
        """The ranking expression with the current average field lengths."""
        now = time.monotonic()
        cached = self._averages
        if cached is None or now - cached[0] > AVERAGES_SECONDS:
            rows, _ = self._query(
                f"SELECT COUNT(*), AVG(title_terms), AVG(body_terms) FROM {self.cluster.table}")
            title_avg, body_avg = (rows[0][1], rows[0][2]) if rows else (1, 1)
            # Untitled corpora have no title lengths; 1 keeps the division defined.
            cached = self._averages = (now, max(1.0, float(title_avg or 0)),
                                       max(1.0, float(body_avg or 0)))
        return RANKER.format(title_avg=f"{cached[1]:.3f}", body_avg=f"{cached[2]:.3f}")

    def __enter__(self) -> ManticoreIndex:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- plumbing ------------------------------------------------------------------------
    def _query(self, sql: str, args=None, *, all_sets: bool = False):
        """``(rows, meta)`` from the first node that answers.

        ``meta`` is the engine's SHOW META (``total_found``...) plus
        ``warnings``: what made the answer partial (a shard that did not answer).
        """
        errors = []
        for node in self._nodes.in_order(self.cluster.nodes):
            try:
                result = self._nodes.execute(node, sql, args, all_sets=all_sets)
                rows = self._nodes.execute(node, "SHOW META")
            except NodeDown as error:
                errors.append(str(error))
                continue
            meta = {name: value for name, value in rows if name != "warning"}
            warnings = [*errors, *(reason(Exception(value)) for name, value in rows
                                   if name == "warning")]
            meta["warnings"] = [_partial_warning(w) for w in warnings]
            return result, meta
        raise SearcherError(f"no Manticore/Sphinx node of {self.cluster} answered: "
                            f"{errors[-1] if errors else ''}")

    def _keyword_counts(self, words: list[str]) -> dict[str, int]:
        """Documents holding each word, summed over the reachable shards."""
        counts: dict[str, int] = {}
        if not words:
            return counts
        text = " ".join(encode_term(w) for w in words)
        decoded = {encode_term(w): w for w in words}
        for shard, node in self.layout.homes.items():
            if self._nodes.resting(node):
                continue
            try:
                rows = self._nodes.execute(node, "CALL KEYWORDS(%s, %s, 1)", (text, shard))
            except NodeDown:
                continue
            for row in rows:
                word = decoded.get(row[1])
                if word is not None:
                    counts[word] = counts.get(word, 0) + int(row[3])
        return counts

    # -- searching -------------------------------------------------------------------------
    @checks.while_open
    def search(self, text: str, *, page: int = 1, per_page: int = 10,
               filters: Filters | dict | None = None, sort: str = "relevance",
               snippets: bool = True, facets: bool = False,
               collapse: bool = False) -> SearchResult:
        """Ranked results for ``text``; see :meth:`searcher.Index.search`. Collapsing
        groups the matches by duplicate group (the best one shown, the group's size
        counted); the facets still count every copy."""
        started = time.perf_counter()
        checks.text(text, "q")
        page, per_page, sort, filters = check_request(page, per_page, sort, filters)
        query_plan = plan_query(text)
        compiler = Compiler(self._keyword_counts)
        match = compiler.compile(query_plan.match)
        where = self._where(query_plan, filters)
        suggestion = self.suggest(text)
        if match == "" or where is None:
            no_words = isinstance(query_plan.match, plan.Nothing)  # "!!!!" (#12)
            return SearchResult(query=text, total=0, page=page, per_page=per_page, hits=[],
                                suggestion=suggestion, sort=sort,
                                took_ms=(time.perf_counter() - started) * 1000,
                                message=NO_WORDS if no_words else None)
        args = []
        if match is not None:
            where.insert(0, "MATCH(%s)")
            args.append(match)
        order = f" ORDER BY {_ORDER[sort]}"
        if collapse:  # one row per duplicate group: its best match under this order
            order = f" GROUP BY duplicate WITHIN GROUP ORDER BY {_ORDER[sort]}{order}"
        offset = (page - 1) * per_page
        max_matches = max(1000, offset + per_page)
        sql = _select(_GROUP_COLUMNS if collapse else _HIT_COLUMNS, self.cluster.table, where,
                      f"{order} LIMIT {offset},{per_page} "
                      f"OPTION ranker={self._ranker()}, max_matches={max_matches}")
        if facets:
            sql += "".join(f" FACET {name} ORDER BY COUNT(*) DESC LIMIT {MAX_FACET_VALUES}"
                           for name in ("source", "category"))
            sql += " FACET day ORDER BY day ASC LIMIT 100000"
        sets, meta = self._query(sql, args, all_sets=True)
        terms = _with_expanded(query_plan.highlight, compiler.expanded) if snippets else None
        hits = self._grouped([_hit(row, terms) for row in sets[0]], sets[0], collapse,
                             where, args)
        counts, histogram = {}, []
        if facets:
            counts = {"source": facet_counts(dict(sets[1])),
                      "category": facet_counts(dict(sets[2]))}
            histogram = date_histogram({_day_text(day): n for day, n in sets[3] if day})
        return SearchResult(
            query=text, total=int(meta.get("total_found", 0)), page=page, per_page=per_page,
            hits=hits, suggestion=suggestion, sort=sort, facets=counts, histogram=histogram,
            warnings=tuple(dict.fromkeys(meta["warnings"])),
            took_ms=(time.perf_counter() - started) * 1000,
        )

    def _grouped(self, hits: list[Hit], rows, collapse: bool, where: list[str],
                 args: list) -> list[Hit]:
        """Hits with their story and, when collapsing, their other versions."""
        if not hits:
            return hits
        stories = {int(row[12]) for row in rows}
        listed = ",".join(map(str, stories))
        sizes, _ = self._query(f"SELECT story, COUNT(*) FROM {self.cluster.table} WHERE story "
                               f"IN ({listed}) GROUP BY story LIMIT 0,{len(stories)}")
        size_of = {int(code): int(size) for code, size in sizes}
        names = self._names(stories)
        annotated = []
        for hit, row in zip(hits, rows, strict=True):
            versions = int(row[13]) - 1 if collapse else 0
            copies: tuple[Copy, ...] = ()
            if versions:
                others, _ = self._query(_select(
                    "article_id, source, url", self.cluster.table,
                    [*where, f"duplicate = {int(row[11])}", f"id != {int(row[0])}"],
                    f" ORDER BY id ASC LIMIT {MAX_COPIES}"), args)
                copies = tuple(Copy(i, s, u) for i, s, u in others)
            code = int(row[12])
            annotated.append(replace(hit, versions=versions, copies=copies,
                                     story=names.get(code), story_size=size_of.get(code, 0)))
        return annotated

    def _names(self, codes) -> dict[int, str]:
        """Story or group codes -> their ids (the first article's; ``#code`` if it is gone)."""
        if not codes:
            return {}
        rows, _ = self._query(f"SELECT id, article_id FROM {self.cluster.table} WHERE id IN "
                              f"({','.join(map(str, codes))}) LIMIT {len(codes)}")
        found = {int(number): article_id for number, article_id in rows}
        return {code: found.get(code, f"#{code}") for code in codes}

    def _where(self, query_plan: plan.QueryPlan, filters: Filters | None) -> list[str] | None:
        """SQL conditions of the restrictions; None if they exclude everything."""
        where = []
        restrictions = list(query_plan.restrictions)
        if filters:
            restrictions += [plan.Restriction("source", filters.sources),
                             plan.Restriction("category", filters.categories)]
        for restriction in restrictions:
            values = [normalize_category(value) if restriction.field == "category" else value
                      for value in restriction.values]
            keys = sorted({k for value in values for k in value_keys(value)})
            if not keys:
                continue
            listed = ",".join(map(str, keys))
            where.append(f"{restriction.field}_keys {'NOT IN' if restriction.negated else 'IN'} "
                         f"({listed})")
        since = max(filter(None, [query_plan.since, filters.since if filters else None]),
                    default=None)
        until = min(filter(None, [query_plan.until, filters.until if filters else None]),
                    default=None)
        if since is not None or until is not None:
            if since and until and since > until:
                return None
            where.append("dated = 1")
            if since is not None:
                where.append(f"published >= {seconds(since)}")
            if until is not None:
                where.append(f"published <= {seconds(until)}")
        return where

    @checks.while_open
    def suggest(self, text: str) -> str | None:
        """A "did you mean" query (one edit at most: the engine has no fuzzy term walk)."""
        checks.text(text, "q")
        return did_you_mean(clean_query(text), self._keyword_counts, self._keyword_counts)

    # -- documents -------------------------------------------------------------------------
    def _row(self, doc_id: str):
        rows, _ = self._query(_select(_HIT_COLUMNS, self.cluster.table,
                                      [f"id = {document_id(doc_id)}"]))
        return next((row for row in rows if row[1] == doc_id), None)

    @checks.while_open
    def get(self, doc_id: str) -> Document | None:
        """The stored article with this id, or None."""
        row = self._row(checks.doc_id(doc_id))
        return make_document(_stored(row)) if row is not None else None

    @checks.while_open
    def highlight_document(self, doc_id: str, text: str) -> tuple[Snippet, Snippet] | None:
        """Title and body of an article with the words of query ``text`` marked."""
        checks.text(text, "q")
        document = self.get(doc_id)
        terms = plan_query(text).highlight if document and text.strip() else MatchTerms()
        return highlighted(document, terms)

    @checks.while_open
    def story(self, story_id: str) -> Story | None:
        """The articles of a story, oldest first (None: no such story)."""
        checks.doc_id(story_id)
        try:
            code = code_of(story_id)
        except ValueError:  # "#" and no number: no story has that id
            return None
        rows, _ = self._query(_select(
            _HIT_COLUMNS, self.cluster.table, [f"story = {code}"],
            f" ORDER BY dated DESC, published ASC, id ASC LIMIT 0,{MAX_STORY_ARTICLES} "
            f"OPTION max_matches={MAX_STORY_ARTICLES}"))
        if not rows:
            return None
        hits = [make_hit(_stored(row), 0.0, None) for row in rows]
        days = Counter(hit.published.date().isoformat() for hit in hits if hit.published)
        return Story(story_id, hits, date_histogram(days))

    @checks.while_open
    def stories(self, *, since: datetime | None = None, limit: int = 10) -> list[StorySummary]:
        """The largest stories with an article published at or after ``since``."""
        checks.limit(limit, top=10_000)
        table, most = self.cluster.table, 1_000_000
        sizes, _ = self._query(f"SELECT story, COUNT(*) FROM {table} GROUP BY story "
                               f"LIMIT 0,{most} OPTION max_matches={most}")
        size_of = {int(code): int(size) for code, size in sizes}
        if since is not None:
            recent, _ = self._query(f"SELECT story FROM {table} WHERE dated = 1 AND published "
                                    f">= {seconds(since)} GROUP BY story LIMIT 0,{most} "
                                    f"OPTION max_matches={most}")
            size_of = {int(row[0]): size_of.get(int(row[0]), 0) for row in recent}
        names = self._names(list(size_of))
        top = sorted(size_of, key=lambda code: (-size_of[code], names[code]))[:limit]
        if not top:
            return []
        rows, _ = self._query(
            f"SELECT story, title_text, source, published, dated FROM {table} WHERE story IN "
            f"({','.join(map(str, top))}) ORDER BY dated DESC, published ASC, id ASC "
            f"LIMIT 0,{sum(size_of[c] for c in top)} "
            f"OPTION max_matches={max(1, sum(size_of[c] for c in top))}")
        members: dict[int, list] = {}
        for row in rows:
            members.setdefault(int(row[0]), []).append(row)
        found = []
        for code in top:
            articles = members.get(code, [])
            dated = [moment(int(r[3]), 1) for r in articles if int(r[4])]
            found.append(StorySummary(
                id=names[code], size=size_of[code], title=articles[0][1] if articles else "",
                first=min(dated) if dated else None, last=max(dated) if dated else None,
                sources=len({r[2] for r in articles} - {""})))
        return found

    @checks.while_open
    def more_like_this(self, doc_id: str, limit: int = 5) -> list[Hit]:
        """Articles about the same thing as ``doc_id``: its most telling stems, OR-ed."""
        checks.limit(limit)
        document = self.get(doc_id)
        if document is None:
            return []
        frequency: dict[str, int] = {}
        for term in field_text(document.body[:SCAN_CHARS], stem=True).split():
            if len(term) > 2 and not term.isdigit():
                frequency[term] = frequency.get(term, 0) + 1
        candidates = sorted(frequency, key=lambda t: -frequency[t])[:100]
        documents = self._document_count()
        counts = self._keyword_counts(candidates)
        weight = {t: frequency[t] * math.log((documents + 1) / (counts.get(t, 0) + 1))
                  for t in candidates if counts.get(t, 0) > 1}
        top = sorted(weight, key=lambda t: -weight[t])[:20]
        if not top:
            return []
        match = "(@(title,body) " + " | ".join(top) + ")"
        where = ["MATCH(%s)", f"id != {document_id(doc_id)}"]
        rows, _ = self._query(
            _select(_HIT_COLUMNS, self.cluster.table, where,
                    f" ORDER BY WEIGHT() DESC, id ASC LIMIT {limit} "
                    f"OPTION ranker={self._ranker()}"), [match])
        return [_hit(row, MatchTerms()) for row in rows]

    def _document_count(self) -> int:
        rows, _ = self._query(f"SELECT COUNT(*) FROM {self.cluster.table}")
        return int(rows[0][0]) if rows else 0

    def percolate(self, searches) -> None:
        """Saved searches need each article's index time, which the cluster's rows do
        not carry (:mod:`searcher.watch`)."""
        raise SearcherError(
            "saved searches (watch) need the time each article was indexed, which a "
            "Manticore/Sphinx cluster does not record; use them with a Whoosh index")

    @checks.while_open
    def stats(self) -> IndexStats:
        sets, meta = self._query(
            f"SELECT id FROM {self.cluster.table} LIMIT 1"
            f" FACET source ORDER BY COUNT(*) DESC LIMIT {MAX_FACET_VALUES}"
            f" FACET category ORDER BY COUNT(*) DESC LIMIT {MAX_FACET_VALUES}", all_sets=True)
        dates, _ = self._query(
            f"SELECT COUNT(*), MIN(published), MAX(published) FROM {self.cluster.table} "
            "WHERE dated = 1")
        size = 0
        for shard, node in self.layout.homes.items():
            try:
                status = dict(self._nodes.execute(node, f"SHOW INDEX {shard} STATUS"))
            except NodeDown:
                continue
            size += int(status.get("ram_bytes", 0)) + int(status.get("disk_bytes", 0))
        dated = dates and dates[0][0]
        return IndexStats(
            documents=int(meta.get("total_found", 0)),
            sources=facet_counts(dict(sets[1])), categories=facet_counts(dict(sets[2])),
            earliest=moment(int(dates[0][1]), 1) if dated else None,
            latest=moment(int(dates[0][2]), 1) if dated else None,
            size_bytes=size, path=self.path,
        )


def _partial_warning(text: str) -> str:
    if "agent" in text or "not reachable" in text:
        return f"partial results: a shard did not answer ({text})"
    return text


def _day_text(day: int) -> str:
    return f"{day // 10000:04d}-{day // 100 % 100:02d}-{day % 100:02d}"


def _with_expanded(terms: MatchTerms, expanded: set) -> MatchTerms:
    if not expanded:
        return terms
    stems = {w for f, w in expanded if not f.endswith("_exact")}
    exact = {w for f, w in expanded if f.endswith("_exact")}
    return MatchTerms(terms.stems | stems, terms.exact | exact, terms.stem_phrases,
                      terms.exact_phrases)


def _stored(row) -> dict:
    """A result row as the stored fields the shared builders take."""
    _, article_id, title, body, url, source, category, published, dated, raw, author = row[:11]
    return {"id": article_id, "title": title, "body": body, "url": url, "source": source,
            "category": category, "published": moment(published, dated),
            "category_raw": raw, "author": author}


def _hit(row, terms: MatchTerms | None) -> Hit:
    return make_hit(_stored(row), float(row[-1]) / 10000, terms)


