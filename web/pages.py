"""The pages: ``/`` (search box and the stories of the latest days), ``/search``
(results, one card per story, facets, timeline), ``/article/<id>`` (the full
article, query words marked, related articles), ``/stories`` (the largest and
most active stories of a window) and ``/story/<id>`` (a story's articles, a page
at a time, on a timeline whose days are links).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import date

from flask import Blueprint, redirect, render_template, request, url_for
from markupsafe import Markup, escape

import searcher
from web.errors import error_response
from web.formatting import format_date
from web.markup import marked_html
from web.params import (
    MAX_PAGE,
    MAX_QUERY_CHARS,
    SEARCH_SORTS,
    STORY_LIST_SORTS,
    STORY_SORTS,
    SearchParams,
    StoryListParams,
    StoryParams,
    sort_choices,
)
from web.presets import presets as date_presets
from web.state import get_index
from web.timeline import build as build_timeline

bp = Blueprint("pages", __name__)
log = logging.getLogger(__name__)

EXAMPLES = ("perdagangan orang", "banjir Bekasi", "pemilu 2024", "harga beras", "TPPO", "KTT ASEAN")
FACET_SHOWN = 8  # values listed before "lainnya"
RELATED = 5

HOME_STORIES = 8
HOME_DAYS = 3  # the home page opens with the stories of the index's latest days


@bp.get("/")
def home():
    stats = _stats()
    window, stories, label = None, [], ""
    try:
        days = _latest_days(get_index())
        window = _window(days, sort="active", per_page=HOME_STORIES)
        stories = get_index().story_list(**window.list_options()).stories if window else []
        label = days_label(days)
    except Exception:  # they only decorate the page, as the statistics do
        log.exception("latest stories failed")
    return render_template(
        "index.html",
        stats=stats,
        examples=EXAMPLES,
        q="",
        stories=stories,
        window=window,
        window_label=label,
    )


def _latest_days(index) -> list[date]:
    """The index's HOME_DAYS latest days that have stories, oldest first (days without
    news are skipped, so a stray late article does not make a window of one story)."""
    days: set = set()
    for page in range(1, 6):  # the 500 most recently active stories at most
        listed = index.story_list(sort="latest", page=page, per_page=100)
        days.update(story.last.date() for story in listed.stories if story.last)
        if len(days) >= HOME_DAYS or page >= listed.pages:
            break
    return sorted(sorted(days, reverse=True)[:HOME_DAYS])


def _window(days: list[date], **options) -> StoryListParams | None:
    """The stories of ``days`` (from the first to the last); None: no days."""
    if not days:
        return None
    return StoryListParams(since=days[0].isoformat(), until=days[-1].isoformat(), **options)


def _latest_window(index, **options) -> StoryListParams | None:
    """The window of the index's latest days that have stories; None: no dated stories."""
    return _window(_latest_days(index), **options)


def days_label(days: list[date]) -> str:
    """The days a window holds, as the reader should read them: runs of consecutive
    days as "24 Okt 2019 – 25 Okt 2019", separate days or runs joined with "dan"
    ("25 Okt 2019 dan 8 Mei 2023": a window over a gap does not claim the gap, #25)."""
    runs: list[list[date]] = []
    for day in sorted(days):
        if runs and (day - runs[-1][-1]).days == 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    parts = [
        format_date(run[0]) if len(run) == 1 else f"{format_date(run[0])} – {format_date(run[-1])}"
        for run in runs
    ]
    return ", ".join(parts[:-1]) + " dan " + parts[-1] if len(parts) > 1 else "".join(parts)


@bp.get("/stories")
def stories():
    index = get_index()
    params = StoryListParams.from_args(request.args, sort="active")
    if not request.args:  # the latest days, until the reader picks another window
        params = _latest_window(index, sort="active") or params
    listed = index.story_list(**params.list_options())
    return render_template(
        "stories.html",
        q="",
        params=params,
        listed=listed,
        stats=_stats(),
        pages=_page_numbers(listed.page, min(listed.pages, MAX_PAGE)),
        first=(listed.page - 1) * listed.per_page + 1,
        sorts=sort_choices(STORY_LIST_SORTS),
    )


@bp.get("/search")
def search():
    params = SearchParams.from_args(request.args)
    if not params.q:
        return render_template("index.html", stats=_stats(), examples=EXAMPLES, q="")
    index = get_index()
    result = index.search(params.q, facets=True, **params.search_options())
    return render_template(
        "search.html",
        q=params.q,
        params=params,
        result=result,
        facets=_facet_groups(index, params, result),
        # In story mode the histogram counts stories, as the page does (#25).
        timeline=build_timeline(
            result.histogram, "peristiwa" if params.collapse == "story" else "berita"
        ),
        pages=_page_numbers(result.page, min(result.pages, MAX_PAGE)),
        first=(result.page - 1) * result.per_page + 1,
        examples=EXAMPLES,
        sorts=sort_choices(SEARCH_SORTS),
        presets=date_presets(_newest(index), params.since),
    )


@bp.get("/article/<path:doc_id>")
def article(doc_id: str):
    index = get_index()
    document = index.get(doc_id)
    if document is None:
        return error_response(
            404,
            "Berita tidak ditemukan",
            "Tidak ada berita dengan kode ini di indeks. Mungkin berita itu "
            "sudah dihapus, atau tautannya terpotong.",
        )
    q = request.args.get("q", "").strip()
    marked = None
    if q and len(q) <= MAX_QUERY_CHARS:
        try:
            marked = index.highlight_document(doc_id, q)
        except searcher.QueryError:
            marked = None  # a query that cannot be parsed: show the article unmarked
    if marked:
        title, paragraphs = marked_html(marked[0]), _paragraphs(marked[1].html)
    else:
        title, paragraphs = escape(document.title), _paragraphs(str(escape(document.body)))
    return render_template(
        "article.html",
        q=q if len(q) <= MAX_QUERY_CHARS else "",
        document=document,
        title=title,
        paragraphs=paragraphs,
        related=index.more_like_this(doc_id, limit=RELATED),
        marks=sum(p.count("<mark>") for p in paragraphs),
    )


@bp.get("/story/<path:story_id>")
def story(story_id: str):
    params = StoryParams.from_args(request.args)
    found = get_index().story(story_id, **params.story_options())
    if found is None:
        return error_response(
            404, "Peristiwa tidak ditemukan", "Tidak ada peristiwa dengan kode ini di indeks."
        )
    if found.id != story_id:  # its first article was deleted: the story's id now (#24)
        return redirect(
            url_for("pages.story", story_id=found.id, **params.link(page=params.page)), 301
        )
    return render_template(
        "story.html",
        story=found,
        q=params.q,
        params=params,
        timeline=build_timeline(found.histogram),
        pages=_page_numbers(found.page, min(found.pages, MAX_PAGE)),
        first=(found.page - 1) * (found.per_page or 0) + 1,
        sorts=sort_choices(STORY_SORTS),
    )


def _newest(index):
    """When the newest article was published (date presets are shown when useful, #26)."""
    hits = index.search("*", per_page=1, sort="newest", snippets=False).hits
    return hits[0].published if hits else None


def _stats() -> searcher.IndexStats | None:
    """The index's statistics for the home page, or None if they cannot be computed.

    They only decorate the page: a failure there must not hide the search box.
    A missing index still raises (the 503 page explains what to do).
    """
    index = get_index()
    try:
        return index.stats()
    except Exception:
        log.exception("index statistics failed")
        return None


@dataclass(frozen=True)
class FacetValue:
    value: str
    count: int
    selected: bool
    link: dict


@dataclass(frozen=True)
class FacetGroup:
    name: str  # "sources" / "categories" (the SearchParams field)
    title: str
    values: list[FacetValue]

    @property
    def shown(self) -> list[FacetValue]:
        return self.values[:FACET_SHOWN]

    @property
    def more(self) -> list[FacetValue]:
        return self.values[FACET_SHOWN:]


def _facet_groups(index, params: SearchParams, result) -> list[FacetGroup]:
    """Source and category counts; a group with a selection counts as if it had none.

    So choosing "Kompas" still lists the other sources with their counts
    (selecting several sources widens the results), as shops and news sites do.

    Why more than one search: the library counts facets within the search's
    filters, as it counts hits, and a group with a selection is counted without
    its own selection, which is another set of filters. So each group with a
    selection costs one more search (two at most), of one hit without snippets:
    only its counts are used. One search would need the library to count each
    facet without its own filter (Elasticsearch's ``post_filter``); that belongs
    to the search pipeline (#25, item 5), not to the web app.
    """
    groups = []
    for name, key, title in (
        ("sources", "source", "Sumber"),
        ("categories", "category", "Kategori"),
    ):
        selected = getattr(params, name)
        counts = result.facets.get(key, [])
        if selected:
            # Counted as the results are (collapse, as_typed: #21), one hit, no snippets.
            wider = replace(params, **{name: (), "page": 1, "per_page": 1})
            counts = index.search(
                params.q, facets=True, snippets=False, **wider.search_options()
            ).facets.get(key, [])
        values = [
            FacetValue(f.value, f.count, f.value in selected, params.toggle(name, f.value))
            for f in counts
        ]
        seen = {f.value for f in counts}
        values += [
            FacetValue(v, 0, True, params.toggle(name, v)) for v in selected if v not in seen
        ]
        if values:
            groups.append(FacetGroup(name, title, values))
    return groups


def _page_numbers(page: int, pages: int) -> list[int | None]:
    """Page links around the current one; None marks a gap (…)."""
    wanted = {1, pages} | set(range(max(1, page - 2), min(pages, page + 2) + 1))
    out: list[int | None] = []
    for number in sorted(wanted):
        if out and number - (out[-1] or 0) > 1:
            out.append(None)
        out.append(number)
    return out


def _paragraphs(html: str) -> list[Markup]:
    """Escaped (and marked) article text split into paragraphs."""
    return [Markup(p.strip()) for p in html.split("\n\n") if p.strip()]
