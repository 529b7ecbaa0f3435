"""RSS/Atom feeds: is a response one, and its first items (links made absolute).

A feed gives at most ``max_items`` items (:data:`MAX_ITEMS` by default), the
first ones in the document (newest first, as feeds list them). A longer feed
is cut after that item before feedparser reads it, so 90,000 items cost what
200 cost. The feed's XML is read as feedparser reads it (no external entities,
no network); a feed that is not well-formed is refused whole, and whatever
else feedparser cannot read is one failure of that feed.
"""

from __future__ import annotations

import xml.parsers.expat
import xml.sax
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import urldefrag, urljoin

from searcher.dates import WIB
from searcher.fetching.charsets import header_charset, text_encoding
from searcher.fetching.response import FetchError, Response

MAX_ITEMS = 200  # items read from one feed (news feeds list 10 to 100)
FEED_TYPES = ("rss", "atom", "xml", "rdf")
_ITEMS = ("item", "entry")


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


class _Enough(Exception):
    def __init__(self, index: int, open_elements: list[str]):
        self.index = index
        self.open_elements = open_elements


def first_items(body: bytes, limit: int) -> bytes:
    """``body`` cut after its ``limit``-th item (RSS ``<item>``, Atom ``<entry>``), the
    elements still open closed; unchanged when it has fewer, or is not UTF-8 XML."""
    if body.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in body[:4]:
        return body  # UTF-16: the closing tags below would be in the wrong encoding
    parser = xml.parsers.expat.ParserCreate()
    stack: list[str] = []
    count = 0

    def start(name, attributes):
        stack.append(name)

    def end(name):
        nonlocal count
        stack.pop()
        if name.rsplit(":", 1)[-1].lower() in _ITEMS:
            count += 1
            if count >= limit:
                raise _Enough(parser.CurrentByteIndex, list(stack))

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    try:
        parser.Parse(body, True)
    except _Enough as enough:
        close = body.find(b">", enough.index)
        if close < 0:
            return body
        return body[: close + 1] + b"".join(
            f"</{name}>".encode() for name in reversed(enough.open_elements)
        )
    except (xml.parsers.expat.ExpatError, ValueError, UnicodeError):
        pass  # feedparser says what is wrong with it
    return body


def feed_items(response: Response, max_items: int = MAX_ITEMS) -> list[Item]:
    """The first ``max_items`` items of an RSS/Atom feed (raises FetchError)."""
    import feedparser

    content_type = response.content_type or "application/xml"
    charset = text_encoding(header_charset(response.headers))
    if charset:  # a charset that is no text encoding is left out, as if not given
        content_type += f"; charset={charset}"
    try:
        parsed = feedparser.parse(
            first_items(response.body, max_items),
            response_headers={"content-location": response.url, "content-type": content_type},
        )
    except Exception as error:  # a third-party parser over anything a server sends
        raise FetchError(f"cannot read the feed ({type(error).__name__})") from None
    problem = parsed.get("bozo_exception")
    if isinstance(problem, xml.sax.SAXParseException):  # not well-formed: refuse it whole
        raise FetchError(
            f"malformed feed XML: line {problem.getLineNumber()}: {problem.getMessage()}"
        )
    if not parsed.entries and not parsed.get("version"):
        raise FetchError("not an RSS or Atom feed")
    source = _text(parsed.feed.get("title"))
    items = []
    for entry in parsed.entries[:max_items]:
        link = entry.get("link") or ""
        if not isinstance(link, str) or not link.strip():
            continue
        moment = entry.get("published_parsed") or entry.get("updated_parsed")
        published = None
        if moment:
            try:
                published = (
                    datetime(*moment[:6], tzinfo=timezone.utc).astimezone(WIB).replace(tzinfo=None)
                )
            except (ValueError, OverflowError, TypeError):
                published = None
        try:
            link = urldefrag(urljoin(response.url, link.strip()))[0]
        except ValueError:  # e.g. "http://[": not a link; fetching it would fail anyway
            continue
        tags = entry.get("tags") or []
        items.append(
            Item(
                link=link,
                title=" ".join(_text(entry.get("title")).split()),
                published=published,
                author=_text(entry.get("author")),
                category=_text(tags[0].get("term")) if tags else "",
                source=source,
            )
        )
    return items


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""
