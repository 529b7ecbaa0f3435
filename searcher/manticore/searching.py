"""Searching a Manticore/Sphinx cluster: :class:`ManticoreIndex`, the
:class:`searcher.Index` interface over SphinxQL."""

from __future__ import annotations

import math
import time
from collections.abc import Iterable
from dataclasses import replace

from searcher import checks
from searcher.categories import normalize_category
from searcher.collect import Request, collect
from searcher.errors import SearcherError
from searcher.fetching import tombstones
from searcher.grouping import (
    collapse_mode,
)
from searcher.manticore.cluster import Cluster, NodeDown, Nodes, discover, reason
from searcher.manticore.collecting import ManticoreSteps
from searcher.manticore.compiler import Compiler
from searcher.manticore.documents import DocumentsMixin
from searcher.manticore.indexing import delete_documents
from searcher.manticore.rows import (
    AVERAGES_SECONDS,
    RANKER,
    _partial_warning,
    _select,
)
from searcher.manticore.schema import (
    encode_term,
    seconds,
    value_keys,
)
from searcher.manticore.stories import StoriesMixin
from searcher.models import (
    DeleteReport,
    SearchResult,
)
from searcher.query import plan
from searcher.query.text import clean_query
from searcher.ranking import DEFAULT as DEFAULT_RANKING
from searcher.request import Filters, check_request
from searcher.spelling import did_you_mean
from searcher.stemmer import Vocabulary, stem_word


class ManticoreIndex(StoriesMixin, DocumentsMixin):
    """The :class:`searcher.Index` interface over a Manticore/Sphinx cluster."""

    def __init__(self, location: str):
        self.cluster = Cluster.parse(location)
        self.path = str(self.cluster)
        self.closed = False
        self._nodes = Nodes(self.cluster)
        self.layout = discover(self._nodes)
        self._averages: tuple[float, float, float] | None = None
        # Its own words' stems (no stem table: Sastrawi behind the shared cache), current
        # while its methods run (checks.while_open).
        self.vocabulary = Vocabulary()
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
        checks.text(text, "q")
        page, per_page, sort, filters = check_request(page, per_page, sort, filters)
        checks.flag(as_typed, "as_typed")
        request = Request(
            text, page, per_page, filters, sort, snippets, facets, collapse_mode(collapse), as_typed
        )
        return collect(ManticoreSteps(self), request)

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
