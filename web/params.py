"""Search parameters: read from the URL, validated, and written back into links.

The parameter classes are data: they say what to search (``search_options()``,
``list_options()``, ``story_options()``), the views run it.

Every piece of page state lives in the query string, so a result page can be
bookmarked and shared. :meth:`SearchParams.from_args` validates the raw
strings (a bad value raises :class:`ParamError`, which the views turn into a
400 page or JSON error); :meth:`SearchParams.link` builds the arguments of a
link to the same search with some state changed (another page, one filter
less...), leaving out defaults so URLs stay short.

Sort values: the UI uses Indonesian (``relevansi``, ``terbaru``,
``terlama``, ``relevan-terbaru``); the English names of the library
(``relevance``, ``newest``, ``oldest``, ``blend``) are accepted too.
``asis=1`` searches the words as typed (no spelling correction, #21).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

import searcher
from searcher.request import MAX_PAGE, MAX_PER_PAGE, MAX_QUERY_CHARS

DEFAULT_PER_PAGE = 10
MAX_FILTER_VALUES = 20
MAX_FILTER_CHARS = 200
# Every sort, once: the library's name -> (the word in URLs, the label on the page),
# in the order the page offers them (#21: "blend" is relevance with recency).
SEARCH_SORTS = {
    "relevance": ("relevansi", "Relevansi"),
    "blend": ("relevan-terbaru", "Relevan & terbaru"),
    "newest": ("terbaru", "Terbaru"),
    "oldest": ("terlama", "Terlama"),
}
STORY_LIST_SORTS = {
    "active": ("teraktif", "Teraktif"),
    "largest": ("terbesar", "Terbesar"),
    "latest": ("terbaru", "Terbaru"),
}
STORY_SORTS = {"oldest": ("terlama", "Terlama"), "newest": ("terbaru", "Terbaru")}


def url_words(sorts: dict) -> dict[str, str]:
    """URL word -> the library's name."""
    return {word: name for name, (word, _label) in sorts.items()}


def sort_choices(sorts: dict) -> tuple[tuple[str, str], ...]:
    """(the library's name, the page's label) pairs, for the sort links."""
    return tuple((name, label) for name, (_word, label) in sorts.items())


SORT_NAMES = url_words(SEARCH_SORTS)
_WHOLE_NUMBER = re.compile(r"\s*\d{1,9}\s*")


class ParamError(searcher.QueryError):
    """A URL parameter that cannot be used; the message names it."""

    def __init__(self, parameter: str, message: str):
        super().__init__(f"{parameter}: {message}")
        self.parameter = parameter


@dataclass(frozen=True)
class SearchParams:
    q: str = ""
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE
    sources: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    since: str = ""
    until: str = ""
    sort: str = "relevance"  # the library's name
    # One card per story (the default), per duplicate group (collapse=1) or none (0).
    collapse: str = "story"
    as_typed: bool = False  # asis=1: the words as typed, no spelling correction (#21)

    # -- reading --------------------------------------------------------------
    @classmethod
    def from_args(cls, args) -> SearchParams:
        """Validated parameters from ``request.args`` (a MultiDict)."""
        q = args.get("q", "")
        if len(q) > MAX_QUERY_CHARS:
            raise ParamError(
                "q", f"kueri terlalu panjang ({len(q)} karakter, paling banyak {MAX_QUERY_CHARS})"
            )
        params = cls(
            q=q.strip(),
            page=_whole_number(args, "page", 1, MAX_PAGE, 1),
            per_page=_whole_number(args, "per_page", 1, MAX_PER_PAGE, DEFAULT_PER_PAGE),
            sources=_values(args, "source"),
            categories=_values(args, "category"),
            since=args.get("since", "").strip(),
            until=args.get("until", "").strip(),
            sort=_sort(args.get("sort", "")),
            collapse=_collapse(args.get("collapse", "")),
            as_typed=flag(args.get("asis", ""), "asis"),
        )
        params.filters()  # a bad date or range is a bad request now, not later
        return params

    def filters(self) -> searcher.Filters:
        """The library's filters (raises QueryError for a bad date)."""
        return searcher.Filters.build(
            source=self.sources,
            category=self.categories,
            since=self.since or None,
            until=self.until or None,
        )

    @property
    def has_filters(self) -> bool:
        return bool(self.sources or self.categories or self.since or self.until)

    @property
    def sort_label(self) -> str:
        return SEARCH_SORTS[self.sort][0]

    def search_options(self) -> dict:
        """The arguments of :meth:`searcher.SearchIndex.search` besides the query
        (the views run the search; pages and the API take the same parameters)."""
        return {
            "page": self.page,
            "per_page": self.per_page,
            "filters": self.filters(),
            "sort": self.sort,
            "collapse": self.collapse,
            "as_typed": self.as_typed,
        }

    # -- writing ----------------------------------------------------------------
    def link(self, **changes) -> dict:
        """Query-string arguments for this search with ``changes`` applied.

        Any change other than ``page`` goes back to page 1.
        """
        if "page" not in changes:
            changes["page"] = 1
        params = replace(self, **changes)
        args: dict = {"q": params.q}
        if params.sources:
            args["source"] = list(params.sources)
        if params.categories:
            args["category"] = list(params.categories)
        if params.since:
            args["since"] = params.since
        if params.until:
            args["until"] = params.until
        if params.sort != "relevance":
            args["sort"] = params.sort_label
        if params.per_page != DEFAULT_PER_PAGE:
            args["per_page"] = params.per_page
        if params.page != 1:
            args["page"] = params.page
        if params.collapse != "story":
            args["collapse"] = COLLAPSE_ARGS[params.collapse]
        if params.as_typed:
            args["asis"] = 1
        return args

    def toggle(self, facet: str, value: str) -> dict:
        """Link arguments with ``value`` of ``facet`` ("sources"/"categories") on or off."""
        values = getattr(self, facet)
        if value in values:
            return self.link(**{facet: tuple(v for v in values if v != value)})
        return self.link(**{facet: values + (value,)})

    def chips(self) -> list[tuple[str, str, dict]]:
        """Active filters as (kind, label, link arguments without that filter)."""
        chips = [("Sumber", value, self.toggle("sources", value)) for value in self.sources]
        chips += [
            ("Kategori", value, self.toggle("categories", value)) for value in self.categories
        ]
        if self.since:
            chips.append(("Sejak", self.since, self.link(since="")))
        if self.until:
            chips.append(("Sampai", self.until, self.link(until="")))
        return chips


def flag(raw: str, name: str, *, default: bool = False) -> bool:
    """A yes/no parameter: 1/0 (true/false, ya/tidak); empty is ``default``."""
    value = raw.strip().lower()
    if not value:
        return default
    if value in ("0", "false", "tidak"):
        return False
    if value in ("1", "true", "ya"):
        return True
    raise ParamError(name, f"harus 1 atau 0, bukan {raw[:40]!r}")


COLLAPSE_ARGS = {"none": "0", "duplicates": "1", "story": "story"}


def _collapse(raw: str) -> str:
    """``collapse``: story (default), 1/duplicates (one per duplicate group), 0/none."""
    value = raw.strip().lower()
    if not value or value in ("story", "peristiwa"):
        return "story"
    if value in ("none", "semua"):
        return "none"
    if value in ("duplicates", "salinan"):
        return "duplicates"
    if value in ("0", "false", "tidak"):
        return "none"
    if value in ("1", "true", "ya"):
        return "duplicates"
    raise ParamError("collapse", f"pilih story, 1 (salinan) atau 0 (semua), bukan {raw[:40]!r}")


def _whole_number(args, name: str, low: int, high: int, default: int) -> int:
    raw = args.get(name, "")
    if not raw.strip():
        return default
    if not _WHOLE_NUMBER.fullmatch(raw) or not low <= int(raw) <= high:
        raise ParamError(name, f"harus bilangan bulat dari {low} sampai {high}, bukan {raw[:40]!r}")
    return int(raw)


def _values(args, name: str) -> tuple[str, ...]:
    values = tuple(dict.fromkeys(v.strip() for v in args.getlist(name) if v.strip()))
    if len(values) > MAX_FILTER_VALUES:
        raise ParamError(name, f"paling banyak {MAX_FILTER_VALUES} nilai")
    if any(len(v) > MAX_FILTER_CHARS for v in values):
        raise ParamError(name, f"nilai terlalu panjang (paling banyak {MAX_FILTER_CHARS} karakter)")
    return values


def _sort(raw: str) -> str:
    value = raw.strip().lower()
    if not value:
        return "relevance"
    if value in SORT_NAMES:
        return SORT_NAMES[value]
    if value in SEARCH_SORTS:
        return value
    raise ParamError(
        "sort",
        f"pilih salah satu dari relevansi, terbaru, terlama, relevan-terbaru "
        f"(atau relevance, newest, oldest, blend), bukan {raw[:40]!r}",
    )


# -- stories ---------------------------------------------------------------------------------
STORIES_PER_PAGE = 20
STORY_PER_PAGE = 50  # articles on a story page (a 10,000-article story was 2.78 MB, #24)


def _choice(raw: str, name: str, sorts: dict, default: str) -> str:
    """One of ``sorts`` (see SEARCH_SORTS), by its URL word or the library's name."""
    value = raw.strip().lower()
    if not value:
        return default
    words = url_words(sorts)
    if value in words:
        return words[value]
    if value in sorts:
        return value
    raise ParamError(name, f"pilih salah satu dari {', '.join(words)}, bukan {raw[:40]!r}")


@dataclass(frozen=True)
class StoryListParams:
    """``/stories`` and ``/api/stories``: a window, sources, categories, a sort, a page."""

    since: str = ""
    until: str = ""
    sources: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    sort: str = "largest"
    page: int = 1
    per_page: int = STORIES_PER_PAGE

    @classmethod
    def from_args(cls, args, *, sort: str = "largest") -> StoryListParams:
        params = cls(
            since=args.get("since", "").strip(),
            until=args.get("until", "").strip(),
            sources=_values(args, "source"),
            categories=_values(args, "category"),
            sort=_choice(args.get("sort", ""), "sort", STORY_LIST_SORTS, sort),
            page=_whole_number(args, "page", 1, MAX_PAGE, 1),
            per_page=_whole_number(args, "per_page", 1, MAX_PER_PAGE, STORIES_PER_PAGE),
        )
        searcher.Filters.build(since=params.since or None, until=params.until or None)
        return params

    def list_options(self) -> dict:
        """The arguments of :meth:`searcher.SearchIndex.story_list`."""
        return {
            "since": self.since or None,
            "until": self.until or None,
            "source": self.sources,
            "category": self.categories,
            "sort": self.sort,
            "page": self.page,
            "per_page": self.per_page,
        }

    def link(self, **changes) -> dict:
        """Query-string arguments with ``changes`` (any change but ``page`` resets it)."""
        if "page" not in changes:
            changes["page"] = 1
        params = replace(self, **changes)
        args: dict = {
            "since": params.since,
            "until": params.until,
            "source": list(params.sources),
            "category": list(params.categories),
            "sort": STORY_LIST_SORTS[params.sort][0],
        }
        if params.page != 1:
            args["page"] = params.page
        if params.per_page != STORIES_PER_PAGE:
            args["per_page"] = params.per_page
        return {key: value for key, value in args.items() if value}


@dataclass(frozen=True)
class StoryParams:
    """``/story/<id>``: a page of its articles, oldest or newest first, one day or all."""

    q: str = ""
    since: str = ""
    until: str = ""
    sort: str = "oldest"
    page: int = 1
    per_page: int = STORY_PER_PAGE

    @classmethod
    def from_args(cls, args) -> StoryParams:
        params = cls(
            q=args.get("q", "").strip()[:MAX_QUERY_CHARS],
            since=args.get("since", "").strip(),
            until=args.get("until", "").strip(),
            sort=_choice(args.get("sort", ""), "sort", STORY_SORTS, "oldest"),
            page=_whole_number(args, "page", 1, MAX_PAGE, 1),
            per_page=_whole_number(args, "per_page", 1, MAX_PER_PAGE, STORY_PER_PAGE),
        )
        searcher.Filters.build(since=params.since or None, until=params.until or None)
        return params

    def story_options(self) -> dict:
        """The arguments of :meth:`searcher.SearchIndex.story` besides the story's id."""
        return {
            "page": self.page,
            "per_page": self.per_page,
            "sort": self.sort,
            "since": self.since or None,
            "until": self.until or None,
        }

    def link(self, **changes) -> dict:
        if "page" not in changes:
            changes["page"] = 1
        params = replace(self, **changes)
        args: dict = {"q": params.q, "since": params.since, "until": params.until}
        if params.sort != "oldest":
            args["sort"] = STORY_SORTS[params.sort][0]
        if params.page != 1:
            args["page"] = params.page
        if params.per_page != STORY_PER_PAGE:
            args["per_page"] = params.per_page
        return {key: value for key, value in args.items() if value}
