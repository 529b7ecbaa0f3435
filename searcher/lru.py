"""One least-recently-used cache for every cache of the project, safe to share between threads.

Bounded by a count of entries, or by a total size when ``sizeof`` weighs
each value (bytes of arrays); built on :class:`cachetools.LRUCache`.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Hashable
from typing import Any

from cachetools import LRUCache


class LRU:
    """``limit`` entries (or total ``sizeof``); a ``limit`` of 0 keeps nothing."""

    def __init__(self, limit: int, sizeof: Callable[[Any], int] | None = None):
        self.limit = limit
        self._entries: LRUCache = LRUCache(maxsize=max(limit, 1), getsizeof=sizeof)
        # Re-entrant: computing a value may ask the same cache for another one.
        self._lock = threading.RLock()

    def get(self, key: Hashable, default: Any = None) -> Any:
        with self._lock:
            return self._entries.get(key, default)

    def put(self, key: Hashable, value: Any) -> None:
        """Keep ``value`` unless it alone is larger than the limit."""
        if self.limit <= 0:
            return
        # A value larger than the whole cache is not kept (cachetools' ValueError).
        with self._lock, contextlib.suppress(ValueError):
            self._entries[key] = value

    def get_or_compute(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        """The value under ``key``, computed once even when threads ask at once
        (they wait for the first one instead of repeating the work)."""
        with self._lock:
            if key in self._entries:
                return self._entries[key]
            value = compute()
            self.put(key, value)
            return value

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
