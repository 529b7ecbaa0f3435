"""The Whoosh backend's steps of a search (:class:`searcher.collect.Steps`): match sets
over the index's arrays (:mod:`searcher.whoosh.evaluator`), collapsing by the index's
groups (:mod:`searcher.whoosh.collapsing`), ranking and dating with numpy."""

from __future__ import annotations

from dataclasses import dataclass, replace

from whoosh import query

from searcher import scoring
from searcher.collect import Ranked, Request
from searcher.errors import QueryError
from searcher.models import Hit
from searcher.query.highlight import match_terms
from searcher.query.parser import filter_query, parse
from searcher.results import facet_counts, make_hit
from searcher.whoosh import collapsing
from searcher.whoosh.evaluator import Matched, View, matching
from searcher.whoosh.expansion import bound_expansions


@dataclass(frozen=True)
class Plan:
    """A parsed query, its wildcards and rare words' spellings bound to the index."""

    query: query.Query
    no_words: bool  # the text has no word to search ("!!!!", #12)


class WhooshSteps:
    """The steps of one search on ``index`` (a :class:`searcher.whoosh.reader.Index`)
    in ``view`` (one generation of it)."""

    far_spellings = True

    def __init__(self, index, view: View):
        self.index, self.view = index, view
        self._collapsed: collapsing.Collapsed | None = None

    def suggest(self, text: str, *, two_edits: bool) -> str | None:
        return self.index.suggest(text, two_edits=two_edits)

    def plan(self, text: str, request: Request) -> Plan:
        index = self.index
        parsed = parse(text, index.ranking)
        reader = self.view.searcher.reader()
        bound = bound_expansions(
            parsed,
            reader,
            index._frequencies(reader),
            index.deadline.check,
            self.view.known,
            spellings=not request.as_typed,
            neighbours=index._neighbours.get(),  # learned neighbours and names (#23)
        )
        return Plan(bound, parsed is query.NullQuery)

    def no_words(self, plan: Plan) -> bool:
        return plan.no_words

    def match(self, plan: Plan, request: Request) -> Matched:
        index = self.index
        try:
            return matching(
                self.view,
                plan.query,
                filter_query(request.filters) if request.filters else None,
                index._postings,
                index.deadline.check,
            )
        except query.QueryError:  # Whoosh's: a field that cannot take that kind of query
            raise QueryError("q: cannot run the query on this index") from None

    def count(self, matched: Matched) -> int:
        return len(matched.docnums)

    def dropped(self, matched: Matched) -> tuple[str, ...]:
        return matched.dropped

    def collapse(self, matched: Matched, request: Request) -> Matched:
        """Blended scores (``blend``), then one match per duplicate group or story;
        facets then count those (#21)."""
        if request.sort == "blend":  # relevance times a date decay, then ranked as relevance
            matched = replace(matched, scores=self.index._blended(matched))
        reader = self.view.searcher.reader()
        self._collapsed = collapsing.collapse(
            self.index._groups.get(reader), matched, request.sort, request.collapse
        )
        return self._collapsed.matched

    def rank(self, matched: Matched, request: Request) -> Ranked:
        limit = request.page * request.per_page
        if request.sort in ("relevance", "blend"):
            top = scoring.ranked(matched.docnums, matched.scores, limit)
        else:  # undated articles last, whichever the direction
            top = scoring.sorted_by_date(
                matched.docnums,
                matched.column("published"),
                matched.column("dated"),
                limit,
                newest=request.sort == "newest",
            )
        page = top[(request.page - 1) * request.per_page :]
        return Ranked(len(matched.docnums), page, extra={"matched": matched})

    def hits(self, ranked: Ranked, plan: Plan, request: Request) -> list[Hit]:
        matched, searcher = ranked.extra["matched"], self.view.searcher
        terms = match_terms(plan.query) if request.snippets else None
        hits = []
        for position in ranked.rows:
            stored = searcher.stored_fields(int(matched.docnums[position]))
            hit = make_hit(stored, float(matched.scores[position]), terms)
            hits.append(self._collapsed.annotate(hit, position, searcher.stored_fields))
        return hits

    def facets(self, matched: Matched, ranked: Ranked) -> tuple[dict, list]:
        collapsed = self._collapsed
        counts = {name: facet_counts(collapsed.counts(name)) for name in ("source", "category")}
        return counts, collapsed.histogram()
