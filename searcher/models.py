"""Plain data passed between the layers (no Whoosh objects escape the core)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from html import escape
from urllib.parse import urlsplit


def web_url(url: str) -> str:
    """``url`` if it is a web link (http or https with a host), else "" (no ``javascript:``)."""
    if not isinstance(url, str):
        return ""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return ""
    return url.strip() if parts.scheme.lower() in ("http", "https") and parts.netloc else ""


@dataclass(frozen=True)
class Article:
    """One news article as read from a corpus file."""

    id: str
    title: str
    body: str
    url: str = ""
    source: str = ""
    category: str = ""
    published: datetime | None = None
    # Where the record came from ("file:line"), for messages; not part of the content.
    origin: str = field(default="", compare=False)
    author: str = ""

    @property
    def content_hash(self) -> str:
        """A digest of everything indexed, to skip unchanged articles on re-index."""
        digest = hashlib.blake2b(digest_size=16)
        for value in (self.title, self.body, self.url, self.source, self.category):
            digest.update(value.encode("utf-8", "surrogatepass"))
            digest.update(b"\x00")
        digest.update((self.published.isoformat() if self.published else "").encode())
        if self.author:  # only then: records without one keep their digests
            digest.update(b"\x00" + self.author.encode("utf-8", "surrogatepass"))
        return digest.hexdigest()


@dataclass(frozen=True)
class Rejected:
    """A record that could not be read, with where it was and why."""

    location: str  # "path:line" or "path"
    reason: str

    def __str__(self) -> str:
        return f"{self.location}: {self.reason}"


@dataclass(frozen=True)
class Snippet:
    """A highlighted excerpt: text fragments, each matched or not.

    Kept structured so each front end renders it its own way: HTML with
    ``<mark>`` (text escaped first, then marked), ANSI colour, or plain text.
    """

    fragments: tuple[tuple[str, bool], ...] = ()

    @property
    def html(self) -> str:
        return "".join(
            f"<mark>{escape(text)}</mark>" if hit else escape(text) for text, hit in self.fragments
        )

    @property
    def text(self) -> str:
        return "".join(text for text, _ in self.fragments)

    def render(self, before: str, after: str) -> str:
        """Plain text with matched words wrapped in ``before``/``after``."""
        return "".join(f"{before}{text}{after}" if hit else text for text, hit in self.fragments)

    def __bool__(self) -> bool:
        return bool(self.fragments)


@dataclass(frozen=True)
class Copy:
    """Another version of a hit: an article with nearly the same text."""

    id: str
    source: str
    url: str

    def to_json(self) -> dict:
        return {"id": self.id, "source": self.source, "url": self.url}


@dataclass(frozen=True)
class Headline:
    """Another article of a hit's story, shown under it (``search(collapse="story")``)."""

    id: str
    title: str
    source: str

    def to_json(self) -> dict:
        return {"id": self.id, "title": self.title, "source": self.source}


@dataclass(frozen=True)
class Hit:
    """One search result."""

    id: str
    title: str
    url: str
    source: str
    category: str
    published: datetime | None
    score: float
    snippet: Snippet = field(default_factory=Snippet)
    title_highlighted: Snippet = field(default_factory=Snippet)
    # Duplicate collapsing and stories (searcher.whoosh.grouping): how many other matches
    # this hit stands for, some of them listed; the story and its size in the index.
    versions: int = 0
    copies: tuple[Copy, ...] = ()
    story: str | None = None
    story_size: int = 0
    # With collapse="story" (one hit per story): the story's sources, how many of its
    # articles matched (this one included), and a few other headlines of it.
    story_sources: int = 0
    story_matches: int = 0
    headlines: tuple[Headline, ...] = ()

    def _story_json(self) -> dict | None:
        if not self.story:
            return None
        found = {"id": self.story, "size": self.story_size}
        if self.story_matches:
            found.update(
                sources=self.story_sources,
                matches=self.story_matches,
                headlines=[headline.to_json() for headline in self.headlines],
            )
        return found

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "title": self.title,
            "url": self.url,
            "source": self.source,
            "category": self.category,
            "published": self.published.isoformat() if self.published else None,
            "score": round(self.score, 4),
            "snippet": self.snippet.html,
            "story": self._story_json(),
            "versions": self.versions,
            "copies": [copy.to_json() for copy in self.copies],
        }


@dataclass(frozen=True)
class FacetCount:
    value: str
    count: int


@dataclass(frozen=True)
class SearchResult:
    """A page of results for a query."""

    query: str
    total: int
    page: int
    per_page: int
    hits: list[Hit]
    suggestion: str | None = None
    sort: str = "relevance"
    took_ms: float = 0.0
    facets: dict[str, list[FacetCount]] = field(default_factory=dict)
    histogram: list[FacetCount] = field(default_factory=list)
    # Problems that made the results incomplete (a shard that did not answer).
    warnings: tuple[str, ...] = ()
    # Why there are no results when the query itself says nothing ("!!!!", #12).
    message: str | None = None
    # Concepts the results were relaxed without, as typed (too few articles held
    # every one; #21): "tanpa kata 'X'".
    dropped: tuple[str, ...] = ()
    # The query that was searched instead of ``query`` when a typed word was
    # (almost) absent from the index and a far more frequent spelling exists (#21).
    corrected_query: str | None = None

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    def to_json(self) -> dict:
        return {
            "query": self.query,
            "total": self.total,
            "page": self.page,
            "per_page": self.per_page,
            "sort": self.sort,
            "hits": [hit.to_json() for hit in self.hits],
            "suggestion": self.suggestion,
            **({"warnings": list(self.warnings)} if self.warnings else {}),
            **({"message": self.message} if self.message else {}),
            **({"dropped": list(self.dropped)} if self.dropped else {}),
            **({"corrected_query": self.corrected_query} if self.corrected_query else {}),
        }


@dataclass(frozen=True)
class Document:
    """A stored article, as returned by :meth:`searcher.Index.get`."""

    id: str
    title: str
    body: str
    url: str
    source: str
    category: str
    published: datetime | None
    category_raw: str = ""  # the outlet's own label; ``category`` is normalised
    author: str = ""

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "title": self.title,
            "body": self.body,
            "url": self.url,
            "source": self.source,
            "category": self.category,
            "category_raw": self.category_raw,
            "author": self.author,
            "published": self.published.isoformat() if self.published else None,
        }


@dataclass(frozen=True)
class Story:
    """A story: a page of its articles (oldest first unless sorted otherwise), its
    articles per day, its size and sources, and its most representative headline.

    ``id`` is the story's current id: its first article's, or when that article
    was deleted, the id of its oldest remaining article.
    """

    id: str
    hits: list[Hit]
    histogram: list[FacetCount] = field(default_factory=list)
    size: int = 0  # live articles of the story (0: len(hits))
    source_counts: list[FacetCount] = field(default_factory=list)
    title: str = ""  # the most representative headline ("": the first hit's)
    total: int = 0  # articles on the pages (after a day filter; 0: len(hits))
    page: int = 1
    per_page: int = 0  # 0: every article on one page
    sort: str = "oldest"

    @property
    def sources(self) -> list[FacetCount]:
        if self.source_counts:
            return self.source_counts
        counts: dict[str, int] = {}
        for hit in self.hits:
            counts[hit.source] = counts.get(hit.source, 0) + 1
        return sorted(
            (FacetCount(s, n) for s, n in counts.items()), key=lambda f: (-f.count, f.value)
        )

    @property
    def headline(self) -> str:
        return self.title or (self.hits[0].title if self.hits else self.id)

    @property
    def pages(self) -> int:
        total = self.total or len(self.hits)
        return max(1, -(-total // self.per_page)) if self.per_page else 1

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "title": self.headline,
            "size": self.size or len(self.hits),
            "total": self.total or len(self.hits),
            "page": self.page,
            "per_page": self.per_page or len(self.hits),
            "sort": self.sort,
            "sources": {f.value: f.count for f in self.sources},
            "hits": [hit.to_json() for hit in self.hits],
            "histogram": [{"period": f.value, "count": f.count} for f in self.histogram],
        }


@dataclass(frozen=True)
class StorySummary:
    """A story in a list of stories: its size, time span, sources and most
    representative headline (``title``); ``active``: its articles within the
    list's window and filters."""

    id: str
    size: int
    title: str
    first: datetime | None
    last: datetime | None
    sources: int
    active: int = 0

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "size": self.size,
            "title": self.title,
            "first": self.first.isoformat() if self.first else None,
            "last": self.last.isoformat() if self.last else None,
            "sources": self.sources,
            "active": self.active,
        }


@dataclass(frozen=True)
class StoryList:
    """A page of stories (:meth:`searcher.Index.story_list`)."""

    stories: list[StorySummary]
    total: int
    page: int = 1
    per_page: int = 10
    sort: str = "largest"

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    def to_json(self) -> dict:
        return {
            "total": self.total,
            "page": self.page,
            "per_page": self.per_page,
            "sort": self.sort,
            "stories": [story.to_json() for story in self.stories],
        }


@dataclass(frozen=True)
class IndexStats:
    documents: int
    sources: list[FacetCount]
    categories: list[FacetCount]
    earliest: datetime | None
    latest: datetime | None
    size_bytes: int
    path: str

    def to_json(self) -> dict:
        return {
            "path": self.path,
            "documents": self.documents,
            "sources": {f.value: f.count for f in self.sources},
            "categories": {f.value: f.count for f in self.categories},
            "earliest": self.earliest.isoformat() if self.earliest else None,
            "latest": self.latest.isoformat() if self.latest else None,
            "size_bytes": self.size_bytes,
        }


@dataclass
class IndexReport:
    """What an indexing run did; the counts add up to the records read."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[Rejected] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def read(self) -> int:
        """Records read; every one is counted exactly once."""
        return self.added + self.updated + self.unchanged + len(self.rejected)

    def to_json(self) -> dict:
        return {
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": len(self.rejected),
            "seconds": round(self.seconds, 2),
        }


@dataclass
class DeleteReport:
    """What a deletion did: articles removed, and the ids the index did not hold."""

    deleted: int = 0
    unknown: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        return {"deleted": self.deleted, "unknown": list(self.unknown)}
