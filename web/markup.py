"""Library output as HTML: the one place snippets become markup, and the template
filters (``marked``, ``safe_url``, ``domain``) and globals (``search_url``)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import url_for
from markupsafe import Markup

import searcher


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


def _marked_filter(snippet) -> Markup:
    return marked_html(snippet)


def _safe_url_filter(url: str) -> str:
    return safe_url(url)


def _domain_filter(url: str) -> str:
    """``https://www.kompas.com/x`` → ``kompas.com``."""
    host = urlsplit(safe_url(url)).hostname or ""
    return host.removeprefix("www.")


def _search_url(args: dict) -> str:
    return url_for("pages.search", **args)


def register(app) -> None:
    """The filters and globals the templates use."""
    app.add_template_filter(_marked_filter, "marked")
    app.add_template_filter(_safe_url_filter, "safe_url")
    app.add_template_filter(_domain_filter, "domain")
    app.add_template_global(_search_url, "search_url")
