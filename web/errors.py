"""Errors and response headers: no traceback ever reaches a reader.

Bad parameters are 400, unknown articles 404, a missing index 503 (with the
command that builds it), and anything unexpected is logged and answered with
a friendly 500 page. Pages are HTML, ``/api/`` answers JSON
``{"error": ..., "status": ...}``. Every response carries the security headers.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from flask import current_app, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

import searcher
from web import BAD_HOST
from web.params import MAX_QUERY_CHARS

log = logging.getLogger(__name__)

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
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


def refuse_bad_host():
    """400 for a request whose Host header is not a host name (see :class:`web.HostCheck`)."""
    if BAD_HOST in request.environ:
        return error_response(
            400, message="Header Host bukan nama host yang valid.", parameter="Host"
        )
    return None


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def error_response(status: int, title: str | None = None, message: str | None = None, **extra):
    """An error as JSON (``/api/``) or as a page in the site's layout."""
    default_title, default_message = STATUS_TEXT.get(status, STATUS_TEXT[500])
    title, message = title or default_title, message or default_message
    if _wants_json():
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


def register(app) -> None:
    """Error handlers, the Host check and the security headers, for every blueprint."""
    app.before_request(refuse_bad_host)
    app.after_request(security_headers)
    app.after_request(relative_redirects)

    @app.errorhandler(searcher.QueryError)
    def bad_parameter(error: searcher.QueryError):
        parameter = getattr(error, "parameter", None) or str(error).split(":", 1)[0]
        return error_response(400, message=str(error), parameter=parameter)

    @app.errorhandler(searcher.SearcherError)
    def no_index(error: searcher.SearcherError):
        log.warning("index unavailable: %s", error)
        index_dir = current_app.config["INDEX"]
        if _wants_json():
            # Not the error's own text: it names the index folder, which the API
            # never shows (/api/stats hides it too); the server's log has it (#24).
            reason = (
                "no index has been built yet"
                if isinstance(error, searcher.IndexNotFoundError)
                else "see the server's log"
            )
            return error_response(503, message=f"index unavailable: {reason}")
        return error_response(
            503,
            message=STATUS_TEXT[503][1],
            index_dir=index_dir,
            missing=isinstance(error, searcher.IndexNotFoundError),
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        return error_response(error.code or 500)

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        log.exception("unexpected error on %s", request.path)
        return error_response(500)


def relative_redirects(response):
    """Redirects to this site name no host: Werkzeug's own ones (``//x`` -> ``/x``)
    were absolute URLs built from the request's Host header, which a client chooses
    (#24)."""
    location = response.headers.get("Location")
    if location:
        parts = urlsplit(location)
        if parts.scheme or parts.netloc:
            if parts.netloc.lower() != request.host.lower():
                return response  # a redirect we meant to another site (none today)
            path = parts.path if parts.path.startswith("/") else "/" + parts.path
            path = "/" + path.lstrip("/")  # "//evil.com" is a host, "/evil.com" a path
            response.headers["Location"] = path + (f"?{parts.query}" if parts.query else "")
    return response


def security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    # Search words are in our URLs: do not hand them to the news sites we link to.
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if not request.path.startswith("/static/"):
        headers.setdefault("Cache-Control", "no-cache")
    return response
