"""Errors the library raises; each message is one sentence a user can act on."""

from __future__ import annotations


class SearcherError(Exception):
    """Base class for every error of this package."""


class IndexNotFoundError(SearcherError):
    """There is no index at the given path."""

    def __init__(self, path: str):
        super().__init__(
            f"no index in {path}; build one with: python -m searcher index corpus/ --index {path}"
        )
        self.path = path


class IndexBusyError(SearcherError):
    """Another process is writing to the index."""


class IndexVersionError(SearcherError):
    """The index was written by an incompatible version of searcher."""


class IndexDamagedError(SearcherError):
    """A file of the index cannot be read (truncated, overwritten): the message names it
    and says how to recover."""

    def __init__(self, path: str, problem: str):
        super().__init__(
            f"the index in {path} is damaged ({problem}); rebuild it with: python -m "
            f"searcher index SOURCE... --rebuild --index {path}"
        )
        self.path = path
        self.problem = problem


class QueryError(SearcherError, ValueError):
    """A query or search parameter that cannot be used (bad date, page, sort...)."""


class IndexClosedError(SearcherError):
    """The index was closed (``close()`` or the end of a ``with`` block)."""

    def __init__(self, path: str):
        super().__init__(f"the index {path} is closed; open it again with searcher.open_index()")
        self.path = path
