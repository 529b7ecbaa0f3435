"""Writing the Whoosh index: schema, building and updating (with
:mod:`searcher.whoosh` the only code that talks to Whoosh).

Fields
    ``id`` (unique, the upsert key), ``title`` and ``body`` (stemmed),
    ``title_exact`` and ``body_exact`` (same words, not stemmed, so exact
    forms and acronyms outrank stemmed matches), ``title_pairs`` and
    ``body_pairs`` (neighbouring stems as one term, the lead's only in bodies:
    proximity and multiword terms), ``url``, ``source`` and
    ``category`` (facets and filters; categories normalised by
    :mod:`searcher.categories`, the outlet's own label kept in ``category_raw``),
    ``author``, ``published`` (date filters and sorting) and ``hash`` (a content
    digest to skip unchanged articles).

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
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import multiprocessing
import multiprocessing.connection
import os
import queue
import shutil
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.codec.whoosh3 import W3Codec, W3PostingsWriter
from whoosh.fields import DATETIME, ID, KEYWORD, STORED, Schema
from whoosh.multiproc import MpWriter, SubWriterTask
from whoosh.writing import CLEAR, SegmentWriter

from searcher import stemmer, stemtable
from searcher.analysis import (
    LEAD_PAIRS,
    AnalysedText,
    exact_analyzer,
    pair_analyzer,
    stemming_analyzer,
)
from searcher.categories import CategoryFilter, normalize_category
from searcher.errors import IndexBusyError, IndexNotFoundError, IndexVersionError, SearcherError
from searcher.models import Article, DeleteReport, IndexReport, Rejected
from searcher.upserts import Change, Upserts
from searcher.whoosh import grouping

DEFAULT_INDEX = "index"
INDEX_NAME = "searcher"  # Whoosh index name inside the folder (files _searcher_*.toc)
# Bump when the fields or the analysis change: old indexes must be rebuilt.
SCHEMA_VERSION = 4
LOCK_FILE = ".indexer.lock"
BUILD_PREFIX = ".building-"
TEMP_FOLDER = f"{INDEX_NAME}.tmp"  # Whoosh's scratch folder inside the index folder
# Errors of the place, not of the program: one sentence, no traceback.
WRITE_PROBLEMS = {errno.ENOSPC: "no space left on the device", errno.EDQUOT: "disk quota exceeded",
                  errno.EROFS: "read-only file system"}


# Posting lists of at most this many documents are kept in the term's entry instead
# of a block of their own in the postings file: a block costs about 90 bytes however
# short its list, and most pair terms and many words occur in one or two articles.
INLINE_POSTINGS = 2


class _InliningPostingsWriter(W3PostingsWriter):
    """Whoosh 2.7's postings writer, with its inlining of short lists working: it
    calls a method its term info does not have, so it never inlines (its default
    limit of 1 also means "fewer than 1")."""

    def finish_postings(self):
        terminfo = self._terminfo
        if not self.written() and 0 < len(self._ids) <= self._inlinelimit:
            terminfo.add_block(self)
            # A format without values (frequencies only) buffers none; a value per
            # posting, even empty, keeps them bytes when read back: Whoosh's reader
            # of inlined lists gives "" (a str) for none, which a merge of segments
            # refuses ("vbytes=''").
            values = self._values if len(self._values) == len(self._ids) else [b""] * len(
                self._ids)
            terminfo.set_inlined(self._ids, self._weights, values)
            self._terminfo = None
            return terminfo
        return super().finish_postings()


class InliningCodec(W3Codec):
    """Whoosh's codec with posting lists of up to ``inline`` documents inlined (the
    readers need nothing new: Whoosh reads inlined lists). Segments remember their
    codec, so this class must stay importable by this name."""

    def __init__(self, inline: int = INLINE_POSTINGS, **options):
        super().__init__(inlinelimit=inline, **options)

    def postings_writer(self, dbfile, byteids=False):
        return _InliningPostingsWriter(dbfile, blocklimit=self._blocklimit, byteids=byteids,
                                       compression=self._compression,
                                       inlinelimit=self._inlinelimit)


def index_codec(inline: int = INLINE_POSTINGS) -> W3Codec:
    """The codec of our segments: Whoosh's, with short posting lists inlined."""
    return InliningCodec(inline)


def default_index_dir() -> str:
    """``$SEARCHER_INDEX`` or ``index/``."""
    return os.environ.get("SEARCHER_INDEX") or DEFAULT_INDEX


def make_schema() -> Schema:
    stemmed, exact = stemming_analyzer(), exact_analyzer()
    # A typed word that analyses into several tokens (L'Arc, kompas.com) is a phrase.
    phrase = "phrase"
    # Each text is analysed once for its three fields (searcher.analysis.AnalysedText);
    # the analyzers given are what queries use, and give the same terms.
    return Schema(
        id=ID(unique=True, stored=True, sortable=True),
        title=AnalysedText("stemmed", analyzer=stemmed, stored=True, multitoken_query=phrase),
        # Exact forms only add weight to single words: no positions (phrases
        # match on the stemmed fields), a smaller index and less work per word.
        title_exact=AnalysedText("exact", analyzer=exact, phrase=False, multitoken_query="and"),
        body=AnalysedText("stemmed", analyzer=stemmed, stored=True, multitoken_query=phrase),
        body_exact=AnalysedText("exact", analyzer=exact, phrase=False, multitoken_query="and"),
        # Neighbouring words as one term ("dagang orang"): proximity and
        # multiword terms at the cost of a word lookup (searcher.query.concepts);
        # in bodies, the lead's pairs only.
        title_pairs=AnalysedText("pairs", analyzer=pair_analyzer(), phrase=False),
        body_pairs=AnalysedText("pairs", LEAD_PAIRS, analyzer=pair_analyzer(LEAD_PAIRS),
                                phrase=False),
        url=STORED(),
        # Matched case-insensitively; the column keeps the original spelling for facets.
        source=KEYWORD(stored=True, sortable=True, lowercase=True, commas=True),
        category=_category_field(),
        category_raw=STORED(),
        author=STORED(),
        published=DATETIME(stored=True, sortable=True),
        hash=ID(sortable=True),
        schema_version=STORED(),
    )


def _category_field() -> KEYWORD:
    """Like ``source``, with each label normalised (in documents and in queries)."""
    field = KEYWORD(stored=True, sortable=True, lowercase=True, commas=True)
    field.analyzer = field.analyzer | CategoryFilter()
    return field


def index_exists(path: str | os.PathLike) -> bool:
    return Path(path).is_dir() and whoosh_index.exists_in(str(path), indexname=INDEX_NAME)


def open_whoosh_index(path: str | os.PathLike):
    """Open an existing index, with errors a user can act on."""
    if not index_exists(path):
        raise IndexNotFoundError(str(path))
    try:
        ix = whoosh_index.open_dir(str(path), indexname=INDEX_NAME)
    except Exception as error:  # Whoosh raises many types for unreadable files
        raise SearcherError(f"cannot open the index in {path}: {error}") from error
    if "schema_version" not in ix.schema or set(ix.schema.names()) != set(
            make_schema().names()) or _stored_version(ix) not in (None, SCHEMA_VERSION):
        raise IndexVersionError(
            f"the index in {path} was built by another version of searcher; "
            f"rebuild it with: python -m searcher index SOURCE --rebuild --index {path}"
        )
    # The words the index holds, with their stems: queries, snippets and a
    # re-indexing run then call Sastrawi for new words only.
    stemtable.load(path)
    return ix


def _stored_version(ix) -> int | None:
    """The schema version written with the documents (None for an empty index)."""
    with ix.reader() as reader:
        for docnum in reader.all_doc_ids():
            return reader.stored_fields(docnum).get("schema_version")
    return None


def _document(article: Article) -> dict:
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
        "hash": article.content_hash,
        "schema_version": SCHEMA_VERSION,
    }


@contextlib.contextmanager
def indexer_lock(path: Path, timeout: float) -> Iterator[None]:
    """Hold the folder's indexer lock; wait up to ``timeout`` seconds for it."""
    try:
        handle = open(path / LOCK_FILE, "a+")  # noqa: SIM115 (held across the yield)
    except OSError as error:  # e.g. a lock file left by another user
        raise SearcherError(f"cannot lock the index folder {path}: {error.strerror}") from None
    deadline = time.monotonic() + timeout
    try:
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise IndexBusyError(
                        f"another indexer is writing to {path}; waited {timeout:g} s "
                        "(try again when it has finished, or raise --wait)"
                    ) from None
                time.sleep(0.1)
        yield
    finally:
        handle.close()  # closing releases the lock


def _prepare_folder(path: Path) -> None:
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise SearcherError(f"cannot create the index folder {path}: {error.strerror}") from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise SearcherError(f"the index folder {path} is not writable")


def _existing_hashes(ix) -> dict[str, str]:
    """id → content hash of every live document, read from the columns."""
    with ix.reader() as reader:
        if reader.doc_count_all() == 0:
            return {}
        ids = reader.column_reader("id")
        hashes = reader.column_reader("hash")
        return {
            ids[docnum]: hashes[docnum] for docnum in reader.all_doc_ids()
        }


def _remove_uncommitted(ix) -> None:
    """Delete the files of segments the latest generation does not use, and Whoosh's
    scratch folder: what a failed or killed run left (space a re-run may need)."""
    storage = ix.storage
    toc = whoosh_index.TOC.read(storage, INDEX_NAME)
    whoosh_index.clean_files(storage, INDEX_NAME, toc.generation, toc.segments)
    shutil.rmtree(Path(storage.folder) / TEMP_FOLDER, ignore_errors=True)
    for part in Path(storage.folder).glob(f"{STEM_PART_PREFIX}*"):
        part.unlink(missing_ok=True)
    for temporary in Path(storage.folder).glob(stemtable.TEMPORARY_PATTERN):
        temporary.unlink(missing_ok=True)  # a stem table whose writing was killed


# A worker process's new stems, for the parent to add to the stem table at commit.
STEM_PART_PREFIX = ".stems-"


def _write_stem_part(folder: str, entries: list[tuple[str, str]]) -> None:
    part = Path(folder) / f"{STEM_PART_PREFIX}{os.getpid()}.part"
    part.write_text("".join(f"{word}\t{stem}\n" for word, stem in entries), encoding="utf-8")


def _take_stem_parts(folder: Path) -> list[tuple[str, str]]:
    """The workers' new stems (their files are deleted)."""
    entries = []
    for part in sorted(folder.glob(f"{STEM_PART_PREFIX}*.part")):
        for line in part.read_text(encoding="utf-8").splitlines():
            word, _, stem = line.partition("\t")
            if word and stem:
                entries.append((word, stem))
        part.unlink()
    return entries


def _remove_index_files(folder: Path) -> None:
    """Delete an index's files, tables of contents first so it is never half there."""
    files = sorted(folder.glob(f"_{INDEX_NAME}_*"), key=lambda p: p.suffix != ".toc")
    for file in files:
        file.unlink(missing_ok=True)


def _publish_build(build: Path, target: Path) -> None:
    """Move a freshly built index into ``target``, table of contents last."""
    files = sorted(build.iterdir(), key=lambda p: p.suffix == ".toc")
    for file in files:
        os.replace(file, target / file.name)
    build.rmdir()


def _exit_with_parent() -> None:
    """In a worker process: exit as soon as the indexer that started it has died.

    Otherwise a worker of a killed (kill -9) indexer waits for jobs forever,
    holding the indexer lock and Whoosh's write lock it inherited, and every
    later run fails as "busy". The parent's sentinel is public multiprocessing
    API and works on every platform (unlike Linux's PR_SET_PDEATHSIG).
    """
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        multiprocessing.connection.wait([parent.sentinel])
        os._exit(1)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


class _Worker(SubWriterTask):
    """A Whoosh indexing worker that dies with its parent, leaves Ctrl-C to it, and
    reports a full disk (or a read-only file system) to it by exit code."""

    def run(self) -> None:
        _exit_with_parent()
        # Ctrl-C reaches every process of the terminal's group: the indexer stops its
        # workers itself (cancel), so a worker ignores it instead of printing a traceback.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        # Forked from the indexer: the stems it knows (its index's table) are known
        # here too; the words indexed here go back to it with their stems in a
        # file, read at commit.
        words = stemmer.start_recording()
        try:
            super().run()
            if self.running:
                known = stemmer.known_stems()
                _write_stem_part(self.storage.folder,
                                 [(word, known.get(word) or stemmer.stem_word(word))
                                  for word in words])
        except OSError as error:
            if error.errno not in WRITE_PROBLEMS:
                raise
            # The errno as exit code instead of a traceback: the parent says it in one line.
            sys.exit(error.errno)


class _JobQueue:
    """The parent's end of the job queue: a ``put`` that fails once a worker has died.

    Whoosh's bounded queue otherwise blocks the parent forever when the workers
    are gone (a full disk kills them all).
    """

    def __init__(self, jobs, check: Callable[[], None]):
        self.jobs = jobs
        self.check = check

    def put(self, job) -> None:
        while True:
            self.check()
            try:
                self.jobs.put(job, timeout=0.2)
                return
            except queue.Full:
                continue


class _Writer(SegmentWriter):
    """Whoosh's one-process writer, calling ``before_toc`` once the segment files are
    written, before the table of contents makes them visible (the stem table is saved
    there: a run that fails earlier leaves it as it was)."""

    def __init__(self, ix, before_toc: Callable[[], None], **options):
        super().__init__(ix, **options)
        self.before_toc = before_toc

    def _commit_toc(self, segments) -> None:
        self.before_toc()
        super()._commit_toc(segments)


class _ParallelWriter(MpWriter):
    """Whoosh's multi-process writer, made safe to fail.

    Whoosh commits without the segment of a worker that crashed (it waits one
    second for each result and moves on), so a dead worker silently dropped its
    articles; here it fails the commit. Cancelling stops the workers, which
    Whoosh leaves waiting for jobs while they hold the inherited locks.
    """

    def __init__(self, ix, before_toc: Callable[[], None], **options):
        super().__init__(ix, **options)
        self.jobs = self.jobqueue  # the workers read this queue directly
        self.jobqueue = _JobQueue(self.jobs, self.check_workers)
        self.before_toc = before_toc

    def _new_task(self):
        task = _Worker(self.storage, self.indexname, self.jobs, self.resultqueue, self.subargs,
                       self.multisegment)
        self.tasks.append(task)
        task.start()
        return task

    def check_workers(self) -> None:
        """Raise if a worker has failed (a worker only ends early by failing)."""
        for task in self.tasks:
            if task.exitcode in WRITE_PROBLEMS:
                raise OSError(task.exitcode, os.strerror(task.exitcode))
            if task.exitcode not in (None, 0):
                raise SearcherError(
                    f"an indexing worker process failed (exit code {task.exitcode}); "
                    "nothing since the last commit was saved")

    def _commit_toc(self, segments) -> None:
        self.check_workers()  # before the new table of contents makes anything visible
        self.before_toc()  # the workers have finished: their stems are in their files
        super()._commit_toc(segments)

    def cancel(self) -> None:
        for task in self.tasks:
            task.terminate()
        for task in self.tasks:
            task.join()
        SegmentWriter.cancel(self)


def _abandon(writer) -> None:
    """Cancel a Whoosh writer after a failure, without raising.

    Whoosh's ``cancel`` writes files too, so on a full disk it fails again;
    the error worth reporting is the first one. Its write lock is released
    either way (a later run in this process would find the index locked).
    """
    with contextlib.suppress(Exception):
        writer.cancel()
    lock = getattr(writer, "writelock", None)
    if lock is not None and lock.fd is not None:
        with contextlib.suppress(OSError):
            lock.release()


class _Batches:
    """A Whoosh writer that commits every ``commit_every`` documents.

    Committing in batches means a killed run keeps what it had committed, and
    the next run skips those articles by their hash. ``--rebuild`` instead
    commits once, clearing the old documents in the same atomic step.
    """

    def __init__(self, path: Path, commit_every: int | None, clear: bool, procs: int,
                 writer_options: dict):
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
        except IndexVersionError:
            if not clear:
                raise
            self.ix, self.replace_old = None, True  # rebuild over an old format
        if self.ix is None:
            self.build = path / f"{BUILD_PREFIX}{os.getpid()}"
            try:
                self.build.mkdir()
                self.ix = whoosh_index.create_in(str(self.build), make_schema(),
                                                 indexname=INDEX_NAME)
            except BaseException:
                shutil.rmtree(self.build, ignore_errors=True)
                raise
        else:
            _remove_uncommitted(self.ix)  # left by a killed run
        self.writer = None
        self.words = stemmer.start_recording()

    def _writer(self):
        if self.writer is None:
            if self.procs > 1:
                self.writer = _ParallelWriter(self.ix, self.save_stems, procs=self.procs,
                                              multisegment=True, **self.options)
            else:
                self.writer = _Writer(self.ix, self.save_stems, **self.options)
        return self.writer

    def add(self, article: Article, replace: bool) -> None:
        writer = self._writer()
        if replace and not self.clear:
            writer.update_document(**_document(article))
        else:
            writer.add_document(**_document(article))
        self.pending += 1
        if self.commit_every and self.pending >= self.commit_every and not self.clear:
            self.commit()

    def commit(self) -> None:
        # A rebuild that read no good article keeps the old index: an empty
        # result is far more often a wrong path than a wish to delete everything.
        if self.writer is not None:
            self.writer.commit(mergetype=CLEAR) if self.clear else self.writer.commit()
            self.writer = None
        self.pending = 0
        if self.build is not None and any(self.build.glob("*.toc")):
            self.ix.close()
            if self.replace_old:
                _remove_index_files(self.path)
            _publish_build(self.build, self.path)
            self.build = None
            self.ix = open_whoosh_index(self.path)
            _remove_uncommitted(self.ix)  # segments of a publish that was killed half-way

    def save_stems(self) -> None:
        """Add the words indexed since the last commit (here and in the workers), with
        their stems, to the stem table, before the table of contents that makes them
        visible. Every word is saved, not only those new to this process: a process
        that knew a word from another index still owes it to this one's table."""
        folder = self.build or self.path
        from_workers = _take_stem_parts(folder)
        stemmer.add_known_stems(from_workers)  # the next batch's workers start with them
        table = stemtable.read_table(folder)
        size = len(table)
        stemtable.merge(table, ((word, stemmer.stem_word(word)) for word in self.words))
        self.words.clear()
        stemtable.merge(table, from_workers)
        if len(table) > size or not stemtable.table_path(folder).exists():
            stemtable.write_table(folder, table)

    def cancel(self) -> None:
        """Drop everything not committed, and its files (best effort: this runs after a
        failure, whose error is the one to report)."""
        if self.writer is not None:
            _abandon(self.writer)
            self.writer = None
        if self.build is not None:
            shutil.rmtree(self.build, ignore_errors=True)
        else:
            with contextlib.suppress(Exception):
                _remove_uncommitted(self.ix)


@contextlib.contextmanager
def _write_errors(folder: Path) -> Iterator[None]:
    """Turn a full disk or a read-only file system into one sentence naming the folder."""
    try:
        yield
    except OSError as error:
        problem = WRITE_PROBLEMS.get(error.errno)
        if problem is None:
            raise
        kept = ("the last committed index is unchanged" if index_exists(folder)
                else "no index was created")
        raise SearcherError(f"cannot write the index in {folder}: {problem}; {kept}") from None


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
) -> IndexReport:
    """Add or update articles in the index at ``path`` (created if missing).

    ``sources`` is what :func:`searcher.readers.read_articles` yields. Articles
    whose content hash is unchanged are skipped; a repeated id within one run
    is rejected (the first one is kept). With ``rebuild`` the index ends up
    holding exactly these articles. ``on_record`` is called once per record
    (progress bars); ``on_reject`` once per rejected record, as it happens.
    ``limitmb`` bounds each writer's posting buffer (per process with
    ``procs`` > 1), which bounds the indexer's memory whatever the corpus size.
    ``group`` finds duplicates and stories (:mod:`searcher.whoosh.grouping`).
    """
    started = time.monotonic()
    folder = Path(path or default_index_dir())
    _prepare_folder(folder)
    report = IndexReport()
    upserts = Upserts(report, on_record, on_reject)
    # compound=False: Whoosh copies a compound segment file into memory for
    # every reader, which costs each server thread the size of the index.
    options = {"limitmb": limitmb, "compound": False, "codec": index_codec()}
    with _write_errors(folder), indexer_lock(folder, lock_timeout):
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
        except BaseException:
            batches.cancel()
            raise
        finally:
            stemmer.stop_recording()
            batches.ix.close()
    report.seconds = time.monotonic() - started
    return report


def delete_documents(ids: Iterable[str], path: str | os.PathLike | None = None, *,
                     lock_timeout: float = 10.0) -> DeleteReport:
    """Remove the articles with these ids from the index at ``path``.

    Ids the index does not hold are listed in the report, not an error;
    a repeated id counts once. One commit, under the indexer lock, so a
    running server sees every deletion at once or none.
    """
    folder = Path(path or default_index_dir())
    if not index_exists(folder):
        raise IndexNotFoundError(str(folder))
    report = DeleteReport()
    wanted = list(dict.fromkeys(i for i in ids if i))
    with _write_errors(folder), indexer_lock(folder, lock_timeout):
        ix = open_whoosh_index(folder)
        try:
            _remove_uncommitted(ix)
            writer = ix.writer()
            try:
                with writer.searcher() as lookup:  # one searcher, not one per id
                    found = {doc_id for doc_id in wanted
                             if writer.delete_by_term("id", doc_id, searcher=lookup)}
                report.deleted = len(found)
                report.unknown = [doc_id for doc_id in wanted if doc_id not in found]
                writer.commit() if report.deleted else writer.cancel()
            except BaseException:
                _abandon(writer)
                raise
        finally:
            ix.close()
    return report
