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
from searcher.fetching import tombstones
from searcher.grouping import (
    MAX_CENTRE_ARTICLES,
    MAX_COPIES,
    MAX_HEADLINES,
    check_story_list,
    check_story_page,
    collapse_mode,
    decode_terms,
)
from searcher.manticore.cluster import Cluster, NodeDown, Nodes, discover, reason
from searcher.manticore.compiler import Compiler
from searcher.manticore.grouping import code_of, read_features
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
    FacetCount,
    Headline,
    Hit,
    IndexStats,
    SearchResult,
    Story,
    StoryList,
    StorySummary,
)
from searcher.query import plan
from searcher.query.parser import FIELD_BOOSTS, paraphrase
from searcher.query.plan import plan_query
from searcher.query.text import clean_query
from searcher.ranking import BM25_PARAMETERS as BM25F_ARGS
from searcher.ranking import DEFAULT as DEFAULT_RANKING
from searcher.request import NO_WORDS, Filters, check_request
from searcher.results import (
    date_histogram,
    display_title,
    facet_counts,
    highlighted,
    make_document,
    make_hit,
)
from searcher.snippets import SCAN_CHARS, MatchTerms, Snippet
from searcher.spelling import did_you_mean
from searcher.stemmer import stem_word
from searcher.stories import representative

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
).format(
    k1plus=BM25F_ARGS["K1"] + 1,
    one_minus_b=1 - BM25F_ARGS["B"],
    title=TITLE_WEIGHT,
    weights=",".join(f"{name}={weight}" for name, weight in FIELD_WEIGHTS.items()),
    **BM25F_ARGS,
)


def _select(columns: str, table: str, where: list[str], extra: str = "") -> str:
    clause = " WHERE " + " AND ".join(where) if where else ""
    return f"SELECT {columns} FROM {table}{clause}{extra}"


_HIT_COLUMNS = (
    "id, article_id, title_text, body_text, url, source, category, published, "
    "dated, category_raw, author, duplicate, story, WEIGHT()"
)
# The same with, when collapsing copies, how many matches each group holds.
_GROUP_COLUMNS = _HIT_COLUMNS.replace("WEIGHT()", "COUNT(*), WEIGHT()")
_ORDER = {
    "relevance": "WEIGHT() DESC, id ASC",
    "newest": "dated DESC, published DESC, id ASC",
    "oldest": "dated DESC, published ASC, id ASC",
    "blend": "blended DESC, id ASC",
}
MAX_STORY_ARTICLES = 10_000
MAX_HEADLINE_ROWS = 20  # a story's rows read for its other headlines (each way)


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
        """Remove these articles from the cluster (see :func:`delete_documents`), their ids
        remembered as deleted (:mod:`searcher.fetching.tombstones`)."""
        ids = tombstones.before_delete(self.path, ids)
        return delete_documents(ids, self.path)

    def _ranker(self) -> str:
        """The ranking expression with the current average field lengths."""
        now = time.monotonic()
        cached = self._averages
        if cached is None or now - cached[0] > AVERAGES_SECONDS:
            rows, _ = self._query(
                f"SELECT COUNT(*), AVG(title_terms), AVG(body_terms) FROM {self.cluster.table}"
            )
            title_avg, body_avg = (rows[0][1], rows[0][2]) if rows else (1, 1)
            # Untitled corpora have no title lengths; 1 keeps the division defined.
            cached = self._averages = (
                now,
                max(1.0, float(title_avg or 0)),
                max(1.0, float(body_avg or 0)),
            )
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
            warnings = [
                *errors,
                *(reason(Exception(value)) for name, value in rows if name == "warning"),
            ]
            meta["warnings"] = [_partial_warning(w) for w in warnings]
            return result, meta
        raise SearcherError(
            f"no Manticore/Sphinx node of {self.cluster} answered: {errors[-1] if errors else ''}"
        )

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
        """Ranked results for ``text``; see :meth:`searcher.Index.search`. Collapsing
        groups the matches by duplicate group or story (``GROUP BY``: the best one
        shown, the group's size counted); the facets still count every copy."""
        started = time.perf_counter()
        checks.text(text, "q")
        page, per_page, sort, filters = check_request(page, per_page, sort, filters)
        checks.flag(as_typed, "as_typed")
        mode = collapse_mode(collapse)
        collapse = mode != "none"
        # A word the index (almost) lacks is searched as its far more frequent
        # spelling unless as typed; then that spelling is only suggested (#21).
        # A question or long query keeps its words, as on the Whoosh backend.
        fix = None if as_typed or paraphrase(clean_query(text)) else self.suggest(text)
        searched, corrected = (fix, fix) if fix is not None else (text, None)
        suggestion = self.suggest(searched)
        query_plan = plan_query(searched)
        compiler = Compiler(self._keyword_counts)
        match_node, dropped = self._match_set(query_plan, compiler)
        match = compiler.compile(match_node)
        where = self._where(query_plan, filters)
        if match == "" or where is None:
            no_words = isinstance(query_plan.match, plan.Nothing)  # "!!!!" (#12)
            return SearchResult(
                query=text,
                total=0,
                page=page,
                per_page=per_page,
                hits=[],
                suggestion=suggestion,
                sort=sort,
                took_ms=(time.perf_counter() - started) * 1000,
                message=NO_WORDS if no_words else None,
                corrected_query=corrected,
            )
        args = []
        if match is not None:
            where.insert(0, "MATCH(%s)")
            args.append(match)
        ranked = _ORDER[sort]
        columns = _GROUP_COLUMNS if collapse else _HIT_COLUMNS
        if sort == "blend":  # relevance times a date decay from the newest article
            columns = columns.replace("WEIGHT()", f"{self._blend()} AS blended")
        order = f" ORDER BY {ranked}"
        if collapse:  # one row per duplicate group or story: its best match under this order
            by = "story" if mode == "story" else "duplicate"
            order = f" GROUP BY {by} WITHIN GROUP ORDER BY {ranked}{order}"
        offset = (page - 1) * per_page
        max_matches = max(1000, offset + per_page)
        sql = _select(
            columns,
            self.cluster.table,
            where,
            f"{order} LIMIT {offset},{per_page} "
            f"OPTION ranker={self._ranker()}, max_matches={max_matches}",
        )
        if facets:
            sql += "".join(
                f" FACET {name} ORDER BY COUNT(*) DESC LIMIT {MAX_FACET_VALUES}"
                for name in ("source", "category")
            )
            sql += " FACET day ORDER BY day ASC LIMIT 100000"
        sets, meta = self._query(sql, args, all_sets=True)
        terms = _with_expanded(query_plan.highlight, compiler.expanded) if snippets else None
        hits = self._grouped([_hit(row, terms) for row in sets[0]], sets[0], mode, where, args)
        counts, histogram = {}, []
        if facets:
            counts = {
                "source": facet_counts(dict(sets[1])),
                "category": facet_counts(dict(sets[2])),
            }
            histogram = date_histogram({_day_text(day): n for day, n in sets[3] if day})
        return SearchResult(
            query=text,
            total=int(meta.get("total_found", 0)),
            page=page,
            per_page=per_page,
            hits=hits,
            suggestion=suggestion,
            sort=sort,
            facets=counts,
            histogram=histogram,
            warnings=tuple(dict.fromkeys(meta["warnings"])),
            took_ms=(time.perf_counter() - started) * 1000,
            dropped=dropped,
            corrected_query=corrected,
        )

    def _count_matches(self, node, compiler: Compiler, where: list[str]) -> int:
        """How many articles match ``node`` (and the SQL conditions ``where``)."""
        match = compiler.compile(node)
        if match == "":
            return 0
        conditions, args = list(where), []
        if match is not None:
            conditions.insert(0, "MATCH(%s)")
            args.append(match)
        _, meta = self._query(_select("id", self.cluster.table, conditions, " LIMIT 1"), args)
        return int(meta.get("total_found", 0))

    def _match_set(
        self, query_plan: plan.QueryPlan, compiler: Compiler
    ) -> tuple[plan.Node, tuple[str, ...]]:
        """A plain query's match node: every concept required, relaxed while
        fewer than ``relax_below`` articles match, as the Whoosh backend does
        (:func:`searcher.whoosh.evaluator.match_set`: one found nowhere first,
        else the least informative whose leaving lets enough match, else the
        least informative); the left-out concepts still rank. Decided before
        the filters, so a filter never changes which words are required. A
        question or long query: any concept. Other queries: their own match."""
        ranking = DEFAULT_RANKING
        required = [u for u in query_plan.units if u.required]
        if not query_plan.units:
            return query_plan.match, ()
        if not required or (query_plan.long and not ranking.long_match_all):
            nodes = tuple(u.node for u in query_plan.units)
            return (nodes[0] if len(nodes) == 1 else plan.AnyOf(nodes)), ()
        optional = [u.node for u in query_plan.units if not u.required]
        if len(required) == 1:  # nothing to relax: no counting
            node = required[0].node
            if optional:
                node = plan.Preferring(
                    node, optional[0] if len(optional) == 1 else plan.AnyOf(tuple(optional))
                )
            return node, ()
        where = (
            self._where(replace(query_plan, restrictions=(), since=None, until=None), None) or []
        )

        def holding(units) -> plan.Node:
            return units[0].node if len(units) == 1 else plan.AllOf(tuple(u.node for u in units))

        counts = [self._count_matches(u.node, compiler, where) for u in required]
        order = sorted(range(len(required)), key=lambda k: (counts[k] > 0, -counts[k], -k))
        kept = [required[k] for k in order]
        zero = {required[k].label for k in order if counts[k] == 0}
        dropped: list[plan.Unit] = []
        count = self._count_matches(holding(kept), compiler, where)
        while count < ranking.relax_below and len(kept) > 1:
            leaving = kept[0]
            if leaving.label not in zero:
                for unit in kept:
                    if (
                        self._count_matches(
                            holding([u for u in kept if u is not unit]), compiler, where
                        )
                        >= ranking.relax_below
                    ):
                        leaving = unit
                        break
            kept.remove(leaving)
            dropped.append(leaving)
            count = self._count_matches(holding(kept), compiler, where)
        node = holding(kept)
        reported = tuple(
            u.label
            for u in dropped
            if self._count_matches(plan.Excluding(node, u.node), compiler, where)
        )
        others = optional + [u.node for u in dropped]
        if others:
            node = plan.Preferring(
                node, others[0] if len(others) == 1 else plan.AnyOf(tuple(others))
            )
        return node, reported

    def _blend(self) -> str:
        """The blend sort's expression: WEIGHT() times an exponential date decay
        from the newest article (:attr:`Ranking.recency_days`)."""
        rows, _ = self._query(f"SELECT MAX(published) FROM {self.cluster.table} WHERE dated = 1")
        origin = int(rows[0][0]) if rows and rows[0][0] else 0
        weight, days = DEFAULT_RANKING.recency_weight, DEFAULT_RANKING.recency_days
        rate = math.log(2) / (days * 86400)
        return (
            f"WEIGHT()*({1 - weight:.4f}+{weight:.4f}*IF(dated=1,"
            f"EXP(-{rate:.12f}*IF(published<{origin},{origin}-published,0)),0))"
        )

    def _grouped(self, hits: list[Hit], rows, mode: str, where: list[str], args: list) -> list[Hit]:
        """Hits with their story and, when collapsing, their other versions (by
        story: also the story's sources, matches and other headlines)."""
        if not hits:
            return hits
        stories = {int(row[12]) for row in rows}
        listed = ",".join(map(str, stories))
        sizes, _ = self._query(
            f"SELECT story, COUNT(*) FROM {self.cluster.table} WHERE story "
            f"IN ({listed}) GROUP BY story LIMIT 0,{len(stories)}"
        )
        size_of = {int(code): int(size) for code, size in sizes}
        names = self._names(stories)
        annotated = []
        for hit, row in zip(hits, rows, strict=True):
            versions = int(row[13]) - 1 if mode == "duplicates" else 0
            if mode == "story":
                versions = self._count_rows(
                    [*where, f"duplicate = {int(row[11])}", f"id != {int(row[0])}"], args
                )
            copies: tuple[Copy, ...] = ()
            if versions:
                others, _ = self._query(
                    _select(
                        "article_id, source, url",
                        self.cluster.table,
                        [*where, f"duplicate = {int(row[11])}", f"id != {int(row[0])}"],
                        f" ORDER BY id ASC LIMIT {MAX_COPIES}",
                    ),
                    args,
                )
                copies = tuple(Copy(i, s, u) for i, s, u in others)
            code = int(row[12])
            hit = replace(
                hit,
                versions=versions,
                copies=copies,
                story=names.get(code),
                story_size=size_of.get(code, 0),
            )
            if mode == "story":
                hit = self._story_card(hit, row, where, args)
            annotated.append(hit)
        return annotated

    def _count_rows(self, where: list[str], args: list) -> int:
        """How many rows meet the SQL conditions ``where`` (with their ``args``)."""
        rows, _ = self._query(_select("COUNT(*)", self.cluster.table, where), args)
        return int(rows[0][0]) if rows else 0

    def _story_card(self, hit: Hit, row, where: list[str], args: list) -> Hit:
        """A story's hit with its sources, matches and up to MAX_HEADLINES other
        headlines (its other matches, best first, then its newest articles; one per
        duplicate group and title), as the Whoosh backend gives them."""
        code, table = int(row[12]), self.cluster.table
        story = [f"story = {code}"]
        sources, _ = self._query(
            f"SELECT source, COUNT(*) FROM {table} WHERE story = {code} "
            f"GROUP BY source LIMIT 0,{MAX_FACET_VALUES}"
        )
        matches, _ = self._query(
            _select(
                "article_id, title_text, source, duplicate, body_text",
                table,
                [*where, *story],
                f" ORDER BY {_ORDER['relevance']} LIMIT 0,{MAX_HEADLINE_ROWS} "
                f"OPTION ranker={self._ranker()}",
            ),
            args,
        )
        newest, _ = self._query(
            _select(
                "article_id, title_text, source, duplicate, body_text",
                table,
                story,
                f" ORDER BY {_ORDER['newest']} LIMIT 0,{MAX_HEADLINE_ROWS}",
            )
        )
        seen_groups, seen_titles = {int(row[11])}, {hit.title.casefold()}
        headlines: list[Headline] = []
        for article_id, title, source, duplicate, body in (*matches, *newest):
            if len(headlines) == MAX_HEADLINES:
                break
            if int(duplicate) in seen_groups:
                continue
            seen_groups.add(int(duplicate))
            title = display_title(title, body)
            if title.casefold() in seen_titles:
                continue
            seen_titles.add(title.casefold())
            headlines.append(Headline(article_id, title, source))
        return replace(
            hit,
            story_sources=sum(1 for source, _ in sources if source),
            story_matches=int(row[13]),
            headlines=tuple(headlines),
        )

    def _names(self, codes) -> dict[int, str]:
        """Story or group codes -> their ids (the first article's; ``#code`` if it is gone)."""
        if not codes:
            return {}
        rows, _ = self._query(
            f"SELECT id, article_id FROM {self.cluster.table} WHERE id IN "
            f"({','.join(map(str, codes))}) LIMIT {len(codes)}"
        )
        found = {int(number): article_id for number, article_id in rows}
        for code in set(codes) - set(found):  # its first article is gone: its oldest one
            oldest, _ = self._query(
                f"SELECT article_id FROM {self.cluster.table} WHERE story = "
                f"{code} ORDER BY dated DESC, published ASC, id ASC LIMIT 1"
            )
            found[code] = oldest[0][0] if oldest else f"#{code}"
        return {code: found[code] for code in codes}

    def _where(self, query_plan: plan.QueryPlan, filters: Filters | None) -> list[str] | None:
        """SQL conditions of the restrictions; None if they exclude everything."""
        where = []
        restrictions = list(query_plan.restrictions)
        if filters:
            restrictions += [
                plan.Restriction("source", filters.sources),
                plan.Restriction("category", filters.categories),
            ]
        for restriction in restrictions:
            values = [
                normalize_category(value) if restriction.field == "category" else value
                for value in restriction.values
            ]
            keys = sorted({k for value in values for k in value_keys(value)})
            if not keys:
                continue
            listed = ",".join(map(str, keys))
            where.append(
                f"{restriction.field}_keys {'NOT IN' if restriction.negated else 'IN'} ({listed})"
            )
        since = max(
            filter(None, [query_plan.since, filters.since if filters else None]), default=None
        )
        until = min(
            filter(None, [query_plan.until, filters.until if filters else None]), default=None
        )
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
        rows, _ = self._query(
            _select(_HIT_COLUMNS, self.cluster.table, [f"id = {document_id(doc_id)}"])
        )
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

    def _members(self, code: int) -> list:
        """A story's rows, oldest first: (article_id, source, published, dated, grouping,
        title) (no bodies: a story can hold thousands of articles)."""
        rows, _ = self._query(
            _select(
                "article_id, source, published, dated, grouping, title_text",
                self.cluster.table,
                [f"story = {code}"],
                f" ORDER BY dated DESC, published ASC, id ASC LIMIT 0,{MAX_STORY_ARTICLES} "
                f"OPTION max_matches={MAX_STORY_ARTICLES}",
            )
        )
        return list(rows)

    def _story_code(self, story_id: str) -> tuple[int, list] | None:
        """The code and rows of the story ``story_id`` names: by its first article's id
        (deleted or not), or by its current id (its oldest remaining article's, once
        the first one is gone)."""
        try:
            code = code_of(story_id)
        except ValueError:  # "#" and no number: no story has that id
            return None
        members = self._members(code)
        if members:
            return code, members
        row = self._row(story_id) if not story_id.startswith("#") else None
        if row is None or int(row[12]) == code:
            return None
        members = self._members(int(row[12]))
        if members and members[0][0] == story_id and self._row_by_number(int(row[12])) is None:
            return int(row[12]), members
        return None

    def _row_by_number(self, number: int):
        rows, _ = self._query(f"SELECT id FROM {self.cluster.table} WHERE id = {number}")
        return rows[0] if rows else None

    def _representative_title(self, members: list) -> str:
        """The headline nearest the story's centre (:func:`searcher.stories.representative`)
        among :meth:`_members` rows, oldest first (an untitled one: its body's start)."""
        if not members:
            return ""
        if len(members) > MAX_CENTRE_ARTICLES:
            step = len(members) / MAX_CENTRE_ARTICLES
            members = [members[int(i * step)] for i in range(MAX_CENTRE_ARTICLES)]
        best = members[representative([decode_terms(read_features(r[4])[1]) for r in members])]
        if best[5]:
            return best[5]
        row = self._row(best[0])
        return display_title("", row[3]) if row is not None else best[0]

    @checks.while_open
    def story(
        self,
        story_id: str,
        *,
        page: int = 1,
        per_page: int | None = None,
        sort: str = "oldest",
        since=None,
        until=None,
    ) -> Story | None:
        """See :meth:`searcher.Index.story`."""
        checks.doc_id(story_id)
        sort, page, per_page = check_story_page(sort, page, per_page)
        window = Filters.build(since=since, until=until)
        found = self._story_code(story_id)
        if found is None:
            return None
        code, members = found
        moments = [moment(int(r[2]), int(r[3])) for r in members]
        days = Counter(m.date().isoformat() for m in moments if m)
        shown = [
            r
            for r, m in zip(members, moments, strict=True)
            if not (window.since or window.until)
            or (
                m is not None
                and (window.since is None or m >= window.since)
                and (window.until is None or m <= window.until)
            )
        ]
        if sort == "newest":
            shown = shown[::-1]
        page_rows = shown[(page - 1) * per_page : page * per_page] if per_page else shown
        hits = []
        wanted = [row[0] for row in page_rows]
        found = {}
        if wanted:  # the page's articles in one query
            rows, _ = self._query(
                _select(
                    _HIT_COLUMNS,
                    self.cluster.table,
                    [f"id IN ({','.join(str(document_id(i)) for i in wanted)})"],
                    f" LIMIT 0,{len(wanted)} OPTION max_matches={max(len(wanted), 1)}",
                )
            )
            found = {row[1]: row for row in rows}
        hits.extend(make_hit(_stored(found[i]), 0.0, None) for i in wanted if i in found)
        sources = Counter(r[1] for r in members)
        # Its first article's id, or once that was deleted its oldest remaining article's.
        current = self._names([code])[code]
        return Story(
            current,
            hits,
            date_histogram(days),
            size=len(members),
            source_counts=sorted(
                (FacetCount(s, n) for s, n in sources.items()), key=lambda f: (-f.count, f.value)
            ),
            title=self._representative_title(members),
            total=len(shown),
            page=page,
            per_page=per_page,
            sort=sort,
        )

    @checks.while_open
    def stories(self, *, since: datetime | None = None, limit: int = 10) -> list[StorySummary]:
        """The largest stories with an article published at or after ``since``."""
        checks.limit(limit, top=10_000)
        return self._story_list(Filters.build(since=since), "largest", 1, limit).stories

    @checks.while_open
    def story_list(
        self,
        *,
        since=None,
        until=None,
        source=None,
        category=None,
        sort: str = "largest",
        page: int = 1,
        per_page: int = 10,
    ) -> StoryList:
        """See :meth:`searcher.Index.story_list`."""
        sort, page, per_page = check_story_list(sort, page, per_page)
        filters = Filters.build(source=source, category=category, since=since, until=until)
        return self._story_list(filters, sort, page, per_page)

    def _story_list(self, filters: Filters, sort: str, page: int, per_page: int) -> StoryList:
        table, most = self.cluster.table, 1_000_000
        where = self._where(plan.QueryPlan(plan.Nothing()), filters)
        if where is None:
            return StoryList([], 0, page, per_page, sort)
        active_rows, _ = self._query(
            _select(
                "story, COUNT(*), MAX(published)",
                table,
                where,
                f" GROUP BY story LIMIT 0,{most} OPTION max_matches={most}",
            )
        )
        if not active_rows:
            return StoryList([], 0, page, per_page, sort)
        active = {int(code): int(count) for code, count, _ in active_rows}
        latest = {int(code): int(moment_) for code, _, moment_ in active_rows}
        sizes, _ = self._query(
            f"SELECT story, COUNT(*) FROM {table} WHERE story IN "
            f"({','.join(map(str, active))}) GROUP BY story "
            f"LIMIT 0,{len(active)} OPTION max_matches={len(active)}"
        )
        size_of = {int(code): int(size) for code, size in sizes}
        names = self._names(list(active))
        keys = {
            "largest": lambda c: (-size_of.get(c, 0), -active[c], names[c]),
            "active": lambda c: (-active[c], -latest[c], -size_of.get(c, 0), names[c]),
            "latest": lambda c: (-latest[c], -active[c], names[c]),
        }
        ranked = sorted(active, key=keys[sort])
        found = []
        for code in ranked[(page - 1) * per_page : page * per_page]:
            members = self._members(code)
            dated = [moment(int(r[2]), 1) for r in members if int(r[3])]
            found.append(
                StorySummary(
                    id=names[code],
                    size=size_of.get(code, len(members)),
                    title=self._representative_title(members),
                    first=min(dated) if dated else None,
                    last=max(dated) if dated else None,
                    sources=len({r[1] for r in members} - {""}),
                    active=active[code],
                )
            )
        return StoryList(found, len(ranked), page, per_page, sort)

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
        weight = {
            t: frequency[t] * math.log((documents + 1) / (counts.get(t, 0) + 1))
            for t in candidates
            if counts.get(t, 0) > 1
        }
        top = sorted(weight, key=lambda t: -weight[t])[:20]
        if not top:
            return []
        match = "(@(title,body) " + " | ".join(top) + ")"
        where = ["MATCH(%s)", f"id != {document_id(doc_id)}"]
        rows, _ = self._query(
            _select(
                _HIT_COLUMNS,
                self.cluster.table,
                where,
                f" ORDER BY WEIGHT() DESC, id ASC LIMIT {limit} OPTION ranker={self._ranker()}",
            ),
            [match],
        )
        return [_hit(row, MatchTerms()) for row in rows]

    def _document_count(self) -> int:
        rows, _ = self._query(f"SELECT COUNT(*) FROM {self.cluster.table}")
        return int(rows[0][0]) if rows else 0

    def percolate(self, searches) -> None:
        """Saved searches need each article's index time, which the cluster's rows do
        not carry (:mod:`searcher.watch`)."""
        raise SearcherError(
            "saved searches (watch) need the time each article was indexed, which a "
            "Manticore/Sphinx cluster does not record; use them with a Whoosh index"
        )

    @checks.while_open
    def stats(self) -> IndexStats:
        sets, meta = self._query(
            f"SELECT id FROM {self.cluster.table} LIMIT 1"
            f" FACET source ORDER BY COUNT(*) DESC LIMIT {MAX_FACET_VALUES}"
            f" FACET category ORDER BY COUNT(*) DESC LIMIT {MAX_FACET_VALUES}",
            all_sets=True,
        )
        dates, _ = self._query(
            f"SELECT COUNT(*), MIN(published), MAX(published) FROM {self.cluster.table} "
            "WHERE dated = 1"
        )
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
            sources=facet_counts(dict(sets[1])),
            categories=facet_counts(dict(sets[2])),
            earliest=moment(int(dates[0][1]), 1) if dated else None,
            latest=moment(int(dates[0][2]), 1) if dated else None,
            size_bytes=size,
            path=self.path,
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
    return MatchTerms(
        terms.stems | stems, terms.exact | exact, terms.stem_phrases, terms.exact_phrases
    )


def _stored(row) -> dict:
    """A result row as the stored fields the shared builders take."""
    _, article_id, title, body, url, source, category, published, dated, raw, author = row[:11]
    return {
        "id": article_id,
        "title": title,
        "body": body,
        "url": url,
        "source": source,
        "category": category,
        "published": moment(published, dated),
        "category_raw": raw,
        "author": author,
    }


def _hit(row, terms: MatchTerms | None) -> Hit:
    return make_hit(_stored(row), float(row[-1]) / 10000, terms)
