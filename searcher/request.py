"""A search request: its options and limits, checked, and its time budget.

Both backends and the web front end take their limits from here (one place
to change what a request may ask for); a bad option is a
:class:`~searcher.errors.QueryError` naming the parameter.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from searcher import checks
from searcher.dates import DateError, parse_user_date
from searcher.errors import QueryError

# "blend": relevance times a date decay (Ranking.recency_days), #21.
SORTS = ("relevance", "newest", "oldest", "blend")
MAX_QUERY_CHARS = 1000
MAX_PER_PAGE = 100
MAX_PAGE = 10_000
MAX_EXPANSIONS = 64  # words a wildcard or fuzzy term may expand to
MAX_FUZZY_DISTANCE = 2
FUZZY_PREFIX = 2
# Wildcard and fuzzy words per query: each walks the term dictionary and adds
# up to MAX_EXPANSIONS words (about 100 "word~2" took 3.8 s on CLICK-ID, #12).
MAX_EXPANDING_TERMS = 5
# Letters a wildcard word needs before its first * or ?: "*an*" or "?perdagangan"
# scanned every field's whole dictionary (0.5 s per field for a rare pattern on
# CLICK-ID, 17.8 s for one soak query under load), out of reach of the time budget.
WILDCARD_PREFIX = 2
# A fuzzy word longer than this is looked up as it is: nothing real is two
# edits away from a 1,000-letter word, and its automaton is huge (#12).
MAX_FUZZY_LETTERS = 30
MAX_NESTING = 20  # brackets inside brackets (497 levels overflowed Python's stack, #12)
# A search's budget: past it the search stops with a QueryError instead of
# holding a server thread (#12). Every query of the hardening list answers in
# well under 1 s on CLICK-ID (BENCHMARKS.md); this only stops what was missed.
QUERY_SECONDS = 5.0
NO_WORDS = (
    "q: the query has no words to search for (only punctuation or very common "
    "words); type a word, or * for every article"
)


@dataclass(frozen=True)
class Filters:
    """Restrictions on what a search returns (all optional, combined with AND)."""

    sources: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    since: datetime | None = None
    until: datetime | None = None

    @classmethod
    def build(
        cls,
        *,
        source: str | Sequence[str] | None = None,
        category: str | Sequence[str] | None = None,
        since: str | datetime | None = None,
        until: str | datetime | None = None,
    ) -> Filters:
        """Filters from user values (dates as ISO/Indonesian strings or datetimes)."""

        def moment(value, name, end):
            if value is None or isinstance(value, datetime):
                return value
            if not str(value).strip():
                return None
            try:
                return parse_user_date(str(value), end=end)
            except DateError as error:
                raise QueryError(f"{name}: {error}") from None

        filters = cls(
            checks.filter_values(source, "source"),
            checks.filter_values(category, "category"),
            moment(since, "since", False),
            moment(until, "until", True),
        )
        if filters.since and filters.until and filters.since > filters.until:
            raise QueryError("since: the start date is after the end date (until)")
        return filters


def check_request(page, per_page, sort, filters) -> tuple[int, int, str, Filters | None]:
    """A search's options checked (QueryError naming the bad one), filters built."""
    page, per_page = check_paging(page, per_page)
    if sort not in SORTS:
        raise QueryError(f"sort: expected one of {', '.join(SORTS)}, got {sort!r}")
    if isinstance(filters, dict):
        try:
            filters = Filters.build(**filters)
        except TypeError:
            raise QueryError(
                f"filters: expected the keys source, category, since and until, "
                f"got {', '.join(map(str, filters))}"
            ) from None
    elif filters is not None and not isinstance(filters, Filters):
        raise QueryError(f"filters: expected Filters or a dict, got {type(filters).__name__}")
    return page, per_page, sort, filters


def check_paging(page, per_page) -> tuple[int, int]:
    for name, value, top in (("page", page, MAX_PAGE), ("per_page", per_page, MAX_PER_PAGE)):
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= top:
            raise QueryError(f"{name}: expected a whole number from 1 to {top}, got {value!r}")
    return page, per_page


class Deadline:
    """When the current thread's search must stop (``QUERY_SECONDS`` after its start).

    One per index (a thread runs one search at a time on it); :meth:`check` is
    called between steps of the search that may take long (evaluating a query
    node, walking a dictionary for wildcard words).
    """

    def __init__(self, seconds: float = QUERY_SECONDS):
        self.seconds = seconds
        self._local = threading.local()  # .at: this thread's deadline (monotonic)

    def start(self) -> None:
        self._local.at = time.monotonic() + self.seconds

    def stop(self) -> None:
        self._local.at = None

    @property
    def running(self) -> bool:
        return getattr(self._local, "at", None) is not None

    def check(self) -> None:
        """Raise QueryError once this thread's search has used up its seconds."""
        deadline = getattr(self._local, "at", None)
        if deadline is not None and time.monotonic() >= deadline:
            raise QueryError(
                f"q: the query needs more than {self.seconds:g} s; make it "
                "simpler (fewer words, wildcards or fuzzy words)"
            )
