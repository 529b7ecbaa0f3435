"""Choosing a backend: the embedded Whoosh index or a Manticore/Sphinx cluster.

A *location* is either a folder (the Whoosh index, default ``index/``) or a
``manticore://HOST:PORT[,HOST:PORT]/TABLE`` address (``sphinx://`` alike).
The library API, the CLI and the web app only deal in locations; both
backends offer the same :class:`SearchIndex` interface and return the same
plain data.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Protocol

from searcher import index as whoosh_index
from searcher import search as whoosh_search
from searcher.errors import SearcherError
from searcher.models import (
    Article,
    DeleteReport,
    Document,
    Hit,
    IndexReport,
    IndexStats,
    Rejected,
    SearchResult,
    Story,
    StorySummary,
)
from searcher.ranking import Ranking
from searcher.snippets import Snippet

BACKEND_ENV = "SEARCHER_BACKEND"
REMOTE_SCHEMES = ("manticore", "sphinx")


class SearchIndex(Protocol):
    """What both backends offer (see :class:`searcher.Index` for the details)."""

    path: str

    def search(self, text: str, *, page: int = 1, per_page: int = 10, filters=None,
               sort: str = "relevance", snippets: bool = True,
               facets: bool = False, collapse: bool = False) -> SearchResult: ...

    def suggest(self, text: str) -> str | None: ...

    def get(self, doc_id: str) -> Document | None: ...

    def highlight_document(self, doc_id: str, text: str) -> tuple[Snippet, Snippet] | None: ...

    def more_like_this(self, doc_id: str, limit: int = 5) -> list[Hit]: ...

    def story(self, story_id: str) -> Story | None: ...

    def stories(self, *, since=None, limit: int = 10) -> list[StorySummary]: ...

    def stats(self) -> IndexStats: ...

    def delete(self, ids: Iterable[str]) -> DeleteReport: ...

    def close(self) -> None: ...


def is_remote(location: object) -> bool:
    """True for a Manticore/Sphinx location."""
    if not isinstance(location, str) or "://" not in location:
        return False
    return location.split("://", 1)[0].strip().lower() in REMOTE_SCHEMES


def default_location() -> str:
    """``$SEARCHER_BACKEND`` if it names a cluster, else ``$SEARCHER_INDEX`` or ``index/``."""
    backend = os.environ.get(BACKEND_ENV, "").strip()
    return backend if is_remote(backend) else whoosh_index.default_index_dir()


def resolve(index: str | os.PathLike | None = None, backend: str | None = None) -> str:
    """The location chosen by ``--backend`` / ``--index`` (or the environment)."""
    if backend and backend.strip().lower() not in ("", "whoosh"):
        if not is_remote(backend):
            raise SearcherError(
                f"--backend: expected whoosh or manticore://HOST:PORT[,HOST:PORT]/TABLE, "
                f"got {backend!r}")
        return backend.strip()
    if index is not None:
        return str(index)
    return whoosh_index.default_index_dir() if backend else default_location()


def open_index(location: str | os.PathLike | None = None, *,
               ranking: Ranking | None = None) -> SearchIndex:
    """Open the index at ``location`` (default: :func:`default_location`).

    ``ranking`` weighs Whoosh results (:class:`searcher.ranking.Ranking`); the
    cluster ranks with its own ranker, so it takes none.
    """
    location = str(location) if location is not None else default_location()
    if is_remote(location):
        if ranking is not None:
            raise SearcherError("ranking: a Manticore/Sphinx cluster ranks with its own "
                                "ranker; leave ranking out")
        from searcher.manticore import ManticoreIndex

        return ManticoreIndex(location)
    return whoosh_search.Index(location, ranking=ranking)


def build_index(sources: Iterable[Article | Rejected],
                location: str | os.PathLike | None = None, **options) -> IndexReport:
    """Add or update articles at ``location`` (see :func:`searcher.index.build_index`)."""
    location = str(location) if location is not None else default_location()
    if is_remote(location):
        from searcher import manticore

        return manticore.build_index(sources, location, **options)
    return whoosh_index.build_index(sources, location, **options)


def delete_documents(ids: Iterable[str],
                     location: str | os.PathLike | None = None, **options) -> DeleteReport:
    """Remove the articles with these ids at ``location`` (unknown ids are reported)."""
    location = str(location) if location is not None else default_location()
    if is_remote(location):
        from searcher import manticore

        return manticore.delete_documents(ids, location, **options)
    return whoosh_index.delete_documents(ids, location, **options)


def index_exists(location: str | os.PathLike) -> bool:
    """Whether there is an index to search (a cluster is assumed to exist)."""
    return is_remote(str(location)) or whoosh_index.index_exists(location)
