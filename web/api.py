"""The JSON API under ``/api/``: ``search`` (exactly ``SearchResult.to_json()``, the
output of ``python -m searcher query --json``; with ``facets=1`` it adds
``facets`` and ``histogram``), ``article/<id>``, ``story/<id>`` and ``stats``.
"""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from web import get_index
from web.errors import error_response
from web.params import SearchParams, flag

bp = Blueprint("api", __name__, url_prefix="/api")


@bp.get("/search")
def search():
    params = SearchParams.from_args(request.args)
    with_facets = flag(request.args.get("facets", ""), "facets")
    result = params.run(get_index(), facets=with_facets)
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
    return _found(get_index().get(doc_id), "Berita tidak ditemukan",
                  f"no article with id {doc_id!r}")


@bp.get("/stats")
def stats():
    body = get_index().stats().to_json()
    body.pop("path", None)  # where the server keeps its files is not the reader's business
    return jsonify(body)


@bp.get("/story/<path:story_id>")
def story(story_id: str):
    return _found(get_index().story(story_id), "Peristiwa tidak ditemukan",
                  f"no story with id {story_id!r}")
