"""Pages and JSON API of the front end (one blueprint), plus error handling.

Pages: ``/`` (search box and examples), ``/search`` (results, facets,
timeline), ``/article/<id>`` (the full article, query words marked, related
articles). API: ``/api/search`` (exactly ``SearchResult.to_json()``, the
output of ``python -m searcher query --json``; with ``facets=1`` it adds
``facets`` and ``histogram``), ``/api/article/<id>`` and ``/api/stats``.

Errors never surface as a traceback: bad parameters are 400, unknown
articles 404, a missing index 503 (with the command that builds it), and
anything unexpected is logged and answered with a friendly 500 page. Pages
are HTML, ``/api/`` answers JSON ``{"error": ..., "status": ...}``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

from flask import Blueprint, current_app, jsonify, render_template, request, url_for
from markupsafe import Markup, escape
from werkzeug.exceptions import HTTPException

import searcher
from web import BAD_HOST, get_index, timeline
from web.params import MAX_PAGE, MAX_QUERY_CHARS, SearchParams, flag

bp = Blueprint("web", __name__)
log = logging.getLogger(__name__)

EXAMPLES = ("perdagangan orang", "banjir Bekasi", "pemilu 2024", "harga beras", "TPPO", "KTT ASEAN")
FACET_SHOWN = 8  # values listed before "lainnya"
RELATED = 5
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


# -- pages ------------------------------------------------------------------------
@bp.before_app_request
def refuse_bad_host():
    """400 for a request whose Host header is not a host name (see :class:`web.HostCheck`)."""
    if BAD_HOST in request.environ:
        return error_response(400, message="Header Host bukan nama host yang valid.",
                              parameter="Host")
    return None


@bp.get("/")
def home():
    return render_template("index.html", stats=_stats(), examples=EXAMPLES, q="")


@bp.get("/search")
def search():
    params = SearchParams.from_args(request.args)
    if not params.q:
        return render_template("index.html", stats=_stats(), examples=EXAMPLES, q="")
    index = get_index()
    result = _search(index, params, facets=True)
    return render_template(
        "search.html",
        q=params.q,
        params=params,
        result=result,
        facets=_facet_groups(index, params, result),
        timeline=timeline.build(result.histogram),
        pages=_page_numbers(result.page, min(result.pages, MAX_PAGE)),
        first=(result.page - 1) * result.per_page + 1,
        examples=EXAMPLES,
        sorts=(("relevance", "Relevansi"), ("newest", "Terbaru"), ("oldest", "Terlama")),
    )


@bp.get("/article/<path:doc_id>")
def article(doc_id: str):
    index = get_index()
    document = index.get(doc_id)
    if document is None:
        return error_response(
            404,
            "Berita tidak ditemukan",
            "Tidak ada berita dengan kode ini di indeks. Mungkin berita itu "
            "sudah dihapus, atau tautannya terpotong.",
        )
    q = request.args.get("q", "").strip()
    marked = None
    if q and len(q) <= MAX_QUERY_CHARS:
        try:
            marked = index.highlight_document(doc_id, q)
        except searcher.QueryError:
            marked = None  # a query that cannot be parsed: show the article unmarked
    if marked:
        title, paragraphs = marked_html(marked[0]), _paragraphs(marked[1].html)
    else:
        title, paragraphs = escape(document.title), _paragraphs(str(escape(document.body)))
    return render_template(
        "article.html",
        q=q if len(q) <= MAX_QUERY_CHARS else "",
        document=document,
        title=title,
        paragraphs=paragraphs,
        related=index.more_like_this(doc_id, limit=RELATED),
        marks=sum(p.count("<mark>") for p in paragraphs),
    )


@bp.get("/story/<path:story_id>")
def story(story_id: str):
    found = get_index().story(story_id)
    if found is None:
        return error_response(404, "Peristiwa tidak ditemukan",
                              "Tidak ada peristiwa dengan kode ini di indeks.")
    return render_template("story.html", story=found, q=request.args.get("q", "").strip()[
        :MAX_QUERY_CHARS], timeline=timeline.build(found.histogram))


@bp.get("/api/story/<path:story_id>")
def api_story(story_id: str):
    found = get_index().story(story_id)
    if found is None:
        return error_response(404, "Peristiwa tidak ditemukan", f"no story with id {story_id!r}")
    return jsonify(found.to_json())


def _search(index: searcher.SearchIndex, params: SearchParams, *, facets: bool):
    """The search a page or API call asks for (both take the same parameters)."""
    return index.search(params.q, page=params.page, per_page=params.per_page,
                        filters=params.filters(), sort=params.sort, facets=facets,
                        collapse=params.collapse)


# -- API ----------------------------------------------------------------------------
@bp.get("/api/search")
def api_search():
    params = SearchParams.from_args(request.args)
    with_facets = flag(request.args.get("facets", ""), "facets")
    result = _search(get_index(), params, facets=with_facets)
    body = result.to_json()
    if with_facets:
        body["facets"] = {
            name: [{"value": f.value, "count": f.count} for f in counts]
            for name, counts in result.facets.items()
        }
        body["histogram"] = [{"period": f.value, "count": f.count} for f in result.histogram]
    return jsonify(body)


@bp.get("/api/article/<path:doc_id>")
def api_article(doc_id: str):
    document = get_index().get(doc_id)
    if document is None:
        return error_response(404, "Berita tidak ditemukan", f"no article with id {doc_id!r}")
    return jsonify(document.to_json())


@bp.get("/api/stats")
def api_stats():
    body = get_index().stats().to_json()
    body.pop("path", None)  # where the server keeps its files is not the reader's business
    return jsonify(body)


# -- helpers -----------------------------------------------------------------------
def _stats() -> searcher.IndexStats | None:
    """The index's statistics for the home page, or None if they cannot be computed.

    They only decorate the page: a failure there must not hide the search box.
    A missing index still raises (the 503 page explains what to do).
    """
    index = get_index()
    try:
        return index.stats()
    except Exception:
        log.exception("index statistics failed")
        return None


@dataclass(frozen=True)
class FacetValue:
    value: str
    count: int
    selected: bool
    link: dict


@dataclass(frozen=True)
class FacetGroup:
    name: str  # "sources" / "categories" (the SearchParams field)
    title: str
    values: list[FacetValue]

    @property
    def shown(self) -> list[FacetValue]:
        return self.values[:FACET_SHOWN]

    @property
    def more(self) -> list[FacetValue]:
        return self.values[FACET_SHOWN:]


def _facet_groups(index, params: SearchParams, result) -> list[FacetGroup]:
    """Source and category counts; a group with a selection counts as if it had none.

    So choosing "Kompas" still lists the other sources with their counts
    (selecting several sources widens the results), as shops and news sites do.
    """
    groups = []
    for name, key, title in (
        ("sources", "source", "Sumber"),
        ("categories", "category", "Kategori"),
    ):
        selected = getattr(params, name)
        counts = result.facets.get(key, [])
        if selected:
            wider = index.search(
                params.q,
                per_page=1,
                snippets=False,
                facets=True,
                filters=replace(params, **{name: ()}).filters(),
            )
            counts = wider.facets.get(key, [])
        values = [
            FacetValue(f.value, f.count, f.value in selected, params.toggle(name, f.value))
            for f in counts
        ]
        seen = {f.value for f in counts}
        values += [
            FacetValue(v, 0, True, params.toggle(name, v)) for v in selected if v not in seen
        ]
        if values:
            groups.append(FacetGroup(name, title, values))
    return groups


def _page_numbers(page: int, pages: int) -> list[int | None]:
    """Page links around the current one; None marks a gap (…)."""
    wanted = {1, pages} | set(range(max(1, page - 2), min(pages, page + 2) + 1))
    out: list[int | None] = []
    for number in sorted(wanted):
        if out and number - (out[-1] or 0) > 1:
            out.append(None)
        out.append(number)
    return out


def _paragraphs(html: str) -> list[Markup]:
    """Escaped (and marked) article text split into paragraphs."""
    return [Markup(p.strip()) for p in html.split("\n\n") if p.strip()]


def marked_html(snippet) -> Markup:
    """A Snippet as HTML: its text is escaped by the library, then wrapped in <mark>.

    The one place where library output becomes markup; anything that is not a
    Snippet is refused, so a plain string can never slip through unescaped.
    """
    if not isinstance(snippet, searcher.Snippet):
        raise TypeError(f"expected a Snippet, got {type(snippet).__name__}")
    return Markup(snippet.html)


def safe_url(url: str) -> str:
    """The URL if it is a web link (http/https), else "" (no ``javascript:`` links)."""
    return searcher.web_url(url)


@bp.app_template_filter("marked")
def _marked_filter(snippet) -> Markup:
    return marked_html(snippet)


@bp.app_template_filter("safe_url")
def _safe_url_filter(url: str) -> str:
    return safe_url(url)


@bp.app_template_filter("domain")
def _domain_filter(url: str) -> str:
    """``https://www.kompas.com/x`` → ``kompas.com``."""
    host = urlsplit(safe_url(url)).hostname or ""
    return host.removeprefix("www.")


@bp.app_template_global("search_url")
def _search_url(args: dict) -> str:
    return url_for("web.search", **args)


# -- errors and headers --------------------------------------------------------------
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


def register_error_handlers(app) -> None:
    @app.errorhandler(searcher.QueryError)
    def bad_parameter(error: searcher.QueryError):
        parameter = getattr(error, "parameter", None) or str(error).split(":", 1)[0]
        return error_response(400, message=str(error), parameter=parameter)

    @app.errorhandler(searcher.SearcherError)
    def no_index(error: searcher.SearcherError):
        log.warning("index unavailable: %s", error)
        index_dir = current_app.config["INDEX"]
        if _wants_json():
            return error_response(503, message=f"index unavailable: {error}")
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
