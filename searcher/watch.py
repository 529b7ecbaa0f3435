"""Saved searches ("watches") and their alerts: what is new for the topics a reader follows.

Concepts
    A *watch* is a saved search: a name, a query, filters (the same as a
    search's) and a *mark*, the index time up to which it has looked. A *run*
    searches every watch among the articles indexed after its mark (by index
    time, the ``indexed`` field, not by publication date: a late-fetched
    article of last week is still news to the reader), records the new
    *matches* and moves the mark. A new watch starts at the index's latest
    index time, so it reports what arrives after it was saved. An article
    matches when it has all the query's words (a search ranks those first but
    also finds articles with some; :mod:`searcher.whoosh.percolation`).

Store
    An SQLite database beside the index (``watches.sqlite`` in the index
    folder, or ``--watches FILE``), its tables created and upgraded by
    numbered migrations (:data:`MIGRATIONS`, ``PRAGMA user_version``). One run
    at a time: a lock file beside the database makes a second run wait, then
    fail with a clear message.

Crash safety: no match reported twice or lost
    1. Every watch's new matches are inserted and its mark moved in one
       transaction (a match is unique per watch and article); killed before
       the commit, the next run finds the same articles again.
    2. Unlogged matches are appended to the alert log (JSON Lines, one line
       a match with its ``match`` number), then marked logged together with
       the log's size in one transaction. A run killed in between leaves
       lines the database does not know of: the next run first reads the
       log from the recorded size, marks the matches it finds there as
       logged and cuts a line the kill left half-written. So the log holds
       every match exactly once.
    3. Then the optional command and webhook (:mod:`searcher.alerts`) get the
       logged matches not yet pushed; a match is marked pushed after its
       delivery succeeded. A crash between the two repeats that delivery, so
       receivers get each match's ``match`` number to recognise a repeat.

Backends: the Whoosh index records index times; a Manticore/Sphinx cluster
does not, and its ``percolate`` fails with a message saying so.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from searcher.alertlog import ALERT_LOG, LOG_BATCH, recover_log, write_log
from searcher.errors import QueryError, SearcherError
from searcher.request import Filters
from searcher.watchstore import (  # noqa: F401 (the store's API, at its old path)
    DATABASE,
    MIGRATIONS,
    Match,
    Watch,
    WatchStore,
    default_database,
    run_lock,
)

if TYPE_CHECKING:
    from searcher.backends import SearchIndex

MAX_NAME_CHARS = 100
NEVER = datetime(9999, 1, 1)
_NAME = re.compile(rf"[^\x00-\x1f\x7f]{{1,{MAX_NAME_CHARS}}}")


@dataclass
class RunReport:
    """What a run did: the matches it logged, searches that failed, deliveries that failed."""

    watches: int = 0
    matches: list[Match] = field(default_factory=list)
    recovered: int = 0  # matches a killed run had logged, recognised in the log
    errors: list[tuple[str, str]] = field(default_factory=list)  # (watch, message)
    failed: list[str] = field(default_factory=list)  # deliveries that failed

    def to_json(self) -> dict:
        by_watch: dict[str, list[dict]] = {}
        for match in self.matches:
            by_watch.setdefault(match.watch, []).append(match.to_json())
        return {
            "watches": self.watches,
            "new": len(self.matches),
            "recovered": self.recovered,
            "matches": by_watch,
            "errors": [{"watch": name, "error": message} for name, message in self.errors],
            "failed": list(self.failed),
        }


def check_name(name: str) -> str:
    name = name.strip()
    if not _NAME.fullmatch(name):
        raise SearcherError(
            f"watch: NAME must be 1 to {MAX_NAME_CHARS} printable characters, got {name[:40]!r}"
        )
    return name


def filter_arguments(
    source: Sequence[str] | None = None,
    category: Sequence[str] | None = None,
    since: str | None = None,
    until: str | None = None,
) -> dict:
    """A watch's filters as stored: only those given, checked as a search checks them."""
    filters = {
        key: value
        for key, value in (
            ("source", list(source or ())),
            ("category", list(category or ())),
            ("since", since),
            ("until", until),
        )
        if value
    }
    Filters.build(**filters)  # QueryError naming the bad one
    return filters


def add_watch(index: SearchIndex, store: WatchStore, name: str, query: str, filters: dict) -> Watch:
    """Save a search; it reports articles indexed from now on. A query the index cannot
    run is refused (QueryError naming it)."""
    name = check_name(name)
    # After the end of time: the query is checked and run, and nothing is new.
    done = index.percolate([(query, Filters.build(**filters) if filters else None, NEVER)])
    if isinstance(done.matches[0], str):
        raise QueryError(done.matches[0])
    return store.add(name, query, filters, done.mark)


def run_watches(
    index: SearchIndex,
    store: WatchStore,
    *,
    log: str | os.PathLike | None = None,
    pusher: Callable[[list[Match]], tuple[list[int], list[str]]] | None = None,
    lock_timeout: float = 60.0,
    on_step: Callable[[str, object], None] | None = None,
    log_batch: int = LOG_BATCH,
) -> RunReport:
    """Run every saved search over the articles indexed since its mark; log and push the
    new matches (see the module's notes).

    ``log`` is the alert log (default ``alerts.jsonl`` beside the database);
    ``pusher`` delivers logged matches elsewhere and answers the ids delivered and
    failure messages (:func:`searcher.alerts.Pusher`). ``on_step(step, what)`` is
    called after each watch is recorded (``"recorded"``, the watch) and each match
    is written to the log (``"logged"``, the match): progress, or a test's kill.
    ``log_batch`` matches are written between two records of the log's size.
    """
    log = Path(log) if log is not None else store.path.with_name(ALERT_LOG)
    step = on_step or (lambda step, what: None)
    report = RunReport()
    with run_lock(store, lock_timeout):
        report.recovered = recover_log(store, log, pushed=pusher is None)
        watches = store.watches()
        report.watches = len(watches)
        searches = []
        for watch in watches:
            try:
                searches.append((watch.query, watch.search_filters(), watch.mark))
            except QueryError as error:  # a filter saved by an older version, say
                searches.append(None)
                report.errors.append((watch.name, str(error)))
        done = index.percolate([s for s in searches if s is not None])
        results = iter(done.matches)
        found = []
        for watch, search in zip(watches, searches, strict=True):
            if search is None:
                continue
            hits = next(results)
            if isinstance(hits, str):
                report.errors.append((watch.name, hits))
            else:
                found.append((watch, hits))
        store.record(found, done.mark)  # one transaction: all or nothing
        for watch, _ in found:
            step("recorded", watch)
        report.matches = write_log(
            store,
            log,
            store.unlogged(),
            pushed=pusher is None,
            batch=log_batch,
            on_logged=lambda match: step("logged", match),
        )
        if pusher is not None:
            waiting = store.unpushed()
            if waiting:
                delivered, failures = pusher(waiting)
                store.mark_pushed(delivered)
                report.failed.extend(failures)
    return report
