"""The Manticore/Sphinx backend's steps of a search (:class:`searcher.collect.Steps`):
the plan compiled to the engine's MATCH syntax and SQL conditions, then one SphinxQL
query that ranks, pages, collapses (``GROUP BY``) and counts facets."""

from __future__ import annotations

from dataclasses import dataclass

from searcher.collect import Ranked, Request
from searcher.manticore.compiler import Compiler
from searcher.manticore.rows import (
    _GROUP_COLUMNS,
    _HIT_COLUMNS,
    _ORDER,
    MAX_FACET_VALUES,
    _day_text,
    _hit,
    _select,
    _with_expanded,
)
from searcher.models import Hit
from searcher.query import plan
from searcher.query.plan import plan_query
from searcher.results import date_histogram, facet_counts


@dataclass
class Match:
    """A compiled match: the MATCH text (None: no text condition; "": nothing can
    match), the SQL conditions (None: the filters exclude everything) and their
    arguments, the concepts left out, and the compiler (its expanded terms)."""

    compiler: Compiler
    text: str | None
    where: list[str] | None
    args: list
    dropped: tuple[str, ...]

    @property
    def nothing(self) -> bool:
        return self.text == "" or self.where is None


class ManticoreSteps:
    """The steps of one search on ``index`` (a
    :class:`searcher.manticore.searching.ManticoreIndex`)."""

    far_spellings = False  # the engine has no fuzzy term walk: one edit at most

    def __init__(self, index):
        self.index = index

    def suggest(self, text: str, *, two_edits: bool) -> str | None:
        return self.index.suggest(text)

    def plan(self, text: str, request: Request) -> plan.QueryPlan:
        return plan_query(text)

    def no_words(self, query_plan: plan.QueryPlan) -> bool:
        return isinstance(query_plan.match, plan.Nothing)  # "!!!!" (#12)

    def match(self, query_plan: plan.QueryPlan, request: Request) -> Match:
        index = self.index
        compiler = Compiler(index._keyword_counts)
        node, dropped = index._match_set(query_plan, compiler)
        text = compiler.compile(node)
        where = index._where(query_plan, request.filters)
        args = []
        if text and where is not None:  # None: no text condition, the filters alone
            where.insert(0, "MATCH(%s)")
            args.append(text)
        return Match(compiler, text, where, args, dropped)

    def count(self, matched: Match) -> int:
        raise NotImplementedError("counted by the ranking query")  # far_spellings is False

    def dropped(self, matched: Match) -> tuple[str, ...]:
        return () if matched.nothing else matched.dropped

    def collapse(self, matched: Match, request: Request) -> Match:
        return matched  # GROUP BY in the ranking query

    def rank(self, matched: Match, request: Request) -> Ranked:
        if matched.nothing:
            return Ranked(0, [])
        index, mode = self.index, request.collapse
        collapse = mode != "none"
        ranked = _ORDER[request.sort]
        columns = _GROUP_COLUMNS if collapse else _HIT_COLUMNS
        if request.sort == "blend":  # relevance times a date decay from the newest article
            columns = columns.replace("WEIGHT()", f"{index._blend()} AS blended")
        order = f" ORDER BY {ranked}"
        if collapse:  # one row per duplicate group or story: its best match under this order
            by = "story" if mode == "story" else "duplicate"
            order = f" GROUP BY {by} WITHIN GROUP ORDER BY {ranked}{order}"
        offset = (request.page - 1) * request.per_page
        max_matches = max(1000, offset + request.per_page)
        sql = _select(
            columns,
            index.cluster.table,
            matched.where,
            f"{order} LIMIT {offset},{request.per_page} "
            f"OPTION ranker={index._ranker()}, max_matches={max_matches}",
        )
        if request.facets:
            sql += "".join(
                f" FACET {name} ORDER BY COUNT(*) DESC LIMIT {MAX_FACET_VALUES}"
                for name in ("source", "category")
            )
            sql += " FACET day ORDER BY day ASC LIMIT 100000"
        sets, meta = index._query(sql, matched.args, all_sets=True)
        return Ranked(
            int(meta.get("total_found", 0)),
            sets[0],
            tuple(meta["warnings"]),
            extra={"sets": sets, "match": matched},
        )

    def hits(self, ranked: Ranked, query_plan: plan.QueryPlan, request: Request) -> list[Hit]:
        if not ranked.rows:
            return []
        matched = ranked.extra["match"]
        terms = (
            _with_expanded(query_plan.highlight, matched.compiler.expanded)
            if request.snippets
            else None
        )
        rows = ranked.rows
        return self.index._grouped(
            [_hit(row, terms) for row in rows], rows, request.collapse, matched.where, matched.args
        )

    def facets(self, matched: Match, ranked: Ranked) -> tuple[dict, list]:
        sets = ranked.extra.get("sets")
        if not sets:
            return {}, []
        counts = {
            "source": facet_counts(dict(sets[1])),
            "category": facet_counts(dict(sets[2])),
        }
        return counts, date_histogram({_day_text(day): n for day, n in sets[3] if day})
