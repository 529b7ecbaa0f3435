"""Stories of a Whoosh index: a story's page (its articles, histogram, sources and
representative headline) and the list of stories of a window, from the groups of one
generation (:class:`searcher.whoosh.grouping.DocGroups`)."""

from __future__ import annotations

from collections import Counter

import numpy as np

from searcher.grouping import MAX_CENTRE_ARTICLES, as_datetime, decode_terms
from searcher.models import FacetCount, Story, StoryList, StorySummary
from searcher.results import date_histogram, display_title, make_hit
from searcher.stories import representative
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
