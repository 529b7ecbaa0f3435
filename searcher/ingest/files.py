"""Which files a corpus is and how each is read: paths checked before anything is
read, folders walked in order (hidden files, README/LICENSE and links out of the
folder skipped, only regular files read), each file read by its format, and a
failure of the file itself (a truncated gzip, an I/O error) turned into a
rejection so the rest of the corpus is still read.
"""

from __future__ import annotations

import errno
import os
import re
import stat
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path

from searcher.errors import SearcherError
from searcher.ingest.csv_files import read_csv
from searcher.ingest.documents import read_document
from searcher.ingest.jsonl import read_jsonl
from searcher.ingest.lines import MAX_RECORD_BYTES
from searcher.models import Article, Rejected

RECORD_SUFFIXES = (".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz", ".csv", ".csv.gz")
DOCUMENT_SUFFIXES = (".txt", ".md", ".html", ".htm")
SKIPPED_NAMES = re.compile(r"^(readme|license|licence|changelog|copying)(\.|$)", re.I)


class CorpusError(SearcherError, OSError):
    """A corpus path that cannot be read at all (missing, unknown format)."""


def source_paths(paths: str | os.PathLike | Iterable[str | os.PathLike]) -> list[Path]:
    """``paths`` as a list of existing corpus paths, checked before anything is read.

    One str or path is one source. Anything else must be an iterable of them
    (:class:`SearcherError` otherwise); a missing path, or one that is neither a
    folder nor a regular file of a known format, raises :class:`CorpusError`.
    """
    if isinstance(paths, (str, bytes, os.PathLike)):
        paths = [paths]
    try:
        items = list(paths)
    except TypeError:
        raise SearcherError(
            f"paths: expected a path or a list of paths, got {type(paths).__name__}"
        ) from None
    checked = []
    for item in items:
        if not isinstance(item, (str, os.PathLike)) or isinstance(item, bytes):
            raise SearcherError(
                f"paths: expected a path or a list of paths, got a "
                f"{type(paths).__name__} holding {item!r}"
            )
        path = Path(item)
        try:
            info = path.stat()
        except OSError as error:
            problem = (
                "no such file or folder"
                if error.errno in (errno.ENOENT, errno.ENOTDIR)
                else f"cannot read: {error.strerror or error}"
            )
            raise CorpusError(f"{path}: {problem}") from None
        if stat.S_ISREG(info.st_mode) and not path.name.lower().endswith(
            RECORD_SUFFIXES + DOCUMENT_SUFFIXES
        ):
            raise CorpusError(
                f"{path}: unknown format (expected {', '.join(RECORD_SUFFIXES)}"
                f" or {', '.join(DOCUMENT_SUFFIXES)})"
            )
        if not stat.S_ISREG(info.st_mode) and not stat.S_ISDIR(info.st_mode):
            raise CorpusError(f"{path}: not a regular file or a folder ({_kind(info.st_mode)})")
        checked.append(path)
    return checked


def read_articles(
    paths: str | os.PathLike | Iterable[str | os.PathLike],
    *,
    follow_links: bool = False,
    max_record_bytes: int = MAX_RECORD_BYTES,
) -> Iterator[Article | Rejected]:
    """Every record from every path, in order.

    The paths are checked at once (see :func:`source_paths`), so a wrong path
    fails before an index is created. ``follow_links`` also reads files that
    links in a folder point to outside it.
    """
    checked = source_paths(paths)

    def records() -> Iterator[Article | Rejected]:
        for path in checked:
            if path.is_dir():
                yield from _read_folder(path, follow_links, max_record_bytes)
            else:
                yield from _read_file(
                    path, root=path.parent, source=path.parent.name, limit=max_record_bytes
                )

    return records()


def _kind(mode: int) -> str:
    for test, name in (
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISDIR, "a folder"),
    ):
        if test(mode):
            return name
    return "not a regular file"


def _read_file(path: Path, *, root: Path, source: str, limit: int) -> Iterator[Article | Rejected]:
    name = path.name.lower()
    if name.endswith((".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz")):
        yield from _guard(path, read_jsonl(path, max_record_bytes=limit))
    elif name.endswith((".csv", ".csv.gz")):
        yield from _guard(path, read_csv(path, max_record_bytes=limit))
    elif name.endswith(DOCUMENT_SUFFIXES):
        yield read_document(path, root=root, source=source, max_record_bytes=limit)
    else:
        raise CorpusError(
            f"{path}: unknown format (expected {', '.join(RECORD_SUFFIXES)}"
            f" or {', '.join(DOCUMENT_SUFFIXES)})"
        )


def _read_folder(root: Path, follow_links: bool, limit: int) -> Iterator[Article | Rejected]:
    inside = root.resolve()
    seen = {inside}  # folders already walked: links may form cycles
    for dirpath, dirnames, filenames in os.walk(root, followlinks=follow_links):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        if follow_links:
            real = {d: Path(dirpath, d).resolve() for d in dirnames}
            dirnames[:] = [d for d in dirnames if real[d] not in seen]
            seen.update(real[d] for d in dirnames)
        for filename in sorted(filenames):
            lower = filename.lower()
            if filename.startswith(".") or SKIPPED_NAMES.match(filename):
                continue
            if lower.endswith(RECORD_SUFFIXES + DOCUMENT_SUFFIXES):
                path = Path(dirpath, filename)
                problem = _unreadable(path, inside, follow_links)
                if problem:
                    yield Rejected(str(path), problem)
                    continue
                yield from _read_file(path, root=root, source=root.name, limit=limit)


def _unreadable(path: Path, inside: Path, follow_links: bool) -> str | None:
    """Why a file in a folder is skipped (a link out of it, not a regular file), or None."""
    if path.is_symlink() and not follow_links:
        target = path.resolve()
        if not target.is_relative_to(inside):
            return f"a link to {target}, outside the folder; skipped (--follow-links reads it)"
    try:
        info = path.stat()
    except OSError as error:
        return f"cannot read: {error.strerror or error}; skipped"
    if not stat.S_ISREG(info.st_mode):
        return f"not a regular file ({_kind(info.st_mode)}); skipped"
    return None


def _guard(path: Path, records: Iterator[Article | Rejected]) -> Iterator[Article | Rejected]:
    """Turn a failure of the file itself (truncated gzip, I/O error) into a rejection.

    The location names the line after the last record read: where reading broke.
    """
    line = 0
    try:
        for record in records:
            origin = record.origin if isinstance(record, Article) else record.location
            line = int(origin.rsplit(":", 1)[1]) if origin.rsplit(":", 1)[-1].isdigit() else line
            yield record
    except (OSError, EOFError, zlib.error) as error:
        yield Rejected(f"{path}:{line + 1}", f"cannot read the rest of the file: {error}")
