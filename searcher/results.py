"""Results as plain data: hits, documents, facet counts and the date histogram,
made from an article's stored fields (both backends build their results here)."""

from __future__ import annotations

from datetime import datetime

from searcher.models import Document, FacetCount, Hit, Snippet, web_url
from searcher.snippets import MatchTerms, highlight, make_snippet


def display_title(title: str, body: str, limit: int = 80) -> str:
    """The title, or for untitled records the start of the body."""
    if title:
        return title
    first = " ".join(body.split()[:20])
    return first if len(first) <= limit else first[:limit].rsplit(" ", 1)[0] + " …"


def make_document(stored: dict) -> Document:
    """A :class:`Document` from an article's stored fields (any backend)."""
    body = stored.get("body", "")
    return Document(
        id=stored["id"], title=display_title(stored.get("title", ""), body), body=body,
        url=web_url(stored.get("url", "")), source=stored.get("source", ""),
        category=stored.get("category", ""), published=stored.get("published"),
        category_raw=stored.get("category_raw", ""), author=stored.get("author", ""),
    )


def make_hit(stored: dict, score: float, terms: MatchTerms | None) -> Hit:
    """A :class:`Hit` from stored fields; snippets for ``terms`` (None: no snippets)."""
    body = stored.get("body", "")
    title = display_title(stored.get("title", ""), body)
    return Hit(
        id=stored["id"], title=title, url=web_url(stored.get("url", "")),
        source=stored.get("source", ""), category=stored.get("category", ""),
        published=stored.get("published"), score=float(score),
        snippet=make_snippet(body, terms) if terms is not None else Snippet(),
        title_highlighted=highlight(title, terms) if terms is not None else Snippet(),
    )


def highlighted(document: Document | None,
                terms: MatchTerms) -> tuple[Snippet, Snippet] | None:
    """An article's title and body with ``terms`` marked (None for no article)."""
    if document is None:
        return None
    return highlight(document.title, terms), highlight(document.body, terms)


def facet_counts(groups: dict) -> list[FacetCount]:
    counts = [FacetCount(str(value), count) for value, count in groups.items() if value]
    return sorted(counts, key=lambda f: (-f.count, f.value))


def grouped_date_histogram(pairs: list[tuple[str, object]]) -> list[FacetCount]:
    """Like :func:`date_histogram` for ``(day, group)`` pairs: each period counts the
    distinct groups with a match in it (what a filter on the period would leave
    once copies are collapsed)."""
    dated = [(day, group) for day, group in pairs if day]
    if not dated:
        return []
    first, last = min(d for d, _ in dated), max(d for d, _ in dated)
    by_month = (datetime.fromisoformat(last) - datetime.fromisoformat(first)).days > 62
    buckets: dict[str, set] = {}
    for day, group in dated:
        buckets.setdefault(day[:7] if by_month else day, set()).add(group)
    return [FacetCount(key, len(buckets[key])) for key in sorted(buckets)]


def date_histogram(days: dict) -> list[FacetCount]:
    """Matches per day, or per month when they span more than about two months."""
    dated = {day: count for day, count in days.items() if day}
    if not dated:
        return []
    first, last = min(dated), max(dated)
    by_month = (datetime.fromisoformat(last) - datetime.fromisoformat(first)).days > 62
    buckets: dict[str, int] = {}
    for day, count in dated.items():
        key = day[:7] if by_month else day
        buckets[key] = buckets.get(key, 0) + count
    return [FacetCount(key, buckets[key]) for key in sorted(buckets)]

