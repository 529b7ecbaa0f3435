"""searcher: full-text search for Indonesian news.

Quick start::

    import searcher
    searcher.index_sources(["corpus/"], "index/")
    with searcher.open_index("index/") as ix:
        for hit in ix.search("perdagangan orang").hits:
            print(hit.title, hit.snippet.text)
"""

import os
from collections.abc import Iterable

from searcher.analysis import analyze
from searcher.backends import (
    SearchIndex,
    build_index,
    check_index,
    default_location,
    delete_documents,
    index_exists,
    open_index,
)
from searcher.errors import (
    IndexBusyError,
    IndexClosedError,
    IndexDamagedError,
    IndexNotFoundError,
    IndexVersionError,
    QueryError,
    SearcherError,
)
from searcher.models import (
    Article,
    DeleteReport,
    Document,
    FacetCount,
    Headline,
    Hit,
    IndexReport,
    IndexStats,
    Rejected,
    SearchResult,
    Snippet,
    Story,
    StoryList,
    StorySummary,
    web_url,
)
from searcher.readers import CorpusError, read_articles
from searcher.request import SORTS, Filters
from searcher.stemmer import stem_word
from searcher.version import __version__ as __version__
from searcher.whoosh.reader import Index
from searcher.whoosh.storage import default_index_dir


def index_sources(
    paths: str | os.PathLike | Iterable[str | os.PathLike],
    location: str | os.PathLike | None = None,
    *,
    follow_links: bool = False,
    **options,
) -> IndexReport:
    """Read every article under ``paths`` and add it to the index (see :func:`build_index`).

    ``paths`` is one path or a list of them (files or folders); they are checked
    before anything is created (:class:`CorpusError`). ``location`` is an index
    folder or a ``manticore://`` cluster address. ``follow_links`` also reads
    files that links in a folder point to outside it.
    """
    return build_index(read_articles(paths, follow_links=follow_links), location, **options)


__all__ = [
    "Article",
    "CorpusError",
    "DeleteReport",
    "Document",
    "FacetCount",
    "Filters",
    "Headline",
    "Hit",
    "Index",
    "IndexBusyError",
    "IndexClosedError",
    "IndexDamagedError",
    "IndexNotFoundError",
    "IndexReport",
    "IndexStats",
    "IndexVersionError",
    "QueryError",
    "Rejected",
    "SORTS",
    "SearchIndex",
    "SearchResult",
    "SearcherError",
    "Snippet",
    "Story",
    "StoryList",
    "StorySummary",
    "analyze",
    "build_index",
    "check_index",
    "default_index_dir",
    "default_location",
    "delete_documents",
    "index_exists",
    "index_sources",
    "open_index",
    "read_articles",
    "stem_word",
    "web_url",
]
