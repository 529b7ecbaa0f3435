"""Exporting a result set: CSV or JSON Lines, streamed, up to :data:`EXPORT_LIMIT` rows.

Both formats have the columns of a hit in the API (``Hit.to_json``:
:data:`COLUMNS`), in result order:

* JSON Lines: one ``Hit.to_json()`` object a line, exactly as ``/api/search``
  gives them (the snippet as HTML with ``<mark>``);
* CSV (RFC 4180, UTF-8, a header line): the same columns, flattened for a
  spreadsheet: ``snippet`` as plain text, ``story`` the story's id (and
  ``story_size`` after it), ``copies`` the other versions' ids separated by
  spaces. A text cell starting with ``=``, ``+``, ``-``, ``@`` or a tab gets a
  leading ``'``, so a spreadsheet shows it instead of running it as a formula.

Rows are produced page by page (:data:`PAGE_SIZE` hits a search), so the
first rows leave before the last are found and memory stays flat.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator

from searcher.errors import QueryError
from searcher.models import Hit

EXPORT_LIMIT = 10_000  # rows at most in one export
PAGE_SIZE = 100  # hits fetched per search (the request limit per_page)
COLUMNS = (
    "id",
    "title",
    "url",
    "source",
    "category",
    "published",
    "score",
    "snippet",
    "story",
    "story_size",
    "versions",
    "copies",
)
FORMATS = ("csv", "jsonl")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_UNPRINTABLE = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def check_limit(limit: int | None) -> int:
    if limit is None:
        return EXPORT_LIMIT
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= EXPORT_LIMIT:
        raise QueryError(f"limit: expected a whole number from 1 to {EXPORT_LIMIT}, got {limit!r}")
    return limit


def hits(
    index,
    text: str,
    *,
    filters=None,
    sort: str = "relevance",
    collapse: bool | str = "story",
    as_typed: bool = False,
    limit: int | None = None,
    first_page=None,
) -> Iterator[Hit]:
    """The first ``limit`` hits of a search, page by page (``first_page``: the first
    page's result, when the caller ran it already to check the request)."""
    limit = check_limit(limit)
    page, sent = 1, 0
    while sent < limit:
        result = (
            first_page
            if page == 1 and first_page is not None
            else index.search(
                text,
                page=page,
                per_page=PAGE_SIZE,
                filters=filters,
                sort=sort,
                collapse=collapse,
                as_typed=as_typed,
            )
        )
        for hit in result.hits[: limit - sent]:
            yield hit
            sent += 1
        if len(result.hits) < PAGE_SIZE or page * PAGE_SIZE >= result.total:
            return
        page += 1


def first_page(
    index,
    text: str,
    *,
    filters=None,
    sort: str = "relevance",
    collapse: bool | str = "story",
    as_typed: bool = False,
):
    """The first page of an export's search (raises QueryError before anything is sent)."""
    return index.search(
        text,
        page=1,
        per_page=PAGE_SIZE,
        filters=filters,
        sort=sort,
        collapse=collapse,
        as_typed=as_typed,
    )


def csv_row(hit: Hit) -> list:
    data = hit.to_json()
    data["snippet"] = hit.snippet.text
    data["story"] = hit.story or ""
    data["story_size"] = hit.story_size if hit.story else ""
    data["copies"] = " ".join(copy.id for copy in hit.copies)
    data["published"] = data["published"] or ""
    return [_cell(data[column]) for column in COLUMNS]


def _cell(value):
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def csv_lines(found: Iterator[Hit]) -> Iterator[str]:
    """The CSV text, a line (or a few) at a time, header first."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for number, hit in enumerate(found, 1):
        writer.writerow(csv_row(hit))
        if number % 50 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def jsonl_lines(found: Iterator[Hit]) -> Iterator[str]:
    """One JSON object a line; C1 and bidi controls escaped (still the same JSON), so
    a line shown on a terminal cannot move its cursor or reorder text."""
    for hit in found:
        text = json.dumps(hit.to_json(), ensure_ascii=False)
        yield _UNPRINTABLE.sub(lambda m: f"\\u{ord(m.group()):04x}", text) + "\n"


def lines(fmt: str, found: Iterator[Hit]) -> Iterator[str]:
    if fmt not in FORMATS:
        raise QueryError(f"format: expected one of {', '.join(FORMATS)}, got {fmt!r}")
    return csv_lines(found) if fmt == "csv" else jsonl_lines(found)
