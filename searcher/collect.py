"""What a search collects, said once; each backend provides the steps.

A search runs these steps in this order (:func:`collect`), whatever stores the index:

1. **spelling**: a word the index (almost) lacks is searched as its far more
   frequent spelling unless the request is ``as_typed``; a question or a long
   query keeps its words (#21). When a search finds few articles, a backend
   that knows spellings two edits away (:attr:`Steps.far_spellings`) tries those.
2. **plan**: the query parsed and its wildcards expanded, once; the same plan
   gives the matching terms for snippets and the "no words" message.
3. **match**: every article it matches (a plain query relaxed when too few
   hold all its concepts: ``SearchResult.dropped``), under the filters.
4. **collapse**: one match per duplicate group or story when asked.
5. **rank**: the page's matches in the request's order, and how many matched.
6. **hits**: the page's articles as :class:`~searcher.models.Hit`, with snippets.
7. **facets**: source and category counts and the date histogram, when asked.
8. **suggestion**: the "did you mean" of what was searched.

A backend gives each step (:class:`Steps`); the result it returns is the same
plain :class:`~searcher.models.SearchResult` (Tantivy's collectors and
lunr.py's query model were the pattern: the search says what it collects,
the engine says how).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Protocol

from searcher.models import Hit, SearchResult
from searcher.query.parser import paraphrase
from searcher.query.text import clean_query
from searcher.request import NO_WORDS, Filters

# Fewer matches than this: try spellings two edits away (a backend that has them).
FEW_RESULTS = 5


@dataclass(frozen=True)
class Request:
    """One search request, already checked (:func:`searcher.request.check_request`)."""

    text: str
    page: int = 1
    per_page: int = 10
    filters: Filters | None = None
    sort: str = "relevance"
    snippets: bool = True
    facets: bool = False
    collapse: str = "none"
    as_typed: bool = False


@dataclass
class Ranked:
    """The rank step's answer: how many matched (after collapsing), the page's rows
    (the backend's own), and what made the answer partial."""

    total: int
    rows: Any
    warnings: tuple[str, ...] = ()
    extra: dict = field(default_factory=dict)  # what a backend's later steps need


class Steps(Protocol):
    """The steps a backend provides (``Plan`` and ``Match`` are the backend's own)."""

    far_spellings: bool  # whether suggest(two_edits=True) finds more than one edit

    def suggest(self, text: str, *, two_edits: bool) -> str | None: ...

    def plan(self, text: str, request: Request) -> Any: ...

    def no_words(self, plan: Any) -> bool: ...

    def match(self, plan: Any, request: Request) -> Any: ...

    def count(self, matched: Any) -> int: ...

    def dropped(self, matched: Any) -> tuple[str, ...]: ...

    def collapse(self, matched: Any, request: Request) -> Any: ...

    def rank(self, matched: Any, request: Request) -> Ranked: ...

    def hits(self, ranked: Ranked, plan: Any, request: Request) -> list[Hit]: ...

    def facets(self, matched: Any, ranked: Ranked) -> tuple[dict, list]: ...


def collect(steps: Steps, request: Request) -> SearchResult:
    """Run ``request`` through the backend's ``steps`` (see the module docs)."""
    started = time.perf_counter()
    text = request.text
    searched, corrected = text, None
    correcting = not request.as_typed and not paraphrase(clean_query(text))
    if correcting:
        fix = steps.suggest(text, two_edits=False)
        if fix is not None:
            searched = corrected = fix
    plan = steps.plan(searched, request)
    matched = steps.match(plan, request)
    few = steps.far_spellings and steps.count(matched) < FEW_RESULTS
    if correcting and corrected is None and few:
        fix = steps.suggest(text, two_edits=True)
        if fix is not None:
            searched = corrected = fix
            plan = steps.plan(searched, request)
            matched = steps.match(plan, request)
    # Searched as typed (or a question): the spelling is only suggested.
    suggestion = steps.suggest(searched, two_edits=few)
    dropped = steps.dropped(matched)
    matched = steps.collapse(matched, request)
    ranked = steps.rank(matched, request)
    hits = steps.hits(ranked, plan, request)
    counts, histogram = steps.facets(matched, ranked) if request.facets else ({}, [])
    return SearchResult(
        query=text,
        total=ranked.total,
        page=request.page,
        per_page=request.per_page,
        hits=hits,
        suggestion=suggestion,
        sort=request.sort,
        facets=counts,
        histogram=histogram,
        warnings=tuple(dict.fromkeys(ranked.warnings)),
        took_ms=(time.perf_counter() - started) * 1000,
        message=NO_WORDS if steps.no_words(plan) else None,
        dropped=dropped,
        corrected_query=corrected,
    )
