"""The fetcher's parts, one concept a module; :mod:`searcher.fetch` runs them.

* :mod:`~searcher.fetching.response` what a GET gives (:class:`Response`) or why not
  (:class:`FetchError`);
* :mod:`~searcher.fetching.client` HTTP GETs with a total deadline, a size cap,
  checked redirects, robots.txt and a per-host pace;
* :mod:`~searcher.fetching.robots` each host's robots.txt (and its capped Crawl-delay);
* :mod:`~searcher.fetching.charsets` page bytes to text, by the charsets browsers know;
* :mod:`~searcher.fetching.feeds` the items of an RSS/Atom feed, at most so many;
* :mod:`~searcher.fetching.extraction` a page's article, through the same checks as ``index``;
* :mod:`~searcher.fetching.state` the conditional-GET memory (ETag, Last-Modified);
* :mod:`~searcher.fetching.tombstones` the ids deleted from an index, which fetching
  does not bring back.

Nothing here imports the index: the orchestration in :mod:`searcher.fetch` does.
"""
