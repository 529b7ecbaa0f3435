"""The conditional-GET memory: ETag / Last-Modified per URL, each feed's item links,
and the article id of each page whose id is not its URL.

Kept in a small JSON file (``.fetch-state.json`` in the index folder by
default), written whole or not at all. A file that cannot be read, and any
entry in it that is not what this module writes (a string instead of an
object, an ETag that is a list, a value holding a line break), is ignored:
the GET it would have made conditional is made plainly, once.
"""

from __future__ import annotations

import json
from pathlib import Path

from searcher.fetching.response import Response
from searcher.files import written_atomically

STATE_FILE = ".fetch-state.json"
STATE_VERSION = 1
_MAX_VALUE = 1_000  # characters of an ETag or a date worth sending back


def default_state_path(location: str, remote: bool) -> Path:
    """The state file: in the index folder, or here for a cluster (``remote``)."""
    return Path(STATE_FILE) if remote else Path(location) / STATE_FILE


def _validator(value: object) -> str | None:
    if not isinstance(value, str) or not value or len(value) > _MAX_VALUE:
        return None
    if not value.isascii() or not value.isprintable():  # never a header injection
        return None
    return value


def _entry(value: object) -> dict | None:
    """A state entry as this module writes it, or None."""
    if not isinstance(value, dict):
        return None
    entry = {name: _validator(value.get(name)) for name in ("etag", "last_modified")}
    items = value.get("items")
    if isinstance(items, list) and all(isinstance(link, str) for link in items):
        entry["items"] = items
    if isinstance(value.get("id"), str):
        entry["id"] = value["id"]
    entry = {name: v for name, v in entry.items() if v is not None}
    return entry if "etag" in entry or "last_modified" in entry else None


class State:
    """ETag / Last-Modified per URL, and the item links of each feed."""

    def __init__(self, path: Path):
        self.path = path
        self.urls: dict[str, dict] = {}
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return  # missing or unreadable: every GET is unconditional once
        if not isinstance(data, dict) or data.get("version") != STATE_VERSION:
            return
        urls = data.get("urls")
        for url, value in urls.items() if isinstance(urls, dict) else ():
            entry = _entry(value)
            if entry is not None:
                self.urls[url] = entry

    def headers(self, url: str) -> dict[str, str]:
        known = self.urls.get(url, {})
        sent = {}
        if known.get("etag"):
            sent["If-None-Match"] = known["etag"]
        if known.get("last_modified"):
            sent["If-Modified-Since"] = known["last_modified"]
        return sent

    def remember(
        self,
        url: str,
        response: Response,
        items: list[str] | None = None,
        article_id: str | None = None,
    ) -> None:
        """Keep a response's validators (and, for a feed, the links of its items; for a
        page, the id of its article)."""
        entry = _entry(
            {
                "etag": response.headers.get("ETag"),
                "last_modified": response.headers.get("Last-Modified"),
                "items": items,
                "id": article_id if article_id != url else None,
            }
        )
        if entry is not None:
            self.urls[url] = entry
        else:
            self.urls.pop(url, None)

    def forget(self, url: str) -> None:
        """No validators for ``url``: its next GET is unconditional."""
        self.urls.pop(url, None)

    def forget_articles(self, ids: list[str]) -> bool:
        """Forget the pages that gave these article ids; whether any was known."""
        wanted = set(ids)
        pages = [
            url for url, entry in self.urls.items() if url in wanted or entry.get("id") in wanted
        ]
        for url in pages:
            del self.urls[url]
        return bool(pages)

    def feed_items(self, url: str) -> list[str] | None:
        """The item links of the feed at ``url`` when last read (None: not a feed)."""
        return self.urls.get(url, {}).get("items")

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps({"version": STATE_VERSION, "urls": self.urls}, indent=1, sort_keys=True)
        with written_atomically(self.path) as out:
            out.write(text.encode("utf-8"))
