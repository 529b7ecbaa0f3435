"""Fetching fresh news: RSS/Atom feeds and article pages become articles for the indexer.

For each URL: a feed's items are followed to their pages, and a page's
article (title, date, author, site name and the text alone: no navigation,
adverts, "Baca juga" links or comments) is extracted with trafilatura. The
canonical URL is the article's id, so fetching again upserts in place
through :func:`searcher.backends.build_index` (unchanged articles skipped).

Politeness and bounds: an honest User-Agent, robots.txt obeyed, requests to
one host spaced by ``delay`` seconds (or the site's Crawl-delay), conditional
GETs (ETag / Last-Modified remembered in a small JSON file, by default
``.fetch-state.json`` in the index folder), a timeout and a size cap on every
response. A failed feed or page is reported with its reason and the others
go on.

What it does not do: crawl (only the items of the given feeds, or the given
pages), run JavaScript, log in, or re-check pages whose feed is unchanged.
"""

from __future__ import annotations

import codecs
import contextlib
import json
import os
import re
import time
import urllib.error
import urllib.request
import urllib.robotparser
import xml.sax
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.message import Message
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlsplit

from searcher import __version__
from searcher.backends import build_index, is_remote
from searcher.dates import WIB, DateError, parse_date
from searcher.errors import SearcherError
from searcher.models import Article

ROBOTS_AGENT = "searcher"  # the name robots.txt rules address
# Operators add a contact (``--user-agent "... ; +mailto:redaksi@contoh.id"``).
USER_AGENT = f"{ROBOTS_AGENT}/{__version__} (news search indexer; obeys robots.txt)"
STATE_FILE = ".fetch-state.json"
STATE_VERSION = 1
TIMEOUT = 10.0  # seconds per request (connecting, and each read)
MAX_BYTES = 5_000_000  # a feed or page larger than this is refused
DELAY = 1.0  # seconds between two requests to the same host
# Less text than this is a page without an article (an index, a video, a menu).
MIN_TEXT_CHARS = 100
FEED_TYPES = ("rss", "atom", "xml", "rdf")
# Lines of the extracted text that are a site's furniture, not the article:
# related-article links and advert labels inside the body (Indonesian sites).
FURNITURE = re.compile(
    r"^\s*(baca\s+(juga|pula)|simak\s+juga|lihat\s+juga|tonton\s+juga|artikel\s+terkait|"
    r"berita\s+terkait|advertisement|iklan|scroll\s+to\s+(continue|resume)|"
    r"dapatkan\s+(update|informasi)|ikuti\s+(kami|berita))\b",
    re.IGNORECASE)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""",
                           re.IGNORECASE)
# What browsers do: a page declared Latin-1 or ASCII is read as windows-1252.
_WINDOWS_1252 = {"latin-1", "iso8859-1", "ascii", "cp1252"}
_EVERY = re.compile(r"(\d+)\s*([smhd])")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


class FetchError(Exception):
    """A feed or page that could not be fetched or read (the message is the reason)."""

    def __init__(self, reason: str, status: int | None = None):
        super().__init__(reason)
        self.status = status  # the HTTP status, when the server answered


@dataclass(frozen=True)
class Failure:
    url: str
    reason: str

    def __str__(self) -> str:
        return f"{self.url}: {self.reason}"


@dataclass
class FetchReport:
    """What a fetch run did: articles new, updated, unchanged, and what failed."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: list[Failure] = field(default_factory=list)
    seconds: float = 0.0

    def to_json(self) -> dict:
        return {"new": self.added, "updated": self.updated, "unchanged": self.unchanged,
                "failed": len(self.failed), "seconds": round(self.seconds, 2)}


@dataclass(frozen=True)
class Response:
    url: str  # after redirects
    status: int  # 200, or 304 (not modified: no body)
    headers: Message
    body: bytes = b""

    @property
    def content_type(self) -> str:
        return self.headers.get_content_type() if self.headers else ""


def parse_every(text: str) -> float:
    """Seconds in an interval such as ``15m``, ``1h``, ``90s`` or ``1h30m``."""
    value = text.strip().lower()
    parts = _EVERY.findall(value)
    if not parts or _EVERY.sub("", value).strip():
        raise SearcherError(f"--every: expected an interval such as 15m, 1h or 90s, "
                            f"got {text!r}")
    seconds = sum(int(number) * _UNITS[unit] for number, unit in parts)
    if seconds < 1:
        raise SearcherError(f"--every: the interval must be at least 1 s, got {text!r}")
    return float(seconds)


def check_url(url: str, where: str) -> str:
    """``url`` if it is an http(s) address, else a one-line error naming ``where``."""
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise SearcherError(f"{where}: not an http(s) URL: {url!r}")
    return url


def read_feed_list(path: str | os.PathLike) -> list[str]:
    """The URLs of a feeds file: one a line; blank lines and ``#`` comments skipped."""
    try:
        with open(path, encoding="utf-8") as stream:
            lines = stream.read().splitlines()
    except OSError as error:
        raise SearcherError(f"--feeds: cannot read {path}: {error.strerror}") from None
    except UnicodeDecodeError:
        raise SearcherError(f"--feeds: {path} is not UTF-8 text") from None
    urls = []
    for number, line in enumerate(lines, 1):
        text = line.split(" #", 1)[0].strip()  # a comment after the URL
        if text and not text.startswith("#"):
            urls.append(check_url(text, f"{path}:{number}"))
    return urls


def default_state_path(location: str) -> Path:
    """The conditional-GET state file: in the index folder, or here for a cluster."""
    return Path(STATE_FILE) if is_remote(location) else Path(location) / STATE_FILE


class State:
    """ETag / Last-Modified per URL, and the article id each page gave."""

    def __init__(self, path: Path):
        self.path = path
        self.urls: dict[str, dict] = {}
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("version") == STATE_VERSION and isinstance(data.get("urls"), dict):
                self.urls = data["urls"]
        except (OSError, ValueError, AttributeError):
            pass  # missing or unreadable: every GET is unconditional once

    def headers(self, url: str) -> dict[str, str]:
        known = self.urls.get(url, {})
        sent = {}
        if known.get("etag"):
            sent["If-None-Match"] = known["etag"]
        if known.get("last_modified"):
            sent["If-Modified-Since"] = known["last_modified"]
        return sent

    def remember(self, url: str, response: Response, items: list[str] | None = None) -> None:
        """Keep a response's validators (and, for a feed, the links of its items)."""
        entry = {"etag": response.headers.get("ETag"),
                 "last_modified": response.headers.get("Last-Modified"), "items": items}
        entry = {k: v for k, v in entry.items() if v is not None}
        if "etag" in entry or "last_modified" in entry:
            self.urls[url] = entry
        else:
            self.urls.pop(url, None)

    def feed_items(self, url: str) -> list[str] | None:
        """The item links of the feed at ``url`` when last read (None: not a feed)."""
        return self.urls.get(url, {}).get("items")

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_name(self.path.name + ".tmp")
        temporary.write_text(json.dumps({"version": STATE_VERSION, "urls": self.urls},
                                        indent=1, sort_keys=True), encoding="utf-8")
        os.replace(temporary, self.path)


class Client:
    """HTTP GETs with a timeout, a size cap, robots.txt and a per-host delay."""

    def __init__(self, *, timeout: float = TIMEOUT, max_bytes: int = MAX_BYTES,
                 delay: float = DELAY, user_agent: str = USER_AGENT,
                 sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.monotonic):
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.delay = delay
        self.user_agent = user_agent
        self.sleep = sleep
        self.clock = clock
        self.last: dict[str, float] = {}  # host -> when it was last asked
        self.robots: dict[str, urllib.robotparser.RobotFileParser] = {}
        self.robots_problems: dict[str, str] = {}  # host -> why its robots.txt is unknown
        self.opener = urllib.request.build_opener()

    def _wait_turn(self, url: str) -> None:
        parts = urlsplit(url)
        host = parts.netloc.lower()
        robots = self.robots.get(f"{parts.scheme}://{parts.netloc}")
        delay = self.delay
        if robots is not None:
            with contextlib.suppress(Exception):
                delay = max(delay, float(robots.crawl_delay(ROBOTS_AGENT) or 0))
        last = self.last.get(host)
        if last is not None and delay > 0:
            wait = last + delay - self.clock()
            if wait > 0:
                self.sleep(wait)
        self.last[host] = self.clock()

    def _robots(self, url: str) -> urllib.robotparser.RobotFileParser:
        parts = urlsplit(url)
        host = f"{parts.scheme}://{parts.netloc}"
        parser = self.robots.get(host)
        if parser is None:
            parser = urllib.robotparser.RobotFileParser(host + "/robots.txt")
            try:
                response = self._get(host + "/robots.txt", {})
                text = response.body.decode("utf-8", "replace")
                parser.parse(text.splitlines())
            except FetchError as error:
                status = error.status
                if status in (401, 403):
                    parser.disallow_all = True
                elif status is not None and status < 500:
                    parser.allow_all = True  # no robots.txt: everything allowed
                else:  # unreachable: nothing from this host this run
                    parser.disallow_all = True
                    self.robots_problems[host] = f"robots.txt unavailable ({error}); not fetched"
            self.robots[host] = parser
        return parser

    def get(self, url: str, headers: dict[str, str] | None = None) -> Response:
        """GET ``url`` if robots.txt allows it (raises :class:`FetchError`)."""
        if not self._robots(url).can_fetch(ROBOTS_AGENT, url):
            parts = urlsplit(url)
            raise FetchError(self.robots_problems.get(f"{parts.scheme}://{parts.netloc}",
                                                      "disallowed by robots.txt"))
        return self._get(url, headers or {})

    def _get(self, url: str, headers: dict[str, str]) -> Response:
        self._wait_turn(url)
        request = urllib.request.Request(url, headers={
            "User-Agent": self.user_agent, "Accept-Encoding": "identity", **headers})
        try:
            with self.opener.open(request, timeout=self.timeout) as reply:
                length = reply.headers.get("Content-Length")
                if length and length.isdigit() and int(length) > self.max_bytes:
                    raise FetchError(f"larger than the size cap ({self.max_bytes:,} bytes)")
                body = reply.read(self.max_bytes + 1)
                if len(body) > self.max_bytes:
                    raise FetchError(f"larger than the size cap ({self.max_bytes:,} bytes)")
                return Response(reply.geturl(), reply.status, reply.headers, body)
        except urllib.error.HTTPError as error:
            with error:
                if error.code == 304:
                    return Response(url, 304, error.headers)
                raise FetchError(f"HTTP {error.code} {error.reason}", error.code) from None
        except urllib.error.URLError as error:
            reason = error.reason
            if isinstance(reason, TimeoutError):
                raise FetchError(f"timed out after {self.timeout:g} s") from None
            raise FetchError(f"cannot connect: {getattr(reason, 'strerror', None) or reason}") \
                from None
        except TimeoutError:
            raise FetchError(f"timed out after {self.timeout:g} s") from None
        except (OSError, ValueError) as error:  # reset connections, bad URLs, bad headers
            raise FetchError(f"cannot fetch: {error}") from None


def decode_html(body: bytes, headers: Message | None) -> str:
    """Page bytes as text: the charset of the header, else of a meta tag, else UTF-8
    (windows-1252 when that fails); Latin-1 and ASCII are read as windows-1252."""
    declared = headers.get_content_charset() if headers else None
    if not declared:
        match = _META_CHARSET.search(body[:4096])
        declared = match.group(1).decode("ascii") if match else None
    name = None
    if declared:
        with contextlib.suppress(LookupError):
            name = codecs.lookup(declared).name
    if name in _WINDOWS_1252:
        name = "cp1252"
    if name is None:
        try:
            return body.decode("utf-8")
        except UnicodeDecodeError:
            name = "cp1252"
    return body.decode(name, "replace")


def is_feed(response: Response) -> bool:
    kind = response.content_type
    if "html" in kind:
        return False
    if any(word in kind for word in FEED_TYPES):
        return True
    start = response.body[:1024].lstrip().lower()
    return start.startswith(b"<?xml") or start.startswith((b"<rss", b"<feed", b"<rdf"))


@dataclass(frozen=True)
class Item:
    """A feed item: its link and what the feed says about it."""

    link: str
    title: str = ""
    published: datetime | None = None
    author: str = ""
    category: str = ""
    source: str = ""


def feed_items(response: Response) -> list[Item]:
    """The items of an RSS/Atom feed, links made absolute (raises FetchError)."""
    import feedparser

    parsed = feedparser.parse(response.body, response_headers={
        "content-location": response.url,
        "content-type": response.headers.get("Content-Type", "application/xml")})
    problem = parsed.get("bozo_exception")
    if isinstance(problem, xml.sax.SAXParseException):  # not well-formed: refuse it whole
        raise FetchError(f"malformed feed XML: line {problem.getLineNumber()}: "
                         f"{problem.getMessage()}")
    if not parsed.entries and not parsed.get("version"):
        raise FetchError("not an RSS or Atom feed")
    source = (parsed.feed.get("title") or "").strip()
    items = []
    for entry in parsed.entries:
        link = entry.get("link") or ""
        if not link:
            continue
        moment = entry.get("published_parsed") or entry.get("updated_parsed")
        published = (datetime(*moment[:6], tzinfo=timezone.utc).astimezone(WIB)
                     .replace(tzinfo=None) if moment else None)
        tags = entry.get("tags") or []
        items.append(Item(
            link=urldefrag(urljoin(response.url, link.strip()))[0],
            title=" ".join((entry.get("title") or "").split()), published=published,
            author=(entry.get("author") or "").strip(),
            category=(tags[0].get("term") or "").strip() if tags else "", source=source))
    return items


def extract_article(response: Response, item: Item | None = None) -> Article:
    """The article of a page (raises FetchError when there is none)."""
    import trafilatura

    html = decode_html(response.body, response.headers)
    try:
        document = trafilatura.bare_extraction(
            html, url=response.url, with_metadata=True, include_comments=False,
            include_tables=False, include_links=False, include_images=False)
    except Exception as error:  # a third-party parser over anything a server sends
        raise FetchError(f"cannot read the page: {error}") from None
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
    canonical = urldefrag(urljoin(response.url, document.url or response.url))[0]
    published = item.published
    if published is None and document.date:
        with contextlib.suppress(DateError):
            published = parse_date(document.date)
    categories = [c for c in (document.categories or []) if c.strip()]
    return Article(
        id=canonical,
        title=title,
        body=body,
        url=canonical,
        source=(document.sitename or item.source or urlsplit(canonical).hostname or "").strip(),
        category=item.category or (categories[0].strip() if categories else ""),
        published=published,
        author=(document.author or item.author or "").strip(),
        origin=response.url,
    )


def fetch(
    urls: Iterable[str],
    location: str | os.PathLike,
    *,
    state_path: str | os.PathLike | None = None,
    client: Client | None = None,
    on_page: Callable[[str], None] | None = None,
    on_failure: Callable[[Failure], None] | None = None,
    **index_options,
) -> FetchReport:
    """Fetch feeds and pages at ``urls`` and upsert their articles at ``location``.

    ``on_page`` is called once per page or feed handled (progress bars),
    ``on_failure`` once per failure, as it happens. The conditional-GET state
    is saved only once the articles are indexed.
    """
    started = time.monotonic()
    location = str(location)
    client = client or Client()
    state = State(Path(state_path) if state_path else default_state_path(location))
    report = FetchReport()
    fresh: dict[str, tuple[Response, list | None]] = {}  # validators to keep, feeds' items
    articles: dict[str, Article] = {}  # canonical id -> article (first one wins)
    seen_pages: set[str] = set()

    def fail(url: str, reason: str) -> None:
        failure = Failure(url, reason)
        report.failed.append(failure)
        if on_failure is not None:
            on_failure(failure)

    def page(url: str, item: Item | None, response: Response | None = None) -> bool:
        """Handle one page; False if it failed."""
        if url in seen_pages:
            return True  # the same item in another feed
        seen_pages.add(url)
        try:
            if response is None:
                response = client.get(url, state.headers(url))
            if response.status == 304:
                report.unchanged += 1
                return True
            article = extract_article(response, item)
        except FetchError as error:
            fail(url, str(error))
            return False
        finally:
            if on_page is not None:
                on_page(url)
        articles.setdefault(article.id, article)
        fresh[url] = (response, None)
        return True

    for url in dict.fromkeys(urls):
        try:
            response = client.get(url, state.headers(url))
            if response.status == 304:
                if on_page is not None:
                    on_page(url)
                # An unchanged feed: its items were all read last time.
                for link in state.feed_items(url) or [url]:
                    if link not in seen_pages:
                        seen_pages.add(link)
                        report.unchanged += 1
                continue
            if not is_feed(response):
                page(url, None, response)
                continue
            items = feed_items(response)
        except FetchError as error:
            fail(url, str(error))
            if on_page is not None:
                on_page(url)
            continue
        if on_page is not None:
            on_page(url)
        results = [page(item.link, item) for item in items]
        if all(results):  # else the next run reads the feed again, to retry its items
            fresh[url] = (response, [item.link for item in items])
    indexed = build_index(list(articles.values()), location, **index_options)
    report.added, report.updated = indexed.added, indexed.updated
    report.unchanged += indexed.unchanged
    for rejected in indexed.rejected:
        fail(rejected.location, rejected.reason)
    for url, (response, items) in fresh.items():
        state.remember(url, response, items)
    state.save()
    report.seconds = time.monotonic() - started
    return report

