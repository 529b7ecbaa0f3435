"""The web front end: a Flask app over the :mod:`searcher` library API.

``create_app(test_config=None)`` builds the app (the Flask tutorial's
factory). Configuration keys:

* ``INDEX``: the index folder or a ``manticore://`` cluster address (default
  :func:`searcher.default_location`: ``$SEARCHER_BACKEND``, else
  ``$SEARCHER_INDEX`` or ``index/``);
* ``INDEX_OPTIONS``: options for :func:`searcher.open_index` (``result_cache``,
  ``query_seconds``...; default none);
* ``TESTING``: Flask's testing flag.

One :class:`searcher.SearchIndex` is opened lazily per app and shared by every
request and thread (:mod:`web.state`: :func:`get_index`, :func:`close_index`);
while there is no index yet, pages answer 503 with instructions.

Blueprints per area: :mod:`web.pages` (HTML pages), :mod:`web.api` (JSON under
``/api/``, with its own JSON errors), :mod:`web.feeds`, :mod:`web.watches`;
:mod:`web.errors` (error pages), :mod:`web.security` (the Host check, security
headers) and :mod:`web.markup` (snippets as HTML, template filters) serve all.
Imports run one way: this package imports its modules, none imports it back.
This package never imports Whoosh: it only formats the library's plain results.
"""

from __future__ import annotations

from flask import Flask

import searcher
from web import api, errors, feeds, formatting, markup, pages, params, presets, security, watches
from web.state import close_index, get_index

__all__ = ["close_index", "create_app", "get_index"]


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app; ``test_config`` overrides the defaults (``INDEX``, ``TESTING``)."""
    app = Flask(__name__)
    app.config.from_mapping(INDEX=searcher.default_location(), INDEX_OPTIONS={})
    if test_config is not None:
        app.config.from_mapping(test_config)
    app.json.sort_keys = False
    app.json.ensure_ascii = False
    app.register_blueprint(pages.bp)  # /, /search, /article/<id>, /story/<id>
    app.register_blueprint(api.bp)  # /api/...
    app.register_blueprint(feeds.bp)  # /search.atom|csv|jsonl, /story/<id>.atom (#26)
    app.register_blueprint(watches.bp)  # /watches: saved searches (#26)
    errors.register(app)
    security.register(app)
    markup.register(app)
    app.jinja_env.filters["tanggal"] = formatting.format_date
    app.jinja_env.filters["angka"] = formatting.format_number
    app.jinja_env.filters["hari"] = formatting.format_day
    app.jinja_env.filters["relatif"] = presets.relative  # "2 jam lalu" (#26)
    # The library's limits, for the templates (the pager's last link, the search box).
    app.add_template_global(params.MAX_PAGE, "max_page")
    app.add_template_global(params.MAX_QUERY_CHARS, "max_query_chars")
    return app
