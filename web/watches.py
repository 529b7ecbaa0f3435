"""``/watches``: the saved searches (#26, item 5), listed, added and removed from the
browser; the work is :mod:`searcher.watch`, as for ``python -m searcher watch``.

The page lists each saved search with its latest matches (what ``watch run`` or
``fetch`` recorded), and a form to save one (``/watches?q=...&source=...``
fills it from a result page). Changes are ``POST`` forms carrying a CSRF token:
a random value kept in the signed session cookie and repeated in the form;
a request without the matching token is refused (400), so another site cannot
make a reader's browser add or remove saved searches. The app's ``SECRET_KEY``
signs the cookie (a random one per process when none is configured: tokens
then last as long as the server). Like the rest, the server binds to
127.0.0.1 unless told otherwise.

The database is ``WATCHES`` in the app's config, else ``watches.sqlite`` in the
index folder; a cluster without ``WATCHES`` has none, and the page says so.
"""

from __future__ import annotations

import hmac
import secrets
from pathlib import Path

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for

import searcher
from searcher import watch
from web.errors import error_response
from web.state import get_index

bp = Blueprint("watches", __name__)
TOKEN = "csrf"
LATEST = 5  # matches shown per saved search


@bp.record_once
def _secret(state) -> None:
    if not state.app.secret_key:
        state.app.secret_key = secrets.token_bytes(32)


def csrf_token() -> str:
    if TOKEN not in session:
        session[TOKEN] = secrets.token_urlsafe(32)
    return session[TOKEN]


def _check_token() -> None:
    sent = request.form.get(TOKEN, "")
    kept = session.get(TOKEN, "")
    if not kept or not hmac.compare_digest(sent.encode(), kept.encode()):
        raise _Refused()


class _Refused(Exception):
    pass


@bp.errorhandler(_Refused)
def _refused(_error):
    return error_response(
        400,
        "Formulir kedaluwarsa",
        "Formulir ini tidak membawa token yang benar (mungkin dikirim dari "
        "situs lain, atau server dijalankan ulang). Muat ulang halaman lalu "
        "coba lagi.",
    )


def _store() -> watch.WatchStore:
    path = current_app.config.get("WATCHES")
    if not path:
        path = watch.default_database(str(current_app.config["INDEX"]))  # SearcherError: cluster
    return watch.WatchStore(Path(path))


@bp.get("/watches")
def page():
    return _render(
        form={key: request.args.get(key, "") for key in ("name", "q", "since", "until")},
        sources=request.args.getlist("source"),
        categories=request.args.getlist("category"),
    )


@bp.post("/watches")
def add():
    _check_token()
    form = {key: request.form.get(key, "").strip() for key in ("name", "q", "since", "until")}
    sources = [v.strip() for v in request.form.get("source", "").split(",") if v.strip()]
    categories = [v.strip() for v in request.form.get("category", "").split(",") if v.strip()]
    try:
        if not form["q"]:
            raise searcher.QueryError("q: tulis kueri yang ingin diikuti")
        filters = watch.filter_arguments(
            sources, categories, form["since"] or None, form["until"] or None
        )
        with _store() as store:
            watch.add_watch(get_index(), store, form["name"], form["q"], filters)
    except searcher.SearcherError as error:  # QueryError too: a bad query, name or filter
        return _render(
            form=form, sources=sources, categories=categories, problem=str(error), status=400
        )
    return redirect(url_for("watches.page", saved=form["name"]), code=303)


@bp.post("/watches/remove")
def remove():
    _check_token()
    name = request.form.get("name", "")
    with _store() as store:
        store.remove(name)
    return redirect(url_for("watches.page"), code=303)


def _render(
    *, form: dict, sources: list[str], categories: list[str], problem: str = "", status: int = 200
):
    try:
        with _store() as store:
            saved = [(w, store.matches(w.name)[-LATEST:][::-1]) for w in store.watches()]
    except searcher.SearcherError as error:
        return error_response(503, "Pencarian tersimpan tidak tersedia", str(error))
    return render_template(
        "watches.html",
        saved=saved,
        form=form,
        source=", ".join(sources),
        category=", ".join(categories),
        problem=problem,
        just_saved=request.args.get("saved", ""),
        token=csrf_token(),
        q="",
    ), status
