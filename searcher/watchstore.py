"""The saved searches' database (:mod:`searcher.watch`): watches, their matches and the
alert logs' recorded sizes.

Store
    An SQLite database beside the index (``watches.sqlite`` in the index
    folder, or ``--watches FILE``), its tables created and upgraded by
    numbered migrations (:data:`MIGRATIONS`, ``PRAGMA user_version``). One run
    at a time: a lock file beside the database makes a second run wait, then
    fail with a clear message.

:class:`Watch` and :class:`Match` are its rows as plain data.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import sqlite3
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from searcher.errors import SearcherError
from searcher.models import Hit
from searcher.request import Filters

DATABASE = "watches.sqlite"

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
