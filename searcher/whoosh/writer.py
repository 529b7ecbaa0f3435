"""Writing the Whoosh index: building and updating it, crash-safe, one indexer at a time.

Fields (the schema is :func:`searcher.whoosh.storage.make_schema`)
    ``id`` (unique, the upsert key), ``title`` and ``body`` (stemmed),
    ``title_exact`` and ``body_exact`` (same words, not stemmed, so exact
    forms and acronyms outrank stemmed matches), ``title_pairs`` and
    ``body_pairs`` (neighbouring stems as one term, the lead's only in bodies:
    proximity and multiword terms), ``url``, ``source`` and
    ``category`` (facets and filters; categories normalised by
    :mod:`searcher.categories`, the outlet's own label kept in ``category_raw``),
    ``author``, ``published`` (date filters and sorting), ``indexed`` (when the
    article was added or last changed, UTC, strictly increasing within an index:
    what saved searches call new) and ``hash`` (a content digest to skip
    unchanged articles).

Safety
    Whoosh commits by writing new segment files and then a new table of
    contents (TOC); readers only ever see a complete generation, so a crash
    before a commit leaves the last committed index searchable. A brand-new
    index is first built in a hidden folder and moved in TOC-last, so a crash
    during the first build never leaves an empty index behind. One indexer at
    a time: a lock file makes a second one wait (bounded) and then fail with
    a clear message. A failed or killed run's uncommitted files are deleted
    (by the run itself, else by the next one); worker processes (``procs`` >
    1) die with the indexer and a failed worker fails the run instead of
    silently dropping its articles. A full disk or a read-only folder is one
    clear :class:`SearcherError`.

Where
    This module adds, updates and deletes documents in batches; the folder
    (lock, first build, clean-up, errors of the place) is
    :mod:`searcher.whoosh.folders`, the worker processes
    :mod:`searcher.whoosh.workers`; segments are written by our codec
    (:mod:`searcher.whoosh.codec`), their ranked fields' postings laid out in
    bulk (:mod:`searcher.whoosh.bulk`).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import time
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta, timezone
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.writing import CLEAR

from searcher import checks, stemmer, stemtable
from searcher.categories import normalize_category
from searcher.errors import IndexNotFoundError, IndexVersionError, SearcherError
from searcher.models import Article, DeleteReport, IndexReport, Rejected
from searcher.upserts import Change, Upserts
from searcher.whoosh import codec, grouping, internals, learned
from searcher.whoosh.columns import as_datetime
from searcher.whoosh.folders import (  # noqa: F401 (LOCK_FILE, indexer_lock: the module's API)
    BUILD_PREFIX,
    LOCK_FILE,
    indexer_lock,
    prepare_folder,
    publish_build,
    remove_failed_first_build,
    remove_index_files,
    remove_uncommitted,
    take_stem_parts,
    write_errors,
)
from searcher.whoosh.storage import (
    INDEX_NAME,
    SCHEMA_VERSION,
    default_index_dir,
    index_exists,
    make_schema,
    open_whoosh_index,
)
from searcher.whoosh.workers import ParallelWriter


def _document(article: Article, indexed: datetime) -> dict:
    return {
        "id": article.id,
        "title": article.title,
        "title_exact": article.title,
        "body": article.body,
        "body_exact": article.body,
        "title_pairs": article.title,
        "body_pairs": article.body,
        "url": article.url,
        "source": article.source,
        "category": normalize_category(article.category),
        "category_raw": article.category,
        "author": article.author,
        "published": article.published,
        "indexed": indexed,
        "hash": article.content_hash,
        "schema_version": SCHEMA_VERSION,
    }


def _existing_hashes(ix) -> dict[str, str]:
    """id → content hash of every live document, read from the columns."""
    with ix.reader() as reader:
        if reader.doc_count_all() == 0:
            return {}
        ids = reader.column_reader("id")
        hashes = reader.column_reader("hash")
        return {ids[docnum]: hashes[docnum] for docnum in reader.all_doc_ids()}


def latest_indexed(ix) -> datetime | None:
    """The latest ``indexed`` time of the index's documents (None if it has none)."""
    with ix.reader() as reader:
        if reader.doc_count_all() == 0:
            return None
        values = [as_datetime(v) for v in reader.column_reader("indexed", translate=False)]
    return max((v for v in values if v is not None), default=None)


class _Batches:
    """A Whoosh writer that commits every ``commit_every`` documents.

    Committing in batches means a killed run keeps what it had committed, and
    the next run skips those articles by their hash. ``--rebuild`` instead
    commits once, clearing the old documents in the same atomic step.
    """

    def __init__(
        self, path: Path, commit_every: int | None, clear: bool, procs: int, writer_options: dict
    ):
        self.path = path
        self.commit_every = commit_every
        self.clear = clear
        self.procs = procs
        self.options = writer_options
        self.pending = 0
        self.build: Path | None = None
        self.replace_old = False
        try:
            self.ix = open_whoosh_index(path) if index_exists(path) else None
        except (IndexVersionError, SearcherError):  # an old format, a damaged file (#24)
            if not clear:
                raise
            self.ix, self.replace_old = None, True  # rebuilt aside, then put in its place
        if self.ix is None:
            self.build = path / f"{BUILD_PREFIX}{os.getpid()}"
            try:
                self.build.mkdir()
                self.ix = whoosh_index.create_in(
                    str(self.build), make_schema(), indexname=INDEX_NAME
                )
            except BaseException:
                shutil.rmtree(self.build, ignore_errors=True)
                raise
        else:
            remove_uncommitted(self.ix)  # left by a killed run
        self.writer = None
        self.last_indexed = None if self.build is not None or clear else latest_indexed(self.ix)
        self.words = stemmer.start_recording()
        # A table is complete when it grew with its index from the start (or the index
        # is rebuilt); an index that had articles before its table stays incomplete.
        self.table_complete = self.build is not None or clear or stemtable.is_complete(path)

    def _writer(self):
        if self.writer is None:
            if self.procs > 1 and internals.parallel_writing():
                self.writer = ParallelWriter(
                    self.ix, self.save_stems, procs=self.procs, multisegment=True, **self.options
                )
            else:
                self.writer = internals.segment_writer(self.ix, self.save_stems, **self.options)
        return self.writer

    def indexed_now(self) -> datetime:
        """Now (UTC), later than every article indexed before, even if the clock went
        back: saved searches find new articles as those indexed after a time."""
        now = datetime.now(timezone.utc).replace(tzinfo=None)
        if self.last_indexed is not None and now <= self.last_indexed:
            now = self.last_indexed + timedelta(microseconds=1)
        self.last_indexed = now
        return now

    def add(self, article: Article, replace: bool) -> None:
        writer = self._writer()
        document = _document(article, self.indexed_now())
        if replace and not self.clear:
            writer.update_document(**document)
        else:
            writer.add_document(**document)
        self.pending += 1
        if self.commit_every and self.pending >= self.commit_every and not self.clear:
            self.commit()

    def commit(self) -> None:
        # A rebuild that read no good article keeps the old index: an empty
        # result is far more often a wrong path than a wish to delete everything.
        if self.writer is not None:
            parallel = isinstance(self.writer, ParallelWriter)
            before = internals.segment_ids(self.ix) if parallel else set()
            self.writer.commit(mergetype=CLEAR) if self.clear else self.writer.commit()
            self.writer = None
            if parallel:  # one segment per worker: merged into one, in bulk (#22)
                new = internals.segment_ids(self.ix) - before
                internals.merge_into_one(self.ix, lambda: None, new, **self.options)
        self.pending = 0
        if self.build is not None and any(self.build.glob("*.toc")):
            self.ix.close()
            if self.replace_old:
                remove_index_files(self.path)
            publish_build(self.build, self.path)
            self.build = None
            self.ix = open_whoosh_index(self.path)
            remove_uncommitted(self.ix)  # segments of a publish that was killed half-way

    def save_stems(self) -> None:
        """Add the words indexed since the last commit (here and in the workers), with
        their stems, to the stem table, before the table of contents that makes them
        visible. Every word is saved, not only those new to this process: a process
        that knew a word from another index still owes it to this one's table."""
        folder = self.build or self.path
        from_workers = take_stem_parts(folder)
        stemmer.add_known_stems(from_workers)  # the next batch's workers start with them
        table = stemtable.read_table(folder)
        size = len(table)
        stemtable.merge(table, ((word, stemmer.stem_word(word)) for word in self.words))
        self.words.clear()
        stemtable.merge(table, from_workers)
        if len(table) > size or not stemtable.table_path(folder).exists():
            stemtable.write_table(folder, table, complete=self.table_complete)

    def cancel(self) -> None:
        """Drop everything not committed, and its files (best effort: this runs after a
        failure, whose error is the one to report)."""
        if self.writer is not None:
            internals.abandon_writer(self.writer)
            self.writer = None
        if self.build is not None:
            shutil.rmtree(self.build, ignore_errors=True)
        else:
            with contextlib.suppress(Exception):
                remove_uncommitted(self.ix)


def build_index(
    sources: Iterable[Article | Rejected],
    path: str | os.PathLike | None = None,
    *,
    rebuild: bool = False,
    commit_every: int | None = 20_000,
    lock_timeout: float = 10.0,
    procs: int = 1,
    limitmb: int = 128,
    on_record: Callable[[Article | Rejected], None] | None = None,
    on_reject: Callable[[Rejected], None] | None = None,
    group: bool = True,
    learn_neighbours: bool = False,
) -> IndexReport:
    """Add or update articles in the index at ``path`` (created if missing).

    ``sources`` is what :func:`searcher.readers.read_articles` yields. Articles
    whose content hash is unchanged are skipped; a repeated id within one run
    is rejected (the first one is kept). With ``rebuild`` the index ends up
    holding exactly these articles. ``on_record`` is called once per record
    (progress bars); ``on_reject`` once per rejected record, as it happens.
    ``limitmb`` bounds each writer's buffer of Whoosh postings (ids, facets,
    dates; per process with ``procs`` > 1); the ranked fields' postings of a
    batch are held in flat arrays until its commit (about 20 bytes a posting:
    ``commit_every`` bounds them).
    ``group`` finds duplicates and stories (:mod:`searcher.whoosh.grouping`).
    After the commit the index learns which words its corpus writes as names
    (:mod:`searcher.whoosh.learned`); ``learn_neighbours`` also learns word
    neighbours (minutes on CLICK-ID; used only with ``Ranking.neighbour_weight``).
    """
    started = time.monotonic()
    folder = Path(path or default_index_dir())
    created = not folder.exists()
    prepare_folder(folder)
    try:
        return _build(
            sources,
            folder,
            started,
            rebuild,
            commit_every,
            lock_timeout,
            procs,
            limitmb,
            on_record,
            on_reject,
            group,
            learn_neighbours,
        )
    except BaseException:
        if created:
            remove_failed_first_build(folder)
        raise


def _build(
    sources,
    folder: Path,
    started: float,
    rebuild: bool,
    commit_every: int | None,
    lock_timeout: float,
    procs: int,
    limitmb: int,
    on_record,
    on_reject,
    group: bool,
    learn_neighbours: bool = False,
) -> IndexReport:
    report = IndexReport()
    upserts = Upserts(report, on_record, on_reject)
    # compound=False: Whoosh copies a compound segment file into memory for
    # every reader, which costs each server thread the size of the index.
    options = {"limitmb": limitmb, "compound": False, "codec": codec.index_codec()}
    with write_errors(folder), indexer_lock(folder, lock_timeout):
        for stale in folder.glob(f"{BUILD_PREFIX}*"):
            shutil.rmtree(stale, ignore_errors=True)  # left by a killed first build
        batches = _Batches(folder, commit_every, rebuild, procs, options)
        collector = grouping.Collector(rebuild) if group else None
        try:
            known = {} if rebuild else _existing_hashes(batches.ix)
            for record in sources:
                article = upserts.article(record)
                if article is None:
                    continue
                change = upserts.change(article, known.get(article.id))
                if change is not Change.UNCHANGED:
                    batches.add(article, replace=change is Change.UPDATE)
                    if collector is not None:
                        collector.add(article)
            batches.commit()
            if collector is not None and index_exists(folder):
                collector.commit(folder, batches.ix)
            if index_exists(folder):
                # derived, like the groups (#23)
                learned.refresh(folder, batches.ix, vectors=learn_neighbours)
        except BaseException:
            batches.cancel()
            raise
        finally:
            stemmer.stop_recording()
            batches.ix.close()
    report.seconds = time.monotonic() - started
    return report


def delete_documents(
    ids: Iterable[str] | str, path: str | os.PathLike | None = None, *, lock_timeout: float = 10.0
) -> DeleteReport:
    """Remove the articles with these ids from the index at ``path``.

    ``ids`` is one id (a string) or an iterable of ids; anything else is a
    :class:`QueryError` naming ``ids``.
    Ids the index does not hold are listed in the report, not an error;
    a repeated id counts once. One commit, under the indexer lock, so a
    running server sees every deletion at once or none.
    """
    wanted = checks.ids(ids)
    folder = Path(path or default_index_dir())
    if not index_exists(folder):
        raise IndexNotFoundError(str(folder))
    report = DeleteReport()
    with write_errors(folder), indexer_lock(folder, lock_timeout):
        ix = open_whoosh_index(folder)
        try:
            remove_uncommitted(ix)
            # Our codec and separate files: the commit may merge small segments.
            writer = ix.writer(codec=codec.index_codec(), compound=False)
            try:
                with writer.searcher() as lookup:  # one searcher, not one per id
                    found = {
                        doc_id
                        for doc_id in wanted
                        if writer.delete_by_term("id", doc_id, searcher=lookup)
                    }
                report.deleted = len(found)
                report.unknown = [doc_id for doc_id in wanted if doc_id not in found]
                writer.commit() if report.deleted else writer.cancel()
            except BaseException:
                internals.abandon_writer(writer)
                raise
        finally:
            ix.close()
    return report
