"""Single articles on a Manticore/Sphinx cluster: reading one, highlighting it, related
articles, and the cluster's statistics (:class:`DocumentsMixin`, a part of
:class:`searcher.manticore.searching.ManticoreIndex`)."""

from __future__ import annotations

import math

from searcher import checks
from searcher.errors import SearcherError
from searcher.manticore.cluster import NodeDown
from searcher.manticore.rows import _HIT_COLUMNS, MAX_FACET_VALUES, _hit, _select, _stored
from searcher.manticore.schema import (
    document_id,
    field_text,
    moment,
)
from searcher.models import (
    Document,
    Hit,
    IndexStats,
)
from searcher.query.plan import plan_query
from searcher.results import (
    facet_counts,
    highlighted,
    make_document,
)
from searcher.snippets import SCAN_CHARS, MatchTerms, Snippet


class DocumentsMixin:
    """Article reading for :class:`ManticoreIndex` (uses its ``_query`` and ``_ranker``)."""

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
