"""Stories of a Whoosh index: a story's page (its articles, histogram, sources and
representative headline) and the list of stories of a window, from the groups of one
generation (:class:`searcher.whoosh.grouping.DocGroups`); :class:`StoriesMixin` answers
them as a part of :class:`searcher.whoosh.reader.Index`."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

import numpy as np
from whoosh import query

from searcher import checks
from searcher.grouping import (
    MAX_CENTRE_ARTICLES,
    as_datetime,
    check_story_list,
    check_story_page,
    decode_terms,
    seconds_of,
)
from searcher.models import FacetCount, Story, StoryList, StorySummary
from searcher.query.parser import filter_query
from searcher.request import Filters
from searcher.results import date_histogram, display_title, make_hit
from searcher.stories import representative
from searcher.whoosh.evaluator import matching
from searcher.whoosh.grouping import DocGroups


def representative_title(
    groups: DocGroups, members: np.ndarray, terms: dict[str, str], stored_fields
) -> str:
    """The headline of the story's article nearest its centre
    (:func:`searcher.stories.representative`), among its articles oldest first."""
    code = int(groups.story[members[0]])
    known = groups.titles.get(code)  # the groups are of one generation: it stays true
    if known is not None:
        return known
    ids = [groups.doc_ids[int(n)] for n in members]
    if len(ids) > MAX_CENTRE_ARTICLES:  # a saga: its first, middle and last articles
        step = len(ids) / MAX_CENTRE_ARTICLES
        picked = [int(i * step) for i in range(MAX_CENTRE_ARTICLES)]
        ids, members = [ids[i] for i in picked], members[picked]
    best = representative([decode_terms(terms.get(doc_id, "")) for doc_id in ids])
    stored = stored_fields(int(members[best]))
    title = groups.titles[code] = display_title(stored.get("title", ""), stored.get("body", ""))
    return title


def story_list(
    groups: DocGroups | None,
    docnums: np.ndarray,
    sources: tuple,
    sort: str,
    page: int,
    per_page: int,
    stored_fields,
    terms: dict[str, str],
) -> StoryList:
    """Stories with an article among ``docnums`` (the articles of the window and
    filters), sorted by size (``largest``), by those articles (``active``) or by
    their latest one (``latest``); ``sources``: each document's source code and the
    names, for counting a story's sources."""
    if groups is None or not len(docnums):
        return StoryList([], 0, page, per_page, sort)
    codes = groups.story[docnums]
    codes = codes[codes >= 0]
    active = np.bincount(codes, minlength=len(groups.story_ids))
    listed = np.flatnonzero(active)
    moments = np.nan_to_num(groups.seconds[docnums], nan=-np.inf)
    latest = np.full(len(groups.story_ids), -np.inf)
    np.maximum.at(latest, groups.story[docnums], moments)
    names = groups.story_ids
    by_name, sizes = groups.name_rank()[listed], groups.story_sizes[listed]
    if sort == "largest":
        keys = (by_name, -active[listed], -sizes)
    elif sort == "active":
        keys = (by_name, -sizes, -latest[listed], -active[listed])
    else:
        keys = (by_name, -active[listed], -latest[listed])
    ranked = listed[np.lexsort(keys)].tolist()  # the last key sorts first
    shown = ranked[(page - 1) * per_page : page * per_page]
    source_codes, source_names = sources
    found = []
    for code in shown:
        members = groups.members(names[code])
        seconds = groups.seconds[members]
        dated = seconds[~np.isnan(seconds)]
        found.append(
            StorySummary(
                id=names[code],
                size=int(groups.story_sizes[code]),
                title=representative_title(groups, members, terms, stored_fields),
                first=as_datetime(dated.min()) if len(dated) else None,
                last=as_datetime(dated.max()) if len(dated) else None,
                sources=sum(1 for c in np.unique(source_codes[members]) if source_names[c]),
                active=int(active[code]),
            )
        )
    return StoryList(found, len(ranked), page, per_page, sort)


def story_page(
    groups: DocGroups | None,
    story_id: str,
    sort: str,
    page: int,
    per_page: int,
    since: float | None,
    until: float | None,
    sources: tuple,
    stored_fields,
    terms: dict[str, str],
) -> Story | None:
    """A story by its id (or its first article's, when that was deleted): a page of
    its articles, oldest or newest first, those of [since, until] only when given
    (seconds); its histogram, size, sources and representative headline are the
    whole story's."""
    members = groups.members(story_id) if groups is not None else None
    if members is None or not len(members):
        return None
    code = int(groups.story[members[0]])
    days: Counter = Counter()
    for moment in groups.seconds[members]:
        if moment == moment:
            days[as_datetime(moment).date().isoformat()] += 1
    shown = members
    if since is not None or until is not None:
        moments = groups.seconds[members]
        inside = ~np.isnan(moments)
        if since is not None:
            inside &= moments >= since
        if until is not None:
            inside &= moments <= until
        shown = members[inside]
    if sort == "newest":
        shown = shown[::-1]
    window = shown[(page - 1) * per_page : page * per_page] if per_page else shown
    hits = [make_hit(stored_fields(int(n)), 0.0, None) for n in window]
    source_codes, source_names = sources  # every article's source: the story's, not the page's
    counted = Counter(source_codes[members].tolist())
    return Story(
        id=groups.story_ids[code],
        hits=hits,
        histogram=date_histogram(days),
        size=len(members),
        source_counts=sorted(
            (FacetCount(source_names[c], n) for c, n in counted.items()),
            key=lambda f: (-f.count, f.value),
        ),
        title=representative_title(groups, members, terms, stored_fields),
        total=len(shown),
        page=page,
        per_page=per_page,
        sort=sort,
    )


class StoriesMixin:
    """The stories of :class:`searcher.whoosh.reader.Index`."""

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
        return story_page(
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
        return story_list(
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
