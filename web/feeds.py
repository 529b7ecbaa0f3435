"""Feeds and exports of any search (#26): ``/search.atom``, ``/search.csv``,
``/search.jsonl`` (the parameters of ``/search``: ``q``, ``source``, ``category``,
``since``, ``until``, ``sort``, ``collapse``) and ``/story/<id>.atom``.

Atom (RFC 4287): a search's feed lists its newest ``per_page`` matches (default
20; ``sort`` may ask for another order), a story's feed its articles, newest
first. Each entry's ``updated`` is the article's publication time (Jakarta
time, ``+07:00``), its link the outlet's page (else ours), its summary the
snippet as text. Responses carry an ``ETag`` (a digest of the feed) and a
``Last-Modified`` (the newest entry), and answer ``304`` to a matching
``If-None-Match`` or a later ``If-Modified-Since``.

Exports (:mod:`searcher.export`) stream every match up to ``limit`` (default
and at most :data:`searcher.export.EXPORT_LIMIT`) with the API's columns; the
request is checked (400 for a bad parameter) before the first row is sent.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from xml.etree import ElementTree as ET

from flask import Blueprint, Response, request, stream_with_context, url_for

import searcher
from searcher import export
from web.errors import error_response
from web.params import ParamError, SearchParams, _whole_number
from web.state import get_index

bp = Blueprint("feeds", __name__)

ATOM = "http://www.w3.org/2005/Atom"
FEED_ENTRIES = 20
WIB = timezone(timedelta(hours=7))
QUIET = datetime(2000, 1, 1, tzinfo=timezone.utc)  # "updated" of a feed without entries


@bp.get("/search.atom")
def search_atom():
    params = SearchParams.from_args(request.args)
    if "per_page" not in request.args:
        params = replace(params, per_page=FEED_ENTRIES)
    if "sort" not in request.args:  # a feed is read newest first
        params = replace(params, sort="newest")
    if not params.q:
        raise ParamError("q", "kueri kosong: umpan Atom perlu kata yang dicari")
    result = get_index().search(params.q, facets=False, **params.search_options())
    page = url_for("pages.search", _external=True, **params.link())
    return _atom(f"{params.q} · Searcher", page, result.hits)


@bp.get("/story/<path:story_id>.atom")
def story_atom(story_id: str):
    found = get_index().story(story_id, sort="newest", per_page=FEED_ENTRIES)
    if found is None:
        return error_response(
            404, "Peristiwa tidak ditemukan", "Tidak ada peristiwa dengan kode ini di indeks."
        )
    page = url_for("pages.story", story_id=story_id, _external=True)
    return _atom(f"Peristiwa: {found.headline} · Searcher", page, found.hits)


@bp.get("/search.csv")
def search_csv():
    return _export("csv", "text/csv; charset=utf-8")


@bp.get("/search.jsonl")
def search_jsonl():
    return _export("jsonl", "application/x-ndjson; charset=utf-8")


def _export(fmt: str, content_type: str) -> Response:
    params = SearchParams.from_args(request.args)
    if not params.q:
        raise ParamError("q", "kueri kosong: tulis kata yang dicari")
    limit = _whole_number(request.args, "limit", 1, export.EXPORT_LIMIT, export.EXPORT_LIMIT)
    index = get_index()
    options = {
        "filters": params.filters(),
        "sort": params.sort,
        "collapse": params.collapse,
        "as_typed": params.as_typed,
    }
    first = export.first_page(index, params.q, **options)  # a bad query: 400 now
    found = export.hits(index, params.q, limit=limit, first_page=first, **options)
    response = Response(stream_with_context(export.lines(fmt, found)), content_type=content_type)
    response.headers["Content-Disposition"] = f'attachment; filename="searcher.{fmt}"'
    response.headers["X-Export-Limit"] = str(limit)
    return response


def _stamp(moment: datetime | None) -> datetime:
    if moment is None:
        return QUIET
    return moment.replace(tzinfo=WIB) if moment.tzinfo is None else moment


def _atom(title: str, page: str, hits: list) -> Response:
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    stamps = [_stamp(hit.published) for hit in hits if hit.published]
    updated = max(stamps) if stamps else QUIET

    def add(parent, tag, text=None, **attributes):
        element = ET.SubElement(
            parent,
            f"{{{ATOM}}}{tag}",
            {name: _xml_text(value) for name, value in attributes.items()},
        )
        if text is not None:
            element.text = _xml_text(text)
        return element

    add(feed, "title", title)
    add(feed, "id", request.url)
    add(feed, "updated", updated.isoformat())
    add(feed, "link", rel="self", type="application/atom+xml", href=request.url)
    add(feed, "link", rel="alternate", type="text/html", href=page)
    add(add(feed, "author"), "name", "Searcher")
    add(feed, "generator", "searcher", version=searcher.__version__)
    for hit in hits:
        entry = add(feed, "entry")
        ours = url_for("pages.article", doc_id=hit.id, _external=True)
        add(entry, "title", hit.title)
        add(entry, "id", ours)
        add(entry, "updated", _stamp(hit.published).isoformat())
        if hit.published:
            add(entry, "published", _stamp(hit.published).isoformat())
        add(entry, "link", rel="alternate", type="text/html", href=hit.url or ours)
        if hit.url:
            add(entry, "link", rel="related", type="text/html", href=ours)
        add(add(entry, "author"), "name", hit.source or "Searcher")
        if hit.category:
            add(entry, "category", term=_xml_text(hit.category))
        if hit.snippet:
            add(entry, "summary", hit.snippet.text, type="text")
    body = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    response = Response(body, mimetype="application/atom+xml")
    response.set_etag(hashlib.blake2b(body, digest_size=16).hexdigest())
    response.last_modified = updated
    response.cache_control.public = True
    response.cache_control.max_age = 60
    return response.make_conditional(request)


def _xml_text(text: str) -> str:
    """``text`` without the characters XML 1.0 cannot hold (controls, lone surrogates)."""
    return "".join(
        ch
        for ch in str(text)
        if ch in "\t\n\r"
        or ("\x20" <= ch <= "\ud7ff" or "\ue000" <= ch <= "\ufffd" or ch >= "\U00010000")
    )
