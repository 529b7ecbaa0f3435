"""Checking an index folder file by file: what ``searcher check`` runs, and what names
the damaged file when an index cannot be opened.

Whoosh reports a damaged file with whatever its reading code meets (``EOFError: Ran
out of input`` for a truncated table of contents, ``OSError: Invalid argument`` for a
truncated ``.trm``, ``ValueError: bad typecode`` for a truncated ``_stored.col``),
never with the file's name. :func:`verify` reads each part on its own, in the order
a reader needs them, and names the file whose reading failed:

1. the latest table of contents (``_searcher_N.toc``: the schema and the segments);
2. per segment, its term dictionary (``.trm``) and, unless ``quick``, every posting
   list (``.pst``); its stored fields (``_stored.col``) and every column (``.col``:
   ids, dates, facets, field lengths);
3. the derived files: the groups' state (``groups.npz``) and the stem table
   (``stems.tsv.gz``). These are rebuilt by the next ``index`` run (groups) or
   ignored until then (stems); a damaged Whoosh file needs ``--rebuild``.
"""

from __future__ import annotations

import contextlib
import os
import time
from dataclasses import dataclass
from pathlib import Path

from whoosh.filedb.filestore import FileStorage
from whoosh.index import TOC

from searcher import neighbours, stemtable
from searcher.whoosh import groupstate
from searcher.whoosh.codec import RANKED_FIELDS

INDEX_NAME = "searcher"  # as searcher.whoosh.storage.INDEX_NAME (no import circle)


class ClosingStorage(FileStorage):
    """A folder storage that closes the files Whoosh opened in a step that failed:
    Whoosh leaves them open when reading them fails (``closing_on_error``)."""

    def __init__(self, path: str):
        super().__init__(path)
        self._opened: list | None = None

    def open_file(self, name, **kwargs):
        handle = super().open_file(name, **kwargs)
        if self._opened is not None:
            self._opened.append(handle)
        return handle

    @contextlib.contextmanager
    def closing_on_error(self):
        self._opened = []
        try:
            yield
        except BaseException:
            for handle in self._opened:
                with contextlib.suppress(Exception):
                    handle.close()
            raise
        finally:
            self._opened = None


@dataclass(frozen=True)
class Problem:
    """A damaged file of an index folder: its name, what is wrong, and whether the next
    ``index`` run repairs it by itself (derived files) or it needs ``--rebuild``."""

    file: str
    reason: str
    derived: bool = False

    def __str__(self) -> str:
        return f"{self.file}: {self.reason}"


def _reason(error: BaseException) -> str:
    text = " ".join(str(error).split())[:200]
    kind = type(error).__name__
    if kind == "error":  # zlib.error, struct.error
        kind = f"{type(error).__module__}.error"
    return f"{kind}: {text}" if text else kind


def latest_toc(folder: Path) -> Path | None:
    """The latest table of contents in ``folder`` (None: no index there)."""
    best: tuple[int, Path] | None = None
    for path in folder.glob(f"_{INDEX_NAME}_*.toc"):
        number = path.stem.rsplit("_", 1)[-1]
        if number.isdigit() and (best is None or int(number) > best[0]):
            best = (int(number), path)
    return best[1] if best else None


def verify(
    folder: str | os.PathLike, *, quick: bool = False, derived: bool = True
) -> list[Problem]:
    """Every damaged file of the index in ``folder`` that can be found (empty: sound).

    ``quick`` skips reading every posting list (the largest part of an index);
    ``derived`` also checks the groups' state, the learned neighbours and the stem table."""
    folder = Path(folder)
    problems = _verify_whoosh(folder, quick)
    if derived:
        problems += _verify_derived(folder)
    return problems


def first_problem(folder: str | os.PathLike) -> Problem | None:
    """The first damaged Whoosh file found (quick: posting lists are not all read)."""
    problems = _verify_whoosh(Path(folder), quick=True)
    return problems[0] if problems else None


class _OutOfTime(Exception):
    pass


def damage_after_error(folder: str | os.PathLike, seconds: float) -> tuple[Problem | None, bool]:
    """What a search that failed reading the index met (#24): the first damaged Whoosh
    file (the quick check, then the posting lists for at most ``seconds``), and
    whether the check finished (``(None, True)``: every file reads whole)."""
    found = _verify_whoosh(Path(folder), quick=True)
    if found:
        return found[0], True
    try:
        found = _verify_whoosh(Path(folder), quick=False, deadline=time.monotonic() + seconds)
    except _OutOfTime:
        return None, False
    return (found[0] if found else None), True


def _verify_whoosh(folder: Path, quick: bool, deadline: float | None = None) -> list[Problem]:
    toc_path = latest_toc(folder)
    if toc_path is None:
        return [Problem(f"_{INDEX_NAME}_*.toc", "no table of contents: there is no index")]
    storage = ClosingStorage(str(folder))
    try:
        with storage.closing_on_error():
            toc = TOC.read(storage, INDEX_NAME)
    except Exception as error:  # Whoosh raises many types for an unreadable file
        return [Problem(toc_path.name, _reason(error))]
    problems = []
    for segment in toc.segments:
        problems += _verify_segment(storage, toc.schema, segment, folder, quick, deadline)
    return problems


def _file_of(folder: Path, segment, suffix: str) -> str:
    name = f"{segment.segment_id()}{suffix}"
    return name if (folder / name).exists() else name + " (missing)"


def _postings_file(folder: Path, segment, fieldname: str) -> str:
    """A field's posting lists' file: Whoosh's ``.pst``, or our codec's columns
    (``.cp*``) for its ranked fields."""
    if fieldname in RANKED_FIELDS and (folder / f"{segment.segment_id()}.cpi").exists():
        return f"{segment.segment_id()}.cp* (the posting columns)"
    return _file_of(folder, segment, ".pst")


def _verify_segment(
    storage, schema, segment, folder: Path, quick: bool, deadline: float | None = None
) -> list[Problem]:
    problems = []
    documents = segment.doc_count_all()
    codec = segment.codec()
    try:
        with storage.closing_on_error():
            terms = codec.terms_reader(storage, segment)
    except Exception as error:
        return [Problem(_file_of(folder, segment, ".trm"), _reason(error))]
    try:
        try:
            keys = list(terms.terms())
        except Exception as error:
            problems.append(Problem(_file_of(folder, segment, ".trm"), _reason(error)))
            keys = []
        if not quick:
            for fieldname, text in keys:
                if deadline is not None and time.monotonic() > deadline:
                    raise _OutOfTime
                try:
                    field = schema[fieldname]
                    matcher = terms.matcher(fieldname, text, field.format)
                    for docnum in matcher.all_ids():
                        if not 0 <= docnum < documents:  # garbage read as numbers
                            raise ValueError(f"document number {docnum} of {documents}")
                except Exception as error:
                    problems.append(
                        Problem(
                            _postings_file(folder, segment, fieldname),
                            f"the postings of a {fieldname} term: {_reason(error)}",
                        )
                    )
                    break
    finally:
        terms.close()
    try:
        with storage.closing_on_error():
            perdoc = codec.per_document_reader(storage, segment)
    except Exception as error:
        return problems + [Problem(_file_of(folder, segment, "._stored.col"), _reason(error))]
    try:
        count = perdoc.doc_count_all()
        try:
            for docnum in range(count):
                perdoc.stored_fields(docnum)
        except Exception as error:
            problems.append(Problem(_file_of(folder, segment, "._stored.col"), _reason(error)))
        for fieldname, field in schema.items():
            checks = []
            if field.column_type is not None:
                checks.append((f".{fieldname}.col", fieldname, field.column_type))
            if field.scorable:
                checks.append((f"._{fieldname}_len.col", None, fieldname))
            for suffix, column_field, what in checks:
                try:
                    if column_field is None:
                        for docnum in range(count):
                            perdoc.doc_field_length(docnum, what)
                    elif perdoc.has_column(column_field):
                        column = perdoc.column_reader(column_field, what)
                        for docnum in range(count):
                            column[docnum]
                except Exception as error:
                    problems.append(Problem(_file_of(folder, segment, suffix), _reason(error)))
    finally:
        perdoc.close()
    return problems


def _verify_derived(folder: Path) -> list[Problem]:
    problems = []
    try:
        groupstate.verify_state(folder)
    except groupstate.CorruptStateError as error:
        problems.append(
            Problem(
                groupstate.GROUPS_FILE,
                f"{error} (the next index run writes it again)",
                derived=True,
            )
        )
    if (folder / neighbours.NEIGHBOURS_FILE).exists():
        try:
            neighbours.load(folder)
        except ValueError as error:
            problems.append(
                Problem(
                    neighbours.NEIGHBOURS_FILE,
                    f"{error} (searches work without it; the next index run learns it again)",
                    derived=True,
                )
            )
    reason = stemtable.problem(folder)
    if reason:
        problems.append(
            Problem(
                stemtable.FILE_NAME,
                f"{reason} (stemming works without it; the next index run replaces it)",
                derived=True,
            )
        )
    return problems
