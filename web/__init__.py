"""The web front end: a Flask app over the :mod:`searcher` library API.

``create_app(test_config=None)`` builds the app (the Flask tutorial's
factory). Configuration keys:

* ``INDEX``: the index folder or a ``manticore://`` cluster address (default
  :func:`searcher.default_location`: ``$SEARCHER_BACKEND``, else
  ``$SEARCHER_INDEX`` or ``index/``);
* ``INDEX_OPTIONS``: options for :func:`searcher.open_index` (``result_cache``,
  ``query_seconds``...; default none);
* ``TESTING``: Flask's testing flag.

One :class:`searcher.SearchIndex` is opened lazily per app, on the first request
that needs it, and shared by every request and thread (the library gives each
thread its own searcher and refreshes it after a re-index, so new articles
show up without a restart). Views reach it through :func:`get_index`, which
caches it on ``g`` for the request. While there is no index yet, pages answer
503 with instructions instead of failing; the app retries on the next request,
so indexing while the server runs is enough.

Blueprints per area: :mod:`web.pages` (HTML pages), :mod:`web.api` (JSON under
``/api/``); :mod:`web.errors` (error pages, security headers) and
:mod:`web.markup` (snippets as HTML, template filters) serve both. This
package never imports Whoosh: it only formats the library's plain results.
"""

from __future__ import annotations

import logging
import threading

from flask import Flask, current_app, g

import searcher

EXTENSION = "searcher_index"
BAD_HOST = "searcher.bad_host"  # WSGI environ key: the Host header that was refused
_open_lock = threading.Lock()
log = logging.getLogger(__name__)


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app; ``test_config`` overrides the defaults (``INDEX``, ``TESTING``)."""
    app = Flask(__name__)
    app.config.from_mapping(INDEX=searcher.default_location(), INDEX_OPTIONS={})
    if test_config is not None:
        app.config.from_mapping(test_config)
    app.json.sort_keys = False
    app.json.ensure_ascii = False
    app.extensions[EXTENSION] = None
    app.wsgi_app = HostCheck(app.wsgi_app)

    from web import api, errors, feeds, formatting, markup, pages, presets, watches

    app.register_blueprint(pages.bp)  # /, /search, /article/<id>, /story/<id>
    app.register_blueprint(api.bp)  # /api/...
    app.register_blueprint(feeds.bp)  # /search.atom|csv|jsonl, /story/<id>.atom (#26)
    app.register_blueprint(watches.bp)  # /watches: saved searches (#26)
    errors.register(app)
    markup.register(app)
    app.jinja_env.filters["tanggal"] = formatting.format_date
    app.jinja_env.filters["angka"] = formatting.format_number
    app.jinja_env.filters["hari"] = formatting.format_day
    app.jinja_env.filters["relatif"] = presets.relative  # "2 jam lalu" (#26)
    return app


class HostCheck:
    """WSGI middleware: a Host header that is not a valid (IDNA) host name, such as a
    64-letter label or ``a..b``, is replaced by the server's name and flagged.

    Werkzeug cannot route such a request at all (no URL adapter, so even the error
    page failed, as a bare 500); flagged, it reaches the views, which answer 400
    with the site's layout and security headers.
    """

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        host = environ.get("HTTP_HOST") or environ.get("SERVER_NAME") or ""
        if not _valid_host(host):
            server = environ.get("SERVER_NAME") or ""
            environ = {
                **environ,
                BAD_HOST: host,
                "HTTP_HOST": server if _valid_host(server) else "localhost",
            }
        return self.wsgi_app(environ, start_response)


def _valid_host(host: str) -> bool:
    # As Werkzeug does: the port is not part of IDNA.
    try:
        host.partition(":")[0].encode("idna")
    except UnicodeError:
        return False
    return True


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
