"""Argument checks of the library API, shared by both backends: a wrong argument or a
closed index is a :class:`~searcher.errors.SearcherError` with one sentence naming it,
never a ``TypeError`` or an engine's own exception.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TypeVar

from searcher.errors import IndexClosedError, QueryError, SearcherError
from searcher.ranking import Ranking
from searcher.stemmer import using

MAX_RELATED = 100
Method = TypeVar("Method", bound=Callable)


def _kind(value: object) -> str:
    return "None" if value is None else type(value).__name__


def text(value: object, name: str) -> str:
    """``value`` if it is a string, else QueryError naming ``name``."""
    if not isinstance(value, str):
        raise QueryError(f"{name}: expected a string, got {_kind(value)}")
    return value


def flag(value: object, name: str) -> bool:
    """A yes/no argument: a bool."""
    if not isinstance(value, bool):
        raise QueryError(f"{name}: expected True or False, got {_kind(value)}")
    return value


def doc_id(value: object) -> str:
    """An article id argument: a string."""
    return text(value, "doc_id")


def ids(value: object, name: str = "ids") -> list[str]:
    """Article ids to delete: one id (a string is one id, never its characters) or an
    iterable of strings; empty ones are dropped, repeated ones kept once, in order."""
    if isinstance(value, str):
        items: list = [value]
    elif isinstance(value, (bytes, bytearray, dict)) or not hasattr(value, "__iter__"):
        raise QueryError(f"{name}: expected an id or a list of ids (strings), got {_kind(value)}")
    else:
        items = list(value)
    for item in items:
        if not isinstance(item, str):
            raise QueryError(
                f"{name}: expected an id or a list of ids (strings), got a list "
                f"holding {_kind(item)}"
            )
    return list(dict.fromkeys(item for item in items if item))


def limit(value: object, name: str = "limit", top: int = MAX_RELATED) -> int:
    """A count of results: a whole number from 1 to ``top``."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= top:
        raise QueryError(f"{name}: expected a whole number from 1 to {top}, got {value!r}")
    return value


def count(value: object, name: str) -> int:
    """A size option (entries, bytes): a whole number, 0 or more."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise SearcherError(f"{name}: expected a whole number, 0 or more, got {value!r}")
    return value


def seconds(value: object, name: str) -> float:
    """A duration option: a number of seconds, 0 or more."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0:
        raise SearcherError(f"{name}: expected a number of seconds, 0 or more, got {value!r}")
    return float(value)


def ranking(value: object) -> Ranking | None:
    """A :class:`searcher.ranking.Ranking` or None (the default ranking)."""
    if value is not None and not isinstance(value, Ranking):
        raise SearcherError(f"ranking: expected a searcher.ranking.Ranking, got {_kind(value)}")
    return value


def filter_values(value: object, name: str) -> tuple[str, ...]:
    """A filter's values: None, a string or a list (tuple, set) of strings."""
    if value is None:
        return ()
    if isinstance(value, str):
        items = [value]
    elif isinstance(value, (list, tuple, set, frozenset)):
        items = list(value)
    else:
        raise QueryError(f"{name}: expected a string or a list of strings, got {_kind(value)}")
    for item in items:
        if item is not None and not isinstance(item, str):
            raise QueryError(
                f"{name}: expected a string or a list of strings, got a list holding {_kind(item)}"
            )
    return tuple(item.strip() for item in items if item and item.strip())


def while_open(method: Method) -> Method:
    """Make a method of an index fail with :class:`IndexClosedError` once it is closed,
    including a call that was running when another thread closed it (whatever the
    engine then raised). The index has ``path`` and a ``closed`` flag; one with a
    ``vocabulary`` (:class:`searcher.stemmer.Vocabulary`) makes it the current one
    while the method runs, so its words are stemmed and known by its own table."""

    @functools.wraps(method)
    def checked(self, *args, **kwargs):
        if self.closed:
            raise IndexClosedError(self.path)
        vocabulary = getattr(self, "vocabulary", None)
        try:
            if vocabulary is None:
                return method(self, *args, **kwargs)
            with using(vocabulary):
                return method(self, *args, **kwargs)
        except Exception:
            if self.closed:
                raise IndexClosedError(self.path) from None
            raise

    return checked  # type: ignore[return-value]
