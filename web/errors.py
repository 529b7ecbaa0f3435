"""Errors: no traceback ever reaches a reader.

Bad parameters are 400, unknown articles 404, a missing index 503 (with the
command that builds it), and anything unexpected is logged and answered with
a friendly 500 page. Pages answer in the site's layout; a blueprint that calls
:func:`json_errors` on itself (the API) answers ``{"error": ..., "status": ...}``
for its URLs, its own views and the URLs under its prefix that no view routes.
The security headers and the Host check are :mod:`web.security`'s.
"""

from __future__ import annotations

import logging

from flask import Blueprint, current_app, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

import searcher
from searcher.request import MAX_QUERY_CHARS

log = logging.getLogger(__name__)

JSON_ERRORS = "searcher.json_errors"  # app.extensions: {blueprint name: its URL prefix}
STATUS_TEXT = {
    400: ("Permintaan tidak valid", "Ada parameter yang tidak bisa dipakai."),
    404: (
        "Halaman tidak ditemukan",
        "Alamat ini tidak ada. Periksa lagi tautannya, atau cari berita dari kotak di atas.",
    ),
    405: ("Metode tidak diizinkan", "Halaman ini hanya bisa dibuka dengan GET."),
    500: (
        "Terjadi kesalahan",
        "Maaf, ada yang tidak beres di server. Kesalahan ini sudah "
        "dicatat; silakan coba lagi sebentar lagi.",
    ),
    503: ("Indeks belum tersedia", "Mesin pencari belum punya indeks berita."),
}


def json_errors(bp: Blueprint) -> None:
    """Errors on ``bp``'s URLs answer as JSON (``{"error", "status", ...}``), not pages."""

    @bp.record_once
    def _note(state) -> None:
        state.app.extensions.setdefault(JSON_ERRORS, {})[bp.name] = state.url_prefix or ""


def _json_wanted() -> bool:
    """Whether the blueprint answering this request registered :func:`json_errors`.

    A URL (or method) that no view routes has no blueprint: it belongs to the one
    whose URL prefix holds its path.
    """
    owners = current_app.extensions.get(JSON_ERRORS, {})
    if request.blueprint is not None:
        return request.blueprint in owners
    path = request.path
    return any(
        prefix and (path == prefix or path.startswith(prefix + "/")) for prefix in owners.values()
    )


def error_response(status: int, title: str | None = None, message: str | None = None, **extra):
    """An error as JSON (a blueprint that asked for :func:`json_errors`) or as a page
    in the site's layout."""
    default_title, default_message = STATUS_TEXT.get(status, STATUS_TEXT[500])
    title, message = title or default_title, message or default_message
    if _json_wanted():
        return jsonify({"error": message, "status": status, **extra}), status
    q = request.args.get("q", "")
    return render_template(
        "error.html",
        status=status,
        title=title,
        message=message,
        q=q if len(q) <= MAX_QUERY_CHARS else "",
        **extra,
    ), status


def bad_parameter(error: searcher.QueryError):
    """400 naming the parameter (the error's own one-line message)."""
    parameter = getattr(error, "parameter", None) or str(error).split(":", 1)[0]
    return error_response(400, message=str(error), parameter=parameter)


def register(app) -> None:
    """The error handlers of the pages (a blueprint may add its own, as the API does)."""
    app.register_error_handler(searcher.QueryError, bad_parameter)

    @app.errorhandler(searcher.SearcherError)
    def no_index(error: searcher.SearcherError):
        log.warning("index unavailable: %s", error)
        return error_response(
            503,
            message=STATUS_TEXT[503][1],
            index_dir=current_app.config["INDEX"],
            missing=isinstance(error, searcher.IndexNotFoundError),
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        return error_response(error.code or 500)

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        log.exception("unexpected error on %s", request.path)
        return error_response(500)
