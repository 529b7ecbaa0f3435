"""The app's one open index: opened lazily on the first request that needs it,
shared by every request and thread, cached on ``g`` for a request, closed by
:func:`close_index` (tests, shutdown).

The library gives each thread its own searcher and refreshes it after a
re-index, so new articles show up without a restart. While there is no index
yet, :func:`get_index` raises and the error handlers answer 503; the next
request tries again, so indexing while the server runs is enough.
"""

from __future__ import annotations

import logging
import threading

from flask import Flask, current_app, g

import searcher

EXTENSION = "searcher_index"
_open_lock = threading.Lock()
log = logging.getLogger(__name__)


def get_index() -> searcher.SearchIndex:
    """The app's shared index, cached on ``g`` for this request.

    Raises :class:`searcher.IndexNotFoundError` (or another
    :class:`searcher.SearcherError`) while the index cannot be opened; the
    error handlers turn that into a 503 page.
    """
    if "index" not in g:
        g.index = _app_index(current_app)
    return g.index


def _app_index(app: Flask) -> searcher.SearchIndex:
    index = app.extensions.get(EXTENSION)
    if index is None:
        with _open_lock:
            index = app.extensions.get(EXTENSION)
            if index is None:
                index = searcher.open_index(app.config["INDEX"], **app.config["INDEX_OPTIONS"])
                app.extensions[EXTENSION] = index
                log.info("opened index %s", app.config["INDEX"])
    return index


def close_index(app: Flask) -> None:
    """Close the app's index, if it was opened (for tests and shutdown)."""
    index = app.extensions.get(EXTENSION)
    if index is not None:
        app.extensions[EXTENSION] = None
        index.close()
