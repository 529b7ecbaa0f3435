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
            "story": {"id": self.story, "size": self.story_size} if self.story else None,
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
    """The articles of one story, oldest first, and their count per day."""

    id: str
    hits: list[Hit]
    histogram: list[FacetCount] = field(default_factory=list)

    @property
    def sources(self) -> list[FacetCount]:
        counts: dict[str, int] = {}
        for hit in self.hits:
            counts[hit.source] = counts.get(hit.source, 0) + 1
        return sorted((FacetCount(s, n) for s, n in counts.items()),
                      key=lambda f: (-f.count, f.value))

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "size": len(self.hits),
            "sources": {f.value: f.count for f in self.sources},
            "hits": [hit.to_json() for hit in self.hits],
            "histogram": [{"period": f.value, "count": f.count} for f in self.histogram],
        }


@dataclass(frozen=True)
class StorySummary:
    """A story in a list of stories: its size, time span, and first article's title."""

    id: str
    size: int
    title: str
    first: datetime | None
    last: datetime | None
    sources: int

    def to_json(self) -> dict:
        return {
            "id": self.id, "size": self.size, "title": self.title,
            "first": self.first.isoformat() if self.first else None,
            "last": self.last.isoformat() if self.last else None,
            "sources": self.sources,
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


@dataclass(frozen=True)
class Percolation:
    """Saved searches run over the articles indexed since a time (:mod:`searcher.watch`).

    ``mark`` is the latest index time of the generation searched (None: an empty
    index); the next run asks for what came after it. ``matches[i]`` are the new
    articles matching the i-th search, in the order they were indexed, or the
    error message of a search that cannot run.
    """

    mark: datetime | None
    matches: list[list[Hit] | str]
