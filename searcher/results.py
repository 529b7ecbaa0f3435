"""Results as plain data: hits, documents, facet counts and the date histogram,
made from an article's stored fields (both backends build their results here)."""

from __future__ import annotations

from collections.abc import Callable
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
        id=stored["id"],
        title=display_title(stored.get("title", ""), body),
        body=body,
        url=web_url(stored.get("url", "")),
        source=stored.get("source", ""),
        category=stored.get("category", ""),
        published=stored.get("published"),
        category_raw=stored.get("category_raw", ""),
        author=stored.get("author", ""),
    )


def make_hit(stored: dict, score: float, terms: MatchTerms | None) -> Hit:
    """A :class:`Hit` from stored fields; snippets for ``terms`` (None: no snippets)."""
    body = stored.get("body", "")
    title = display_title(stored.get("title", ""), body)
    return Hit(
        id=stored["id"],
        title=title,
        url=web_url(stored.get("url", "")),
        source=stored.get("source", ""),
        category=stored.get("category", ""),
        published=stored.get("published"),
        score=float(score),
        snippet=make_snippet(body, terms) if terms is not None else Snippet(),
        title_highlighted=highlight(title, terms) if terms is not None else Snippet(),
    )


def highlighted(document: Document | None, terms: MatchTerms) -> tuple[Snippet, Snippet] | None:
    """An article's title and body with ``terms`` marked (None for no article)."""
    if document is None:
        return None
    return highlight(document.title, terms), highlight(document.body, terms)


def facet_counts(groups: dict) -> list[FacetCount]:
    counts = [FacetCount(str(value), count) for value, count in groups.items() if value]
    return sorted(counts, key=lambda f: (-f.count, f.value))


def date_histogram(days: dict) -> list[FacetCount]:
    """Matches per day, week or month, chosen from the span of the matches: per day up
    to about two months (September 2019: 30 bars), per week up to 62 weeks, else per
    month (#26). Keys: ``2019-09-10``, ``2019-W37`` (ISO week), ``2019-09``."""
    dated = {day: count for day, count in days.items() if day}
    if not dated:
        return []
    key = bucket_of(dated)
    buckets: dict[str, int] = {}
    for day, count in dated.items():
        bucket = key(day)
        buckets[bucket] = buckets.get(bucket, 0) + count
    return [FacetCount(bucket, buckets[bucket]) for bucket in sorted(buckets)]


def bucket_of(days) -> Callable[[str], str]:
    """The period of a day (``2019-09-10``) for a histogram of ``days`` (ISO days,
    at least one): the day, its ISO week or its month, by the span of ``days``."""
    first, last = min(days), max(days)
    span = (datetime.fromisoformat(last) - datetime.fromisoformat(first)).days
    if span <= DAY_BUCKETS_UP_TO:
        return _by_day
    return _by_week if span <= WEEK_BUCKETS_UP_TO else _by_month


DAY_BUCKETS_UP_TO = 62  # days of span shown day by day
WEEK_BUCKETS_UP_TO = 62 * 7  # then week by week


def _by_day(day: str) -> str:
    return day


def _by_week(day: str) -> str:
    year, week, _ = datetime.fromisoformat(day).isocalendar()
    return f"{year}-W{week:02d}"


def _by_month(day: str) -> str:
    return day[:7]
