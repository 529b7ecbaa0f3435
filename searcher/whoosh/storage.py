"""The index folder: where it is, its schema and version, and opening it.

Both sides of the Whoosh backend use it: :mod:`searcher.whoosh.writer` writes the
folder, :mod:`searcher.whoosh.reader` reads it, and the query parser takes
the schema's field analysers from here.
"""

from __future__ import annotations

import os
from pathlib import Path

from searcher import stemtable
from searcher.errors import (
    IndexDamagedError,
    IndexNotFoundError,
    IndexVersionError,
    SearcherError,
)
from searcher.schema import SCHEMA_VERSION, make_schema
from searcher.whoosh import verify

DEFAULT_INDEX = "index"
INDEX_NAME = "searcher"  # Whoosh index name inside the folder (files _searcher_*.toc)


def default_index_dir() -> str:
    """``$SEARCHER_INDEX`` or ``index/``."""
    return os.environ.get("SEARCHER_INDEX") or DEFAULT_INDEX


def index_exists(path: str | os.PathLike) -> bool:
    """Whether ``path`` holds an index (a table of contents; not read: a damaged index
    exists, and opening it says what is wrong)."""
    return Path(path).is_dir() and verify.latest_toc(Path(path)) is not None


def open_whoosh_index(path: str | os.PathLike):
    """Open an existing index, with errors a user can act on (a damaged file is an
    :class:`IndexDamagedError` naming it)."""
    if not index_exists(path):
        raise IndexNotFoundError(str(path))
    storage = verify.ClosingStorage(str(path))
    try:
        with storage.closing_on_error():
            ix = storage.open_index(INDEX_NAME)
            # Opens every segment's terms and reads stored fields: most damage shows here.
            version = _stored_version(ix) if "schema_version" in ix.schema else None
    except Exception as error:  # Whoosh raises many types for unreadable files
        raise damaged(path, error) from error
    if (
        "schema_version" not in ix.schema
        or set(ix.schema.names()) != set(make_schema().names())
        or version not in (None, SCHEMA_VERSION)
    ):
        raise IndexVersionError(
            f"the index in {path} was built by another version of searcher; "
            f"rebuild it with: python -m searcher index SOURCE --rebuild --index {path}"
        )
    # The words the index holds, with their stems: queries, snippets and a
    # re-indexing run then call Sastrawi for new words only.
    stemtable.load(path)
    return ix


def damaged(path: str | os.PathLike, error: Exception) -> SearcherError:
    """The error for an index that Whoosh could not open: the damaged file named when
    checking the folder finds it, else Whoosh's own words."""
    try:
        found = verify.first_problem(path)
    except Exception:  # the check itself met the damage in a way it did not expect
        found = None
    if found is None:
        return SearcherError(
            f"cannot open the index in {path}: {type(error).__name__}: "
            f"{error}; check it with: python -m searcher check --index {path}"
        )
    return IndexDamagedError(str(path), str(found))


def _stored_version(ix) -> int | None:
    """The schema version written with the documents (None for an empty index)."""
    with ix.reader() as reader:
        for docnum in reader.all_doc_ids():
            return reader.stored_fields(docnum).get("schema_version")
    return None
