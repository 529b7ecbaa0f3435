"""Fetching fresh news: RSS/Atom feeds and article pages become articles for the indexer.

For each URL: a feed's items are followed to their pages, and a page's
article (title, date, author, site name and the text alone: no navigation,
adverts, "Baca juga" links or comments) is extracted. The canonical URL (on
the page's own site) is the article's id, so fetching again upserts in place
through :func:`searcher.backends.build_index` (unchanged articles skipped).

This module orchestrates; each concept is a module of :mod:`searcher.fetching`
(the HTTP client, robots.txt, charsets, feeds, extraction, the conditional-GET
state, the tombstones of deleted ids).

Politeness and bounds: an honest User-Agent, robots.txt obeyed (also for the
hosts redirects lead to), requests to one host spaced by ``delay`` seconds
(or the site's Crawl-delay, at most a minute), conditional GETs, a total
deadline and a size cap on every response, at most ``max_items`` items per
feed and ``round_seconds`` for the whole run (what is left waits for the
next run). Articles pass the same checks as ``index`` (cleaning, the body
and title limits). Ids deleted from the index are not fetched back. A failed
feed or page, whatever the server sent, is reported with its reason and the
others go on.

What it does not do: crawl (only the items of the given feeds, or the given
pages), run JavaScript, log in, or re-check pages whose feed is unchanged.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from searcher.backends import build_index, side_folder
from searcher.errors import SearcherError
from searcher.fetching import tombstones
from searcher.fetching.charsets import decode_html
from searcher.fetching.client import DELAY, MAX_BYTES, TIMEOUT, USER_AGENT, Client
from searcher.fetching.extraction import extract_article
from searcher.fetching.feeds import MAX_ITEMS, Item, feed_items, is_feed
from searcher.fetching.response import FetchError, Response, RoundOver
from searcher.fetching.robots import MAX_CRAWL_DELAY, ROBOTS_AGENT
from searcher.fetching.state import STATE_FILE, State
from searcher.listfiles import read_list
from searcher.models import Article

ROUND_SECONDS = 1800.0  # a run stops asking after this long; the next run goes on
_EVERY = re.compile(r"(\d+)\s*([smhd])")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}

__all__ = [
    "DELAY",
    "MAX_BYTES",
    "MAX_CRAWL_DELAY",
    "MAX_ITEMS",
    "ROBOTS_AGENT",
    "ROUND_SECONDS",
    "STATE_FILE",
    "TIMEOUT",
    "USER_AGENT",
    "Client",
    "Failure",
    "FetchError",
    "FetchReport",
    "Item",
    "Response",
    "State",
    "check_url",
    "decode_html",
    "default_state_path",
    "extract_article",
    "feed_items",
    "fetch",
    "is_feed",
    "parse_every",
    "read_feed_list",
    "undelete",
]


@dataclass(frozen=True)
class Failure:
    url: str
    reason: str

    def __str__(self) -> str:
        return f"{self.url}: {self.reason}"


@dataclass
class FetchReport:
    """What a fetch run did: articles new, updated, unchanged, skipped because deleted
    earlier, what failed, and how many feeds and pages the time limit left for later."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: list[Failure] = field(default_factory=list)
    seconds: float = 0.0
    deleted: int = 0  # pages skipped: their id was deleted (a tombstone)
    left: int = 0  # feeds and pages not asked: the run reached round_seconds

    def to_json(self) -> dict:
        return {
            "new": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "failed": len(self.failed),
            "deleted": self.deleted,
            "left": self.left,
            "seconds": round(self.seconds, 2),
        }


def parse_every(text: str) -> float:
    """Seconds in an interval such as ``15m``, ``1h``, ``90s`` or ``1h30m``."""
    value = text.strip().lower()
    parts = _EVERY.findall(value)
    if not parts or _EVERY.sub("", value).strip():
        raise SearcherError(f"--every: expected an interval such as 15m, 1h or 90s, got {text!r}")
    seconds = sum(int(number) * _UNITS[unit] for number, unit in parts)
    if seconds < 1:
        raise SearcherError(f"--every: the interval must be at least 1 s, got {text!r}")
    return float(seconds)


def check_url(url: str, where: str) -> str:
    """``url`` if it is an http(s) address, else a one-line error naming ``where``."""
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        raise SearcherError(f"{where}: not a valid URL: {url!r}") from None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise SearcherError(f"{where}: not an http(s) URL: {url!r}")
    return url


def read_feed_list(path: str | os.PathLike) -> list[str]:
    """The URLs of a feeds file: one a line; blank lines and ``#`` comments skipped
    (a BOM ignored, the file's size bounded: :mod:`searcher.listfiles`)."""
    urls = []
    for number, line in read_list(path, "--feeds"):
        text = line.split(" #", 1)[0].strip()  # a comment after the URL
        if text:
            urls.append(check_url(text, f"{path}:{number}"))
    return urls


def default_state_path(location: str) -> Path:
    """The conditional-GET state file: in the index folder, or here for a cluster."""
    return side_folder(location) / STATE_FILE


def undelete(
    ids: Iterable[str], location: str | os.PathLike, *, state_path: str | os.PathLike | None = None
) -> list[str]:
    """Take ``ids`` off the index's tombstones (the ones that were there are returned),
    and forget the validators of their pages: the next fetch reads them whole and may
    add them again."""
    location = str(location)
    ids = [ids] if isinstance(ids, str) else list(ids)
    forgotten = tombstones.forget(location, ids)
    state = State(Path(state_path) if state_path else default_state_path(location))
    if state.forget_articles(forgotten):
        state.save()
    return forgotten


def fetch(
    urls: Iterable[str],
    location: str | os.PathLike,
    *,
    state_path: str | os.PathLike | None = None,
    client: Client | None = None,
    on_page: Callable[[str], None] | None = None,
    on_failure: Callable[[Failure], None] | None = None,
    max_items: int = MAX_ITEMS,
    round_seconds: float | None = ROUND_SECONDS,
    **index_options,
) -> FetchReport:
    """Fetch feeds and pages at ``urls`` and upsert their articles at ``location``.

    ``on_page`` is called once per page or feed handled (progress bars),
    ``on_failure`` once per failure, as it happens. A feed gives at most
    ``max_items`` items; after ``round_seconds`` (None: no limit) nothing more
    is asked and what was fetched is indexed. Ids deleted from the index (its
    tombstones) are skipped. The conditional-GET state is saved only once the
    articles are indexed.
    """
    started = time.monotonic()
    location = str(location)
    client = client or Client()
    client.not_after = started + round_seconds if round_seconds else None
    state = State(Path(state_path) if state_path else default_state_path(location))
    deleted = tombstones.deleted_ids(location)
    report = FetchReport()
    # Validators to keep, and each feed's item links or each page's article id.
    fresh: dict[str, tuple[Response, list[str] | str]] = {}
    articles: dict[str, Article] = {}  # canonical id -> article (first one wins)
    seen_pages: set[str] = set()
    over = False  # the round's time is up

    def progress(url: str) -> None:
        if on_page is not None:
            on_page(url)

    def fail(url: str, reason: str) -> None:
        failure = Failure(url, reason)
        report.failed.append(failure)
        if on_failure is not None:
            on_failure(failure)

    def time_is_up() -> bool:
        nonlocal over
        over = over or (client.not_after is not None and time.monotonic() >= client.not_after)
        return over

    def get(url: str) -> Response | None:
        """The response at ``url``, or None after reporting why not (or the time is up)."""
        nonlocal over
        try:
            return client.get(url, state.headers(url))
        except RoundOver:
            over = True
        except FetchError as error:
            fail(url, str(error))
        except Exception as error:  # one URL's surprise is that URL's failure, not the run's
            fail(url, f"cannot fetch ({type(error).__name__}: {str(error)[:200]})")
        return None

    def page(url: str, item: Item | None, response: Response | None = None) -> bool:
        """Handle one page; False if it failed or was not reached."""
        if url in seen_pages:
            return True  # the same item in another feed
        if url in deleted:
            seen_pages.add(url)
            skip_deleted(url)
            return True
        if response is None:
            if time_is_up():
                report.left += 1
                return False
            response = get(url)
            if response is None:
                if over:
                    report.left += 1
                else:
                    seen_pages.add(url)
                    progress(url)
                return False
        seen_pages.add(url)
        progress(url)
        if response.status == 304:
            report.unchanged += 1
            return True
        try:
            article = extract_article(response, item)
        except FetchError as error:
            fail(url, str(error))
            return False
        except Exception as error:  # whatever a hostile page makes a parser do
            fail(url, f"cannot read the page ({type(error).__name__})")
            return False
        if article.id in deleted:
            skip_deleted(url)
        else:
            fresh[url] = (response, article.id)
            articles.setdefault(article.id, article)
        return True

    def skip_deleted(url: str) -> None:
        """A page whose id was deleted: not fetched, and no validators kept, so that once
        undeleted it is read whole again."""
        report.deleted += 1
        state.forget(url)

    for url in dict.fromkeys(urls):
        if url in deleted:
            seen_pages.add(url)
            skip_deleted(url)
            continue
        if time_is_up():
            report.left += 1
            continue
        response = get(url)
        if response is None:
            if over:
                report.left += 1
            else:
                progress(url)
            continue
        if response.status == 304:
            progress(url)
            # An unchanged feed: its items were all read last time.
            for link in state.feed_items(url) or [url]:
                if link not in seen_pages:
                    seen_pages.add(link)
                    report.unchanged += 1
            continue
        if not is_feed(response):
            page(url, None, response)
            continue
        try:
            items = feed_items(response, max_items)
        except FetchError as error:
            fail(url, str(error))
            progress(url)
            continue
        progress(url)
        results = [page(item.link, item) for item in items]
        if all(results):  # else the next run reads the feed again, to retry its items
            fresh[url] = (response, [item.link for item in items])
    # Deleted meanwhile (a `delete` during this run): not added back.
    deleted = tombstones.deleted_ids(location)
    kept = [article for article in articles.values() if article.id not in deleted]
    report.deleted += len(articles) - len(kept)
    indexed = build_index(kept, location, **index_options)
    report.added, report.updated = indexed.added, indexed.updated
    report.unchanged += indexed.unchanged
    for rejected in indexed.rejected:
        fail(rejected.location, rejected.reason)
    for url, (response, what) in fresh.items():
        if isinstance(what, list):
            state.remember(url, response, items=what)
        else:
            state.remember(url, response, article_id=what)
    state.save()
    report.seconds = time.monotonic() - started
    return report
