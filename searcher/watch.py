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

import contextlib
import errno
import fcntl
import json
import os
import re
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from searcher.errors import QueryError, SearcherError
from searcher.models import Hit
from searcher.request import Filters

if TYPE_CHECKING:
    from searcher.backends import SearchIndex

DATABASE = "watches.sqlite"
ALERT_LOG = "alerts.jsonl"
MAX_NAME_CHARS = 100
NEVER = datetime(9999, 1, 1)
LOG_BATCH = 500  # matches written between two records of the log's size (and fsyncs)
_NAME = re.compile(rf"[^\x00-\x1f\x7f]{{1,{MAX_NAME_CHARS}}}")

# Each entry upgrades the database by one version (PRAGMA user_version); never
# edit a released one, add the next.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (  # 1: saved searches, their matches, the alert logs' recorded sizes (#26)
        """CREATE TABLE watches (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            query TEXT NOT NULL,
            filters TEXT NOT NULL DEFAULT '{}',
            created TEXT NOT NULL,
            mark TEXT,
            last_run TEXT)""",
        """CREATE TABLE matches (
            id INTEGER PRIMARY KEY,
            watch_id INTEGER NOT NULL REFERENCES watches(id) ON DELETE CASCADE,
            doc_id TEXT NOT NULL,
            title TEXT NOT NULL,
            url TEXT NOT NULL,
            source TEXT NOT NULL,
            published TEXT,
            found TEXT NOT NULL,
            logged TEXT,
            pushed TEXT,
            UNIQUE (watch_id, doc_id))""",
        "CREATE INDEX matches_unlogged ON matches(logged) WHERE logged IS NULL",
        "CREATE INDEX matches_unpushed ON matches(pushed) WHERE pushed IS NULL",
        """CREATE TABLE logs (
            path TEXT PRIMARY KEY,
            size INTEGER NOT NULL)""",
    ),
)


def _now() -> str:
    return datetime.now(timezone.utc).replace(tzinfo=None).isoformat(timespec="seconds")


def _moment(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


@dataclass(frozen=True)
class Watch:
    """A saved search."""

    id: int
    name: str
    query: str
    filters: dict  # Filters.build's arguments: source, category (lists), since, until
    created: str
    mark: datetime | None  # index time up to which it has looked (UTC)
    last_run: str | None

    def search_filters(self) -> Filters | None:
        return Filters.build(**self.filters) if self.filters else None

    def to_json(self) -> dict:
        return {
            "name": self.name,
            "query": self.query,
            "filters": self.filters,
            "created": self.created,
            "last_run": self.last_run,
            "mark": self.mark.isoformat() if self.mark else None,
        }


@dataclass(frozen=True)
class Match:
    """A new article for a watch, as recorded (the ``match`` number is unique)."""

    id: int
    watch: str
    query: str
    doc_id: str
    title: str
    url: str
    source: str
    published: str | None
    found: str

    def to_json(self) -> dict:
        return {
            "match": self.id,
            "watch": self.watch,
            "query": self.query,
            "id": self.doc_id,
            "title": self.title,
            "url": self.url,
            "source": self.source,
            "published": self.published,
            "found": self.found,
        }


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


def default_database(location: str) -> Path:
    """``watches.sqlite`` in the index folder (a cluster has no folder: give one)."""
    if "://" in location:
        raise SearcherError(
            "--watches: a Manticore/Sphinx cluster has no index folder; "
            "give the saved searches' database with --watches FILE"
        )
    return Path(location) / DATABASE


class WatchStore:
    """The saved searches' database (see the module's notes); close it, or use ``with``."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(self.path, isolation_level=None, timeout=30.0)
            self.db.execute("PRAGMA foreign_keys = ON")
            self.db.execute("PRAGMA journal_mode = WAL")  # one fsync a commit, readers go on
            self.db.execute("PRAGMA synchronous = FULL")
            self._migrate()
        except sqlite3.DatabaseError as error:
            raise SearcherError(
                f"cannot use the saved searches' database {self.path}: {error}"
            ) from None
        except OSError as error:
            raise SearcherError(
                f"cannot create the saved searches' database {self.path}: {error.strerror}"
            ) from None

    def __enter__(self) -> WatchStore:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.db.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def _migrate(self) -> None:
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        if version > len(MIGRATIONS):
            raise SearcherError(
                f"the saved searches' database {self.path} was made by a newer "
                f"version of searcher (schema {version})"
            )
        for number in range(version, len(MIGRATIONS)):
            with self.transaction() as db:
                for statement in MIGRATIONS[number]:
                    db.execute(statement)
                db.execute(f"PRAGMA user_version = {number + 1}")

    @property
    def version(self) -> int:
        return self.db.execute("PRAGMA user_version").fetchone()[0]

    # -- watches ----------------------------------------------------------------------
    def watches(self) -> list[Watch]:
        rows = self.db.execute(
            "SELECT id, name, query, filters, created, mark, last_run FROM watches ORDER BY name"
        ).fetchall()
        return [
            Watch(i, name, query, json.loads(filters), created, _moment(mark), last_run)
            for i, name, query, filters, created, mark, last_run in rows
        ]

    def add(self, name: str, query: str, filters: dict, mark: datetime | None) -> Watch:
        with self.transaction() as db:
            if db.execute("SELECT 1 FROM watches WHERE name = ?", (name,)).fetchone():
                raise SearcherError(
                    f"watch: a saved search named {name!r} exists already (remove it first)"
                )
            db.execute(
                "INSERT INTO watches (name, query, filters, created, mark) VALUES (?, ?, ?, ?, ?)",
                (
                    name,
                    query,
                    json.dumps(filters, ensure_ascii=False),
                    _now(),
                    mark.isoformat() if mark else None,
                ),
            )
        return next(w for w in self.watches() if w.name == name)

    def remove(self, name: str) -> bool:
        with self.transaction() as db:
            return db.execute("DELETE FROM watches WHERE name = ?", (name,)).rowcount > 0

    def record(self, found: Sequence[tuple[Watch, Sequence[Hit]]], mark: datetime | None) -> int:
        """Insert the watches' new matches and move their marks, all in one transaction;
        the number inserted (an article a watch already reported is not inserted again)."""
        stamp = _now()
        with self.transaction() as db:
            before = db.total_changes
            db.executemany(
                "INSERT OR IGNORE INTO matches (watch_id, doc_id, title, url, source, "
                "published, found) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        watch.id,
                        hit.id,
                        hit.title,
                        hit.url,
                        hit.source,
                        hit.published.isoformat() if hit.published else None,
                        stamp,
                    )
                    for watch, hits in found
                    for hit in hits
                ],
            )
            inserted = db.total_changes - before
            db.executemany(
                "UPDATE watches SET mark = ?, last_run = ? WHERE id = ?",
                [(mark.isoformat() if mark else None, stamp, watch.id) for watch, _ in found],
            )
        return inserted

    # -- matches ------------------------------------------------------------------------
    _MATCHES = (
        "SELECT m.id, w.name, w.query, m.doc_id, m.title, m.url, m.source, "
        "m.published, m.found FROM matches m JOIN watches w ON w.id = m.watch_id "
    )

    def unlogged(self) -> list[Match]:
        return [
            Match(*row)
            for row in self.db.execute(self._MATCHES + "WHERE m.logged IS NULL ORDER BY m.id")
        ]

    def unpushed(self) -> list[Match]:
        return [
            Match(*row)
            for row in self.db.execute(
                self._MATCHES + "WHERE m.logged IS NOT NULL AND m.pushed IS NULL ORDER BY m.id"
            )
        ]

    def matches(self, watch: str | None = None) -> list[Match]:
        if watch is None:
            return [Match(*row) for row in self.db.execute(self._MATCHES + "ORDER BY m.id")]
        return [
            Match(*row)
            for row in self.db.execute(self._MATCHES + "WHERE w.name = ? ORDER BY m.id", (watch,))
        ]

    def log_size(self, log: Path) -> int:
        row = self.db.execute("SELECT size FROM logs WHERE path = ?", (str(log),)).fetchone()
        return row[0] if row else 0

    def mark_logged(self, ids: Sequence[int], log: Path, size: int, *, pushed: bool) -> None:
        """These matches are in the log, which is ``size`` bytes long; ``pushed``: there is
        nothing to push them to."""
        stamp = _now()
        with self.transaction() as db:
            db.executemany(
                "UPDATE matches SET logged = ? WHERE id = ? AND logged IS NULL",
                [(stamp, i) for i in ids],
            )
            if pushed:
                db.executemany(
                    "UPDATE matches SET pushed = '-' WHERE id = ? AND pushed IS NULL",
                    [(i,) for i in ids],
                )
            db.execute(
                "INSERT INTO logs (path, size) VALUES (?, ?) ON CONFLICT(path) "
                "DO UPDATE SET size = excluded.size",
                (str(log), size),
            )

    def mark_pushed(self, ids: Sequence[int]) -> None:
        stamp = _now()
        with self.transaction() as db:
            db.executemany("UPDATE matches SET pushed = ? WHERE id = ?", [(stamp, i) for i in ids])


@contextlib.contextmanager
def run_lock(store: WatchStore, timeout: float) -> Iterator[None]:
    """One run at a time per database (``fetch --every`` and a cron ``watch run``)."""
    path = store.path.with_name(store.path.name + ".lock")
    with open(path, "a+") as handle:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise SearcherError(
                        f"another run of the saved searches in {store.path} is "
                        f"in progress; waited {timeout:g} s"
                    ) from None
                time.sleep(0.1)
        yield


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


def write_log(
    store: WatchStore,
    log: Path,
    matches: list[Match],
    *,
    pushed: bool,
    batch: int = LOG_BATCH,
    on_logged: Callable[[Match], None] = lambda match: None,
) -> list[Match]:
    """Append ``matches`` to the log, recording in batches what is there."""
    if not matches:
        return []
    try:
        with open(log, "ab") as stream:
            for start in range(0, len(matches), batch):
                part = matches[start : start + batch]
                for match in part:
                    stream.write(json.dumps(match.to_json(), ensure_ascii=False).encode() + b"\n")
                    stream.flush()
                    on_logged(match)
                os.fsync(stream.fileno())
                store.mark_logged([m.id for m in part], log, stream.tell(), pushed=pushed)
    except OSError as error:
        kind = "no space left on the device" if error.errno == errno.ENOSPC else error.strerror
        raise SearcherError(
            f"cannot write the alert log {log}: {kind}; the matches not "
            "written are kept for the next run"
        ) from None
    return matches


def recover_log(store: WatchStore, log: Path, *, pushed: bool = False) -> int:
    """Mark the matches a killed run wrote to the log after its last recorded size as
    logged; cut a line it left half-written. Answers how many were found."""
    recorded = store.log_size(log)
    try:
        size = log.stat().st_size
    except FileNotFoundError:
        return 0
    if size < recorded:  # rotated or truncated by hand: what it holds now is all there is
        recorded = 0
    if size == recorded:
        return 0
    with open(log, "rb+") as stream:
        stream.seek(recorded)
        tail = stream.read()
        complete = tail.rfind(b"\n") + 1
        ids = []
        for line in tail[:complete].splitlines():
            try:
                ids.append(int(json.loads(line)["match"]))
            except (ValueError, KeyError, TypeError):
                continue  # a line written by someone else
        if complete < len(tail):
            stream.truncate(recorded + complete)
    store.mark_logged(ids, log, recorded + complete, pushed=pushed)
    return len(ids)
