"""Choosing a backend: the embedded Whoosh index or a Manticore/Sphinx cluster.

A *location* is either a folder (the Whoosh index, default ``index/``) or a
``manticore://HOST:PORT[,HOST:PORT]/TABLE`` address (``sphinx://`` alike).
The library API, the CLI and the web app only deal in locations; both
backends offer the same :class:`SearchIndex` interface and return the same
plain data.

Each backend is a :class:`Backend` in :data:`BACKENDS`, found by the
location's scheme (this module alone reads schemes); its modules are
imported when first used (the registry holds ``module:name`` strings), so a
Whoosh user never needs PyMySQL. A backend declares the options it takes, and
the ones that do not apply to it; anything else is an error naming the
option, never silently dropped. Nothing outside the registry lines names a
backend: a third one is a package and one :class:`Backend` line.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from searcher.errors import IndexNotFoundError, SearcherError
from searcher.fetching import tombstones
from searcher.models import (
    Article,
    DeleteReport,
    Document,
    Hit,
    IndexReport,
    IndexStats,
    Percolation,
    Rejected,
    SearchResult,
    Story,
    StoryList,
    StorySummary,
)
from searcher.snippets import Snippet
from searcher.stemmer import Vocabulary, using
from searcher.whoosh.storage import default_index_dir

BACKEND_ENV = "SEARCHER_BACKEND"


class SearchIndex(Protocol):
    """What both backends offer (see :class:`searcher.Index` for the details)."""

    path: str

    def search(
        self,
        text: str,
        *,
        page: int = 1,
        per_page: int = 10,
        filters=None,
        sort: str = "relevance",
        snippets: bool = True,
        facets: bool = False,
        collapse: bool | str = False,
        as_typed: bool = False,
    ) -> SearchResult: ...

    def suggest(self, text: str) -> str | None: ...

    def get(self, doc_id: str) -> Document | None: ...

    def highlight_document(self, doc_id: str, text: str) -> tuple[Snippet, Snippet] | None: ...

    def more_like_this(self, doc_id: str, limit: int = 5) -> list[Hit]: ...

    def story(
        self,
        story_id: str,
        *,
        page: int = 1,
        per_page: int | None = None,
        sort: str = "oldest",
        since=None,
        until=None,
    ) -> Story | None: ...

    def stories(self, *, since=None, limit: int = 10) -> list[StorySummary]: ...

    def story_list(
        self,
        *,
        since=None,
        until=None,
        source=None,
        category=None,
        sort: str = "largest",
        page: int = 1,
        per_page: int = 10,
    ) -> StoryList: ...

    def stats(self) -> IndexStats: ...

    def percolate(self, searches) -> Percolation: ...

    def delete(self, ids: Iterable[str]) -> DeleteReport: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class Backend:
    """A backend: where its pieces are (``module:name``, imported when used) and
    which options its reader and writer take."""

    name: str
    # Location schemes ("scheme://..."); none: the backend's location is a folder.
    schemes: tuple[str, ...]
    address: str  # what a location looks like, for messages
    reader: str  # a class: Reader(location, **open_options)
    build: str  # build_index(sources, location, **write_options)
    delete: str  # delete_documents(ids, location, **delete_options)
    open_options: frozenset[str]
    write_options: frozenset[str]
    delete_options: frozenset[str]
    exists: str | None = None  # exists(location) -> bool; None: assumed to exist
    check: str | None = None  # verify(location, quick=) -> problems; None: cannot
    check_instead: str = ""  # what checks such an index instead (for the message)
    # Options of the other backend that mean nothing here: accepted and not used
    # (the CLI passes --procs and --wait whatever the backend), and said so.
    inapplicable: frozenset[str] = frozenset()

    @property
    def remote(self) -> bool:
        """Whether its locations are addresses (no folder of ours holds the index)."""
        return bool(self.schemes)

    def load(self, what: str):
        module, _, name = getattr(self, what).partition(":")
        return getattr(importlib.import_module(module), name)

    def checked(self, options: dict, allowed: frozenset[str], what: str) -> dict:
        """``options`` this backend takes; the inapplicable ones dropped; others an error."""
        for name in options:
            if name not in allowed and name not in self.inapplicable:
                raise SearcherError(
                    f"{name}: not an option of the {self.name} backend's "
                    f"{what} (it takes: {', '.join(sorted(allowed)) or 'none'})"
                )
        return {name: value for name, value in options.items() if name in allowed}


_WRITE = frozenset({"rebuild", "on_record", "on_reject", "group"})
WHOOSH = Backend(
    "whoosh",
    schemes=(),
    address="an index folder",
    reader="searcher.whoosh.reader:Index",
    build="searcher.whoosh.writer:build_index",
    delete="searcher.whoosh.writer:delete_documents",
    open_options=frozenset(
        {
            "ranking",
            "result_cache",
            "result_cache_bytes",
            "posting_cache_bytes",
            "refresh_seconds",
            "query_seconds",
        }
    ),
    write_options=_WRITE | {"commit_every", "lock_timeout", "procs", "limitmb"},
    delete_options=frozenset({"lock_timeout"}),
    exists="searcher.whoosh.storage:index_exists",
    check="searcher.whoosh.verify:verify",
)
MANTICORE = Backend(
    "manticore",
    schemes=("manticore", "sphinx"),
    address="manticore://HOST:PORT[,HOST:PORT]/TABLE",
    reader="searcher.manticore.searching:ManticoreIndex",
    build="searcher.manticore.indexing:build_index",
    delete="searcher.manticore.indexing:delete_documents",
    open_options=frozenset(),
    write_options=_WRITE,
    delete_options=frozenset(),
    # The cluster's nodes index and lock for themselves.
    inapplicable=frozenset({"procs", "lock_timeout", "commit_every", "limitmb"}),
    check_instead="a Manticore cluster has CHECK TABLE / indextool --check",
)
# The registry: a location scheme -> its backend ("": a folder).
BACKENDS = {
    scheme: backend for backend in (WHOOSH, MANTICORE) for scheme in backend.schemes or ("",)
}
REMOTE_SCHEMES = tuple(scheme for scheme in BACKENDS if scheme)


def backend_of(location: str | os.PathLike) -> Backend:
    """The backend serving ``location``: a folder is Whoosh's, a known scheme its backend's."""
    text = str(location)
    scheme = text.split("://", 1)[0].strip().lower() if "://" in text else ""
    backend = BACKENDS.get(scheme)
    if backend is None:
        raise SearcherError(
            f"location: unknown backend {scheme!r} in {text!r} (expected a "
            f"folder or {', '.join(s + '://' for s in BACKENDS if s)})"
        )
    return backend


def is_remote(location: object) -> bool:
    """True for an address of a remote backend (a known ``scheme://``)."""
    if not isinstance(location, str) or "://" not in location:
        return False
    scheme = location.split("://", 1)[0].strip().lower()
    return bool(scheme) and scheme in BACKENDS


def default_location() -> str:
    """``$SEARCHER_BACKEND`` if it names a cluster, else ``$SEARCHER_INDEX`` or ``index/``."""
    backend = os.environ.get(BACKEND_ENV, "").strip()
    return backend if is_remote(backend) else default_index_dir()


def resolve(index: str | os.PathLike | None = None, backend: str | None = None) -> str:
    """The location chosen by ``--backend`` / ``--index`` (or the environment)."""
    if backend and backend.strip().lower() not in ("", "whoosh"):
        if not is_remote(backend):
            addresses = " or ".join(dict.fromkeys(b.address for b in BACKENDS.values() if b.remote))
            raise SearcherError(f"--backend: expected whoosh or {addresses}, got {backend!r}")
        return backend.strip()
    if index is not None:
        return str(index)
    return default_index_dir() if backend else default_location()


def open_index(location: str | os.PathLike | None = None, **options) -> SearchIndex:
    """Open the index at ``location`` (default: :func:`default_location`).

    ``options`` are the backend's (Whoosh: ``ranking``, ``result_cache``,
    ``posting_cache_bytes``, ``refresh_seconds``, ``query_seconds``; see
    :class:`searcher.whoosh.reader.Index`); the cluster ranks with its own
    ranker and takes none.
    """
    location = str(location) if location is not None else default_location()
    backend = backend_of(location)
    options = {
        name: value for name, value in options.items() if not (name == "ranking" and value is None)
    }
    return backend.load("reader")(
        location, **backend.checked(options, backend.open_options, "open_index")
    )


def build_index(
    sources: Iterable[Article | Rejected], location: str | os.PathLike | None = None, **options
) -> IndexReport:
    """Add or update articles at ``location`` (see :func:`searcher.whoosh.writer.build_index`)."""
    location = str(location) if location is not None else default_location()
    backend = backend_of(location)
    build = backend.load("build")
    options = backend.checked(options, backend.write_options, "build_index")
    with using(Vocabulary()):  # the run's own: what it learns is its index's words
        return build(sources, location, **options)


def delete_documents(
    ids: Iterable[str] | str, location: str | os.PathLike | None = None, **options
) -> DeleteReport:
    """Remove the articles with these ids at ``location`` (unknown ids are reported).

    Every id is first remembered as deleted (:mod:`searcher.fetching.tombstones`):
    ``fetch`` does not add it back.
    """
    location = str(location) if location is not None else default_location()
    backend = backend_of(location)
    delete = backend.load("delete")
    options = backend.checked(options, backend.delete_options, "delete_documents")
    if index_exists(location):
        ids = tombstones.before_delete(location, ids)
    with using(Vocabulary()):
        return delete(ids, location, **options)


def check_index(location: str | os.PathLike | None = None, *, quick: bool = False) -> list:
    """The damaged files of the index folder at ``location`` (empty: it reads whole), as
    :class:`searcher.whoosh.verify.Problem` (``file``, ``reason``, ``derived``): each
    segment is opened and its terms, postings (not with ``quick``), stored fields and
    columns read; the groups' state and the stem table are checked. A cluster checks
    its own tables (``CHECK TABLE``): this is for the embedded index only."""
    location = str(location) if location is not None else default_location()
    backend = backend_of(location)
    if backend.check is None:
        raise SearcherError(f"check: only an index folder can be checked ({backend.check_instead})")
    if not index_exists(location):
        raise IndexNotFoundError(location)
    return backend.load("check")(location, quick=quick)


def index_exists(location: str | os.PathLike) -> bool:
    """Whether there is an index to search (one its backend cannot tell is assumed to)."""
    backend = backend_of(location)
    return backend.exists is None or backend.load("exists")(location)


def side_folder(location: str | os.PathLike) -> Path:
    """Where files kept beside the index go (fetch's page state): its folder, or the
    current folder for a remote backend's address."""
    return Path(".") if backend_of(location).remote else Path(location)
