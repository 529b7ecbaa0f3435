"""JSON Lines files (``.jsonl``, ``.ndjson``, optionally gzip-compressed): one JSON
object per line, each a record; a line that is not one is a rejection naming
``file:line`` and why, and the reading goes on.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from searcher.ingest.lines import BOM, MAX_RECORD_BYTES, bounded_lines, open_binary, too_long
from searcher.ingest.records import article_from_record
from searcher.models import Article, Rejected


def read_jsonl(
    path: Path, *, max_record_bytes: int = MAX_RECORD_BYTES
) -> Iterator[Article | Rejected]:
    """Articles from a JSON Lines file (optionally gzip-compressed)."""
    with open_binary(path) as stream:
        for number, raw in bounded_lines(stream, max_record_bytes, skip_blank=True):
            location = f"{path}:{number}"
            if raw is None:
                yield Rejected(location, too_long(max_record_bytes))
                continue
            if number == 1 and raw.startswith(BOM):
                raw = raw[len(BOM) :]
            if not raw.strip():
                continue
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as error:
                yield Rejected(
                    location,
                    f"not valid UTF-8 (byte {raw[error.start]:#04x} at column {error.start + 1})",
                )
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                yield Rejected(location, f"broken JSON: {error.msg} at column {error.colno}")
                continue
            except RecursionError:
                yield Rejected(location, "broken JSON: nested too deeply")
                continue
            if not isinstance(record, dict):
                yield Rejected(location, f"expected a JSON object, got {type(record).__name__}")
                continue
            yield article_from_record(record, location)
