"""Documents of a Whoosh index (:class:`DocumentsMixin`, a part of
:class:`searcher.whoosh.reader.Index`): an article by its id, highlighted, its related
articles, and the index's statistics."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from whoosh import query

from searcher import checks, scoring
from searcher.models import Document, Hit, IndexStats, Snippet
from searcher.query.highlight import match_terms
from searcher.results import facet_counts, highlighted, make_document, make_hit
from searcher.snippets import SCAN_CHARS, MatchTerms
from searcher.whoosh.columns import DAY_MICROSECONDS, as_datetime
from searcher.whoosh.evaluator import matching

RELATED_WORDS = 20  # key words of an article that find its related articles


class DocumentsMixin:
    """The documents of :class:`searcher.whoosh.reader.Index`."""

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
