"""Ingest: reading articles from corpus files (JSON Lines, CSV, folders of documents).

Every reader yields :class:`~searcher.models.Article` for good records and
:class:`~searcher.models.Rejected` (with ``file:line`` and a reason) for bad
ones, and keeps going: one broken line never costs the rest of the file.

* ``.jsonl`` / ``.jsonl.gz`` / ``.ndjson``: one JSON object per line.
* ``.csv`` / ``.csv.gz``: a header row naming the fields.
* folders: every ``.jsonl``/``.csv`` file below is read as above, and every
  ``.txt``, ``.md``, ``.html``/``.htm`` file is one article (README, LICENSE
  and hidden files are skipped).

Field names are matched case-insensitively with aliases (``content`` and
``text`` are the body, ``date`` is the publication date, ``title_slug`` a
fallback title); see ``corpus/README.md``.

Limits (bad input costs bounded memory and time): a line (a JSON record, a CSV
line) or a document file holds at most :data:`MAX_RECORD_BYTES` and is rejected
unread beyond that; an article's body holds at most :data:`MAX_BODY_CHARS`
characters and its title :data:`MAX_TITLE_CHARS` (after cleaning), its id
:data:`MAX_ID_CHARS`, else it is rejected with the reason. Every text is cleaned
(:mod:`searcher.cleaning`); an id that cannot be encoded is rejected, and a
``url`` that is not an http(s) link is dropped. In folders only regular files are
read (FIFOs, sockets and devices are skipped with a note), and links leading out
of the folder are only followed with ``follow_links``. A UTF-8 byte order mark is
accepted in every format.

One concept per module: :mod:`~searcher.ingest.files` (which paths, in which
order, by format), :mod:`~searcher.ingest.lines` (bounded lines),
:mod:`~searcher.ingest.jsonl` and :mod:`~searcher.ingest.csv_files` (record
files), :mod:`~searcher.ingest.records` (fields and aliases),
:mod:`~searcher.ingest.articles` (cleaning and limits),
:mod:`~searcher.ingest.url_dates` (the Kompas date fix),
:mod:`~searcher.ingest.documents` and :mod:`~searcher.ingest.html_text` (one
file, one article). ``searcher.readers`` is the old name of this package (#25).
"""

from __future__ import annotations

from searcher.ingest.articles import (
    MAX_BODY_CHARS,
    MAX_ID_CHARS,
    MAX_TITLE_CHARS,
    id_too_long,
    make_article,
)
from searcher.ingest.csv_files import read_csv
from searcher.ingest.documents import read_document
from searcher.ingest.files import (
    DOCUMENT_SUFFIXES,
    RECORD_SUFFIXES,
    SKIPPED_NAMES,
    CorpusError,
    read_articles,
    source_paths,
)
from searcher.ingest.jsonl import read_jsonl
from searcher.ingest.lines import MAX_RECORD_BYTES, bounded_lines
from searcher.ingest.records import FIELD_ALIASES, article_from_record

__all__ = [
    "DOCUMENT_SUFFIXES",
    "FIELD_ALIASES",
    "MAX_BODY_CHARS",
    "MAX_ID_CHARS",
    "MAX_RECORD_BYTES",
    "MAX_TITLE_CHARS",
    "RECORD_SUFFIXES",
    "SKIPPED_NAMES",
    "CorpusError",
    "article_from_record",
    "bounded_lines",
    "id_too_long",
    "make_article",
    "read_articles",
    "read_csv",
    "read_document",
    "read_jsonl",
    "source_paths",
]
