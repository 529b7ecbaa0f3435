"""The JSON API under ``/api/``: ``search`` (exactly ``SearchResult.to_json()``, the
output of ``python -m searcher query --json``; with ``facets=1`` it adds
``facets`` and ``histogram``), ``article/<id>``, ``story/<id>`` (a page of a
story), ``stories`` (a page of stories) and ``stats``.

Errors are JSON ``{"error": ..., "status": ...}`` (a 400 adds ``parameter``): the
blueprint registers them itself (:func:`web.errors.json_errors`), so no view asks
where it is.
"""

from __future__ import annotations

import logging

from flask import Blueprint, jsonify, redirect, request, url_for

import searcher
from web.errors import bad_parameter, error_response, json_errors
from web.params import SearchParams, StoryListParams, StoryParams, flag
from web.state import get_index

bp = Blueprint("api", __name__, url_prefix="/api")
json_errors(bp)
bp.register_error_handler(searcher.QueryError, bad_parameter)
log = logging.getLogger(__name__)


@bp.errorhandler(searcher.SearcherError)
def index_unavailable(error: searcher.SearcherError):
    log.warning("index unavailable: %s", error)
    # Not the error's own text: it names the index folder, which the API never
    # shows (/api/stats hides it too); the server's log has it (#24).
    reason = (
        "no index has been built yet"
        if isinstance(error, searcher.IndexNotFoundError)
        else "see the server's log"
    )
    return error_response(503, message=f"index unavailable: {reason}")


@bp.get("/search")
def search():
    params = SearchParams.from_args(request.args)
    with_facets = flag(request.args.get("facets", ""), "facets")
    result = get_index().search(params.q, facets=with_facets, **params.search_options())
    body = result.to_json()
    if with_facets:
        body["facets"] = {
            name: [{"value": f.value, "count": f.count} for f in counts]
            for name, counts in result.facets.items()
        }
        body["histogram"] = [{"period": f.value, "count": f.count} for f in result.histogram]
    return jsonify(body)


def _found(thing, title: str, missing: str):
    """``thing`` as JSON, or a 404 saying what is ``missing``."""
    return jsonify(thing.to_json()) if thing is not None else error_response(404, title, missing)


@bp.get("/article/<path:doc_id>")
def article(doc_id: str):
    return _found(
        get_index().get(doc_id), "Berita tidak ditemukan", f"no article with id {doc_id!r}"
    )


@bp.get("/stats")
def stats():
    body = get_index().stats().to_json()
    body.pop("path", None)  # where the server keeps its files is not the reader's business
    return jsonify(body)


@bp.get("/story/<path:story_id>")
def story(story_id: str):
    """A page of a story's articles (``page``, ``per_page`` default 50, ``sort``
    terlama/terbaru, ``since``/``until``); a story whose first article was deleted
    redirects to its current id."""
    params = StoryParams.from_args(request.args)
    found = get_index().story(story_id, **params.story_options())
    if found is not None and found.id != story_id:
        return redirect(
            url_for("api.story", story_id=found.id, **params.link(page=params.page)), 301
        )
    return _found(found, "Peristiwa tidak ditemukan", f"no story with id {story_id!r}")


@bp.get("/stories")
def stories():
    """Stories with an article in a window: ``since``, ``until``, ``source``,
    ``category`` (repeatable), ``sort`` terbesar/teraktif/terbaru (largest, active,
    latest; default largest), ``page``, ``per_page``."""
    params = StoryListParams.from_args(request.args)
    return jsonify(get_index().story_list(**params.list_options()).to_json())
