"""A page's article: trafilatura's extraction, the site's furniture left out, the id
trusted only from the page's own site, and the same checks as ``index``.

The id is the page's canonical URL (``<link rel="canonical">``, ``og:url``) when
it is on the page's own host or registrable domain (``m.kompas.com`` may name
``www.kompas.com``); a canonical URL elsewhere is not trusted (a page must not
claim another outlet's article), and the URL the page was read from (after
redirects) is the id. The article is then built by
:func:`searcher.readers.make_article`, as every record of ``index`` is: its
texts cleaned, its body at most ``MAX_BODY_CHARS`` and its title at most
``MAX_TITLE_CHARS`` characters, else the page fails with the reason.
"""

from __future__ import annotations

import contextlib
import dataclasses
import re
from urllib.parse import urldefrag, urljoin, urlsplit

from searcher.cleaning import clean_text
from searcher.dates import DateError, parse_date
from searcher.fetching.charsets import decode_html
from searcher.fetching.feeds import Item
from searcher.fetching.response import FetchError, Response
from searcher.models import Article, Rejected
from searcher.readers import make_article

# Less text than this is a page without an article (an index, a video, a menu).
MIN_TEXT_CHARS = 100
MAX_AUTHOR_CHARS = 200
# Lines of the extracted text that are a site's furniture, not the article:
# related-article links and advert labels inside the body (Indonesian sites).
FURNITURE = re.compile(
    r"^\s*(baca\s+(juga|pula)|simak\s+juga|lihat\s+juga|tonton\s+juga|artikel\s+terkait|"
    r"berita\s+terkait|advertisement|iklan|scroll\s+to\s+(continue|resume)|"
    r"dapatkan\s+(update|informasi)|ikuti\s+(kami|berita))\b",
    re.IGNORECASE,
)


def registrable_domain(host: str) -> str | None:
    """``kompas.com`` for ``m.kompas.com``, ``detik.co.id`` for ``news.detik.co.id``
    (by the Public Suffix List); None for an IP address or a bare name."""
    from tld import get_fld

    try:
        return get_fld(host, fix_protocol=True, fail_silently=True)
    except Exception:  # tld over any host name a page gives
        return None


def same_site(url: str, other: str) -> bool:
    """Whether ``other`` is on ``url``'s host or its registrable domain."""
    try:
        host, other_host = urlsplit(url).hostname, urlsplit(other).hostname
        scheme = urlsplit(other).scheme.lower()
    except ValueError:
        return False
    if not host or not other_host or scheme not in ("http", "https"):
        return False
    if host == other_host:
        return True
    domain = registrable_domain(host)
    return domain is not None and domain == registrable_domain(other_host)


def canonical_url(response: Response, declared: str | None) -> str:
    """The page's id: its declared canonical URL if on its own site, else its URL."""
    if declared:
        try:
            canonical = urldefrag(urljoin(response.url, declared.strip()))[0]
        except ValueError:
            return response.url
        if same_site(response.url, canonical):
            return canonical
    return response.url


def extract_article(response: Response, item: Item | None = None) -> Article:
    """The article of a page (raises FetchError when there is none)."""
    import trafilatura

    html = decode_html(response.body, response.headers)
    try:
        document = trafilatura.bare_extraction(
            html,
            url=response.url,
            with_metadata=True,
            include_comments=False,
            include_tables=False,
            include_links=False,
            include_images=False,
        )
    except Exception as error:  # a third-party parser over anything a server sends
        raise FetchError(f"cannot read the page: {str(error)[:200]}") from None
    text = (document.text or "") if document is not None else ""
    item = item or Item(response.url)
    title = " ".join(((document.title if document else "") or item.title or "").split())
    paragraphs = [" ".join(line.split()) for line in text.splitlines()]
    paragraphs = [p for p in paragraphs if p and not FURNITURE.match(p)]
    if paragraphs and paragraphs[0] == title:
        paragraphs = paragraphs[1:]  # the headline, which is the title
    body = "\n\n".join(paragraphs)
    if len(body) < MIN_TEXT_CHARS:
        raise FetchError("no article text found on the page")
    canonical = canonical_url(response, document.url)
    published = item.published
    if published is None and document.date:
        with contextlib.suppress(DateError, ValueError, OverflowError):
            published = parse_date(document.date)
    categories = [c for c in (document.categories or []) if isinstance(c, str) and c.strip()]
    article = make_article(
        canonical,
        title,
        body,
        url=canonical,
        source=document.sitename or item.source or urlsplit(canonical).hostname or "",
        category=item.category or (categories[0] if categories else ""),
        published=published,
        origin=response.url,
    )
    if isinstance(article, Rejected):
        raise FetchError(article.reason)
    author = " ".join(clean_text(document.author or item.author or "").split())
    return dataclasses.replace(article, author=author[:MAX_AUTHOR_CHARS])
