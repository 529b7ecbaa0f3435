"""Making an article: every reader builds its :class:`~searcher.models.Article` here,
with every text cleaned (:mod:`searcher.cleaning`) and within the size limits, or
says why the record cannot be one (a :class:`~searcher.models.Rejected`).
"""

from __future__ import annotations

from datetime import datetime

from searcher.cleaning import clean_body, clean_text
from searcher.ingest.url_dates import unswapped
from searcher.models import Article, Rejected, web_url

# Longest article accepted: pages, snippets and related articles stay quick. CLICK-ID's
# longest body is ~20,000 characters (ten times less); a 50 MB "article" is a mistake, not news.
MAX_BODY_CHARS = 200_000
MAX_TITLE_CHARS = 1_000
# Longest id accepted (a URL is an id: real ones are under 300 characters). Every id
# is kept in memory and in the groups' state; one 100,000-character id made that
# state 801 MB (#24).
MAX_ID_CHARS = 512


def id_too_long(article_id: str) -> str:
    """The reason an id over :data:`MAX_ID_CHARS` is rejected."""
    return (
        f"the id is {len(article_id):,} characters long; at most {MAX_ID_CHARS:,} are "
        f"accepted ({article_id[:40]!r}...)"
    )


def make_article(
    article_id: str,
    title: str,
    body: str,
    *,
    url: str = "",
    source: str = "",
    category: str = "",
    published: datetime | None = None,
    origin: str = "",
) -> Article | Rejected:
    """An :class:`Article` with every text cleaned, or the reason it cannot be one.

    Every reader builds its articles here: an id that cannot be encoded (a lone
    surrogate) or an article over the size limits is rejected; a url that is not
    an http(s) link is dropped.
    """
    location = origin or article_id[:80]
    if len(article_id) > MAX_ID_CHARS:
        return Rejected(location, id_too_long(article_id))
    try:
        article_id.encode("utf-8")
    except UnicodeEncodeError as error:
        return Rejected(
            location,
            f"the id holds {article_id[error.start]!r}, which is not a "
            "character (a lone surrogate)",
        )
    written = body.strip()
    body = clean_body(body)
    title = " ".join(clean_text(title).split())
    # A body that cleaning empties (CLICK-ID has 14 made only of a mangled
    # no-break space, "¬†") leaves a headline that is still news: kept.
    if not body and not (written and title):
        return Rejected(location, "missing body")
    for name, text, most in (("body", body, MAX_BODY_CHARS), ("title", title, MAX_TITLE_CHARS)):
        if len(text) > most:
            return Rejected(
                location,
                f"the {name} is {len(text):,} characters long; at most {most:,} are accepted",
            )
    url = web_url(clean_text(url).strip())
    return Article(
        id=article_id,
        title=title,
        body=body,
        url=url,
        source=" ".join(clean_text(source).split()),
        category=" ".join(clean_text(category).split()),  # normalised when indexed
        published=unswapped(published, url),
        origin=origin,
    )
