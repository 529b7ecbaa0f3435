"""CSV files (optionally gzip-compressed): a header row naming the fields, then one
record a row; a quoted field may span lines, lines are bounded, undecodable bytes
cost their row only, and old Mac line ends (a lone CR) end a line too.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from pathlib import Path

from searcher.ingest.lines import BOM, MAX_RECORD_BYTES, bounded_lines, open_binary, too_long
from searcher.ingest.records import article_from_record
from searcher.models import Article, Rejected

_LONE_CR = re.compile(r"(?<=\r)(?!\n)")


def read_csv(
    path: Path, *, max_record_bytes: int = MAX_RECORD_BYTES
) -> Iterator[Article | Rejected]:
    """Articles from a CSV file with a header row (optionally gzip-compressed)."""
    # A quoted field may span lines: it is bounded too (the limit is per process).
    csv.field_size_limit(max_record_bytes)
    skipped: list[int] = []  # lines too long, reported after the row that followed them

    def lines(binary) -> Iterator[str]:
        for number, raw in bounded_lines(binary, max_record_bytes, skip_blank=False):
            if raw is None:
                skipped.append(number)
                continue
            if number == 1 and raw.startswith(BOM):
                raw = raw[len(BOM) :]
            # surrogateescape keeps undecodable bytes visible per record instead of
            # aborting the whole file at the first one.
            text = raw.decode("utf-8", "surrogateescape") + "\n"
            if "\r" in text[:-2]:  # old Mac line ends: a lone \r ends a line too
                yield from _LONE_CR.split(text)
            else:
                yield text

    def lines_too_long() -> Iterator[Rejected]:
        while skipped:
            yield Rejected(f"{path}:{skipped.pop(0)}", too_long(max_record_bytes))

    with open_binary(path) as binary:
        reader = csv.reader(lines(binary))
        try:
            header = next(reader)
        except StopIteration:
            yield from lines_too_long()
            return
        except csv.Error as error:
            yield Rejected(f"{path}:1", f"broken CSV header: {error}")
            return
        names = [name.strip() for name in header]
        while True:
            start = reader.line_num + 1
            try:
                row = next(reader)
            except StopIteration:
                yield from lines_too_long()
                return
            except csv.Error as error:
                yield from lines_too_long()
                yield Rejected(f"{path}:{start}", f"broken CSV: {error}")
                continue
            yield from lines_too_long()
            location = f"{path}:{start}"
            if not any(cell.strip() for cell in row):
                continue
            if len(row) > len(names):
                yield Rejected(location, f"{len(row)} fields but the header has {len(names)}")
                continue
            bad = next((cell for cell in row if _has_undecodable(cell)), None)
            if bad is not None:
                yield Rejected(location, "not valid UTF-8")
                continue
            # Short rows leave the missing trailing fields empty.
            yield article_from_record(dict(zip(names, row, strict=False)), location)


def _has_undecodable(text: str) -> bool:
    return any("\udc80" <= ch <= "\udcff" for ch in text)
