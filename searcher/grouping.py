"""Duplicate groups and stories, whatever the backend: the features of each
article, and their assignment in (published, id) order.

:class:`Collector` takes each added or updated article's features as the
indexer goes (a MinHash signature of the body, the title and lead's story
words); :meth:`Collector.assign` assigns the new articles after the ones
already assigned (the LSH buckets and story centroids are rebuilt from
them), so the result does not depend on the order of the files or the
number of indexing processes. A copy joins the story of its group's first
article (a reprint tells the same story, even weeks later). Each backend
keeps the assignments its own way: the Whoosh index in a state file next to
it (:mod:`searcher.whoosh.grouping`), a cluster in attributes of its rows
(:mod:`searcher.manticore.grouping`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timezone

import numpy as np

from searcher.duplicates import THRESHOLD, DuplicateGroups, Signer
from searcher.errors import QueryError
from searcher.models import Article
from searcher.request import check_paging
from searcher.stories import THRESHOLD as STORY_THRESHOLD
from searcher.stories import WINDOW_DAYS, StoryClusters, story_terms

MAX_COPIES = 20  # other versions listed with a hit (all are counted)
MAX_HEADLINES = 3  # other headlines of a story shown with its hit
# A story's articles weighed for its representative headline (evenly spread over its
# life beyond this: a 438-article saga costs what 100 do).
MAX_CENTRE_ARTICLES = 100
COLLAPSE_MODES = ("none", "duplicates", "story")


STORY_LIST_SORTS = ("largest", "active", "latest")
STORY_SORTS = ("oldest", "newest")
STORY_PAGE_DEFAULT = 50  # a story page's articles on the web (the library: all by default)


def check_story_list(sort: object, page: object, per_page: object) -> tuple[str, int, int]:
    """A story list's options checked (QueryError naming the bad one)."""
    if sort not in STORY_LIST_SORTS:
        raise QueryError(f"sort: expected one of {', '.join(STORY_LIST_SORTS)}, got {sort!r}")
    page, per_page = check_paging(page, per_page)
    return sort, page, per_page


def check_story_page(sort: object, page: object, per_page: object) -> tuple[str, int, int]:
    """A story page's options checked; ``per_page`` None means every article (0)."""
    if sort not in STORY_SORTS:
        raise QueryError(f"sort: expected one of {', '.join(STORY_SORTS)}, got {sort!r}")
    if per_page is None:
        page, _ = check_paging(page, 1)
        return sort, page, 0
    page, per_page = check_paging(page, per_page)
    return sort, page, per_page


def collapse_mode(value: object) -> str:
    """``search(collapse=...)`` as one of :data:`COLLAPSE_MODES`: False or "none" (every
    match), True or "duplicates" (one per duplicate group), "story" (one per story)."""
    if value is False or value is None:
        return "none"
    if value is True:
        return "duplicates"
    if isinstance(value, str) and value in COLLAPSE_MODES:
        return value
    raise QueryError(
        f"collapse: expected one of {', '.join(COLLAPSE_MODES)} (or True/False), got {value!r}"
    )


@dataclass(frozen=True)
class Settings:
    """How articles are grouped (constructor arguments of the two clusterers)."""

    duplicate_threshold: float = THRESHOLD
    story_threshold: float = STORY_THRESHOLD
    window_days: float = WINDOW_DAYS


def seconds_of(published: datetime | None) -> float:
    """Seconds since the epoch (naive datetimes read as UTC), NaN when undated."""
    if published is None:
        return float("nan")
    if published.tzinfo is None:
        published = published.replace(tzinfo=timezone.utc)
    return published.timestamp()


def encode_terms(counts: Counter) -> str:
    """Term counts as text: each term repeated ``count`` times (read back by one split)."""
    return " ".join(" ".join([term] * count) for term, count in sorted(counts.items()))


def decode_terms(text: str) -> Counter:
    return Counter(text.split())


class Entries:
    """Grouping features and assignments of articles, as parallel lists."""

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.seconds: list[float] = []
        self.signatures: list[np.ndarray | None] = []
        self.terms: list[str] = []
        self.duplicate: list[str] = []  # "" until assigned
        self.story: list[str] = []

    def append(self, doc_id, seconds, signature, terms, duplicate="", story="") -> None:
        self.ids.append(doc_id)
        self.seconds.append(seconds)
        self.signatures.append(signature)
        self.terms.append(terms)
        self.duplicate.append(duplicate)
        self.story.append(story)

    def __len__(self) -> int:
        return len(self.ids)


class Collector:
    """Features of the articles an indexing run adds; assigns groups at the end."""

    def __init__(self, rebuild: bool, settings: Settings | None = None):
        self.rebuild = rebuild
        self.settings = settings or Settings()
        self.signer = Signer()
        self.new = Entries()

    def add(self, article: Article) -> None:
        """Remember an added or updated article's features (called as it is indexed)."""
        self.new.append(
            article.id,
            seconds_of(article.published),
            self.signer.sign(article.body),
            encode_terms(story_terms(article.title, article.body)),
        )

    def assign(self, known: Entries | None = None) -> Entries:
        """``known`` (already assigned) plus the collected articles, assigned in
        (published, id) order after them."""
        entries = known if known is not None else Entries()
        first_new = len(entries)
        order = sorted(
            range(len(self.new)), key=lambda i: (_time_key(self.new.seconds[i]), self.new.ids[i])
        )
        for i in order:
            entries.append(
                self.new.ids[i], self.new.seconds[i], self.new.signatures[i], self.new.terms[i]
            )
        _assign(entries, first_new, self.settings)
        return entries


def _time_key(seconds: float) -> float:
    return float("inf") if seconds != seconds else seconds  # undated last


def _assign(entries: Entries, first_new: int, settings: Settings) -> None:
    """Fill in the groups of entries from ``first_new`` on (the earlier ones are kept)."""
    duplicates = DuplicateGroups(threshold=settings.duplicate_threshold)
    for i in range(len(entries)):
        known = entries.duplicate[i] if i < first_new else None
        entries.duplicate[i] = duplicates.add(entries.ids[i], entries.signatures[i], known)
    terms = [decode_terms(text) for text in entries.terms]
    stories = StoryClusters(threshold=settings.story_threshold, window_days=settings.window_days)
    stories.count(terms)
    # Replay in time order: a new article meets the stories active at its own time.
    order = sorted(
        range(len(entries)),
        key=lambda i: (_time_key(entries.seconds[i]), i >= first_new, entries.ids[i]),
    )
    position = {doc_id: i for i, doc_id in enumerate(entries.ids)}
    for i in order:
        seconds = entries.seconds[i]
        known = entries.story[i] if i < first_new else None
        if known is None and entries.duplicate[i] != entries.ids[i]:
            # A copy tells its original's story, even when printed weeks later.
            original = position.get(entries.duplicate[i])
            known = entries.story[original] if original is not None else None
        entries.story[i] = stories.add(
            entries.ids[i], terms[i], None if seconds != seconds else seconds, known or None
        )


def as_datetime(seconds: float) -> datetime:
    """The naive UTC datetime of ``seconds`` (as articles' dates are stored)."""
    return datetime.fromtimestamp(float(seconds), tz=timezone.utc).replace(tzinfo=None)
