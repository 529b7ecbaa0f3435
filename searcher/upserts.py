"""The bookkeeping of an indexing run, the same on every backend.

Records arrive from the readers; rejected ones are reported, a repeated id
within one run is rejected (the first is kept), and each article is added,
updated or skipped as unchanged by its content hash. A backend only says
what hash it already holds for an id and writes what it is told to.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum

from searcher.ingest import MAX_ID_CHARS, id_too_long
from searcher.models import Article, IndexReport, Rejected


class Change(Enum):
    ADD = "add"
    UPDATE = "update"
    UNCHANGED = "unchanged"


class Upserts:
    """Counts one run into ``report`` (``on_record`` and ``on_reject`` as in
    :func:`searcher.build_index`)."""

    def __init__(
        self,
        report: IndexReport,
        on_record: Callable[[Article | Rejected], None] | None = None,
        on_reject: Callable[[Rejected], None] | None = None,
    ):
        self.report = report
        self.on_record = on_record
        self.on_reject = on_reject
        self._seen: dict[str, str] = {}  # id -> where it was first seen

    def article(self, record: Article | Rejected) -> Article | None:
        """The record if it is an article to index, else None (reported as rejected)."""
        if self.on_record is not None:
            self.on_record(record)
        if isinstance(record, Rejected):
            self.reject(record)
            return None
        if len(record.id) > MAX_ID_CHARS:  # an Article made by the caller, not a reader
            self.reject(Rejected(record.origin or record.id[:80], id_too_long(record.id)))
            return None
        if record.id in self._seen:
            self.reject(
                Rejected(
                    record.origin or record.id,
                    f"duplicate id {record.id!r} (first seen at {self._seen[record.id]}); skipped",
                )
            )
            return None
        self._seen[record.id] = record.origin or "?"
        return record

    def reject(self, item: Rejected) -> None:
        self.report.rejected.append(item)
        if self.on_reject is not None:
            self.on_reject(item)

    def change(self, article: Article, known_hash: str | None) -> Change:
        """What to do with ``article`` given the hash the index holds for its id, counted."""
        if known_hash == article.content_hash:
            self.report.unchanged += 1
            return Change.UNCHANGED
        if known_hash is None:
            self.report.added += 1
            return Change.ADD
        self.report.updated += 1
        return Change.UPDATE
