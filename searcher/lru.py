"""The caches of the project, each bounded in bytes (#24), safe to share between threads.

* :class:`LRU`: least recently used out first, bounded by the total cost of its
  entries (the ``sizeof`` of each value, e.g. :func:`deep_sizeof`, plus its key's
  and the entry's bookkeeping), optionally also by a count of entries; built on
  :class:`cachetools.LRUCache`. For values that cost
  milliseconds to compute (posting lists, searches, parsed queries).
* :class:`WordCache`: a plain dict of short words (at most ``max_word``
  characters; longer ones are not kept), emptied when its bytes reach the limit.
  For per-word values that cost microseconds (stems, normalised forms) and are
  looked up millions of times: a dict lookup, no lock, no recency bookkeeping.

Sizes are estimates from :func:`sys.getsizeof` (what CPython allocates for each
object) plus measured per-entry bookkeeping, so a cache's real footprint is its
limit within a few percent (tests/test_cache_bounds.py measures it with
tracemalloc, #24).
"""

from __future__ import annotations

import contextlib
import dataclasses
import sys
import threading
from collections.abc import Callable, Hashable
from typing import Any

from cachetools import LRUCache

DICT_SLOT = 100  # bytes a dict entry costs beyond its key and value (estimate)
# Bytes an LRU entry costs beyond its key and value: cachetools keeps three dicts
# (values, sizes, recency order) and our (value, cost) pair; measured with tracemalloc
# on 50,000 small entries (tests/test_cache_bounds.py checks it, #24).
LRU_SLOT = 300


def deep_sizeof(value: Any, _seen: set | None = None, _depth: int = 0) -> int:
    """Bytes of ``value`` and what it holds (strings, containers, dataclasses, NumPy
    arrays, objects' attributes), each object counted once; deeper than 12 levels
    counts as 64 bytes (query trees are a few levels deep)."""
    seen = _seen if _seen is not None else set()
    if id(value) in seen:
        return 0
    seen.add(id(value))
    if isinstance(value, (str, bytes, int, float, bool)) or value is None:
        return sys.getsizeof(value)
    nbytes = getattr(value, "nbytes", None)
    if isinstance(nbytes, int):  # a NumPy array
        return nbytes + 112
    if _depth > 12:
        return 64
    size = sys.getsizeof(value)
    if isinstance(value, dict):
        parts = [*value.keys(), *value.values()]
    elif isinstance(value, (list, tuple, set, frozenset)):
        parts = list(value)
    elif dataclasses.is_dataclass(value):
        parts = [getattr(value, field.name) for field in dataclasses.fields(value)]
    elif hasattr(value, "__dict__"):
        parts = list(vars(value).values())
    else:
        parts = []
    return size + sum(deep_sizeof(part, seen, _depth + 1) for part in parts)


class LRU:
    """``limit`` bytes of values, weighed by ``sizeof`` (or ``limit`` entries when
    ``sizeof`` is None), and at most ``max_entries`` entries if given; a ``limit`` of
    0 keeps nothing."""

    def __init__(
        self, limit: int, sizeof: Callable[[Any], int] | None = None, max_entries: int | None = None
    ):
        self.limit = limit
        self.max_entries = max_entries
        self._sizeof = sizeof
        # With ``sizeof``, each value is held as (value, cost): its cost weighs the key
        # and the entry's bookkeeping too (small entries cost 1.4x their value's size
        # before, #24).
        self._entries: LRUCache = LRUCache(
            maxsize=max(limit, 1), getsizeof=None if sizeof is None else _cost_of
        )
        # Re-entrant: computing a value may ask the same cache for another one.
        self._lock = threading.RLock()

    def get(self, key: Hashable, default: Any = None) -> Any:
        with self._lock:
            found = self._entries.get(key, _MISSING)
        if found is _MISSING:
            return default
        return found if self._sizeof is None else found[0]

    def put(self, key: Hashable, value: Any) -> None:
        """Keep ``value`` unless it alone is larger than the limit."""
        if self.limit <= 0:
            return
        if self._sizeof is not None:
            value = (value, self._sizeof(value) + deep_sizeof(key) + LRU_SLOT)
        # A value larger than the whole cache is not kept (cachetools' ValueError).
        with self._lock, contextlib.suppress(ValueError):
            self._entries[key] = value
            while self.max_entries is not None and len(self._entries) > self.max_entries:
                self._entries.popitem()

    def get_or_compute(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        """The value under ``key``, computed once even when threads ask at once
        (they wait for the first one instead of repeating the work)."""
        with self._lock:
            if key in self._entries:
                found = self._entries[key]
                return found if self._sizeof is None else found[0]
            value = compute()
            self.put(key, value)
            return value

    def retain(self, keep: Callable[[Hashable], bool]) -> None:
        """Drop every entry whose key ``keep`` refuses."""
        with self._lock:
            for key in [key for key in self._entries if not keep(key)]:
                del self._entries[key]

    @property
    def size(self) -> int:
        """Entries held, or their total size with ``sizeof``."""
        with self._lock:
            return int(self._entries.currsize)

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


_MISSING = object()


def _cost_of(held: tuple) -> int:
    return held[1]


class WordCache:
    """Values of words of at most ``max_word`` characters, about ``limit_bytes`` in all
    (keys, values and dict slots); emptied when full, refilled by the next words."""

    def __init__(self, limit_bytes: int, max_word: int = 64):
        self.limit_bytes = limit_bytes
        self.max_word = max_word
        self._data: dict[str, Any] = {}
        self._bytes = 0
        self.get = self._data.get  # a dict lookup, the hot path

    def put(self, word: str, value: Any, size: int | None = None) -> None:
        """Keep ``value`` under ``word`` (``size``: its bytes, else :func:`deep_sizeof`)."""
        if len(word) > self.max_word:
            return
        if word in self._data:  # a better value for a word held (about the same size)
            self._data[word] = value
            return
        cost = sys.getsizeof(word) + (deep_sizeof(value) if size is None else size) + DICT_SLOT
        if self._bytes + cost > self.limit_bytes:
            self._data.clear()
            self._bytes = 0
            if cost > self.limit_bytes:
                return
        self._data[word] = value
        self._bytes += cost

    @property
    def size(self) -> int:
        """Bytes held (estimate)."""
        return self._bytes

    def __len__(self) -> int:
        return len(self._data)

    def clear(self) -> None:
        self._data.clear()
        self._bytes = 0
