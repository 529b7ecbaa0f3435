"""robots.txt: read once per host and run, obeyed, its Crawl-delay capped.

A host's robots.txt is downloaded through the client (the same deadline and
redirect rules as any GET, at most :data:`MAX_ROBOTS_BYTES`). What its answer
means: a file is parsed; 401/403 forbid the host; another 4xx (no file) allows
everything; a 5xx or no HTTP answer at all (unreachable, timed out, not HTTP)
forbids the host for this run, with the reason. A ``Crawl-delay`` above
:data:`MAX_CRAWL_DELAY` counts as that many seconds (a site asking for a day
between two requests is not read for a day, it is read slowly).
"""

from __future__ import annotations

import urllib.robotparser
from collections.abc import Callable
from urllib.parse import urlsplit

from searcher.fetching.response import FetchError, Response, RoundOver

ROBOTS_AGENT = "searcher"  # the name robots.txt rules address
MAX_CRAWL_DELAY = 60.0  # seconds: the most a Crawl-delay makes us wait
MAX_ROBOTS_BYTES = 512_000  # RFC 9309: parse at least 500 KiB
_MAX_LINE = 2_000  # characters; longer robots.txt lines are not rules


def site_of(url: str) -> str:
    """``scheme://host[:port]`` of ``url``: whose robots.txt applies to it."""
    parts = urlsplit(url)
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"


class Robots:
    """The robots.txt of each site, fetched once through ``download(url)``."""

    def __init__(self, download: Callable[[str], Response], agent: str = ROBOTS_AGENT):
        self.download = download
        self.agent = agent
        self.parsers: dict[str, urllib.robotparser.RobotFileParser] = {}
        self.problems: dict[str, str] = {}  # site -> why its robots.txt is unknown

    def known(self, url: str) -> urllib.robotparser.RobotFileParser | None:
        """The parsed robots.txt of ``url``'s site, if already read."""
        return self.parsers.get(site_of(url))

    def check(self, url: str) -> None:
        """Nothing if ``url`` may be fetched, else :class:`FetchError` with the reason."""
        site = site_of(url)
        parser = self.parsers.get(site)
        if parser is None:
            parser = self.parsers[site] = self._read(site)
        if not parser.can_fetch(self.agent, url):
            raise FetchError(self.problems.get(site, "disallowed by robots.txt"))

    def crawl_delay(self, url: str) -> float:
        """The site's Crawl-delay in seconds (0 when none or unknown), capped."""
        parser = self.known(url)
        if parser is None:
            return 0.0
        try:
            delay = float(parser.crawl_delay(self.agent) or 0)
        except (TypeError, ValueError, OverflowError):
            return 0.0
        if delay != delay or delay < 0:  # NaN
            return 0.0
        return min(delay, MAX_CRAWL_DELAY)

    def _read(self, site: str) -> urllib.robotparser.RobotFileParser:
        parser = urllib.robotparser.RobotFileParser(site + "/robots.txt")
        try:
            response = self.download(site + "/robots.txt")
        except RoundOver:
            raise  # not asked: nothing known about the site yet
        except FetchError as error:
            status = error.status
            if status in (401, 403):
                parser.disallow_all = True
            elif status is not None and status < 500:
                parser.allow_all = True  # no robots.txt: everything allowed
            else:  # unreachable: nothing from this site this run
                parser.disallow_all = True
                self.problems[site] = f"robots.txt unavailable ({error}); not fetched"
            return parser
        lines = [
            line
            for line in response.body.decode("utf-8", "replace").splitlines()
            if len(line) <= _MAX_LINE
        ]
        try:
            parser.parse(lines)
        except Exception as error:  # the standard parser over anything a server sends
            parser.disallow_all = True
            self.problems[site] = f"robots.txt unreadable ({type(error).__name__}); not fetched"
        return parser
