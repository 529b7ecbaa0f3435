"""The index folder: where it is, its schema and version, and opening it.

Both sides of the Whoosh backend use it: :mod:`searcher.whoosh.writer` writes the
folder, :mod:`searcher.whoosh.reader` reads it, and the query parser takes
the schema's field analysers from here.
"""

from __future__ import annotations

import os
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.fields import DATETIME, ID, KEYWORD, STORED, Schema

from searcher import stemtable
from searcher.analysis import (
    LEAD_PAIRS,
    AnalysedText,
    exact_analyzer,
    pair_analyzer,
    stemming_analyzer,
)
from searcher.categories import CategoryFilter
from searcher.errors import IndexNotFoundError, IndexVersionError, SearcherError

DEFAULT_INDEX = "index"
INDEX_NAME = "searcher"  # Whoosh index name inside the folder (files _searcher_*.toc)
# Bump when the fields or the analysis change: old indexes must be rebuilt.
SCHEMA_VERSION = 5  # 5: CLICK-ID bodies in paragraphs (#21)


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
        body_pairs=AnalysedText(
            "pairs", LEAD_PAIRS, analyzer=pair_analyzer(LEAD_PAIRS), phrase=False
        ),
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
    if (
        "schema_version" not in ix.schema
        or set(ix.schema.names()) != set(make_schema().names())
        or _stored_version(ix) not in (None, SCHEMA_VERSION)
    ):
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
