"""Per-document data of an index's segments, read once: field lengths, dates, facet values.

A segment never changes once written (deletions are kept apart), so what is
read from it is kept by :class:`SegmentData`, owned by the open index and
shared by its threads and generations: eight server threads were each
reading every segment's columns at start-up before.
"""

from __future__ import annotations

from datetime import date, datetime

import numpy as np

from searcher.lru import LRU
from searcher.whoosh import internals

DAY_MICROSECONDS = internals.DATETIME_DAY  # a day in a date column's raw numbers
FACET_FIELDS = ("source", "category")
SEGMENT_DATA_ENTRIES = 1024  # a few per segment: field lengths, dates, facet values


class SegmentData:
    """What was read from each segment, by segment id (least recently used out first)."""

    GENERATIONS = 4  # data kept for the segments of this many recent generations

    def __init__(self, entries: int = SEGMENT_DATA_ENTRIES):
        self._cache = LRU(entries)
        self._generations: list[frozenset] = []  # segment ids of recent generations

    def _per_segment(self, reader, what: str, compute):
        """``compute()`` for one segment, done once for every reader of it."""
        segment = reader.segment() if hasattr(reader, "segment") else None
        if segment is None:  # not a plain segment reader: nothing to share it with
            return compute()
        return self._cache.get_or_compute((segment.segment_id(), what), compute)

    def lengths(self, reader, fieldname: str) -> list:
        """Every document's length of ``fieldname`` in one segment (a list: Whoosh's scorer
        looks lengths up one at a time)."""
        return self._per_segment(
            reader, f"lengths:{fieldname}", lambda: internals.field_lengths(reader, fieldname)
        )

    def length_array(self, reader, fieldname: str) -> np.ndarray:
        return self._per_segment(
            reader,
            f"length array:{fieldname}",
            lambda: np.array(self.lengths(reader, fieldname), dtype=np.float64),
        )

    def columns(self, reader) -> dict:
        """Per-document dates and facet values of one segment."""
        return self._per_segment(reader, "columns", lambda: read_columns(reader))

    def prepare(self, reader) -> None:
        """Read every segment's columns and field lengths of a new generation now, while
        its files are there: an index rebuilt meanwhile deletes them, and a searcher
        not yet refreshed would read nothing from them (#24). Searches read the same
        data anyway, so this is the first search's work done earlier.

        Data of segments that none of the last :attr:`GENERATIONS` generations holds
        (merged away, deleted by a rebuild) is dropped: a server beside ``fetch
        --every`` kept every small segment's data it had ever read (#24)."""
        segments = frozenset(
            leaf.segment().segment_id()
            for leaf, _ in reader.leaf_readers()
            # an empty index's reader has no segment
            if getattr(leaf, "segment", None) is not None and leaf.segment() is not None
        )
        if segments not in self._generations:
            self._generations = [*self._generations, segments][-self.GENERATIONS :]
            recent = frozenset().union(*self._generations)
            self._cache.retain(lambda key: key[0] in recent)
        for leaf, _ in reader.leaf_readers():
            if not leaf.doc_count_all():
                continue  # an empty index's reader has no columns
            # Opens the stored fields' file now: Whoosh opens it at the first use, and a
            # commit that merged the segment away has deleted it by then (a 500 in the
            # soak beside fetch --every, #24).
            leaf.stored_fields(0)
            self.columns(leaf)
            for fieldname, field in leaf.schema.items():
                if field.scorable:
                    self.lengths(leaf, fieldname)


def read_columns(reader) -> dict:
    raw = list(reader.column_reader("published", translate=False))
    is_date = {value: as_datetime(value) is not None for value in set(raw)}
    dated = np.array([is_date[value] for value in raw], dtype=bool)
    moments = np.array([value if is_date[value] else 0 for value in raw], dtype=np.int64)
    # Days as numbers, named once each ("2019-09-01"), not one strftime per article.
    day_numbers = np.where(dated, moments // DAY_MICROSECONDS, -1)
    numbers, codes = np.unique(day_numbers, return_inverse=True)
    names = [date.fromordinal(int(n) + 1).isoformat() if n >= 0 else None for n in numbers]
    columns = {
        "published": moments,
        "dated": dated,
        "facet:day": (codes.ravel(), names),
        # When each article was indexed (saved searches: what is new, #26).
        "indexed": np.array(list(reader.column_reader("indexed", translate=False)), dtype=np.int64),
    }
    for name in FACET_FIELDS:
        columns[f"facet:{name}"] = _codes(list(reader.column_reader(name)))
    return columns


def _codes(values: list) -> tuple[np.ndarray, list]:
    """Values as small integers and the list they index (for counting with bincount)."""
    names: dict = {}
    codes = np.array([names.setdefault(value, len(names)) for value in values], dtype=np.int64)
    return codes, list(names)


def as_datetime(value) -> datetime | None:
    """A published-column value as a datetime; None for undated articles.

    The column holds Whoosh's integer form of the datetime
    (:func:`searcher.whoosh.internals.column_datetime` reads it), and an undated
    article holds the column's "missing" sentinel (or 0), which is no date.
    """
    if value is None:
        return None
    moment = value if isinstance(value, datetime) else internals.column_datetime(value)
    # A segment without any dated article reads back as year 1: no date either.
    return moment if moment is not None and moment.year > 1 else None
