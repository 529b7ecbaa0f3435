"""Whoosh's private internals: the one module that reads them.

The array search reads posting blocks, length columns and dictionaries
faster than Whoosh's public API does, by reaching into Whoosh 2.7's codec
(``whoosh.codec.whoosh3``) and readers; the indexer writes short posting
lists inline and hooks into Whoosh's writers (their commit, their workers).
Every such access is here, behind :data:`FAST`, an import-time check of
Whoosh's version against the versions this code was written and tested for.
On another version, or on a layout this code does not recognise, each
function takes the public (slower) way and says so in :data:`FALLBACKS`;
``tests/test_internals.py`` fails if a search on a plain index ever falls
back, so a Whoosh release that moves these internals is noticed by the
tests, not by users' latencies.
"""

from __future__ import annotations

import collections
import contextlib
import signal
import threading
from collections.abc import Callable, Iterator
from datetime import datetime

import numpy as np
import whoosh
from whoosh import index as whoosh_index
from whoosh import query
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3Codec, W3PostingsWriter
from whoosh.multiproc import MpWriter, SubWriterTask
from whoosh.reading import SegmentReader, TermNotFound
from whoosh.scoring import BM25F, BM25FScorer
from whoosh.util.numeric import byte_to_length, length_to_byte
from whoosh.util.times import long_to_datetime
from whoosh.writing import SegmentWriter

from searcher.whoosh.bulk import BatchPostings

# Whoosh versions whose internals this module reads (major, minor).
SUPPORTED_VERSIONS = ((2, 7),)
FAST = tuple(whoosh.__version__[:2]) in SUPPORTED_VERSIONS
# How often each fast path fell back to the public API, by name (diagnostics and tests).
FALLBACKS: collections.Counter = collections.Counter()
_FALLBACKS_LOCK = threading.Lock()

_LENGTHS = [byte_to_length(code) for code in range(256)]  # Whoosh's one-byte field lengths


def _fell_back(what: str) -> None:
    with _FALLBACKS_LOCK:
        FALLBACKS[what] += 1


class BM25FWeighting(BM25F):
    """Whoosh's BM25F with one B for every field (its per-field Bs are unused here),
    and with a segment's field lengths read from a list instead of a file per hit.

    Whoosh looks each scored document's field length up in the segment's
    length column (a file read per posting: a fifth of a query's time on
    CLICK-ID, when Whoosh's own matchers still scored). ``lengths(reader,
    fieldname)`` gives the list (or None); the scores are the same.
    """

    def __init__(self, lengths, B: float = 0.75, K1: float = 1.2):
        super().__init__(B=B, K1=K1)
        self.lengths = lengths

    def scorer(self, searcher, fieldname, text, qf=1):
        scorer = super().scorer(searcher, fieldname, text, qf)
        if isinstance(scorer, BM25FScorer):
            lengths = self.lengths(searcher.reader(), fieldname)
            if lengths is not None:
                scorer.dfl = lengths.__getitem__
        return scorer


def field_lengths(reader, fieldname: str) -> list:
    """Every document's length of ``fieldname`` in one segment reader."""
    if FAST:
        try:
            column = reader._perdoc._cached_reader(f"_{fieldname}_len", LENGTHS_COLUMN)
            if column is None:  # no document of the segment has the field
                return [1] * reader.doc_count_all()
            if column._fixedlen == 1:
                raw = column._dbfile.get(column._basepos, column._count)
                lengths = [_LENGTHS[code] or 1 for code in raw]
                return lengths + [1] * (reader.doc_count_all() - len(lengths))
        except AttributeError:  # another reader type or layout
            pass
    _fell_back("field_lengths")
    return [reader.doc_field_length(n, fieldname, 1) or 1 for n in range(reader.doc_count_all())]


def deleted_documents(reader) -> list[int]:
    """The deleted document numbers of one segment reader."""
    if FAST:
        try:
            return list(reader.deleted_docs_set)
        except AttributeError:
            pass
    _fell_back("deleted_documents")
    return [n for n in range(reader.doc_count_all()) if reader.is_deleted(n)]


def read_postings(reader, fieldname: str, text: str) -> tuple[np.ndarray, np.ndarray]:
    """A term's document numbers and frequencies in one segment (deleted ones included)."""
    if FAST:  # a segment of our codec (searcher.whoosh.codec): the columns, sliced
        terms = getattr(reader, "_terms", None)
        arrays = getattr(terms, "postings_arrays", None)
        if arrays is None:  # a segment of Whoosh's codec (an index built before #22)
            _fell_back("columnar_postings")
        else:
            found = arrays(fieldname, text)
            if found is not None:
                return found
    try:
        matcher = reader.postings(fieldname, text)
    except TermNotFound:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    matcher = getattr(matcher, "child", matcher)  # past the deletions filter
    kind = type(matcher).__name__
    if FAST and kind == "W3LeafMatcher":
        try:
            return _read_blocks(matcher)
        except AttributeError:  # another block layout: walk the postings below
            matcher.reset()
    if kind != "ListMatcher" or not FAST:  # an inlined list (1-2 postings) is walked
        _fell_back("read_postings")
    ids, weights = [], []
    while matcher.is_active():
        ids.append(matcher.id())
        weights.append(matcher.weight())
        matcher.next()
    return np.array(ids, dtype=np.int64), np.array(weights, dtype=np.float32)


def _read_blocks(matcher) -> tuple[np.ndarray, np.ndarray]:
    # Each block is a pickled tuple of delta-coded document numbers, weights
    # (None: all 1) and values; reading whole blocks skips Whoosh's
    # per-posting Python calls.
    ids, weights = [], []
    while matcher.is_active():
        matcher._read_data()
        deltas, block_weights = matcher._data[0], matcher._data[1]
        ids.append(np.cumsum(np.asarray(deltas, dtype=np.int64)))
        if block_weights is None or isinstance(block_weights, float):
            ids_count = len(ids[-1])
            weights.append(
                np.full(
                    ids_count, 1.0 if block_weights is None else block_weights, dtype=np.float32
                )
            )
        else:
            weights.append(np.asarray(block_weights, dtype=np.float32))
        matcher._next_block()
    if not ids:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    return np.concatenate(ids), np.concatenate(weights)


# Whoosh 2.7 keeps a DATETIME column's values as microseconds since datetime.min:
# the per-segment date arrays (searcher.whoosh.columns) are read raw, as numbers.
DATETIME_DAY = 86_400_000_000


def column_datetime(value: int) -> datetime | None:
    """The datetime of a DATETIME column's raw value (None if it is no datetime)."""
    try:
        return long_to_datetime(value)
    except (OverflowError, ValueError, OSError):
        return None


def expanded_words(node, reader) -> Iterator:
    """The indexed words (bytes or str) a wildcard, prefix, fuzzy or regex term
    matches, lazily: the caller stops after as many as it wants."""
    if FAST:
        try:
            yield from node._btexts(reader)
            return
        except AttributeError:
            pass
    _fell_back("expanded_words")
    if isinstance(node, query.Prefix):
        yield from reader.expand_prefix(node.fieldname, node.text)
    elif isinstance(node, query.FuzzyTerm):
        yield from reader.terms_within(
            node.fieldname, node.text, node.maxdist, prefix=node.prefixlength
        )
    else:
        for _, word in sorted(node.existing_terms(reader, expand=True)):
            yield word


# -- writing ---------------------------------------------------------------------------------
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
            values = self._values if len(self._values) == len(self._ids) else [b""] * len(self._ids)
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
        if not FAST:  # another Whoosh: its own writer (no inlining, a larger index)
            _fell_back("postings_writer")
            return super().postings_writer(dbfile, byteids=byteids)
        return _InliningPostingsWriter(
            dbfile,
            blocklimit=self._blocklimit,
            byteids=byteids,
            compression=self._compression,
            inlinelimit=self._inlinelimit,
        )


def index_codec(inline: int = INLINE_POSTINGS) -> W3Codec:
    """The codec of our segments: Whoosh's, with short posting lists inlined."""
    return InliningCodec(inline)


class SegmentWriterWithHook(SegmentWriter):
    """Whoosh's one-process writer, calling ``before_toc`` once the segment files are
    written, before the table of contents makes them visible."""

    def __init__(self, ix, before_toc: Callable[[], None], **options):
        super().__init__(ix, **options)
        self.before_toc = before_toc

    def _commit_toc(self, segments) -> None:
        self.before_toc()
        super()._commit_toc(segments)


class BulkSegmentWriter(SegmentWriterWithHook):
    """Whoosh's writer whose one-pass text fields (those with a ``terms(value)``
    method, :class:`searcher.analysis.AnalysedText`) skip its posting pool: a
    document's terms go whole to the field writer's batch
    (:mod:`searcher.whoosh.bulk`), laid out with numpy when the segment is
    written. Stored fields, lengths, columns and the other fields are Whoosh's.
    Made by :func:`segment_writer` (Whoosh's own writer on another version)."""

    def __init__(self, ix, before_toc: Callable[[], None] | None = None, **options):
        super().__init__(ix, before_toc or (lambda: None), **options)
        self.batch = BatchPostings()
        self.direct: dict = {}
        if hasattr(self.fieldwriter, "batch"):  # our codec's field writer
            self.fieldwriter.batch = self.batch
            columnar = getattr(self.codec, "columnar_fields", ())
            for name, field in self.schema.items():
                if name in columnar and hasattr(field, "terms") and field.format.field_boost == 1:
                    self.direct[name] = type(field.format).__name__ == "Positions"

    def add_document(self, **fields):
        if not self.direct or any(name.startswith("_") for name in fields):
            return super().add_document(**fields)  # boosts, stored values apart: Whoosh's way
        self._check_state()
        perdoc, schema, docnum = self.perdocwriter, self.schema, self.docnum
        add_post = self.pool.add
        names = sorted(fields)
        self._check_fields(schema, names)
        perdoc.start_doc(docnum)
        try:
            for name in names:
                value = fields[name]
                if value is None:
                    continue
                field = schema[name]
                if name in self.direct and isinstance(value, str):
                    postings = self.batch.field(name, self.direct[name])
                    length = postings.add(docnum, field.terms(value))
                    perdoc.add_field(name, field, value if field.stored else None, length)
                    continue
                length = 0
                if field.indexed:
                    for tbytes, freq, weight, vbytes in field.index(value):
                        if field.scorable:
                            length += freq
                        add_post((name, tbytes, docnum, weight, vbytes))
                if field.separate_spelling() or field.vector:
                    raise ValueError(f"field {name!r}: spelling and vectors are not supported")
                perdoc.add_field(name, field, value if field.stored else None, length)
                if field.column_type:
                    perdoc.add_column_value(name, field.column_type, field.to_column_value(value))
        except Exception:
            perdoc.cancel_doc()
            raise
        perdoc.finish_doc()
        self._added = True
        self.docnum += 1

    def add_postings_to_pool(self, reader, startdoc, docmap):
        """A segment merged into this one (Whoosh's ``add_reader``): the columnar
        fields' postings join the batch as whole arrays (:meth:`field_arrays` of our
        codec's terms reader), the other fields' go through the pool."""
        arrays = getattr(getattr(reader, "_terms", None), "field_arrays", None)
        whole = {}
        if arrays is not None:
            for name in self.direct:
                found = arrays(name)
                if found is not None:
                    whole[name] = found
        if not whole:
            super().add_postings_to_pool(reader, startdoc, docmap)
            return
        count = reader.doc_count_all()
        if docmap is None:
            new = np.arange(startdoc, startdoc + count, dtype=np.int64)
        else:  # deleted documents are not in the map: -1, dropped
            new = np.full(count, -1, dtype=np.int64)
            if docmap:
                new[np.fromiter(docmap.keys(), np.int64)] = np.fromiter(docmap.values(), np.int64)
        for name, (words, counts, ids, weights, positions) in whole.items():
            postings = self.batch.field(name, self.direct[name])
            postings.add_arrays(words, counts, new[ids], weights, positions)
        add_post = self.pool.add
        for fieldname in reader.indexed_field_names():
            if fieldname in whole or fieldname not in self.schema:
                continue
            for btext in reader.lexicon(fieldname):
                matcher = reader.postings(fieldname, btext)  # deleted documents left out
                while matcher.is_active():
                    docnum = matcher.id()
                    newdoc = docmap[docnum] if docmap is not None else startdoc + docnum
                    add_post((fieldname, btext, newdoc, matcher.weight(), matcher.value()))
                    matcher.next()


def merge_into_one(ix, before_toc: Callable[[], None], segment_ids: set, **options) -> bool:
    """Merge the index's segments whose ids are in ``segment_ids`` (a parallel run's)
    into one, written by :class:`BulkSegmentWriter`, and commit. False (nothing done)
    when fewer than two of them are there, or on another Whoosh version (counted)."""
    if not FAST:
        _fell_back("merge_into_one")
        return False
    chosen = [s for s in ix._segments() if s.segment_id() in segment_ids]
    if len(chosen) < 2:
        return False

    def policy(writer, segments):
        for segment in chosen:
            reader = SegmentReader(writer.storage, writer.schema, segment)
            try:
                writer.add_reader(reader)
            finally:
                reader.close()
        if not any(segment.has_deletions() for segment in chosen):
            # Whoosh sums the merged documents' one-byte (rounded) lengths; the exact
            # totals are the segments' own (BM25's average lengths: the same scores).
            totals = writer.perdocwriter._fieldlengths
            totals.clear()
            for segment in chosen:
                for fieldname, total in segment._fieldlengths.items():
                    totals[fieldname] += total
        return [s for s in segments if s.segment_id() not in segment_ids]

    writer = BulkSegmentWriter(ix, before_toc, **options)
    try:
        writer.commit(mergetype=policy)
    except BaseException:
        abandon_writer(writer)
        raise
    return True


def segment_ids(ix) -> set:
    """The ids of the segments of the index's latest generation (none known on another
    Whoosh version)."""
    if not FAST:
        return set()
    return {segment.segment_id() for segment in ix._segments()}


def segment_writer(ix, before_toc: Callable[[], None], **options) -> SegmentWriter:
    """The one-process writer: :class:`BulkSegmentWriter`, or on a Whoosh version this
    code was not written for, Whoosh's own writer (with the hook; counted)."""
    if not FAST:
        _fell_back("segment_writer")
        return _HookedAtCommit(ix, before_toc, **options)
    return BulkSegmentWriter(ix, before_toc, **options)


class _HookedAtCommit(SegmentWriter):
    """Whoosh's writer calling ``before_toc`` when its public ``commit`` starts (one
    process: everything the hook saves is known then), for a Whoosh version whose
    private commit steps this code does not know."""

    def __init__(self, ix, before_toc: Callable[[], None], **options):
        super().__init__(ix, **options)
        self.before_toc = before_toc

    def commit(self, *args, **kwargs):
        self.before_toc()
        return super().commit(*args, **kwargs)


def length_codes(perdoc, fieldname: str, doccount: int) -> np.ndarray:
    """Every document's one-byte length code of ``fieldname`` (Whoosh's encoding of
    field lengths), from a segment's per-document reader (None: all 0)."""
    codes = None
    if perdoc is not None and FAST:
        try:
            column = perdoc._cached_reader(f"_{fieldname}_len", LENGTHS_COLUMN)
            if column is None:
                codes = np.zeros(0, dtype=np.uint8)
            elif column._fixedlen == 1:
                raw = column._dbfile.get(column._basepos, column._count)
                codes = np.frombuffer(raw, dtype=np.uint8)
        except AttributeError:  # another reader type or layout
            codes = None
    if codes is None:
        if perdoc is not None:
            _fell_back("length_codes")
            found = [perdoc.doc_field_length(n, fieldname, 0) for n in range(doccount)]
            codes = np.array([length_to_byte(n) for n in found], dtype=np.uint8)
        else:
            codes = np.zeros(0, dtype=np.uint8)
    if len(codes) < doccount:
        codes = np.concatenate([codes, np.zeros(doccount - len(codes), dtype=np.uint8)])
    return codes


class WorkerTask(SubWriterTask):
    """Whoosh's indexing worker (one segment per worker: ``multisegment``), writing
    its segment with :class:`BulkSegmentWriter` (Whoosh's own loop, with our writer;
    Whoosh's own worker on another version, counted)."""

    def run(self) -> None:
        if not FAST or not self.multisegment:
            _fell_back("worker_task")
            super().run()
            return
        ix = self.storage.open_index(self.indexname)
        writer = self.writer = BulkSegmentWriter(ix, _lk=False, **self.kwargs)
        while self.running:
            job = self.jobqueue.get()
            if job is None:  # the parent's "finish"
                break
            self._process_file(*job)
        if not self.running:  # cancelled
            writer.cancel()
            return
        fieldnames = writer.pool.fieldnames
        segment = writer._finalize_segment()
        self.resultqueue.put((None, fieldnames, segment), timeout=5)


def parallel_writing() -> bool:
    """Whether :class:`ParallelWriter` may be used: its hooks override Whoosh 2.7's
    private methods. On another version indexing takes one process (counted)."""
    if not FAST:
        _fell_back("parallel_writing")
    return FAST


class ParallelWriter(MpWriter):
    """Whoosh's multi-process writer with workers of class ``task_class`` (a
    ``SubWriterTask``) and ``before_toc`` called before the table of contents is
    written. ``jobs`` is the queue the workers read (``jobqueue`` may wrap it)."""

    def __init__(self, ix, task_class: type, before_toc: Callable[[], None], **options):
        super().__init__(ix, **options)
        self.jobs = self.jobqueue
        self.task_class = task_class
        self.before_toc_hook = before_toc

    def _new_task(self):
        task = self.task_class(
            self.storage,
            self.indexname,
            self.jobs,
            self.resultqueue,
            self.subargs,
            self.multisegment,
        )
        self.tasks.append(task)
        # SIGINT stays pending across the fork: a Ctrl-C between the fork and the
        # worker's own "ignore SIGINT" would otherwise kill it half-started, and the
        # indexer would wait for it (the worker unblocks once it ignores the signal).
        blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            task.start()
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
        return task

    def _commit_toc(self, segments) -> None:
        self.before_toc_hook()
        super()._commit_toc(segments)


def remove_unused_segment_files(storage, indexname: str) -> None:
    """Delete the files of segments the latest generation does not use (Whoosh's own
    clean-up, which it runs only after a commit). On another Whoosh version nothing is
    deleted here (counted): Whoosh's next commit deletes them."""
    if not FAST:
        _fell_back("remove_unused_segment_files")
        return
    toc = whoosh_index.TOC.read(storage, indexname)
    whoosh_index.clean_files(storage, indexname, toc.generation, toc.segments)


def task_running(task: SubWriterTask) -> bool:
    """Whether a worker ended by finishing its jobs (not cancelled)."""
    return bool(task.running)


def task_folder(task: SubWriterTask) -> str:
    """The index folder a worker writes into."""
    return task.storage.folder


def cancel_segment_writer(writer) -> None:
    """Whoosh's own cancel of a writer's segment, past a subclass's ``cancel``."""
    SegmentWriter.cancel(writer)


def abandon_writer(writer) -> None:
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
