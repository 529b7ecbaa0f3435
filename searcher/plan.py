"""A parsed query as plain data, for search backends other than Whoosh.

:func:`searcher.search.plan_query` runs the one query parser we have (Whoosh's,
with our analysis, synonyms, negation and date handling) and turns its tree
into these nodes, so a second backend compiles the very same query into its
own syntax instead of parsing the user's text again.

Fields are the index fields: ``title``/``body`` hold stems, ``title_exact``/
``body_exact`` hold unstemmed words. Restrictions (source, category, dates)
are not nodes of the match tree but fields of :class:`QueryPlan`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from searcher.snippets import MatchTerms


@dataclass(frozen=True)
class Term:
    field: str
    text: str


@dataclass(frozen=True)
class Phrase:
    field: str
    words: tuple[str, ...]


@dataclass(frozen=True)
class Pattern:
    """A wildcard word: ``*`` any letters, ``?`` one letter (``korup*``)."""

    field: str
    text: str


@dataclass(frozen=True)
class Fuzzy:
    """A word or its near spellings (``korupsi~``) within ``distance`` edits."""

    field: str
    text: str
    distance: int


@dataclass(frozen=True)
class AllOf:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class AnyOf:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Preferring:
    """``required`` must match; documents also matching ``optional`` rank higher."""

    required: Node
    optional: Node


@dataclass(frozen=True)
class Excluding:
    """Documents matching ``positive`` but not ``negative``."""

    positive: Node
    negative: Node


@dataclass(frozen=True)
class Everything:
    """Every document (a query of only restrictions or only exclusions)."""


@dataclass(frozen=True)
class Nothing:
    """No document (e.g. a wildcard that matches no word)."""


Node = (Term | Phrase | Pattern | Fuzzy | AllOf | AnyOf | Preferring | Excluding | Everything
        | Nothing)


@dataclass(frozen=True)
class Restriction:
    """Documents whose ``field`` (source or category) is one of ``values``, or
    with ``negated``, none of them."""

    field: str
    values: tuple[str, ...]
    negated: bool = False


@dataclass(frozen=True)
class QueryPlan:
    """Everything a backend needs to run a query the way the Whoosh backend does."""

    match: Node
    restrictions: tuple[Restriction, ...] = ()
    since: datetime | None = None
    until: datetime | None = None
    highlight: MatchTerms = field(default_factory=MatchTerms)
