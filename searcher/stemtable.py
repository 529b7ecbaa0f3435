"""The stem table: every word an index holds, with its stem, saved with the index.

Stemming with Sastrawi costs tens of microseconds a word, and a process that
opens an index has stemmed nothing yet: without the table, the first queries
and every snippet passage (whose words are the articles') would call Sastrawi
for words the indexer stemmed already. So the indexer saves every word it
indexes with its stem (:func:`searcher.stemmer.start_recording`; worker
processes send theirs back in files) in the index folder, and opening the
index loads it into the index's :class:`searcher.stemmer.Vocabulary`
(:func:`load`). Re-indexing loads it too, so it stems only words the index
never held.

The file, ``stems.tsv.gz`` in the index folder, is a header line then one
word a line: ``word<TAB>stem``, or ``word`` alone when the word is its own
stem. The header names a fingerprint of the stemming rules (our rules'
version, the protected words, Sastrawi's version): a table made under other
rules is not used (words are stemmed afresh) and the next indexing run
replaces it. It is written to a temporary file and renamed once the commit's
segments are written, just before the table of contents that makes them
visible: a run that fails before leaves it as it was, and a reader never sees
an index generation whose words the table lacks (at most, after a run that
failed at its very end, a table with a few words more: the stems are right).
Words of deleted articles stay in the table (it is a cache of stems).

A missing or unreadable table is not an error: the index is searchable
without it (Sastrawi is called for every word, as before the table existed);
opening logs one warning line naming the file (nothing for a missing one),
and the next indexing run writes a table of the words it indexes.
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import os
import zlib
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from searcher import stemmer
from searcher.files import written_atomically

FILE_NAME = "stems.tsv.gz"
TEMPORARY_PATTERN = f".{FILE_NAME}.*.tmp"  # written, then renamed to FILE_NAME
MAGIC = "# searcher stem table"
# Marks a table holding every word of its index (built with it from the start, or
# rebuilt): "not in the table" then means "not in the index".
COMPLETE = "complete"
log = logging.getLogger("searcher")


@cache
def fingerprint() -> str:
    """Names the rules a table's stems were made by (see the module docs)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        sastrawi = version("PySastrawi")
    except PackageNotFoundError:
        sastrawi = "?"
    digest = hashlib.sha256()
    digest.update(f"{stemmer.RULES_VERSION}\0{sastrawi}\0".encode())
    digest.update("\n".join(sorted(stemmer.protected_words())).encode())
    return digest.hexdigest()[:16]


def table_path(folder: str | os.PathLike) -> Path:
    return Path(folder) / FILE_NAME


# A table holds a few words a kilobyte, compressed about 3 to 1; one that unpacks to
# more than this many times its size (and over MAX_UNPACKED_SLACK) is not ours: a
# gzip bomb took the process down with MemoryError (#24).
MAX_RATIO = 20
MAX_UNPACKED_SLACK = 16 << 20


class _Unusable(Exception):
    """A table that is there but cannot be used (the message says why)."""


def _unpacked(path: Path) -> str:
    data = path.read_bytes()
    limit = MAX_RATIO * len(data) + MAX_UNPACKED_SLACK
    try:
        inflater = zlib.decompressobj(wbits=47)  # gzip or zlib header
        text = inflater.decompress(data, limit + 1)
        if len(text) > limit or inflater.unconsumed_tail:
            raise _Unusable(f"it unpacks to more than {limit:,} bytes (not a stem table)")
        if not inflater.eof:
            raise _Unusable("it is truncated")
        return text.decode("utf-8")
    except (zlib.error, UnicodeDecodeError) as error:
        raise _Unusable(f"{type(error).__name__}: {error}") from None


def _parse(folder: str | os.PathLike) -> dict[str, str]:
    """The table in ``folder`` (FileNotFoundError: none; _Unusable: why it is unusable)."""
    path = table_path(folder)
    try:
        data = _unpacked(path)
    except FileNotFoundError:
        raise
    except OSError as error:
        raise _Unusable(str(error)) from None
    header, _, body = data.partition("\n")
    if not header.startswith(MAGIC):
        raise _Unusable("it has no header line")
    if header.removesuffix(f" {COMPLETE}") != f"{MAGIC} {fingerprint()}":
        raise _Unusable("it was made by other stemming rules")
    table: dict[str, str] = {}
    for line in body.splitlines():
        word, tab, stem = line.partition("\t")
        if word:
            table[word] = stem if tab else word
    return table


def read_table(folder: str | os.PathLike) -> dict[str, str]:
    """The stem table saved in ``folder`` (empty when there is none or it cannot be
    used; a table that is there but unusable is logged as one warning line)."""
    try:
        return _parse(folder)
    except FileNotFoundError:
        return {}
    except _Unusable as error:
        log.warning(
            "stem table %s is unusable (%s); stemming without it", table_path(folder), error
        )
        return {}


def problem(folder: str | os.PathLike) -> str | None:
    """Why the table in ``folder`` cannot be used, or None (usable, or none there)."""
    try:
        _parse(folder)
    except FileNotFoundError:
        return None
    except _Unusable as error:
        return str(error)
    return None


def write_table(folder: str | os.PathLike, table: dict[str, str], complete: bool = False) -> Path:
    """Save ``table`` in ``folder`` atomically (temporary file, then rename);
    ``complete``: it holds every word of the index."""
    path = table_path(folder)
    lines = [f"{MAGIC} {fingerprint()}" + (f" {COMPLETE}" if complete else "")]
    lines += [
        word if stem == word else f"{word}\t{stem}"
        for word, stem in table.items()
        if word and "\t" not in word and "\n" not in word
    ]
    with written_atomically(path) as out:
        out.write(
            gzip.compress(("\n".join(lines) + "\n").encode("utf-8"), compresslevel=6, mtime=0)
        )
    return path


def is_complete(folder: str | os.PathLike, vocabulary: stemmer.Vocabulary | None = None) -> bool:
    """Whether ``folder``'s table holds every word of its index, by our rules (an index
    that had articles before it had a table has an incomplete one), and is usable (a
    damaged table read as empty must not make every word look absent). ``vocabulary``
    (default: the current one) remembers what its last :func:`load` found."""
    try:
        with gzip.open(table_path(folder), "rt", encoding="utf-8") as stream:
            header = stream.readline(4096).rstrip("\n")  # bounded: a bomb has no newline
    except (OSError, EOFError, zlib.error, UnicodeDecodeError):
        return False
    if header != f"{MAGIC} {fingerprint()} {COMPLETE}":
        return False
    version = _version(table_path(folder))
    vocabulary = vocabulary or stemmer.current()
    known = vocabulary.tables.get(str(table_path(folder).resolve()))
    if version is not None and known is not None and known[0] == version:
        return known[1]
    return problem(folder) is None


def _version(path: Path) -> tuple | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return (stat.st_mtime_ns, stat.st_size)


def load(folder: str | os.PathLike, vocabulary: stemmer.Vocabulary | None = None) -> int:
    """Add the stems of the table in ``folder`` to ``vocabulary`` (default: the
    current one); how many. It is then complete if the table is.

    A table already loaded, unchanged since, is not read again (an index is
    opened again by each indexing batch and each server start of a test)."""
    vocabulary = vocabulary or stemmer.current()
    path = table_path(folder)
    version = _version(path)
    key = str(path.resolve())
    loaded = vocabulary.tables.get(key)
    if version is not None and loaded is not None and loaded[0] == version:
        return 0
    try:
        table = _parse(folder)
    except FileNotFoundError:
        table = {}
    except _Unusable as error:
        log.warning("stem table %s is unusable (%s); stemming without it", path, error)
        table = None
    vocabulary.add((table or {}).items())
    if version is not None:
        vocabulary.tables[key] = (version, table is not None)
    vocabulary.complete = is_complete(folder, vocabulary)
    return len(table or {})


def merge(table: dict[str, str], entries: Iterable[tuple[str, str]]) -> None:
    """Add ``entries`` to ``table`` (a word already there keeps its stem)."""
    for word, stem in entries:
        table.setdefault(word, stem)
